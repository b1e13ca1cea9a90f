// Package scrub finds vault secrets and pattern-rule hits in files that
// agents and shells keep (transcripts, sessions, histories) and redacts
// them in place: each file is rewritten atomically with its mode kept, a
// JSON Lines file stays valid JSON on every line, and a file that is being
// written is left alone and reported.
package scrub

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/guard"
)

// Finding is one secret in a file: where, and whose; never its value.
type Finding struct {
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Name string `json:"name"` // vault path, or pattern rule id
	Kind string `json:"kind"` // form kind, or "rule"
}

// Result is what File did with one file.
type Result struct {
	Path     string    `json:"path"`
	Findings []Finding `json:"findings"`
	Redacted bool      `json:"redacted"`          // rewritten with every finding redacted
	Skipped  string    `json:"skipped,omitempty"` // why the file was left as it was
	Err      error     `json:"-"`
}

// Options say how File works.
type Options struct {
	DryRun bool          // report only
	Busy   time.Duration // a file modified more recently is being written, and skipped (default 5 s)
}

// chunkSize is how much of a file is scanned at a time: whole lines up
// to this size (a longer line is one chunk, up to maxLine).
const (
	chunkSize = 4 << 20
	maxLine   = 256 << 20
)

// afterScan, set only by tests, runs between reading a file and checking
// that it did not change meanwhile: where an agent's write would land.
var afterScan func(target string)

// File scans the file at path with g and, unless opt.DryRun, rewrites it
// with every finding redacted. A symbolic link's target is what is read
// and replaced.
func File(g *guard.Guard, path string, opt Options) Result {
	r := Result{Path: path}
	if opt.Busy <= 0 {
		opt.Busy = 5 * time.Second
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		r.Err = err
		return r
	}
	f, err := os.Open(target)
	if err != nil {
		r.Err = err
		return r
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		r.Err = err
		return r
	}
	if !before.Mode().IsRegular() {
		r.Skipped = "not a regular file"
		return r
	}
	if age := time.Since(before.ModTime()); age < opt.Busy {
		r.Skipped = fmt.Sprintf("modified %s ago, so it may be being written; run again once the agent is closed", age.Round(time.Second))
		return r
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != nil {
		r.Skipped = "locked by another process; run again once the agent is closed"
		return r
	}
	defer unix.Flock(int(f.Fd()), unix.LOCK_UN)
	var head [16]byte
	if n, _ := f.ReadAt(head[:], 0); string(head[:n]) == "SQLite format 3\x00" {
		opt.DryRun = true // its pages cannot be rewritten as text
		r.Skipped = "an SQLite database, which noxkey cannot rewrite: the findings stay until the agent deletes them"
	}
	jsonl := filepath.Ext(target) == ".jsonl"
	var out *rewrite
	defer func() {
		if out != nil {
			out.abort()
		}
	}()
	lr := &lineReader{r: f, buf: make([]byte, chunkSize)}
	line, offset := 1, int64(0)
	for {
		chunk, err := lr.next()
		if len(chunk) > 0 {
			ms := g.Find(chunk)
			for _, m := range ms {
				l, c := guard.Position(chunk, m.Start)
				r.Findings = append(r.Findings, Finding{Line: line + l - 1, Col: c, Name: m.Name, Kind: m.Kind})
			}
			if len(ms) > 0 && !opt.DryRun && out == nil {
				if out, err = startRewrite(target, before.Mode().Perm(), offset); err != nil {
					r.Err = err
					return r
				}
			}
			if out != nil {
				if err := writeRedacted(out.w, g, chunk, ms, jsonl); err != nil {
					r.Err = fmt.Errorf("write %s: %w", out.tmp, err)
					return r
				}
			}
			line += bytes.Count(chunk, []byte{'\n'})
			offset += int64(len(chunk))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			r.Err = err
			return r
		}
	}
	if out == nil {
		return r
	}
	if afterScan != nil {
		afterScan(target)
	}
	after, err := f.Stat()
	if err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		r.Skipped = "changed while it was scrubbed; run again once the agent is closed"
		return r
	}
	if err := out.commit(); err != nil {
		r.Err = err
		return r
	}
	out = nil
	r.Redacted = true
	return r
}

// lineReader hands out a file in chunks of whole lines, read into one
// buffer that it reuses: a chunk is valid until the next call.
type lineReader struct {
	r        io.Reader
	buf      []byte
	start, n int // buf[start:n] is read and not yet handed out
	err      error
}

// next returns the whole lines of up to len(buf) bytes (a longer line
// whole, the buffer grown for it, up to maxLine), or at the end of the
// file what is left, with io.EOF.
func (lr *lineReader) next() ([]byte, error) {
	if lr.start > 0 {
		lr.n = copy(lr.buf, lr.buf[lr.start:lr.n])
		lr.start = 0
	}
	for lr.err == nil {
		if lr.n == len(lr.buf) {
			if bytes.IndexByte(lr.buf, '\n') >= 0 || len(lr.buf) >= maxLine {
				break
			}
			lr.buf = append(lr.buf, make([]byte, len(lr.buf))...)[:2*len(lr.buf)]
		}
		var m int
		m, lr.err = lr.r.Read(lr.buf[lr.n:])
		lr.n += m
	}
	if lr.err != nil {
		chunk := lr.buf[:lr.n]
		lr.n = 0
		if lr.err == io.EOF && len(chunk) > 0 {
			return chunk, nil // the rest; EOF on the next call
		}
		return chunk, lr.err
	}
	cut := bytes.LastIndexByte(lr.buf[:lr.n], '\n') + 1
	if cut == 0 {
		cut = lr.n // a line longer than maxLine: cut where the buffer ends
	}
	lr.start = cut
	return lr.buf[:cut], nil
}

// writeRedacted writes chunk with the matches ms redacted. A line (of a
// .jsonl file), or the whole chunk, that was valid JSON and is not once
// redacted is redacted token by token instead (a span that crossed a
// string's quotes). Only the lines that hold a match are copied: the rest
// is written from the chunk itself.
func writeRedacted(w io.Writer, g *guard.Guard, chunk []byte, ms []guard.Match, jsonl bool) error {
	if len(ms) == 0 {
		_, err := w.Write(chunk)
		return err
	}
	if !jsonl {
		red := guard.Redact(chunk, ms, g.Placeholder)
		if json.Valid(bytes.TrimSpace(chunk)) && !json.Valid(bytes.TrimSpace(red)) {
			red = redactTokens(g, chunk)
		}
		_, err := w.Write(red)
		return err
	}
	done := 0 // chunk[:done] is written
	for _, m := range ms {
		if m.Start < done {
			continue // on a line already written
		}
		ls := bytes.LastIndexByte(chunk[:m.Start], '\n') + 1
		le := bytes.IndexByte(chunk[m.Start:], '\n')
		if le < 0 {
			le = len(chunk)
		} else {
			le += m.Start + 1
		}
		if _, err := w.Write(chunk[done:ls]); err != nil {
			return err
		}
		line := chunk[ls:le]
		r, _ := g.Redact(line)
		if json.Valid(bytes.TrimSpace(line)) && !json.Valid(bytes.TrimSpace(r)) {
			r = redactTokens(g, line)
		}
		if _, err := w.Write(r); err != nil {
			return err
		}
		done = le
	}
	_, err := w.Write(chunk[done:])
	return err
}

// redactTokens re-encodes the JSON in b with every string and number
// redacted on its own (a redacted number becomes a string). The layout is
// compact; the trailing newline is kept.
func redactTokens(g *guard.Guard, b []byte) []byte {
	var out bytes.Buffer
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	enc := jsontext.NewEncoder(&out)
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			break
		}
		switch tok.Kind() {
		case '"', '0':
			if red, ms := g.Redact([]byte(tok.String())); len(ms) > 0 {
				tok = jsontext.String(string(red))
			}
		}
		if enc.WriteToken(tok) != nil {
			break
		}
	}
	res := bytes.TrimRight(out.Bytes(), "\n")
	if bytes.HasSuffix(b, []byte{'\n'}) {
		res = append(res, '\n')
	}
	return res
}

// rewrite is a file's replacement being written beside it.
type rewrite struct {
	target, tmp string
	file        *os.File
	w           *bufio.Writer
}

// startRewrite creates the replacement of target (mode perm, private to
// the user until the rename) and copies into it the first n bytes of
// target, which held no finding.
func startRewrite(target string, perm os.FileMode, n int64) (*rewrite, error) {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".scrub-*")
	if err != nil {
		return nil, fmt.Errorf("scrub: create a temp file beside %s: %w", target, err)
	}
	r := &rewrite{target: target, tmp: tmp.Name(), file: tmp, w: bufio.NewWriterSize(tmp, 1<<20)}
	if err := tmp.Chmod(perm); err != nil {
		r.abort()
		return nil, err
	}
	src, err := os.Open(target)
	if err != nil {
		r.abort()
		return nil, err
	}
	defer src.Close()
	if _, err := io.CopyN(r.w, src, n); err != nil {
		r.abort()
		return nil, fmt.Errorf("scrub: copy %s: %w", target, err)
	}
	return r, nil
}

// commit flushes, syncs and renames the replacement over the target, then
// syncs the directory.
func (r *rewrite) commit() error {
	err := r.w.Flush()
	if err == nil {
		err = r.file.Sync()
	}
	if cerr := r.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(r.tmp, r.target)
	}
	if err != nil {
		os.Remove(r.tmp)
		return fmt.Errorf("scrub: replace %s: %w", r.target, err)
	}
	if d, err := os.Open(filepath.Dir(r.target)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// abort removes the replacement: no copy is left beside the file.
func (r *rewrite) abort() {
	r.file.Close()
	os.Remove(r.tmp)
}
