package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// TestTeamSecretsBetweenTwoTeammates: A sets a team secret (it goes to
// Vault first), B syncs it and B's guard redacts it; A rotates it, and a
// write B makes from its older copy is refused with both versions named,
// so no update is lost; after a sync B's write goes through.
func TestTeamSecretsBetweenTwoTeammates(t *testing.T) {
	v := startDevVault(t)
	a, b := teammate(t, v, v.token, ""), teammate(t, v, v.token, "")
	v1, v2, v3 := secret("sk_live_team_first_value_0001"), secret("sk_live_team_rotated_value_0002"), secret("sk_live_team_from_b_value_0003")
	a.ok(t, v1+"\n", "set", "acme/api/STRIPE_KEY")
	if got, _, _ := v.readKV(t, "team/acme/api", "STRIPE_KEY"); got != v1 {
		t.Fatalf("A's set did not reach Vault (%d bytes there)", len(got))
	}
	r := b.run(t, "", "sync")
	if r.code != 0 || !strings.Contains(r.stderr, "+ acme/api/STRIPE_KEY") || !strings.Contains(r.stderr, "sync acme: 1 added, 0 changed, 0 removed, 0 skipped of 1 remote secrets") {
		t.Fatalf("B's sync: exit %d %s", r.code, r.stderr)
	}
	if got := b.ok(t, "", "get", "--raw", "acme/api/STRIPE_KEY"); got != v1 {
		t.Fatal("B does not hold A's value")
	}
	if ls := b.ok(t, "", "ls", "acme"); !strings.Contains(ls, "[remote acme, version 1]") {
		t.Errorf("ls: %s", ls)
	}
	// mv and restore would not reach Vault: refused, nothing changed.
	for _, args := range [][]string{{"mv", "acme/api/STRIPE_KEY", "acme/api/OTHER"}, {"restore", "acme/api/STRIPE_KEY", "1"}} {
		if r := b.run(t, "", args...); r.code != exitUsage || !strings.Contains(r.stderr, "team remote acme") || !strings.Contains(r.stderr, "nothing was changed") {
			t.Errorf("%v: exit %d %s", args, r.code, r.stderr)
		}
	}
	// A description stays on this machine and keeps the secret synced.
	b.ok(t, "", "edit", "acme/api/STRIPE_KEY", "-d", "Stripe, team key")
	if ls := b.ok(t, "", "ls", "acme"); !strings.Contains(ls, "Stripe, team key [remote acme, version 1]") {
		t.Errorf("ls after edit: %s", ls)
	}
	if out := b.exec(t, "noxkey-hook", "deploying with "+v1+"\n", "filter").stdout; strings.Contains(out, v1) || !strings.Contains(out, "[REDACTED:acme/api/STRIPE_KEY]") {
		t.Fatalf("B's guard let the team secret through: %q", out)
	}
	if r := b.run(t, "", "sync"); !strings.Contains(r.stderr, "0 added, 0 changed, 0 removed") {
		t.Errorf("a second sync changed something: %s", r.stderr)
	}
	a.ok(t, v2+"\n", "set", "acme/api/STRIPE_KEY") // rotated: version 2
	r = b.run(t, v3+"\n", "set", "acme/api/STRIPE_KEY")
	if r.code == 0 || !strings.Contains(r.stderr, "it is at version 2 (written ") || !strings.Contains(r.stderr, "this machine has version 1 (written ") || !strings.Contains(r.stderr, "nothing was changed") {
		t.Fatalf("B's write over A's rotation: exit %d %s", r.code, r.stderr)
	}
	if got, _, _ := v.readKV(t, "team/acme/api", "STRIPE_KEY"); got != v2 {
		t.Fatal("B's stale write replaced A's rotation in Vault")
	}
	if got := b.ok(t, "", "get", "--raw", "acme/api/STRIPE_KEY"); got != v1 {
		t.Fatal("a refused write changed B's copy")
	}
	if r := b.run(t, "", "sync"); !strings.Contains(r.stderr, "~ acme/api/STRIPE_KEY") {
		t.Fatalf("B's sync after the rotation: %s", r.stderr)
	}
	b.ok(t, v3+"\n", "set", "acme/api/STRIPE_KEY")
	if got, ver, _ := v.readKV(t, "team/acme/api", "STRIPE_KEY"); got != v3 || ver != 3 {
		t.Fatalf("B's write after a sync: version %d", ver)
	}
	// A's stale copy: --force overwrites.
	a.ok(t, v2+"\n", "set", "--force", "acme/api/STRIPE_KEY")
	if got, _, _ := v.readKV(t, "team/acme/api", "STRIPE_KEY"); got != v2 {
		t.Fatal("--force did not overwrite")
	}
	// rm removes it there too, and B's next sync removes B's copy.
	a.ok(t, "", "rm", "acme/api/STRIPE_KEY")
	if r := b.run(t, "", "sync"); !strings.Contains(r.stderr, "- acme/api/STRIPE_KEY") {
		t.Fatalf("B's sync after A's rm: %s", r.stderr)
	}
	if r := b.run(t, "", "get", "acme/api/STRIPE_KEY"); r.code != exitNotFound {
		t.Fatalf("B still has it: exit %d", r.code)
	}
	if st := b.ok(t, "", "remote", "ls"); !strings.Contains(st, "acme") || !strings.Contains(st, "synced ") {
		t.Errorf("remote ls: %s", st)
	}
	// A secret deleted (its current version) or destroyed in Vault by a
	// teammate with the vault CLI goes from B at the next sync.
	kv := v.client(v.token).KVv2("secret")
	v.put("team/acme/tmp/one", map[string]any{"A_KEY": secret("sk_live_team_deleted_value_0010")})
	v.put("team/acme/tmp/two", map[string]any{"B_KEY": secret("sk_live_team_destroyed_value_0011")})
	if r := b.run(t, "", "sync"); !strings.Contains(r.stderr, "+ acme/tmp/one/A_KEY") || !strings.Contains(r.stderr, "+ acme/tmp/two/B_KEY") {
		t.Fatalf("sync of two new secrets: %s", r.stderr)
	}
	if err := kv.Delete(t.Context(), "team/acme/tmp/one"); err != nil {
		t.Fatal(err)
	}
	if err := kv.Destroy(t.Context(), "team/acme/tmp/two", []int{1}); err != nil {
		t.Fatal(err)
	}
	if r := b.run(t, "", "sync"); !strings.Contains(r.stderr, "- acme/tmp/one/A_KEY") || !strings.Contains(r.stderr, "- acme/tmp/two/B_KEY") {
		t.Fatalf("sync after a delete and a destroy: %s", r.stderr)
	}
}

// readKV returns a field of a KV v2 secret as Vault holds it, and its
// version.
func (v *vaultServer) readKV(t *testing.T, path, field string) (string, int, error) {
	t.Helper()
	s, err := v.client(v.token).KVv2("secret").Get(t.Context(), path)
	if err != nil {
		return "", 0, err
	}
	val, _ := s.Data[field].(string)
	return val, s.VersionMetadata.Version, nil
}

// TestTeamDaemonKeepsSecretsFresh: with sync_interval, B's unlocked daemon
// picks up a value A rotated, and B's guard redacts the new value without
// B running anything.
func TestTeamDaemonKeepsSecretsFresh(t *testing.T) {
	v := startDevVault(t)
	a, b := teammate(t, v, v.token, ""), teammate(t, v, v.token, `sync_interval = "1s"`)
	v1, v2 := secret("sk_live_fresh_first_value_0004"), secret("sk_live_fresh_rotated_value_0005")
	a.ok(t, v1+"\n", "set", "acme/db/PASSWORD")
	b.ok(t, "", "sync")
	b.ok(t, "", "unlock") // the daemon syncs while unlocked
	a.ok(t, v2+"\n", "set", "acme/db/PASSWORD")
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := b.exec(t, "noxkey-hook", "password="+v2+"\n", "filter").stdout
		if !strings.Contains(out, v2) {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(b.dir, "run", "daemon.log"))
			t.Fatalf("B's daemon never picked up the rotation: %s", log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st := b.ok(t, "", "status"); !strings.Contains(st, "remote:  acme (acme/): synced ") {
		t.Errorf("status: %s", st)
	}
}

// TestTeamSyncFaults: a revoked token and a path the token may not read.
func TestTeamSyncFaults(t *testing.T) {
	v := startDevVault(t)
	v.put("team/acme/api", map[string]any{"KEY": secret("sk_live_fault_api_value_0006")})
	v.put("team/acme/ops/secret-x", map[string]any{"TOKEN": secret("sk_live_fault_hidden_value_0007")})
	limited := v.tokenWithPolicy("acme-limited", `
path "secret/metadata/team/acme/*" { capabilities = ["list", "read"] }
path "secret/metadata/team/acme" { capabilities = ["list"] }
path "secret/data/team/acme/api" { capabilities = ["read"] }
`)
	b := teammate(t, v, limited, "")
	r := b.run(t, "", "sync")
	if r.code != 0 || !strings.Contains(r.stderr, "+ acme/api/KEY") || !strings.Contains(r.stderr, "! team/acme/ops/secret-x: permission denied reading it; the local copy is kept") {
		t.Fatalf("sync with a path the token may not read: exit %d %s", r.code, r.stderr)
	}
	before := vaultState(t, b)
	v.revoke(limited)
	r = b.run(t, "", "sync")
	if r.code == 0 || !strings.Contains(r.stderr, "refused the credentials") || !strings.Contains(r.stderr, "vault login") {
		t.Fatalf("sync with a revoked token: exit %d %s", r.code, r.stderr)
	}
	if vaultState(t, b) != before {
		t.Error("a failed sync changed the vault or the guard index")
	}
	if r := b.run(t, "", "doctor"); !strings.Contains(r.stdout, "remote acme") || !strings.Contains(r.stdout, "last sync failed") {
		t.Errorf("doctor: %s", r.stdout)
	}
	b.env = withoutEnv(b.env, "VAULT_TOKEN")
	if r := b.run(t, "", "sync"); r.code == 0 || !strings.Contains(r.stderr, "no token (set VAULT_TOKEN, run vault login") {
		t.Errorf("sync without a token: %s", r.stderr)
	}
}

// TestTeamSyncKilledServer: the server killed in the middle of a sync of
// 10,000 secrets leaves the local vault as it was; once it is back, the
// next sync completes. Reports the first and an incremental sync's time.
func TestTeamSyncKilledServer(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 10,000 secrets")
	}
	v := startFileVault(t)
	const n = 10000
	seed := time.Now()
	v.seed(t, n)
	t.Logf("seeded %d remote secrets in %s", n, time.Since(seed).Round(time.Millisecond))
	b := teammate(t, v, v.token, "")
	b.ok(t, "", "unlock")
	before := vaultState(t, b)
	// Kill the server once the sync is under way.
	cmd, errb := b.start(t, "sync")
	time.Sleep(1500 * time.Millisecond)
	v.kill()
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("the sync finished before the server was killed (%s); seed more", errb.String())
	}
	if vaultState(t, b) != before {
		t.Fatalf("a sync cut off midway changed the vault or the guard index: %s", errb.String())
	}
	v.restart()
	start := time.Now()
	r := b.run(t, "", "sync")
	first := time.Since(start)
	if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("%d added", n)) {
		t.Fatalf("the sync after the restart: exit %d %s", r.code, r.stderr)
	}
	for i := 0; i < 10; i++ {
		v.put(fmt.Sprintf("team/acme/svc%04d", i*997), map[string]any{"TOKEN": fmt.Sprintf("rotated-%04d-%s", i, strings.Repeat("x", 20))})
	}
	start = time.Now()
	r = b.run(t, "", "sync")
	incr := time.Since(start)
	if r.code != 0 || !strings.Contains(r.stderr, "0 added, 10 changed, 0 removed") {
		t.Fatalf("the incremental sync: %s", r.stderr)
	}
	t.Logf("sync of %d remote secrets: first %s, incremental (10 changed) %s", n, first.Round(time.Millisecond), incr.Round(time.Millisecond))
}

// seed writes n remote secrets of one field each under team/acme.
func (v *vaultServer) seed(t *testing.T, n int) {
	t.Helper()
	kv := v.client(v.token).KVv2("secret")
	work := make(chan int)
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func() {
			for i := range work {
				if _, err := kv.Put(t.Context(), fmt.Sprintf("team/acme/svc%04d", i), map[string]any{"TOKEN": fmt.Sprintf("tok-%04d-%s", i, strings.Repeat("y", 24))}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	for w := 0; w < 8; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// vaultState is the bytes of the vault and the guard index.
func vaultState(t *testing.T, h *home) string {
	t.Helper()
	var out string
	for _, f := range []string{"vault.age", "guard.idx"} {
		b, err := os.ReadFile(filepath.Join(h.dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out += f + ":" + string(b) + "\n"
	}
	return out
}

// TestTeamSecretHandedOffToAnAgent: a synced secret is handed off to an
// agent's shell exactly as a local one; the handoff script holds that
// secret only, never the Vault token (which the remote got from the
// token helper's file, not the environment), and a command noxkey runs
// for the agent gets no token either.
func TestTeamSecretHandedOffToAnAgent(t *testing.T) {
	v := startDevVault(t)
	v.put("team/acme/api", map[string]any{"STRIPE_KEY": secret("sk_live_team_handoff_value_0008")})
	b := teammate(t, v, v.token, "")
	b.env = withoutEnv(b.env, "VAULT_TOKEN")
	var home string
	for _, e := range b.env {
		if strings.HasPrefix(e, "HOME=") {
			home = strings.TrimPrefix(e, "HOME=")
		}
	}
	os.WriteFile(filepath.Join(home, ".vault-token"), []byte(v.token+"\n"), 0o600)
	b.ok(t, "", "sync")
	b.ok(t, "", "unlock")
	b.realSignatures(t)
	b.ok(t, "", "unlock")
	agent := []string{"CLAUDE_CODE_CHILD_SESSION=1"}
	r := b.runArgs(t, agent, "bash", "-c", "noxkey get acme/api/STRIPE_KEY")
	script := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(r.stdout), "source '"), "'")
	body, err := os.ReadFile(script)
	if err != nil || !strings.Contains(string(body), "STRIPE_KEY") || strings.Contains(string(body), v.token) || strings.Contains(string(body), "VAULT") {
		t.Fatalf("handoff script %q: %v (%d bytes)", script, err, len(body))
	}
	out := b.runArgs(t, agent, "bash", "-c", `source '`+script+`'; printf %s "$STRIPE_KEY" | sha256sum`).stdout
	if !strings.HasPrefix(out, fmt.Sprintf("%x", sha256.Sum256([]byte("sk_live_team_handoff_value_0008")))) {
		t.Fatalf("the agent's shell did not get the synced value: %q", out)
	}
	// Changing a team secret is refused to an agent (exit 4); Vault keeps
	// the value.
	r = b.runArgs(t, agent, "bash", "-c", "echo sk_live_agent_overwrite_0012 | "+filepath.Join(binDir, "noxkey")+" set acme/api/STRIPE_KEY")
	if r.code != exitRefused {
		t.Fatalf("an agent's set of a team secret: exit %d %s", r.code, r.stderr)
	}
	if got, _, _ := v.readKV(t, "team/acme/api", "STRIPE_KEY"); got != "sk_live_team_handoff_value_0008" {
		t.Fatal("an agent changed the team secret")
	}
	env := b.runArgs(t, agent, filepath.Join(binDir, "noxkey"), "run", "--env", "acme/api/STRIPE_KEY", "--", "env").stdout
	if strings.Contains(env, "VAULT_TOKEN") || strings.Contains(env, v.token) {
		t.Fatal("a command run for the agent got the Vault token")
	}
	if !strings.Contains(env, "STRIPE_KEY=[REDACTED:acme/api/STRIPE_KEY]") {
		t.Fatalf("run's filtered output: %q", env)
	}
}

// TestTeamSyncWithAppRole: a remote that logs in with AppRole (role id
// in config.toml, secret id in a file) syncs with no token around.
func TestTeamSyncWithAppRole(t *testing.T) {
	v := startDevVault(t)
	v.put("team/acme/ci", map[string]any{"DEPLOY_TOKEN": secret("sk_live_team_approle_value_0009")})
	c := v.client(v.token)
	if err := c.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	v.tokenWithPolicy("acme-read", `
path "secret/metadata/team/acme*" { capabilities = ["list", "read"] }
path "secret/data/team/acme/*" { capabilities = ["read"] }
`)
	if _, err := c.Logical().Write("auth/approle/role/noxkey", map[string]any{"token_policies": "acme-read"}); err != nil {
		t.Fatal(err)
	}
	rid, err := c.Logical().Read("auth/approle/role/noxkey/role-id")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := c.Logical().Write("auth/approle/role/noxkey/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	sidFile := filepath.Join(t.TempDir(), "secret-id")
	os.WriteFile(sidFile, []byte(sid.Data["secret_id"].(string)+"\n"), 0o600)
	h := newVault(t)
	h.ok(t, "", "remote", "add", "acme", "--vault-addr", v.url(), "--path", "team/acme", "--as", "acme",
		"--role-id", rid.Data["role_id"].(string), "--secret-id-file", sidFile)
	if r := h.run(t, "", "sync"); r.code != 0 || !strings.Contains(r.stderr, "+ acme/ci/DEPLOY_TOKEN") {
		t.Fatalf("sync with AppRole: exit %d %s", r.code, r.stderr)
	}
	os.WriteFile(sidFile, []byte("not-the-secret-id\n"), 0o600)
	if r := h.run(t, "", "sync"); r.code == 0 || !strings.Contains(r.stderr, "AppRole login") {
		t.Fatalf("sync with a wrong secret id: exit %d %s", r.code, r.stderr)
	}
}

// TestTeamWriteBeforeFirstSync: a write to a remote secret this machine
// has not synced yet is refused rather than guessed over.
func TestTeamWriteBeforeFirstSync(t *testing.T) {
	v := startDevVault(t)
	v.put("team/acme/api", map[string]any{"OTHER": secret("sk_live_team_other_value_0013")})
	b := teammate(t, v, v.token, "")
	r := b.run(t, secret("sk_live_team_new_field_0014")+"\n", "set", "acme/api/NEW_KEY")
	if r.code == 0 || !strings.Contains(r.stderr, "it is at version 1 (written ") || !strings.Contains(r.stderr, "this machine has not synced it yet") {
		t.Fatalf("a write before the first sync: exit %d %s", r.code, r.stderr)
	}
	b.ok(t, "", "sync")
	b.ok(t, secret("sk_live_team_new_field_0014")+"\n", "set", "acme/api/NEW_KEY")
	if got, ver, _ := v.readKV(t, "team/acme/api", "OTHER"); got != "sk_live_team_other_value_0013" || ver != 2 {
		t.Fatalf("the other field after a patch: version %d", ver)
	}
}
