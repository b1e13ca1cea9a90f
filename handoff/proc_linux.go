package handoff

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// System reads the live system's /proc.
var System Procs = procfs{}

type procfs struct{}

func (procfs) Process(pid int) (*Process, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return nil, fmt.Errorf("handoff: process %d: %w", pid, err)
	}
	p, err := parseStat(pid, stat)
	if err != nil {
		return nil, err
	}
	p.Exe, _ = os.Readlink(dir + "/exe")
	p.Exe = strings.TrimSuffix(p.Exe, " (deleted)")
	if b, err := os.ReadFile(dir + "/cmdline"); err == nil {
		p.Args = splitNUL(b)
	}
	return p, nil
}

func (procfs) Environ(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return nil, fmt.Errorf("handoff: environment of %d: %w", pid, err)
	}
	return splitNUL(b), nil
}

// parseStat reads comm, ppid, tty_nr and starttime from /proc/<pid>/stat.
// comm is in parentheses and may itself hold spaces and parentheses, so
// the fields start after the last ')'.
func parseStat(pid int, b []byte) (*Process, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return nil, fmt.Errorf("handoff: /proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[end+1:]))
	// f[0] is field 3 (state); ppid is 4, tty_nr 7, starttime 22.
	if len(f) < 20 {
		return nil, fmt.Errorf("handoff: /proc/%d/stat: %d fields", pid, len(f)+2)
	}
	ppid, err1 := strconv.Atoi(f[1])
	tty, err2 := strconv.ParseInt(f[4], 10, 64)
	start, err3 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, fmt.Errorf("handoff: /proc/%d/stat: unexpected format", pid)
	}
	return &Process{Pid: pid, PPid: ppid, StartTime: start, Comm: string(b[open+1 : end]), TTY: tty != 0}, nil
}

func splitNUL(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}
