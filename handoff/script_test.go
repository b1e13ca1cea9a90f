package handoff

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var testShells = []string{"bash", "zsh", "dash", "fish"}

// sourceIn runs shell, sources a handoff of vars the way an agent's shell
// would, and returns each variable's value as the shell sees it.
func sourceIn(t testing.TB, shell, dir string, vars []Var) [][]byte {
	sh, err := exec.LookPath(shell)
	if err != nil {
		t.Fatalf("%s is not installed (.ci/run installs it): %v", shell, err)
	}
	d := DialectFor(shell)
	path, err := WriteScript(dir, d, vars)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.(interface{ TempDir() string }).TempDir(), "out")
	script := d.SourceLine(path) + "\nprintf '%s\\000'"
	for _, v := range vars {
		script += ` "$` + v.Name + `"`
	}
	script += " > " + string(d.Quote([]byte(out))) + "\n"
	args := []string{"-c", script}
	if shell == "fish" {
		args = []string{"--no-config", "-c", script}
	}
	cmd := exec.Command(sh, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + dir}
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", shell, err, msg)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("%s: the handoff script is still there after sourcing", shell)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	parts := bytes.Split(bytes.TrimSuffix(got, []byte{0}), []byte{0})
	if len(parts) != len(vars) {
		t.Fatalf("%s: %d values back for %d variables", shell, len(parts), len(vars))
	}
	return parts
}

func adversarial() []Var {
	big := bytes.Repeat([]byte("0123456789abcdef'\"$`\\\n"), 32*1024/22+1)[:32*1024]
	return []Var{
		{"SINGLE", []byte("it's a 'quoted' value''")},
		{"DOUBLE", []byte(`say "hi" "`)},
		{"DOLLAR", []byte("$HOME ${PATH} $(id) $((1+1)) $1 $@ $$")},
		{"BACKTICK", []byte("`id` `")},
		{"BACKSLASH", []byte(`\ \\ \' \n \t trailing\`)},
		{"NEWLINES", []byte("line1\nline2\r\n\n")},
		{"BANG", []byte("!! !$ !-1 history!")},
		{"UNICODE", []byte("päss wörd ✓ 秘密 🔑 \u202e")},
		{"GLOB", []byte("* ? [a-z] ~ {a,b} ; & | < > # %")},
		{"DASHES", []byte("-n -e --")},
		{"SPACES", []byte("  leading and trailing  ")},
		{"BIG", big},
	}
}

func TestHandoffRealShells(t *testing.T) {
	vars := adversarial()
	for _, shell := range testShells {
		t.Run(shell, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "handoff")
			got := sourceIn(t, shell, dir, vars)
			for i, v := range vars {
				if !bytes.Equal(got[i], v.Value) {
					t.Errorf("%s: %s differs after sourcing (%d bytes, want %d)", shell, v.Name, len(got[i]), len(v.Value))
				}
			}
		})
	}
}

// TestHandoffProperty: any value without NUL survives every shell.
func TestHandoffProperty(t *testing.T) {
	for _, shell := range testShells {
		t.Run(shell, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "handoff")
			gen := rapid.SliceOfN(rapid.ByteRange(1, 255), 0, 300)
			if shell == "fish" {
				// fish keeps text, not bytes: it re-encodes invalid UTF-8.
				gen = rapid.Map(rapid.StringN(0, 300, -1), func(s string) []byte {
					return []byte(strings.ReplaceAll(s, "\x00", ""))
				})
			}
			rapid.Check(t, func(rt *rapid.T) {
				v := gen.Draw(rt, "value")
				got := sourceIn(t, shell, dir, []Var{{"V", v}})
				if !bytes.Equal(got[0], v) {
					rt.Fatalf("%s changed a value of %d bytes", shell, len(v))
				}
			})
		})
	}
}

func TestSourceLine(t *testing.T) {
	for shell, want := range map[string]string{"bash": "source '/r/x.sh'", "zsh": "source '/r/x.sh'", "fish": "source '/r/x.sh'", "dash": ". '/r/x.sh'", "sh": ". '/r/x.sh'", "": ". '/r/x.sh'"} {
		if got := DialectFor(shell).SourceLine("/r/x.sh"); got != want {
			t.Errorf("%q: %s, want %s", shell, got, want)
		}
	}
}

func TestWriteScriptFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "handoff")
	p, err := WriteScript(dir, DialectFor("bash"), []Var{{"A", []byte("v")}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	dst, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Errorf("modes %v %v", st.Mode(), dst.Mode())
	}
	// A wider directory is refused, not used.
	os.Chmod(dir, 0o755)
	if _, err := WriteScript(dir, DialectFor("bash"), nil); err == nil {
		t.Error("wrote into a directory open to others")
	}
	os.Chmod(dir, 0o700)
	// A symlink planted where the directory should be is refused.
	link := filepath.Join(t.TempDir(), "handoff")
	os.Symlink(dir, link)
	if _, err := WriteScript(link, DialectFor("bash"), nil); err == nil {
		t.Error("wrote through a symlinked directory")
	}
}

func TestSweep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "handoff")
	old, _ := WriteScript(dir, DialectFor("bash"), []Var{{"A", []byte("v")}})
	fresh, _ := WriteScript(dir, DialectFor("bash"), []Var{{"A", []byte("v")}})
	past := time.Now().Add(-2 * time.Minute)
	os.Chtimes(old, past, past)
	n, err := Sweep(dir, time.Minute, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("swept %d: %v", n, err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("an expired script survived")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a fresh script was swept")
	}
}

func TestCreatePrivateRefusesPlanted(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o600)
	link := filepath.Join(dir, "nk-link.sh")
	os.Symlink(target, link)
	if f, err := createPrivate(link); err == nil {
		f.Close()
		t.Error("created through a planted symlink")
	}
	if f, err := createPrivate(target); err == nil {
		f.Close()
		t.Error("opened a planted file")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Error("the planted file's target was changed")
	}
}
