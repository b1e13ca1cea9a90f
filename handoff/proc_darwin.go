package handoff

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// System reads the live system through sysctl kern.proc (no cgo).
var System Procs = sysctlProcs{}

type sysctlProcs struct{}

func (sysctlProcs) Process(pid int) (*Process, error) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return nil, fmt.Errorf("handoff: process %d: %w", pid, err)
	}
	if k.Proc.P_pid != int32(pid) {
		return nil, fmt.Errorf("handoff: process %d: gone", pid)
	}
	comm := unix.ByteSliceToString(k.Proc.P_comm[:])
	p := &Process{
		Pid:       pid,
		PPid:      int(k.Eproc.Ppid),
		StartTime: uint64(k.Proc.P_starttime.Sec)*1e6 + uint64(k.Proc.P_starttime.Usec),
		Comm:      comm,
		TTY:       k.Eproc.Tdev != -1 && k.Eproc.Tdev != 0,
	}
	if args, _, err := procArgs(pid); err == nil && len(args) > 0 {
		p.Args = args
	}
	if exe, err := unix.SysctlRaw("kern.procargs2", pid); err == nil && len(exe) > 4 {
		rest := exe[4:]
		if i := bytes.IndexByte(rest, 0); i > 0 {
			p.Exe = string(rest[:i])
		}
	}
	return p, nil
}

func (sysctlProcs) Environ(pid int) ([]string, error) {
	_, env, err := procArgs(pid)
	return env, err
}

// procArgs parses kern.procargs2: argc, the executable path, padding,
// argv strings, then environment strings.
func procArgs(pid int) (args, env []string, err error) {
	b, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil {
		return nil, nil, fmt.Errorf("handoff: arguments of %d: %w", pid, err)
	}
	if len(b) < 4 {
		return nil, nil, errors.New("handoff: short kern.procargs2")
	}
	argc := int(binary.LittleEndian.Uint32(b))
	b = b[4:]
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return nil, nil, errors.New("handoff: malformed kern.procargs2")
	}
	b = bytes.TrimLeft(b[i:], "\x00")
	parts := strings.Split(string(b), "\x00")
	for n, s := range parts {
		if n < argc {
			args = append(args, s)
		} else if s == "" {
			break
		} else {
			env = append(env, s)
		}
	}
	return args, env, nil
}
