package guard

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/noxkey/noxkey/configs"
)

// Fingerprint identifies every input of the settings: the embedded
// defaults and, by path, size and modification time, the user's
// guard.toml and rule files. An index whose stored fingerprint still
// matches lets the hook skip TOML altogether.
func Fingerprint(dir string, ruleFiles []string) string {
	sum := fingerprintSum(dir, ruleFiles)
	return hex.EncodeToString(sum[:])
}

// fingerprintIs reports whether fp is the settings' fingerprint now,
// without allocating for the digest or its hex: it runs on every hook call.
func fingerprintIs(fp, dir string, ruleFiles []string) bool {
	sum := fingerprintSum(dir, ruleFiles)
	var h [2 * sha256.Size]byte
	return string(hex.AppendEncode(h[:0], sum[:])) == fp
}

// fingerprintSum hashes a line for the embedded defaults and one for each
// file, in one buffer on the stack (no fmt, no os.FileInfo: it runs on
// every hook call).
func fingerprintSum(dir string, ruleFiles []string) [sha256.Size]byte {
	var buf [256]byte // a guard.toml line fits; rule files may spill to the heap
	b := append(append(buf[:0], configs.GuardSum...), '\n')
	b = fingerprintLine(b, filepath.Join(dir, "guard.toml"))
	for _, f := range ruleFiles {
		b = fingerprintLine(b, f)
	}
	return sha256.Sum256(b)
}

// fingerprintLine appends "path size mtime-ns" or "path absent", and a
// newline.
func fingerprintLine(b []byte, f string) []byte {
	b = append(append(b, f...), ' ')
	var st unix.Stat_t
	if err := unix.Stat(f, &st); err == nil {
		b = strconv.AppendInt(append(strconv.AppendInt(b, st.Size, 10), ' '), st.Mtim.Sec*1e9+st.Mtim.Nsec, 10)
	} else {
		b = append(b, "absent"...)
	}
	return append(b, '\n')
}

// Settings is what the index keeps of guard.toml and the pattern rules,
// so that the hook reads no TOML (the config package makes it).
type Settings struct {
	Fingerprint  string
	Placeholder  string
	RulesEnabled bool
	RuleFiles    []string
	Specs        []RuleSpec
	// LiveOutput: commands of agents that replace a tool's result after it
	// ran (Codex, Gemini CLI) are also rewritten to filter their live
	// output (guard.toml [commands] filter_live_output).
	LiveOutput bool
}

// The index stores Settings in a small binary form (varint lengths,
// strings, a float's bits) rather than JSON: decoding JSON by reflection
// was a tenth of a hook call's page faults.

// MarshalBinary encodes the settings as the index stores them: the rule
// specs first, which a hook decodes only when a keyword hits (and then
// reads where they lie), then the plain fields and the rules' keyword plan
// (what a scan needs), which every load decodes.
func (st *Settings) MarshalBinary() ([]byte, error) {
	var sp enc
	sp.uint(uint64(len(st.Specs)))
	for _, r := range st.Specs {
		sp.str(r.ID)
		sp.str(r.Regex)
		sp.uint(uint64(r.SecretGroup))
		sp.uint(math.Float64bits(r.Entropy))
		sp.strs(r.Keywords)
		sp.uint(uint64(len(r.Allow)))
		for _, a := range r.Allow {
			sp.strs(a.Regexes)
			sp.strs(a.Stopwords)
			sp.str(a.Target)
			sp.bool(a.And)
		}
		sp.bool(r.Global)
	}
	var e enc
	e.uint(uint64(len(sp.b)))
	e.b = append(e.b, sp.b...)
	e.str(st.Fingerprint)
	e.str(st.Placeholder)
	e.bool(st.RulesEnabled)
	e.strs(st.RuleFiles)
	plan := planRules(st.Specs)
	e.uint(uint64(plan.n))
	e.strs(plan.keywords)
	total := 0
	for _, rs := range plan.kwRules {
		total += len(rs)
	}
	e.uint(uint64(total))
	for _, rs := range plan.kwRules {
		e.ints(rs)
	}
	e.ints(plan.nokw)
	e.bool(st.LiveOutput)
	return e.b, nil
}

// decodeStored decodes the settings but for the specs, which it returns
// encoded where they lie in b, and the keyword plan. The strings share one
// copy of the rest of b, and the plan's rule lists one array (a few
// hundred small allocations would each cost, on every hook call).
func decodeStored(b []byte) (*Settings, rulePlan, []byte, error) {
	d := dec{b: b}
	specs := d.bytes()
	d.b = bytes.Clone(d.b)
	st := &Settings{Fingerprint: d.str(), Placeholder: d.str(), RulesEnabled: d.bool(), RuleFiles: d.strs()}
	var plan rulePlan
	plan.n = int(min(d.uint(), 1<<20))
	plan.keywords = d.strs()
	plan.kwRules = makeN[[]int](len(plan.keywords))
	all := makeN[int](d.count())
	for i := range plan.kwRules {
		plan.kwRules[i] = d.intsIn(&all, plan.n)
	}
	plan.nokw = d.ints(plan.n)
	st.LiveOutput = d.bool()
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return nil, rulePlan{}, nil, fmt.Errorf("guard: settings: %w", d.err)
	}
	return st, plan, specs, nil
}

// decodeSpecs decodes the rule specs MarshalBinary wrote.
func decodeSpecs(b []byte) ([]RuleSpec, error) {
	d := dec{b: bytes.Clone(b)}
	specs := makeN[RuleSpec](d.count())
	for i := range specs {
		sp := &specs[i]
		sp.ID = d.str()
		sp.Regex = d.str()
		sp.SecretGroup = int(min(d.uint(), 1<<16))
		sp.Entropy = math.Float64frombits(d.uint())
		sp.Keywords = d.strs()
		sp.Allow = makeN[AllowSpec](d.count())
		for j := range sp.Allow {
			a := &sp.Allow[j]
			a.Regexes = d.strs()
			a.Stopwords = d.strs()
			a.Target = d.str()
			a.And = d.bool()
		}
		sp.Global = d.bool()
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return nil, fmt.Errorf("guard: settings: rules: %w", d.err)
	}
	return specs, nil
}

type enc struct{ b []byte }

func (e *enc) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) str(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) strs(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}
func (e *enc) ints(v []int) {
	e.uint(uint64(len(v)))
	for _, x := range v {
		e.uint(uint64(x))
	}
}
func (e *enc) bool(v bool) {
	if v {
		e.uint(1)
	} else {
		e.uint(0)
	}
}

// dec reads what enc wrote; the first error sticks and later reads
// return zero values.
type dec struct {
	b   []byte
	err error
}

func (d *dec) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errors.New("truncated")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a list length, which cannot exceed the bytes left (every
// element takes at least one).
func (d *dec) count() int {
	n := d.uint()
	if n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = errors.New("list longer than the data")
		}
		return 0
	}
	return int(n)
}

func (d *dec) str() string {
	n := d.count()
	if n == 0 {
		return ""
	}
	s := unsafe.String(&d.b[0], n) // d.b is a private copy, never written
	d.b = d.b[n:]
	return s
}

// ints reads a list of numbers, each below limit.
func (d *dec) ints(limit int) []int { return d.fill(makeN[int](d.count()), limit) }

// intsIn is ints read into the front of *all, which it then advances past
// them: many short lists in one array.
func (d *dec) intsIn(all *[]int, limit int) []int {
	n := d.count()
	if n > len(*all) {
		if d.err == nil {
			d.err = errors.New("rule lists longer than their total")
		}
		return nil
	}
	if n == 0 {
		return nil
	}
	out := (*all)[:n:n]
	*all = (*all)[n:]
	return d.fill(out, limit)
}

// fill reads len(out) numbers, each below limit, into out.
func (d *dec) fill(out []int, limit int) []int {
	for i := range out {
		if out[i] = int(min(d.uint(), uint64(limit))); out[i] >= limit && d.err == nil {
			d.err = errors.New("rule number out of range")
		}
	}
	return out
}

// bytes reads a length and that many bytes.
func (d *dec) bytes() []byte {
	n := d.count()
	b := d.b[:n]
	d.b = d.b[n:]
	return b
}

// makeN is make([]T, n), or nil for none, as JSON and TOML decode them.
func makeN[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, n)
}

func (d *dec) strs() []string {
	out := makeN[string](d.count())
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *dec) bool() bool {
	switch d.uint() {
	case 0:
		return false
	case 1:
		return true
	}
	if d.err == nil {
		d.err = errors.New("bad boolean")
	}
	return false
}
