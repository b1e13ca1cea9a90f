package guard

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/noxkey/noxkey/configs"
)

// Fingerprint identifies every input of the settings: the embedded
// defaults and, by path, size and modification time, the user's
// guard.toml and rule files. An index whose stored fingerprint still
// matches lets the hook skip TOML altogether.
func Fingerprint(dir string, ruleFiles []string) string {
	h := sha256.New()
	ents, _ := fs.Glob(configs.FS, "rules/*.toml")
	for _, e := range append([]string{"guard.toml"}, ents...) {
		b, _ := configs.FS.ReadFile(e)
		fmt.Fprintf(h, "%s %d\n", e, len(b))
		h.Write(b)
	}
	for _, f := range append([]string{filepath.Join(dir, "guard.toml")}, ruleFiles...) {
		if fi, err := os.Stat(f); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", f, fi.Size(), fi.ModTime().UnixNano())
		} else {
			fmt.Fprintf(h, "%s absent\n", f)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Settings is what the index keeps of guard.toml and the pattern rules,
// so that the hook reads no TOML (the config package makes it).
type Settings struct {
	Fingerprint  string
	Placeholder  string
	RulesEnabled bool
	RuleFiles    []string
	Specs        []RuleSpec
}
