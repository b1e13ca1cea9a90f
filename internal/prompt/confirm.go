package prompt

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ErrNoAnswer means a question needed a terminal to be answered on.
var ErrNoAnswer = errors.New("there is no terminal to answer on")

// YesNo asks question on the controlling terminal, showing [y/N]: y or
// yes is yes; any other answer, or none, is no.
func YesNo(question string) (bool, error) {
	a, err := askTTY(question + " [y/N] ")
	return err == nil && (a == "y" || a == "yes"), err
}

// Confirm asks question on the controlling terminal with two answers, as
// age plugins ask: yes (the word, or its first letter when no does not
// start with it too) or anything else, no. With no == "" the question is
// an acknowledgement and any answer, Enter included, is yes.
func Confirm(question, yes, no string) (bool, error) {
	shown := fmt.Sprintf("%s [%s/%s] ", question, yes, no)
	if no == "" {
		shown = fmt.Sprintf("%s [%s] ", question, yes)
	}
	a, err := askTTY(shown)
	if err != nil {
		return false, err
	}
	return isYes(a, yes, no), nil
}

func isYes(a, yes, no string) bool {
	if no == "" {
		return true
	}
	y, n := strings.ToLower(yes), strings.ToLower(no)
	return a != "" && (a == y || a == y[:1] && !strings.HasPrefix(n, a))
}

// askTTY shows prompt on the controlling terminal and returns the answer
// line, trimmed and in lower case.
func askTTY(prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", ErrNoAnswer
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return "", ErrNoAnswer
	}
	return ask(tty, tty, prompt)
}

func ask(in io.Reader, out io.Writer, prompt string) (string, error) {
	fmt.Fprint(out, prompt)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read the answer: %w", err)
	}
	return strings.ToLower(strings.TrimSpace(line)), nil
}
