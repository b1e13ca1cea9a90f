package guard

import "github.com/noxkey/noxkey/internal/benchdata"

// corpus returns n bytes of clean, realistic tool output (benchdata.Corpus).
func corpus(n int) []byte { return benchdata.Corpus(n) }

// testSecrets returns n distinct provider-like secrets, the same every time.
func testSecrets(n int) []Secret {
	out := make([]Secret, n)
	for i, s := range benchdata.Secrets(n) {
		out[i] = Secret{Name: s.Name, Value: s.Value}
	}
	return out
}
