package hooks

import (
	"github.com/noxkey/noxkey/guard"
)

// redactLeaves returns v with every string leaf redacted (maps and slices
// keep their shape) and the matches found, or v itself when nothing matched.
func redactLeaves(v any, g *guard.Guard) (any, []guard.Match) {
	switch x := v.(type) {
	case string:
		out, ms := g.Redact([]byte(x))
		if len(ms) == 0 {
			return v, nil
		}
		return string(out), ms
	case map[string]any:
		var all []guard.Match
		var copied map[string]any
		for k, e := range x {
			r, ms := redactLeaves(e, g)
			if len(ms) == 0 {
				continue
			}
			if copied == nil {
				copied = make(map[string]any, len(x))
				for k2, e2 := range x {
					copied[k2] = e2
				}
			}
			copied[k] = r
			all = append(all, ms...)
		}
		if copied == nil {
			return v, nil
		}
		return copied, all
	case []any:
		var all []guard.Match
		var copied []any
		for i, e := range x {
			r, ms := redactLeaves(e, g)
			if len(ms) == 0 {
				continue
			}
			if copied == nil {
				copied = append([]any(nil), x...)
			}
			copied[i] = r
			all = append(all, ms...)
		}
		if copied == nil {
			return v, nil
		}
		return copied, all
	}
	return v, nil
}

// replaceLeaves returns v with its first string leaf set to notice and
// every other string leaf emptied: the same shape, none of the content.
func replaceLeaves(v any, notice string, first *bool) any {
	switch x := v.(type) {
	case string:
		if *first {
			*first = false
			return notice
		}
		return ""
	case map[string]any:
		out := make(map[string]any, len(x))
		keys := sortedKeys(x)
		for i, k := range keys { // the notice goes where the model reads output first
			if k == "stdout" || k == "text" {
				keys[0], keys[i] = keys[i], keys[0]
				break
			}
		}
		for _, k := range keys {
			out[k] = replaceLeaves(x[k], notice, first)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replaceLeaves(e, notice, first)
		}
		return out
	}
	return v
}
