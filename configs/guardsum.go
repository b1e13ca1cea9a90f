package configs

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strconv"
)

//go:generate go run gen_guardsum.go

// ComputeGuardSum hashes the embedded guard settings: guard.toml and
// rules/*.toml, each as its name, size and content. GuardSum holds the
// result, so that a hook call, which checks whether the guard settings
// changed, does not hash them each time; TestGuardSum keeps the two equal.
func ComputeGuardSum() string {
	h := sha256.New()
	ents, _ := fs.Glob(FS, "rules/*.toml")
	for _, e := range append([]string{"guard.toml"}, ents...) {
		b, _ := FS.ReadFile(e)
		h.Write(strconv.AppendInt(append([]byte(e), ' '), int64(len(b)), 10))
		h.Write([]byte{'\n'})
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
