package relay

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/noxkey/noxkey/guard"
	"golang.org/x/sys/unix"
)

// stream is one pipe from the shell and where its filtered text goes.
type stream struct {
	f    *os.File // read end; nil once at EOF
	dst  *os.File
	w    *guard.Writer // nil until the guard loads, and when it cannot
	tail []byte        // held text a Run hands to its carrier
}

// relay filters its streams in one poll loop.
type relay struct {
	streams []*stream
	guardc  func() (*guard.Guard, error)
	ready   bool
	last    *stream // the stream written to last
	buf     [64 << 10]byte
}

func (r *relay) open() int {
	n := 0
	for _, s := range r.streams {
		if s.f != nil {
			n++
		}
	}
	return n
}

// start makes the writers once the guard is there, with any tail a Run
// handed over; without a guard it says once, on the stderr stream, that
// the output is withheld.
func (r *relay) start() {
	if r.ready {
		return
	}
	r.ready = true
	g, err := r.guardc()
	if err != nil {
		fmt.Fprintf(r.streams[len(r.streams)-1].dst, "noxkey-hook: output withheld: %v\n", err)
		return
	}
	for _, s := range r.streams {
		s.w = g.NewWriter(s.dst)
		if len(s.tail) > 0 {
			s.w.Write(s.tail)
			clear(s.tail)
			s.tail = nil
		}
	}
}

// idle is how long the streams may be quiet before what they hold is
// written (a prompt waiting, a command between outputs).
const idle = guard.DefaultIdle

// run filters until every stream is at EOF or, when exit is not nil, the
// shell has exited (exit reads EOF) and everything written before that
// has been filtered; streams a background job still holds stay open.
func (r *relay) run(exit *os.File) {
	for r.open() > 0 || exit != nil {
		fds := make([]unix.PollFd, 0, 3)
		var who []*stream
		for _, s := range r.streams {
			if s.f != nil {
				fds = append(fds, unix.PollFd{Fd: int32(s.f.Fd()), Events: unix.POLLIN})
				who = append(who, s)
			}
		}
		if exit != nil {
			fds = append(fds, unix.PollFd{Fd: int32(exit.Fd()), Events: unix.POLLIN})
		}
		n, err := unix.Poll(fds, int(idle.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		if n == 0 {
			r.flush()
			continue
		}
		for i, s := range who {
			if fds[i].Revents != 0 {
				r.read(s)
			}
		}
		if exit != nil && fds[len(fds)-1].Revents != 0 {
			exit.Close()
			exit = nil
			// Everything the shell and its jobs wrote so far is in the
			// pipes: take it, then write out all that may go.
			r.drain()
			r.flush()
			return
		}
	}
	r.flush()
}

// drain reads each stream until it is empty or at EOF, without waiting.
func (r *relay) drain() {
	for _, s := range r.streams {
		for s.f != nil {
			fds := []unix.PollFd{{Fd: int32(s.f.Fd()), Events: unix.POLLIN}}
			if n, err := unix.Poll(fds, 0); errors.Is(err, unix.EINTR) {
				continue
			} else if err != nil || n == 0 {
				break
			}
			r.read(s)
		}
	}
}

// read takes one read of s: filtered out, or at EOF the end of s.
func (r *relay) read(s *stream) {
	n, err := s.f.Read(r.buf[:])
	if n > 0 {
		r.start()
		if r.last != nil && r.last != s && r.last.w != nil {
			r.last.w.Flush() // keep the order the two streams were written in
		}
		r.last = s
		if s.w != nil {
			s.w.Write(r.buf[:n])
		}
		clear(r.buf[:n])
	}
	if err != nil && (n == 0 || err == io.EOF) {
		r.start()
		if s.w != nil {
			s.w.Close()
		}
		s.f.Close()
		s.f = nil
	}
}

// flush writes what each stream holds but a tail that may be a secret
// still being written.
func (r *relay) flush() {
	for _, s := range r.streams {
		if s.w != nil {
			s.w.Flush()
		}
	}
}
