package handoff

import "testing"

func TestParseStat(t *testing.T) {
	p, err := parseStat(42, []byte("42 (we ird) (name)) S 7 42 42 34816 42 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 1 1 1"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Comm != "we ird) (name)" || p.PPid != 7 || !p.TTY || p.StartTime != 123456 {
		t.Errorf("%+v", p)
	}
	if _, err := parseStat(1, []byte("garbage")); err == nil {
		t.Error("garbage parsed")
	}
}
