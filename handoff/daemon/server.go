// Package daemon is noxkey's agent: it holds the unlocked vault in
// locked memory, answers requests on a Unix socket, classifies every
// caller from its peer credentials, seals every value to the caller's
// one-time key, and writes the audit log.
package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"filippo.io/age"
	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/internal/paths"
	"github.com/noxkey/noxkey/vault"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// Config is what a Server needs.
type Config struct {
	Socket      string // the Unix socket
	Runtime     string // runtime dir: the lock file and handoff/
	Vault       string
	Audit       string
	IdleTimeout time.Duration
	HandoffTTL  time.Duration
	Signatures  *handoff.Signatures
	Procs       handoff.Procs
	Log         zerolog.Logger
	// Listener is a socket passed by systemd; nil: listen on Socket.
	Listener net.Listener
	// AfterWrite runs after the daemon wrote the vault (set, rm): the CLI
	// rebuilds the guard index with it.
	AfterWrite func(vault.Store) error
	// AfterUnlock runs after an unlock: the CLI arms the guard with it.
	AfterUnlock func(vault.Store) error
}

// ErrRunning: another daemon holds the runtime dir's lock.
var ErrRunning = errors.New("daemon: another noxkey daemon is running")

// Server is one daemon.
type Server struct {
	cfg      Config
	st       state
	audit    audit
	ln       net.Listener
	lockFile *os.File
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// New returns a Server for cfg; Listen, then Serve.
func New(cfg Config) *Server {
	if cfg.Procs == nil {
		cfg.Procs = handoff.System
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 15 * time.Minute
	}
	if cfg.HandoffTTL <= 0 {
		cfg.HandoffTTL = time.Minute
	}
	return &Server{cfg: cfg, st: state{path: cfg.Vault}, audit: audit{path: cfg.Audit}, stop: make(chan struct{})}
}

// HandoffDir is where handoff scripts are written.
func HandoffDir(runtime string) string { return paths.Layout{Runtime: runtime}.Handoff() }

// Listen takes the runtime dir's lock and opens the socket 0600 in a
// 0700 directory, replacing a stale socket file left by a dead daemon.
//
// It first makes the process non-dumpable (harden): the daemon holds the
// unlocked vault.
func (s *Server) Listen() error {
	if err := harden(); err != nil {
		return err
	}
	if err := paths.EnsurePrivateDir(s.cfg.Runtime); err != nil {
		return fmt.Errorf("daemon: runtime dir: %w", err)
	}
	lockPath := filepath.Join(s.cfg.Runtime, lockName)
	fd, err := unix.Open(lockPath, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("daemon: %s: %w", lockPath, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		return ErrRunning
	}
	s.lockFile = os.NewFile(uintptr(fd), lockPath)
	if s.cfg.Listener != nil {
		s.ln = s.cfg.Listener
		return nil
	}
	if err := os.Remove(s.cfg.Socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("daemon: remove stale %s: %w", s.cfg.Socket, err)
	}
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", s.cfg.Socket)
	syscall.Umask(old)
	if err != nil {
		return fmt.Errorf("daemon: listen on %s: %w", s.cfg.Socket, err)
	}
	if err := os.Chmod(s.cfg.Socket, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("daemon: %w", err)
	}
	s.ln = ln
	return nil
}

// Serve answers connections until Stop. It also locks the vault after
// the idle timeout and deletes expired handoff scripts.
func (s *Server) Serve() error {
	if onTmp, err := handoff.OnTmpfs(s.cfg.Runtime); err == nil && !onTmp {
		s.cfg.Log.Warn().Str("dir", s.cfg.Runtime).Msg("the runtime dir is on a persistent file system: handoff scripts (deleted within seconds) touch the disk; set XDG_RUNTIME_DIR to a tmpfs")
	}
	s.wg.Add(1)
	go s.housekeeping()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.stop:
				s.wg.Wait()
				return nil
			default:
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return fmt.Errorf("daemon: accept: %w", err)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
		}()
	}
}

// lockName is the file in the runtime dir whose lock a daemon holds
// while it runs.
const lockName = "daemon.lock"

// WaitStopped waits, up to timeout, until no daemon holds the lock of the
// runtime dir: a daemon answers a stop before it lets go of the lock, and
// one started meanwhile would find it held and exit. It reports an error
// if the lock is still held at the end.
func WaitStopped(runtime string, timeout time.Duration) error {
	fd, err := unix.Open(filepath.Join(runtime, lockName), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil // no lock file: no daemon ever ran here
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(timeout)
	for {
		if unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) == nil {
			unix.Flock(fd, unix.LOCK_UN)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("daemon: the daemon for %s was told to stop but still holds its lock after %v; run noxkey daemon stop again", runtime, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Stop locks the vault, closes the socket and ends Serve.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		close(s.stop)
		s.ln.Close()
		s.st.mu.Lock()
		s.st.lock()
		s.st.mu.Unlock()
		if s.cfg.Listener == nil {
			os.Remove(s.cfg.Socket)
		}
		if s.lockFile != nil {
			s.lockFile.Close()
		}
	})
}

func (s *Server) housekeeping() {
	defer s.wg.Done()
	tick := s.cfg.IdleTimeout / 4
	if tick > 5*time.Second {
		tick = 5 * time.Second
	}
	if tick < 50*time.Millisecond {
		tick = 50 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.st.mu.Lock()
			if s.st.unlocked() && now.Sub(s.st.lastUse) >= s.cfg.IdleTimeout {
				s.st.lock()
				s.cfg.Log.Info().Msg("vault locked after idle timeout")
			}
			s.st.mu.Unlock()
			if n, err := handoff.Sweep(HandoffDir(s.cfg.Runtime), s.cfg.HandoffTTL, now); err != nil {
				s.cfg.Log.Warn().Err(err).Msg("handoff sweep")
			} else if n > 0 {
				s.cfg.Log.Info().Int("removed", n).Msg("expired handoff scripts deleted")
			}
		}
	}
}

// conn is one client connection.
type conn struct {
	s       *Server
	c       net.Conn
	pid     int
	verdict *handoff.Verdict
	opener  *Opener // the daemon's one-time key for a sealed unlock
}

func (s *Server) serveConn(nc net.Conn) {
	defer nc.Close()
	uc, ok := nc.(*net.UnixConn)
	if !ok {
		return
	}
	pid, uid, err := handoff.PeerCred(uc)
	if err != nil {
		s.cfg.Log.Warn().Err(err).Msg("peer credentials")
		return
	}
	if uid != os.Geteuid() {
		s.cfg.Log.Warn().Int("uid", uid).Int("pid", pid).Msg("connection from another user refused")
		// Read its request first, so the refusal is its answer rather
		// than a reset connection.
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		var ignored Request
		ReadMsg(nc, &ignored)
		WriteMsg(nc, &Response{Error: fmt.Sprintf("refused: this daemon serves uid %d only", os.Geteuid()), Code: CodeUID})
		return
	}
	c := &conn{s: s, c: nc, pid: pid}
	for {
		nc.SetReadDeadline(time.Now().Add(time.Minute))
		var req Request
		err := ReadMsg(nc, &req)
		switch {
		case errors.Is(err, io.EOF):
			return
		case errors.Is(err, ErrTooLarge):
			WriteMsg(nc, &Response{Error: err.Error(), Code: CodeBadRequest})
			return
		case err != nil:
			var syn *json.SyntaxError
			var typ *json.UnmarshalTypeError
			if errors.As(err, &syn) || errors.As(err, &typ) {
				WriteMsg(nc, &Response{Error: err.Error(), Code: CodeBadRequest})
				continue
			}
			return
		}
		resp := c.handle(&req)
		if err := WriteMsg(nc, resp); err != nil {
			return
		}
		if req.Op == OpStop && resp.OK {
			go s.Stop()
			return
		}
	}
}

func fail(code, format string, args ...any) *Response {
	return &Response{Error: fmt.Sprintf(format, args...), Code: code}
}

// caller classifies the peer once per connection.
func (c *conn) caller() *handoff.Verdict {
	if c.verdict == nil {
		v, err := c.s.cfg.Signatures.Detect(c.s.cfg.Procs, c.pid)
		if err != nil {
			// The peer is gone or unreadable: treat it as an agent, the
			// safe side (no value is printed, nothing bulk is handed out).
			v = &handoff.Verdict{Agent: true, Name: "unknown", Pid: c.pid, Signals: []string{"could not inspect the caller: " + err.Error() + " => treated as an agent"}}
		}
		c.verdict = v
	}
	return c.verdict
}

func (c *conn) record(e Request, result string, paths ...string) {
	v := c.caller()
	ent := Entry{Time: time.Now().UTC(), Op: e.Op, Mode: e.Mode, Path: e.Path, Result: result, Caller: "human", Pid: v.Pid, Exe: v.Exe}
	if len(paths) > 0 {
		ent.Paths = paths
	}
	if v.Agent {
		ent.Caller, ent.Agent = "agent", v.Name
	}
	if err := c.s.audit.write(ent); err != nil {
		c.s.cfg.Log.Warn().Err(err).Msg("audit log")
	}
}

// report logs a client's word that an env answer was not used, as a
// "failed" line for the op it answered. It cannot change or remove the
// line the daemon wrote when it sent the values.
func (c *conn) report(req *Request) *Response {
	if req.Mode == "" || len(req.Reason) > 512 || strings.ContainsFunc(req.Reason, unicode.IsControl) {
		return fail(CodeBadRequest, "report: needs a mode and a reason of one line under 512 bytes")
	}
	v := c.caller()
	ent := Entry{Time: time.Now().UTC(), Op: OpEnv, Mode: req.Mode, Paths: req.Paths, Result: "failed", Note: req.Reason, Caller: "human", Pid: v.Pid, Exe: v.Exe}
	if v.Agent {
		ent.Caller, ent.Agent = "agent", v.Name
	}
	if err := c.s.audit.write(ent); err != nil {
		return fail(CodeError, "%v", err)
	}
	return &Response{OK: true}
}

func (c *conn) lockedError() *Response {
	if c.caller().Agent {
		return fail(CodeLocked, "the noxkey vault is locked. An AI agent cannot type the passphrase: ask the user to run `noxkey unlock` in their own terminal, then try again")
	}
	return fail(CodeLocked, "the noxkey vault is locked; run: noxkey unlock")
}

func (c *conn) handle(req *Request) *Response {
	s := c.s
	switch req.Op {
	case OpPing:
		return &Response{OK: true}
	case OpWhoami:
		return &Response{OK: true, Caller: c.caller()}
	case OpStatus:
		return &Response{OK: true, Status: c.status(), Caller: c.caller()}
	case OpHello:
		o, err := NewOpener()
		if err != nil {
			return fail(CodeError, "%v", err)
		}
		c.opener = o
		return &Response{OK: true, Public: o.Public()}
	case OpUnlock:
		return c.unlock(req)
	case OpLock:
		s.st.mu.Lock()
		s.st.lock()
		s.st.mu.Unlock()
		c.record(*req, "ok")
		return &Response{OK: true}
	case OpGet:
		return c.get(req)
	case OpEnv:
		return c.env(req)
	case OpList, OpPeek:
		return c.listOrPeek(req)
	case OpHistory:
		return c.history(req)
	case OpSet, OpDelete, OpRestore:
		return c.write(req)
	case OpRebuild:
		return c.withVault(req, func(st *state) *Response {
			if c.s.cfg.AfterWrite != nil {
				if err := c.s.cfg.AfterWrite(st.file); err != nil {
					c.record(*req, "error")
					return fail(CodeError, "%v", err)
				}
			}
			c.record(*req, "ok")
			return &Response{OK: true, Status: c.statusLocked(st)}
		})
	case OpReport:
		return c.report(req)
	case OpStop:
		c.record(*req, "ok")
		return &Response{OK: true}
	}
	return fail(CodeBadRequest, "unknown op %q", req.Op)
}

func (c *conn) unlock(req *Request) *Response {
	var ids []age.Identity
	switch {
	case req.Identity != "":
		var err error
		ids, _, err = vault.ReadIdentityFile(req.Identity, nil)
		if err != nil {
			return fail(CodeError, "%v", err)
		}
	case req.Secret != nil:
		pass, bad := c.openSealed(req, "unlock")
		if bad != nil {
			return bad
		}
		id, err := vault.PassphraseIdentity(pass)
		clear(pass)
		if err != nil {
			return fail(CodeError, "%v", err)
		}
		ids = []age.Identity{id}
	default:
		return fail(CodeBadRequest, "unlock: no passphrase or identity")
	}
	s := c.s
	s.st.mu.Lock()
	err := s.st.unlock(ids)
	mlockErr := s.st.mlockErr
	s.st.mu.Unlock()
	if err != nil {
		c.record(*req, "error")
		return fail(codeOf(err), "%v", err)
	}
	if mlockErr != nil {
		s.cfg.Log.Warn().Err(mlockErr).Msg("values are not locked in RAM")
	}
	c.record(*req, "ok")
	resp := &Response{OK: true, Status: c.status()}
	if s.cfg.AfterUnlock != nil {
		s.st.mu.Lock()
		var aerr error
		if s.st.file != nil {
			aerr = s.cfg.AfterUnlock(s.st.file)
		}
		s.st.mu.Unlock()
		if aerr != nil {
			resp.Status.Warning = aerr.Error()
		}
	}
	return resp
}

// status describes the daemon and its vault.
func (c *conn) status() *Status {
	c.s.st.mu.Lock()
	defer c.s.st.mu.Unlock()
	return c.statusLocked(&c.s.st)
}

// statusLocked is status with the state's lock held.
func (c *conn) statusLocked(st *state) *Status {
	s := c.s
	out := &Status{Unlocked: st.unlocked(), Socket: s.cfg.Socket, Secrets: len(st.values), Pid: os.Getpid()}
	if out.Unlocked {
		out.SecondsLeft = int64((s.cfg.IdleTimeout - time.Since(st.lastUse)).Seconds())
	}
	return out
}

// openSealed opens the payload of req sealed to this connection's
// one-time key (sent by hello); the key is then spent.
func (c *conn) openSealed(req *Request, ad string) ([]byte, *Response) {
	if c.opener == nil || req.Secret == nil {
		return nil, fail(CodeBadRequest, "%s: send hello first and seal the payload to its key", req.Op)
	}
	plain, err := c.opener.Open(req.Secret, []byte(ad))
	c.opener = nil
	if err != nil {
		return nil, fail(CodeBadRequest, "%v", err)
	}
	return plain, nil
}

// refuseAgent answers a request an agent may not make, or nil.
func (c *conn) refuseAgent(req *Request, allowed bool) *Response {
	if v := c.caller(); v.Agent && !allowed {
		c.record(*req, "refused")
		return &Response{Error: AgentRefusal, Code: CodeRefused, Caller: v}
	}
	return nil
}

// withVault runs fn with the state held, the vault unlocked and reloaded
// if its file changed; a locked vault or a failed reload is answered here.
func (c *conn) withVault(req *Request, fn func(st *state) *Response) *Response {
	st := &c.s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.unlocked() {
		c.record(*req, "locked")
		r := c.lockedError()
		r.Caller = c.caller()
		return r
	}
	if err := st.reload(); err != nil {
		c.record(*req, "error")
		return fail(codeOf(err), "%v", err)
	}
	return fn(st)
}

// notFound answers a request for a path the vault does not hold.
func (c *conn) notFound(req *Request, path string) *Response {
	c.record(*req, "notfound", path)
	return &Response{Error: fmt.Sprintf("%s: secret not found; see the stored names with: noxkey ls", path), Code: CodeNotFound, Caller: c.caller()}
}

// sealedAnswer seals plain to the requester's one-time key under ad,
// wipes plain, counts as use of the vault and records the access.
func (c *conn) sealedAnswer(req *Request, st *state, plain []byte, ad string, paths ...string) *Response {
	sealed, err := Seal(req.Public, plain, []byte(ad))
	clear(plain)
	if err != nil {
		return fail(CodeBadRequest, "%v", err)
	}
	st.lastUse = time.Now()
	c.record(*req, "ok", paths...)
	return &Response{OK: true, Caller: c.caller(), Sealed: sealed}
}

// get answers a human with the value sealed to its one-time key, and an
// agent with a handoff: the daemon writes the script that exports the
// value and answers only the line that sources it. Every other mode is
// refused to agents.
func (c *conn) get(req *Request) *Response {
	if err := vault.ValidatePath(req.Path); err != nil {
		return fail(CodeBadRequest, "%v", err)
	}
	agent := c.caller().Agent
	if r := c.refuseAgent(req, req.Mode == "" || req.Mode == ModePrint); r != nil {
		return r
	}
	return c.withVault(req, func(st *state) *Response {
		val, ok := st.values[req.Path]
		if !ok {
			return c.notFound(req, req.Path)
		}
		if agent {
			return c.handoff(req, st, val)
		}
		return c.sealedAnswer(req, st, append([]byte(nil), val...), "get\x00"+req.Path)
	})
}

// handoff writes the script that hands val to an agent's shell and
// answers the line that sources it.
func (c *conn) handoff(req *Request, st *state, val []byte) *Response {
	shell := c.caller().Shell
	if req.Shell != "" {
		shell = req.Shell
	}
	d := handoff.DialectFor(shell)
	path, err := handoff.WriteScript(HandoffDir(c.s.cfg.Runtime), d, []handoff.Var{{Name: vault.Name(req.Path), Value: val}})
	if err != nil {
		c.record(*req, "error")
		return fail(CodeError, "%v", err)
	}
	st.lastUse = time.Now()
	e := *req
	e.Mode = "handoff" // the agent's shell got the value, not the agent: never "print"
	c.record(e, "handoff")
	return &Response{OK: true, Caller: c.caller(), Handoff: d.SourceLine(path)}
}

// WireSecret is one secret in a sealed payload: env answers, set requests.
type WireSecret struct {
	Path        string        `json:"path"`
	Value       []byte        `json:"value"`
	Description string        `json:"description,omitempty"`
	Origin      *vault.Origin `json:"origin,omitempty"` // set: a synced secret's remote
}

// env answers the values at req.Paths and under req.Prefix. An agent may
// have them only for a command noxkey runs (ModeRun), and only what it
// names: a path or a non-empty prefix, never the whole vault.
func (c *conn) env(req *Request) *Response {
	if r := c.refuseAgent(req, req.Mode == ModeRun && (len(req.Paths) > 0 || req.Prefix != "")); r != nil {
		return r
	}
	if err := vault.ValidatePrefix(req.Prefix); err != nil {
		return fail(CodeBadRequest, "%v", err)
	}
	return c.withVault(req, func(st *state) *Response {
		var out []WireSecret
		var names []string
		add := func(p string) {
			out = append(out, WireSecret{Path: p, Value: st.values[p]})
			names = append(names, p)
		}
		for _, p := range req.Paths {
			if _, ok := st.values[p]; !ok {
				return c.notFound(req, p)
			}
			add(p)
		}
		if req.Prefix != "" || len(req.Paths) == 0 {
			for _, m := range st.metas { // sorted by path
				if vault.HasPrefix(m.Path, req.Prefix) {
					add(m.Path)
				}
			}
		}
		plain, err := json.Marshal(out)
		if err != nil {
			return fail(CodeError, "%v", err)
		}
		r := c.sealedAnswer(req, st, plain, "env\x00"+req.Mode, names...)
		r.Names = names
		return r
	})
}

// listOrPeek answers ls (metadata under a prefix) and peek (the first
// characters, length and a checksum of one value): allowed to agents,
// and sealed like every answer.
func (c *conn) listOrPeek(req *Request) *Response {
	return c.withVault(req, func(st *state) *Response {
		if req.Op == OpPeek {
			val, ok := st.values[req.Path]
			if !ok {
				return c.notFound(req, req.Path)
			}
			key, err := st.file.IndexKey()
			if err != nil {
				return fail(codeOf(err), "%v", err)
			}
			defer clear(key)
			return c.sealedAnswer(req, st, []byte(vault.Peek(val, key)), "peek\x00"+req.Path)
		}
		var out []vault.Meta
		for _, m := range st.metas {
			if vault.HasPrefix(m.Path, req.Prefix) {
				out = append(out, m)
			}
		}
		plain, _ := json.Marshal(out)
		return c.sealedAnswer(req, st, plain, "list\x00"+req.Prefix)
	})
}

// history answers the versions of one secret (no values): allowed to
// agents, like peek.
func (c *conn) history(req *Request) *Response {
	return c.withVault(req, func(st *state) *Response {
		h, err := st.file.History(req.Path)
		if err != nil {
			if errors.Is(err, vault.ErrNotFound) {
				return c.notFound(req, req.Path)
			}
			return fail(codeOf(err), "%v", err)
		}
		plain, _ := json.Marshal(h)
		return c.sealedAnswer(req, st, plain, "history\x00"+req.Path)
	})
}

// codeOf classifies a vault error for the CLI's exit status.
func codeOf(err error) string {
	switch {
	case errors.Is(err, vault.ErrWrongPassphrase):
		return CodeBadPassphrase
	case errors.Is(err, vault.ErrNoVault), errors.Is(err, vault.ErrNotFound):
		return CodeNotFound
	}
	return CodeError
}

// write stores (set) or removes (delete) secrets with the unlocked
// vault's cached key, so the CLI need not ask the passphrase again, then
// rebuilds the guard index through AfterWrite.
func (c *conn) write(req *Request) *Response {
	var secs []vault.Secret
	if req.Op == OpSet {
		plain, bad := c.openSealed(req, "set")
		if bad != nil {
			return bad
		}
		var ents []WireSecret
		err := json.Unmarshal(plain, &ents)
		clear(plain)
		if err != nil {
			return fail(CodeBadRequest, "set: the sealed payload is not a list of secrets")
		}
		for _, e := range ents {
			secs = append(secs, vault.Secret{Path: e.Path, Value: e.Value, Description: e.Description, Origin: e.Origin})
		}
		defer func() {
			for i := range secs {
				secs[i].Wipe()
			}
		}()
	}
	return c.withVault(req, func(st *state) *Response {
		var err error
		var paths []string
		switch req.Op {
		case OpSet: // and remove req.Paths in the same write (a sync)
			for _, sec := range secs {
				paths = append(paths, sec.Path)
			}
			paths = append(paths, req.Paths...)
			err = st.file.Apply(secs, req.Paths)
		case OpRestore:
			paths = []string{req.Path}
			err = st.file.Restore(req.Path, req.Version)
		default:
			paths = req.Paths
			if len(paths) == 0 {
				return fail(CodeBadRequest, "delete: no path")
			}
			err = st.file.Delete(paths...)
		}
		if err != nil {
			c.record(*req, "error")
			return fail(codeOf(err), "%v", err)
		}
		c.record(*req, "ok", paths...)
		st.lastUse = time.Now()
		if c.s.cfg.AfterWrite != nil {
			if err := c.s.cfg.AfterWrite(st.file); err != nil {
				return fail(CodeError, "the vault was written, but the guard index was not: %v; run: noxkey guard rebuild", err)
			}
		}
		if err := st.reload(); err != nil {
			return fail(codeOf(err), "%v", err)
		}
		return &Response{OK: true}
	})
}
