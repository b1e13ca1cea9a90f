package hooks

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/noxkey/noxkey/guard"
)

// mapLeaves returns v with f applied to every leaf that can hold text:
// strings, numbers (json.Number; a changed one becomes a string) and, with
// keys, object keys (a changed key renames its entry). Maps and slices keep
// their shape. f reports whether it changed a leaf: what did not change is
// shared, and v itself comes back when nothing changed (so an unchanged
// tool output gets no answer). Map keys are visited in a fixed order, the
// model-facing output keys (stdout, text) first, so f may keep state
// across leaves.
func mapLeaves(v any, keys bool, f func(string) (string, bool)) (any, bool) {
	switch x := v.(type) {
	case string:
		if s, ok := f(x); ok {
			return s, true
		}
	case json.Number:
		if s, ok := f(string(x)); ok {
			return s, true
		}
	case map[string]any:
		var copied map[string]any
		for _, k := range outputKeysFirst(x) {
			nk, kchanged := k, false
			if keys {
				nk, kchanged = f(k)
			}
			r, ok := mapLeaves(x[k], keys, f)
			if !ok && !kchanged {
				continue
			}
			if copied == nil {
				copied = maps.Clone(x)
			}
			if kchanged {
				delete(copied, k)
				for _, taken := copied[nk]; taken; _, taken = copied[nk] {
					nk += "'"
				}
				k = nk
			}
			copied[k] = r
		}
		if copied != nil {
			return copied, true
		}
	case []any:
		var copied []any
		for i, e := range x {
			r, ok := mapLeaves(e, keys, f)
			if !ok {
				continue
			}
			if copied == nil {
				copied = slices.Clone(x)
			}
			copied[i] = r
		}
		if copied != nil {
			return copied, true
		}
	}
	return v, false
}

// outputKeysFirst sorts m's keys, stdout or text first: where the model
// reads a tool's output first.
func outputKeysFirst(m map[string]any) []string {
	keys := slices.Sorted(maps.Keys(m))
	for i, k := range keys {
		if k == "stdout" || k == "text" {
			copy(keys[1:i+1], keys[:i])
			keys[0] = k
			break
		}
	}
	return keys
}

// redactLeaves returns v with every string leaf redacted and the matches
// found, or v itself when nothing matched.
func redactLeaves(v any, g *guard.Guard) (any, []guard.Match) {
	var all []guard.Match
	out, _ := mapLeaves(v, true, func(s string) (string, bool) {
		red, ms := g.Redact([]byte(s))
		all = append(all, ms...)
		return string(red), len(ms) > 0
	})
	return out, all
}

// replaceLeaves returns v with its first string leaf set to notice and
// every other string leaf emptied: the same shape, none of the content.
func replaceLeaves(v any, notice string) any {
	first := true
	out, _ := mapLeaves(v, false, func(s string) (string, bool) {
		if first {
			first = false
			return notice, true
		}
		return "", s != ""
	})
	return out
}

// replaceString returns v with every string leaf's occurrences of old
// replaced by new.
func replaceString(v any, old, new string) any {
	out, _ := mapLeaves(v, false, func(s string) (string, bool) {
		r := strings.ReplaceAll(s, old, new)
		return r, r != s
	})
	return out
}
