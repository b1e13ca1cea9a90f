package relay

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
)

// carry starts the carrier for the streams a background job still
// holds: it inherits their read ends and destinations, and gets on
// descriptor 3 the text each stream held back (a possible start of a
// secret), so a value split across the shell's exit is still seen whole.
//
//	noxkey-hook --carry DST...   one DST (1 or 2) per stream, - for one at EOF;
//	                             stream i is descriptor 4+i
func (r *relay) carry() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tailsR, tailsW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer tailsR.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		tailsW.Close()
		return err
	}
	defer null.Close()
	args := []string{self, CarryFlag}
	files := []*os.File{null, os.Stdout, os.Stderr, tailsR}
	for _, s := range r.streams {
		if s.f == nil {
			args = append(args, "-")
			files = append(files, nil)
			continue
		}
		args = append(args, strconv.Itoa(int(s.dst.Fd())))
		files = append(files, s.f)
	}
	_, err = os.StartProcess(self, args, &os.ProcAttr{Files: files})
	for _, s := range r.streams {
		if s.f != nil {
			s.f.Close()
		}
	}
	if err != nil {
		tailsW.Close()
		return err
	}
	w := bufio.NewWriter(tailsW)
	for _, s := range r.streams {
		var t []byte
		if s.w != nil {
			t = s.w.Pending()
		}
		w.Write(binary.AppendUvarint(nil, uint64(len(t))))
		w.Write(t)
		clear(t)
	}
	err = w.Flush()
	if cerr := tailsW.Close(); err == nil {
		err = cerr
	}
	return err
}

// Carry is `noxkey-hook --carry DST...` (see carry): it filters what the
// background jobs of a finished command write, until they close it.
func Carry(args []string, open Opener) int {
	if len(args) == 0 || len(args) > 2 {
		fmt.Fprintln(os.Stderr, "noxkey-hook --carry is started by noxkey-hook --shell only")
		return 2
	}
	tails := bufio.NewReader(os.NewFile(3, "tails"))
	r := &relay{guardc: loadAsync(open)}
	for i, a := range args {
		n, err := binary.ReadUvarint(tails)
		if err != nil || n > 1<<20 {
			return 2
		}
		tail := make([]byte, n)
		if _, err := io.ReadFull(tails, tail); err != nil {
			return 2
		}
		if a == "-" {
			continue
		}
		dst := os.Stdout
		if a == "2" {
			dst = os.Stderr
		}
		r.streams = append(r.streams, &stream{f: os.NewFile(uintptr(4+i), "stream"), dst: dst, tail: tail})
	}
	for _, s := range r.streams {
		if len(s.tail) > 0 {
			r.start() // the held text goes back into a writer at once
			break
		}
	}
	r.run(nil)
	return 0
}
