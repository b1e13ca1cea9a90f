package guard

import (
	"sort"
	"strings"
)

// DefaultPlaceholder is the replacement format: %s is the vault path or
// the rule id.
const DefaultPlaceholder = "[REDACTED:%s]"

// Redact replaces every match span in text with the placeholder. Spans
// that overlap or touch are merged into one placeholder naming each
// secret once. Bytes outside every span are kept as they are. It returns
// text itself when there is nothing to redact.
func Redact(text []byte, matches []Match, placeholder string) []byte {
	if len(matches) == 0 {
		return text
	}
	if placeholder == "" {
		placeholder = DefaultPlaceholder
	}
	ms := append([]Match(nil), matches...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Start < ms[j].Start })
	out := make([]byte, 0, len(text))
	pos := 0
	for i := 0; i < len(ms); {
		start, end := ms[i].Start, ms[i].End
		names := []string{ms[i].Name}
		for i++; i < len(ms) && ms[i].Start < end; i++ {
			end = max(end, ms[i].End)
			if !contains(names, ms[i].Name) {
				names = append(names, ms[i].Name)
			}
		}
		out = append(out, text[pos:start]...)
		out = append(out, strings.Replace(placeholder, "%s", strings.Join(names, ","), 1)...)
		pos = end
	}
	return append(out, text[pos:]...)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Names returns the distinct names of matches, in order of first appearance.
func Names(matches []Match) []string {
	var out []string
	for _, m := range matches {
		if !contains(out, m.Name) {
			out = append(out, m.Name)
		}
	}
	return out
}
