package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"
)

// clipboardTools are tried in order: the first installed one is used.
var clipboardTools = []struct {
	copy, paste []string
	needs       string // environment variable the tool needs, or ""
}{
	{[]string{"wl-copy"}, []string{"wl-paste", "--no-newline"}, "WAYLAND_DISPLAY"},
	{[]string{"xclip", "-selection", "clipboard"}, []string{"xclip", "-selection", "clipboard", "-o"}, "DISPLAY"},
	{[]string{"xsel", "--clipboard", "--input"}, []string{"xsel", "--clipboard", "--output"}, "DISPLAY"},
	{[]string{"pbcopy"}, []string{"pbpaste"}, ""},
}

const clipboardClearAfter = 30 * time.Second

func clipboardTool() (copyArgs, pasteArgs []string, err error) {
	for _, t := range clipboardTools {
		if t.needs != "" && os.Getenv(t.needs) == "" {
			continue
		}
		if _, err := exec.LookPath(t.copy[0]); err == nil {
			return t.copy, t.paste, nil
		}
	}
	return nil, nil, usageError("--copy found no clipboard tool: install wl-clipboard (Wayland), xclip or xsel (X11)")
}

// copyToClipboard puts value on the clipboard and leaves a detached
// process that clears it after 30 s if it still holds value.
func copyToClipboard(value []byte) error {
	copyArgs, _, err := clipboardTool()
	if err != nil {
		return err
	}
	cp := exec.Command(copyArgs[0], copyArgs[1:]...)
	cp.Stdin = bytes.NewReader(value)
	if out, err := cp.CombinedOutput(); err != nil {
		return fmt.Errorf("--copy: %s: %v %s", copyArgs[0], err, bytes.TrimSpace(out))
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(value)
	// The hash goes by a pipe, never argv, written whole before we exit.
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	pw.Write(sum[:])
	pw.Close()
	clear := exec.Command(exe, "_clear-clipboard")
	clear.Stdin = pr
	clear.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = clear.Start()
	pr.Close()
	if err != nil {
		return fmt.Errorf("--copy: the clipboard will not be cleared: %w", err)
	}
	fmt.Fprintf(os.Stderr, "noxkey: copied; the clipboard is cleared in %s\n", clipboardClearAfter)
	return nil
}

// clearClipboardCommand is the hidden helper: it waits, then empties the
// clipboard if it still holds the value whose SHA-256 is on stdin.
func (a *app) clearClipboardCommand() *cli.Command {
	return &cli.Command{
		Name:   "_clear-clipboard",
		Hidden: true,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			want := make([]byte, sha256.Size)
			if _, err := io.ReadFull(os.Stdin, want); err != nil {
				return errors.New("_clear-clipboard: expects a SHA-256 on stdin")
			}
			after := clipboardClearAfter
			if d, err := time.ParseDuration(os.Getenv("NOXKEY_CLIPBOARD_CLEAR_AFTER")); err == nil {
				after = d
			}
			time.Sleep(after)
			copyArgs, pasteArgs, err := clipboardTool()
			if err != nil {
				return err
			}
			cur, _ := exec.Command(pasteArgs[0], pasteArgs[1:]...).Output()
			sum := sha256.Sum256(cur)
			clear(cur)
			if subtle.ConstantTimeCompare(sum[:], want) != 1 {
				return nil // the user copied something else since
			}
			cp := exec.Command(copyArgs[0], copyArgs[1:]...)
			cp.Stdin = bytes.NewReader(nil)
			return cp.Run()
		},
	}
}
