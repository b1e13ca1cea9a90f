package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// vaultServer is a real HashiCorp Vault server on 127.0.0.1, from the
// binary .ci/run builds (NOXKEY_TEST_VAULT).
type vaultServer struct {
	t       *testing.T
	bin     string
	addr    string
	token   string // the root token
	unseal  string // file storage: the unseal key
	dir     string // file storage: where it keeps its data ("" in dev mode)
	cmd     *exec.Cmd
	logFile string
}

func vaultBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("NOXKEY_TEST_VAULT")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("NOXKEY_TEST_VAULT is not set: .ci/run builds HashiCorp Vault and sets it")
		}
		t.Skip("set NOXKEY_TEST_VAULT to a vault binary to run the team-remote tests against the real server")
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func randomToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "root-" + hex.EncodeToString(b)
}

// startDevVault starts `vault server -dev` (in memory; secret/ is KV v2).
func startDevVault(t *testing.T) *vaultServer {
	t.Helper()
	v := &vaultServer{t: t, bin: vaultBinary(t), token: randomToken()}
	v.addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	v.start("server", "-dev", "-dev-root-token-id="+v.token, "-dev-listen-address="+v.addr, "-dev-no-store-token")
	return v
}

// startFileVault starts a server that keeps its data in files, so it can
// be killed and started again; it is initialised and unsealed, with a KV
// version 2 engine at secret/.
func startFileVault(t *testing.T) *vaultServer {
	t.Helper()
	v := &vaultServer{t: t, bin: vaultBinary(t), dir: t.TempDir()}
	v.addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf := filepath.Join(v.dir, "server.hcl")
	os.WriteFile(conf, []byte(fmt.Sprintf("storage \"file\" {\n  path = %q\n}\nlistener \"tcp\" {\n  address = %q\n  tls_disable = true\n}\ndisable_mlock = true\n", filepath.Join(v.dir, "data"), v.addr)), 0o600)
	v.start("server", "-config="+conf)
	c := v.client("")
	init, err := c.Sys().Init(&api.InitRequest{SecretShares: 1, SecretThreshold: 1})
	if err != nil {
		t.Fatalf("vault init: %v", err)
	}
	v.token, v.unseal = init.RootToken, init.Keys[0]
	v.unsealNow()
	c.SetToken(v.token)
	if err := c.Sys().Mount("secret", &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatalf("mount kv v2: %v", err)
	}
	v.waitKV()
	return v
}

func (v *vaultServer) start(args ...string) {
	v.t.Helper()
	v.logFile = filepath.Join(v.t.TempDir(), "vault.log")
	logf, _ := os.Create(v.logFile)
	v.cmd = exec.Command(v.bin, args...)
	v.cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + v.t.TempDir(), "VAULT_LOG_LEVEL=warn"}
	v.cmd.Stdout, v.cmd.Stderr = logf, logf
	v.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := v.cmd.Start(); err != nil {
		v.t.Fatal(err)
	}
	logf.Close()
	cmd := v.cmd
	v.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", v.addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(v.logFile)
			v.t.Fatalf("vault did not listen on %s: %s", v.addr, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v.dir == "" {
		v.waitKV()
	}
}

// waitKV waits until the KV engine at secret/ answers.
func (v *vaultServer) waitKV() {
	v.t.Helper()
	c := v.client(v.token)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.Logical().List("secret/metadata/")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("the KV engine never answered: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (v *vaultServer) unsealNow() {
	v.t.Helper()
	if _, err := v.client("").Sys().Unseal(v.unseal); err != nil {
		v.t.Fatalf("unseal: %v", err)
	}
}

// kill ends the server at once (SIGKILL), as a crash would.
func (v *vaultServer) kill() {
	v.cmd.Process.Signal(syscall.SIGKILL)
	v.cmd.Wait()
}

// restart starts a killed file-storage server again on the same address
// and data, and unseals it.
func (v *vaultServer) restart() {
	v.t.Helper()
	v.start("server", "-config="+filepath.Join(v.dir, "server.hcl"))
	v.unsealNow()
	v.waitKV()
}

func (v *vaultServer) url() string { return "http://" + v.addr }

func (v *vaultServer) client(token string) *api.Client {
	v.t.Helper()
	conf := api.DefaultConfig()
	conf.Address = v.url()
	conf.MaxRetries = 0
	c, err := api.NewClient(conf)
	if err != nil {
		v.t.Fatal(err)
	}
	c.SetToken(token)
	return c
}

// put writes fields to secret/<path> as a teammate with the vault CLI
// would.
func (v *vaultServer) put(path string, fields map[string]any) {
	v.t.Helper()
	if _, err := v.client(v.token).KVv2("secret").Put(context.Background(), path, fields); err != nil {
		v.t.Fatalf("put %s: %v", path, err)
	}
}

// tokenWithPolicy makes a token holding only the named policy, written
// from hcl.
func (v *vaultServer) tokenWithPolicy(name, hcl string) string {
	v.t.Helper()
	c := v.client(v.token)
	if err := c.Sys().PutPolicy(name, hcl); err != nil {
		v.t.Fatalf("policy: %v", err)
	}
	s, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{name}, NoParent: true})
	if err != nil {
		v.t.Fatalf("token: %v", err)
	}
	return s.Auth.ClientToken
}

func (v *vaultServer) revoke(token string) {
	v.t.Helper()
	if err := v.client(v.token).Auth().Token().RevokeTree(token); err != nil {
		v.t.Fatalf("revoke: %v", err)
	}
}

// teammate is one machine of the team: a noxkey home with the remote
// configured and a token in its environment.
func teammate(t *testing.T, v *vaultServer, token string, extraConfig string) *home {
	t.Helper()
	h := newVault(t)
	h.env = append(h.env, "VAULT_TOKEN="+token)
	h.ok(t, "", "remote", "add", "acme", "--vault-addr", v.url(), "--path", "team/acme", "--as", "acme")
	if extraConfig != "" {
		p := filepath.Join(h.dir, "config.toml")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, append([]byte(extraConfig+"\n"), b...), 0o600)
	}
	return h
}

// start starts noxkey args in the home's environment without waiting;
// stderr is captured.
func (h *home) start(t *testing.T, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "noxkey"), args...)
	cmd.Env = h.env
	errb := new(strings.Builder)
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, errb
}
