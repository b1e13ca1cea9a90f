package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxkey/noxkey/guard"
	"github.com/noxkey/noxkey/guard/arm/armtest"
)

// TestDecodedFormsThroughTheHook: what real programs print, run through
// the real noxkey-hook, as filter and as Claude Code's PostToolUse: the
// secret (awkward bytes) is redacted in every form, its hex included, and
// a piece of it too.
func TestDecodedFormsThroughTheHook(t *testing.T) {
	const secret = `pa"ss'w$rd\&<>ä-Zq8xW3nK7mT`
	home := filepath.Join(t.TempDir(), "nk")
	os.MkdirAll(home, 0o700)
	ix, _, err := guard.Build([]guard.Secret{{Name: "acme/db/PASSWORD", Value: []byte(secret)}}, armtest.Key(t), guard.Options{Settings: settings(t, home)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.WriteFile(filepath.Join(home, "guard.idx")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ need, script string }{
		{"xxd", `printf 'key=%s\n' "$S" | xxd`},
		{"hexdump", `printf 'key=%s\n' "$S" | hexdump`},
		{"od", `printf '%s' "$S" | od -x`},
		{"python3", `/usr/bin/python3 -c 'import os; print(list(os.environ["S"].encode()))'`},
		{"od", `printf '%s' "$S" | od -c`},
		{"base32", `printf '%s' "$S" | base32`},
		{"iconv", `{ printf '\xfe\xff'; printf 'key=%s' "$S" | iconv -f UTF-8 -t UTF-16BE; } | base64 -w0`},
		{"bash", `declare -x S; declare -p S`},
		{"bash", `printf '%q\n' "$S"`},
		{"jq", `jq -n --arg s "$S" '{password: $s}'`},
		{"head", `printf '%s' "$S" | head -c 20`},
	} {
		if _, err := exec.LookPath(c.need); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (.ci/run installs it)", c.need)
			}
			continue
		}
		cmd := exec.Command("bash", "-c", c.script)
		cmd.Env = []string{"S=" + secret, "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", c.script, err)
		}
		esc, _ := json.Marshal(secret) // as it would stand in a JSON answer
		leaked := func(b []byte) bool {
			return bytes.Contains(b, []byte(secret[:16])) || bytes.Contains(b, esc[1:17]) || bytes.Contains(b, []byte(hex.EncodeToString([]byte(secret))[:16]))
		}
		run := func(stdin []byte, args ...string) []byte {
			h := exec.Command(filepath.Join(binDir, "noxkey-hook"), args...)
			h.Env = []string{"NOXKEY_HOME=" + home}
			h.Stdin = bytes.NewReader(stdin)
			o, err := h.Output()
			if err != nil {
				t.Fatalf("noxkey-hook %v on %s: %v", args, c.script, err)
			}
			return o
		}
		if f := run(out, "filter"); leaked(f) || !bytes.Contains(f, []byte("[REDACTED:acme/db/PASSWORD")) {
			t.Errorf("filter, %s:\n%s", c.script, strings.ReplaceAll(string(f), secret, "<secret>"))
		}
		payload, _ := json.Marshal(map[string]any{"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": map[string]any{"command": c.script},
			"tool_response": map[string]any{"stdout": string(out), "stderr": "", "interrupted": false, "isImage": false}})
		if a := run(payload, "claude"); leaked(a) || !bytes.Contains(a, []byte(`[REDACTED:acme/db/PASSWORD`)) {
			t.Errorf("claude, %s:\n%s", c.script, strings.ReplaceAll(string(a), secret, "<secret>"))
		}
	}
}
