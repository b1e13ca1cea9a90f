package daemon

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/noxkey/noxkey/handoff"
	"github.com/noxkey/noxkey/vault"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

const testValue = "sk_live_daemon_test_value_0123456789"

func TestMain(m *testing.M) {
	// Re-exec mode: a socket client run as another user by setpriv.
	if sock := os.Getenv("NOXKEY_TEST_DIAL"); sock != "" {
		c, err := Dial(sock)
		if err != nil {
			os.Stdout.WriteString("dial: " + err.Error())
			os.Exit(0)
		}
		resp, err := c.Call(&Request{Op: "status"})
		if err != nil {
			os.Stdout.WriteString("call: " + err.Error())
			os.Exit(0)
		}
		json.NewEncoder(os.Stdout).Encode(resp)
		os.Exit(0)
	}
	// Re-exec modes of TestDaemonIsNotDumpable (harden_linux_test.go).
	if dir := os.Getenv("NOXKEY_TEST_SERVE_HARDENED"); dir != "" {
		serveHardened(dir)
		os.Exit(0)
	}
	if pid := os.Getenv("NOXKEY_TEST_READPROC"); pid != "" {
		json.NewEncoder(os.Stdout).Encode(readProc(pid))
		os.Exit(0)
	}
	// Re-exec mode: a client the daemon classifies as an agent (its
	// environment carries the test signature's marker) tries every
	// operation over the socket protocol directly.
	if sock := os.Getenv("NOXKEY_TEST_AGENT_DIAL"); sock != "" {
		agentClient(sock)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// agentAttempt is what the agent client reports of one request: never a
// value, only whether one (or the test value) came back.
type agentAttempt struct {
	Name      string `json:"name"`
	OK        bool   `json:"ok"`
	Code      string `json:"code"`
	Error     string `json:"error"`
	Sealed    bool   `json:"sealed"`     // a sealed payload came back
	HasValue  bool   `json:"has_value"`  // the payload held the secret value
	Handoff   string `json:"handoff"`    // the source line
	ScriptHas bool   `json:"script_has"` // the handoff script exports the value
}

func agentClient(sock string) {
	try := func(name string, req *Request, ad string) agentAttempt {
		a := agentAttempt{Name: name}
		c, err := Dial(sock)
		if err != nil {
			a.Error = err.Error()
			return a
		}
		defer c.Close()
		o, _ := NewOpener()
		req.Public = o.Public()
		resp, err := c.Call(req)
		if err != nil {
			a.Error = err.Error()
			return a
		}
		a.OK, a.Code, a.Error, a.Sealed, a.Handoff = resp.OK, resp.Code, resp.Error, resp.Sealed != nil, resp.Handoff
		if resp.Sealed != nil {
			if v, err := o.Open(resp.Sealed, []byte(ad)); err == nil {
				var ws []WireSecret
				json.Unmarshal(v, &ws)
				a.HasValue = bytes.Contains(v, []byte(testValue)) || len(ws) > 0 && string(ws[0].Value) == testValue
			}
		}
		if i, j := strings.Index(resp.Handoff, "'"), strings.LastIndex(resp.Handoff, "'"); i >= 0 && j > i {
			f := resp.Handoff[i+1 : j]
			b, _ := os.ReadFile(f)
			a.ScriptHas = bytes.Contains(b, []byte(testValue))
			os.Remove(f)
		}
		return a
	}
	out := []agentAttempt{
		try("get", &Request{Op: OpGet, Path: "acme/api/KEY"}, "get\x00acme/api/KEY"),
		try("get print", &Request{Op: OpGet, Path: "acme/api/KEY", Mode: ModePrint}, "get\x00acme/api/KEY"),
		try("get raw", &Request{Op: OpGet, Path: "acme/api/KEY", Mode: ModeRaw}, "get\x00acme/api/KEY"),
		try("get copy", &Request{Op: OpGet, Path: "acme/api/KEY", Mode: ModeCopy}, "get\x00acme/api/KEY"),
		try("get unknown mode", &Request{Op: OpGet, Path: "acme/api/KEY", Mode: "x"}, "get\x00acme/api/KEY"),
		try("env all", &Request{Op: OpEnv, Mode: ModeRun}, "env\x00run"),
		try("env load", &Request{Op: OpEnv, Mode: ModeLoad, Paths: []string{"acme/api/KEY"}}, "env\x00load"),
		try("env export", &Request{Op: OpEnv, Mode: ModeExport, Prefix: "acme"}, "env\x00export"),
		try("env bundle", &Request{Op: OpEnv, Mode: ModeBundle, Prefix: "acme"}, "env\x00bundle"),
		try("env no mode", &Request{Op: OpEnv, Prefix: "acme"}, "env\x00"),
		try("env run path", &Request{Op: OpEnv, Mode: ModeRun, Paths: []string{"acme/api/KEY"}}, "env\x00run"),
		try("env run prefix", &Request{Op: OpEnv, Mode: ModeRun, Prefix: "acme"}, "env\x00run"),
		try("peek", &Request{Op: OpPeek, Path: "acme/api/KEY"}, "peek\x00acme/api/KEY"),
		try("list", &Request{Op: OpList}, "list\x00"),
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

// testServer runs a daemon on a fresh vault holding one secret, with no
// agent signatures (every caller is a human), on the given listener.
func testServer(t *testing.T, ln net.Listener, idle time.Duration) (*Server, string, string) {
	return newTestServer(t, ln, idle, &handoff.Signatures{})
}

// testServerB is testServer for benchmarks, with the built-in agent
// signatures, so the daemon does the real classification work.
func testServerB(b *testing.B) (*Server, string, string) {
	sigs, err := handoff.LoadSignatures("")
	if err != nil {
		b.Fatal(err)
	}
	return newTestServer(b, nil, time.Minute, sigs)
}

func newTestServer(t testing.TB, ln net.Listener, idle time.Duration, sigs *handoff.Signatures) (*Server, string, string) {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	vpath := filepath.Join(dir, "data", "vault.age")
	pass := []byte("daemon test passphrase")
	r, err := vault.PassphraseRecipient(pass, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vault.Create(vpath, r); err != nil {
		t.Fatal(err)
	}
	id, _ := vault.PassphraseIdentity(pass)
	f := vault.OpenFile(vpath, func() ([]age.Identity, error) { return []age.Identity{id}, nil })
	if err := f.Set(vault.Secret{Path: "acme/api/KEY", Value: []byte(testValue)}); err != nil {
		t.Fatal(err)
	}
	rt := filepath.Join(dir, "run")
	sock := filepath.Join(rt, "noxkey.sock")
	s := New(Config{Socket: sock, Runtime: rt, Vault: vpath, Audit: filepath.Join(dir, "data", "audit.log"),
		IdleTimeout: idle, Signatures: sigs, Log: zerolog.Nop(), Listener: ln})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(s.Stop)
	if ln != nil {
		sock = ln.Addr().String()
	}
	return s, sock, string(pass)
}

// TestAgentGetsNoPlaintextOverTheSocket: a caller the daemon classifies as
// an agent, speaking the protocol directly (not through the CLI), gets a
// handoff for get and a refusal for every mode that would give it the
// value, the whole vault, or a dump; only run with a named path or prefix
// gives values (the command's environment needs them). The audit log
// records what the daemon did.
func TestAgentGetsNoPlaintextOverTheSocket(t *testing.T) {
	sigs := &handoff.Signatures{Agents: []handoff.Signature{{Agent: "testagent", Env: []string{"NOXKEY_TEST_AGENT_MARKER"}}}}
	s, sock, pass := newTestServer(t, nil, time.Minute, sigs)
	c, err := Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	unlock(t, c, pass)
	c.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{"NOXKEY_TEST_AGENT_DIAL=" + sock, "NOXKEY_TEST_AGENT_MARKER=1", "PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("agent client: %v", err)
	}
	var got []agentAttempt
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("agent client said %q: %v", out, err)
	}
	values := map[string]bool{"env run path": true, "env run prefix": true}
	for _, a := range got {
		switch {
		case a.Name == "get" || a.Name == "get print":
			if !a.OK || a.Sealed || a.Handoff == "" || !a.ScriptHas {
				t.Errorf("%s: want a handoff script and no sealed value: %+v", a.Name, a)
			}
		case values[a.Name]:
			if !a.OK || !a.HasValue {
				t.Errorf("%s: want the named value for the command's environment: %+v", a.Name, a)
			}
		case a.Name == "peek" || a.Name == "list":
			if !a.OK || a.HasValue {
				t.Errorf("%s: want an answer without the value: %+v", a.Name, a)
			}
		default:
			if a.OK || a.Sealed || a.Code != CodeRefused || a.Error != AgentRefusal {
				t.Errorf("%s: want the agent refusal and nothing sealed: %+v", a.Name, a)
			}
		}
	}
	if len(got) != 14 {
		t.Fatalf("%d attempts reported, want 14", len(got))
	}
	log, err := os.ReadFile(s.cfg.Audit)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(log, []byte(testValue)) {
		t.Fatal("the audit log holds the value")
	}
	for _, want := range []string{`"op":"get","mode":"handoff","path":"acme/api/KEY","result":"handoff"`, `"mode":"raw","path":"acme/api/KEY","result":"refused"`, `"mode":"load","result":"refused"`} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("the audit log lacks %s:\n%s", want, log)
		}
	}
	if bytes.Contains(log, []byte(`"result":"ok","caller":"agent","agent":"testagent","pid"`)) && bytes.Contains(log, []byte(`"op":"get","mode":"raw","path":"acme/api/KEY","result":"ok"`)) {
		t.Error("the audit log records a refused get as ok")
	}
}

func unlock(t *testing.T, c *Client, pass string) {
	t.Helper()
	hello, err := c.Call(&Request{Op: "hello"})
	if err != nil || !hello.OK {
		t.Fatalf("hello: %v %+v", err, hello)
	}
	sealed, _ := Seal(hello.Public, []byte(pass), []byte("unlock"))
	resp, err := c.Call(&Request{Op: "unlock", Secret: sealed})
	if err != nil || !resp.OK {
		t.Fatalf("unlock: %v %+v", err, resp)
	}
}

func get(t *testing.T, c *Client, path string) ([]byte, *Response) {
	t.Helper()
	o, _ := NewOpener()
	resp, err := c.Call(&Request{Op: "get", Path: path, Public: o.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.OK {
		return nil, resp
	}
	v, err := o.Open(resp.Sealed, []byte("get\x00"+path))
	if err != nil {
		t.Fatal(err)
	}
	return v, resp
}

func TestSocketModesAndGet(t *testing.T) {
	_, sock, pass := testServer(t, nil, time.Minute)
	st, _ := os.Stat(sock)
	dst, _ := os.Stat(filepath.Dir(sock))
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Errorf("socket %v, dir %v; want 0600 in 0700", st.Mode(), dst.Mode())
	}
	c, err := Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, resp := get(t, c, "acme/api/KEY"); resp.Code != CodeLocked {
		t.Fatalf("a locked daemon answered %+v", resp)
	}
	unlock(t, c, pass)
	v, _ := get(t, c, "acme/api/KEY")
	if string(v) != testValue {
		t.Fatal("get returned a different value")
	}
	if _, resp := get(t, c, "acme/api/NOPE"); resp.Code != CodeNotFound {
		t.Errorf("missing secret: %+v", resp)
	}
}

// TestNothingReadableCrossesTheSocket records every byte between a
// client and the daemon through a relay socket.
func TestNothingReadableCrossesTheSocket(t *testing.T) {
	_, sock, pass := testServer(t, nil, time.Minute)
	relay := filepath.Join(t.TempDir(), "relay.sock")
	ln, err := net.Listen("unix", relay)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var seen bytes.Buffer
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("unix", sock)
			if err != nil {
				return
			}
			rec := func(dst, src net.Conn) {
				buf := make([]byte, 4096)
				for {
					n, err := src.Read(buf)
					mu.Lock()
					seen.Write(buf[:n])
					mu.Unlock()
					if n > 0 {
						dst.Write(buf[:n])
					}
					if err != nil {
						dst.Close()
						return
					}
				}
			}
			go rec(out, in)
			go rec(in, out)
		}
	}()
	c, err := Dial(relay)
	if err != nil {
		t.Fatal(err)
	}
	unlock(t, c, pass)
	if v, _ := get(t, c, "acme/api/KEY"); string(v) != testValue {
		t.Fatal("get through the relay failed")
	}
	o, _ := NewOpener()
	if resp, err := c.Call(&Request{Op: "env", Mode: "export", Prefix: "acme", Public: o.Public()}); err != nil || !resp.OK {
		t.Fatalf("env: %v %+v", err, resp)
	}
	c.Close()
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if seen.Len() == 0 {
		t.Fatal("the relay saw nothing")
	}
	for _, needle := range []string{testValue, testValue[:12], pass} {
		if bytes.Contains(seen.Bytes(), []byte(needle)) {
			t.Errorf("readable on the socket: %d bytes of a secret", len(needle))
		}
	}
}

func TestMalformedAndOversizedRequests(t *testing.T) {
	_, sock, _ := testServer(t, nil, time.Minute)
	raw, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	// Malformed JSON in a well-formed frame: an error answer, the
	// connection stays usable.
	frame := func(b []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
		return append(out, b...)
	}
	raw.Write(frame([]byte("{not json")))
	var resp Response
	if err := ReadMsg(raw, &resp); err != nil || resp.Code != CodeBadRequest {
		t.Fatalf("malformed: %v %+v", err, resp)
	}
	WriteMsg(raw, &Request{Op: "ping"})
	if err := ReadMsg(raw, &resp); err != nil || !resp.OK {
		t.Fatalf("after a malformed request: %v %+v", err, resp)
	}
	WriteMsg(raw, &Request{Op: "no-such-op"})
	if err := ReadMsg(raw, &resp); err != nil || resp.Code != CodeBadRequest {
		t.Fatalf("unknown op: %+v", resp)
	}
	// An oversized frame: an error answer, then the connection closes.
	raw.Write(binary.BigEndian.AppendUint32(nil, 1<<30))
	if err := ReadMsg(raw, &resp); err != nil || !strings.Contains(resp.Error, "larger than") {
		t.Fatalf("oversized: %v %+v", err, resp)
	}
	if _, err := raw.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("connection left open after an oversized frame: %v", err)
	}
	raw.Close()
	// A client that vanishes mid-frame.
	half, _ := net.Dial("unix", sock)
	half.Write([]byte{0, 0, 1})
	half.Close()
	// The daemon still answers.
	c, err := Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Call(&Request{Op: "ping"}); err != nil || !r.OK {
		t.Fatalf("the daemon did not survive bad clients: %v", err)
	}
}

func TestIdleTimeoutLocks(t *testing.T) {
	_, sock, pass := testServer(t, nil, 300*time.Millisecond)
	c, _ := Dial(sock)
	defer c.Close()
	unlock(t, c, pass)
	r, _ := c.Call(&Request{Op: "status"})
	if !r.Status.Unlocked || r.Status.Secrets != 1 {
		t.Fatalf("status after unlock: %+v", r.Status)
	}
	time.Sleep(time.Second)
	r, _ = c.Call(&Request{Op: "status"})
	if r.Status.Unlocked {
		t.Fatal("still unlocked after the idle timeout")
	}
	if _, resp := get(t, c, "acme/api/KEY"); resp.Code != CodeLocked {
		t.Fatalf("get after idle lock: %+v", resp)
	}
}

func TestWrongPassphraseStaysLocked(t *testing.T) {
	_, sock, _ := testServer(t, nil, time.Minute)
	c, _ := Dial(sock)
	defer c.Close()
	hello, _ := c.Call(&Request{Op: "hello"})
	sealed, _ := Seal(hello.Public, []byte("wrong"), []byte("unlock"))
	r, _ := c.Call(&Request{Op: "unlock", Secret: sealed})
	if r.OK || r.Code != CodeBadPassphrase {
		t.Fatalf("wrong passphrase: %+v", r)
	}
	// The sealed passphrase cannot be replayed: the daemon's key was one-time.
	r, _ = c.Call(&Request{Op: "unlock", Secret: sealed})
	if r.OK {
		t.Fatal("a replayed unlock was accepted")
	}
}

// TestFailedUnlockKeepsAnUnlockedVault: a wrong passphrase sent to an
// unlocked daemon (a typo in a second unlock) is refused and the vault
// stays unlocked, its values served as before.
func TestFailedUnlockKeepsAnUnlockedVault(t *testing.T) {
	_, sock, pass := testServer(t, nil, time.Minute)
	c, _ := Dial(sock)
	defer c.Close()
	unlock(t, c, pass)
	hello, _ := c.Call(&Request{Op: "hello"})
	sealed, _ := Seal(hello.Public, []byte("typo"), []byte("unlock"))
	if r, _ := c.Call(&Request{Op: "unlock", Secret: sealed}); r.OK || r.Code != CodeBadPassphrase {
		t.Fatalf("wrong passphrase: %+v", r)
	}
	st, _ := c.Call(&Request{Op: "status"})
	if !st.Status.Unlocked {
		t.Fatal("a failed unlock locked the vault")
	}
	if v, resp := get(t, c, "acme/api/KEY"); string(v) != testValue {
		t.Fatalf("get after a failed unlock: %+v", resp)
	}
	// The right passphrase again still unlocks (and reloads).
	unlock(t, c, pass)
}

func TestAnotherUIDIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another uid (CI runs as root)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv (util-linux) is needed: %v", err)
	}
	// The socket must be reachable by the other user for the daemon's own
	// check to be what refuses it: a listener in an open directory.
	open := t.TempDir()
	os.Chmod(filepath.Dir(open), 0o755)
	os.Chmod(open, 0o755)
	sock := filepath.Join(open, "open.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(sock, 0o777)
	testServer(t, ln, time.Minute)
	// The test binary, copied where uid 65534 can run it.
	exe, _ := os.Executable()
	bin := filepath.Join(open, "client")
	b, _ := os.ReadFile(exe)
	os.WriteFile(bin, b, 0o755)
	out, err := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "env", "NOXKEY_TEST_DIAL="+sock, bin).CombinedOutput()
	if err != nil {
		t.Fatalf("client: %v %s", err, out)
	}
	var resp Response
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("client output %q", out)
	}
	if resp.OK || resp.Code != "uid" || !strings.Contains(resp.Error, "serves uid 0 only") {
		t.Fatalf("another uid was served: %+v", resp)
	}
	// The same client as root is served.
	cmd := exec.Command(bin)
	cmd.Env = []string{"NOXKEY_TEST_DIAL=" + sock}
	out, _ = cmd.Output()
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("root client: %s", out)
	}
}

// TestConcurrentGetsAndExternalWrites: many clients at once get the
// right value, and a write to the vault file by another process is seen
// at the next get, with no new unlock.
func TestConcurrentGetsAndExternalWrites(t *testing.T) {
	s, sock, pass := testServer(t, nil, time.Minute)
	c, _ := Dial(sock)
	unlock(t, c, pass)
	c.Close()
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Dial(sock)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer c.Close()
			o, _ := NewOpener()
			resp, err := c.Call(&Request{Op: "get", Path: "acme/api/KEY", Public: o.Public()})
			if err != nil || !resp.OK {
				errs <- fmt.Sprintf("%v %+v", err, resp)
				return
			}
			if v, err := o.Open(resp.Sealed, []byte("get\x00acme/api/KEY")); err != nil || string(v) != testValue {
				errs <- "wrong value"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Another process writes the vault (here: a second vault.File).
	id, _ := vault.PassphraseIdentity([]byte(pass))
	f := vault.OpenFile(s.cfg.Vault, func() ([]age.Identity, error) { return []age.Identity{id}, nil })
	if err := f.Set(vault.Secret{Path: "acme/api/KEY", Value: []byte("sk_live_rotated_value_987654")}); err != nil {
		t.Fatal(err)
	}
	c, _ = Dial(sock)
	defer c.Close()
	if v, _ := get(t, c, "acme/api/KEY"); string(v) != "sk_live_rotated_value_987654" {
		t.Fatal("the daemon served a stale value after the vault file changed")
	}
}

// BenchmarkGetRoundTrip: one connection and one sealed get against a
// running daemon, the caller classified from the live /proc: the daemon's
// part of `noxkey get`.
func BenchmarkGetRoundTrip(b *testing.B) {
	_, sock, pass := testServerB(b)
	c, _ := Dial(sock)
	hello, _ := c.Call(&Request{Op: "hello"})
	sealed, _ := Seal(hello.Public, []byte(pass), []byte("unlock"))
	c.Call(&Request{Op: "unlock", Secret: sealed})
	c.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := Dial(sock)
		if err != nil {
			b.Fatal(err)
		}
		o, _ := NewOpener()
		resp, err := c.Call(&Request{Op: "get", Path: "acme/api/KEY", Public: o.Public()})
		if err != nil || !resp.OK {
			b.Fatal(err)
		}
		if _, err := o.Open(resp.Sealed, []byte("get\x00acme/api/KEY")); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// TestWaitStoppedWaitsForTheLock: WaitStopped returns only once the lock a
// daemon holds is let go (here 100 ms on), says so when it never is, and
// returns at once where no daemon ever ran.
func TestWaitStoppedWaitsForTheLock(t *testing.T) {
	dir := t.TempDir()
	if err := WaitStopped(dir, time.Second); err != nil {
		t.Fatalf("no lock file: %v", err)
	}
	fd, err := unix.Open(filepath.Join(dir, lockName), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if err := WaitStopped(dir, 50*time.Millisecond); err == nil {
		t.Fatal("WaitStopped returned no error while the lock was held")
	}
	var released atomic.Bool
	go func() {
		time.Sleep(100 * time.Millisecond)
		released.Store(true)
		unix.Close(fd)
	}()
	if err := WaitStopped(dir, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if !released.Load() {
		t.Fatal("WaitStopped returned before the lock was let go")
	}
}
