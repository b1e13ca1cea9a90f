package hooks

import (
	"bytes"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/noxkey/noxkey/guard"
)

// ClaudeStrings is a Claude Code payload read in one pass (jsonScan)
// instead of being decoded into maps: its top-level hook_event_name and
// tool_name, and where every string in it (names too) and every number
// lies in the payload, validated. Decoding a 100 KB tool output into
// maps, the way the Claude dialect must to rewrite it, allocates nearly
// five times its size; most calls need no answer at all, and this finds
// them without a copy of the payload.
type ClaudeStrings struct {
	Event, Tool string
	Cursor      bool // a top-level cursor_version: Cursor runs this hook
	payload     []byte
	spans       []span // string literals (quotes included) and numbers in payload
	complete    bool   // read to the end (not stopped once it could not be quiet)
}

type span struct{ start, end int }

// ReadClaudeStrings reads payload, which it keeps; ok is false for
// anything but one valid JSON object with distinct top-level names, which
// the Claude dialect then reports. It stops early once the event and tool
// show that the payload cannot be quiet (a PreToolUse of a Write can carry
// a whole file that the full path decodes anyway).
func ReadClaudeStrings(payload []byte) (cs *ClaudeStrings, ok bool) {
	// Room for the strings of a usual payload (about 20), so the list is
	// not regrown through five size classes, each a fresh span of memory
	// (docs/performance.md).
	s := &jsonScan{b: payload, spans: make([]span, 0, 32)}
	cs = &ClaudeStrings{payload: payload}
	if s.peek() != '{' {
		return nil, false
	}
	s.i++
	var seen [16][]byte // room for a usual payload's names, not on the heap
	names := seen[:0]
	for more := s.peek() != '}'; more; {
		if !s.name() {
			return nil, false
		}
		n := s.spans[len(s.spans)-1]
		name := payload[n.start+1 : n.end-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			var err error
			if name, err = jsontext.AppendUnquote(nil, payload[n.start:n.end]); err != nil {
				return nil, false
			}
		}
		for _, earlier := range names {
			if bytes.Equal(earlier, name) {
				return nil, false // jsontext refuses duplicate names too
			}
		}
		names = append(names, name)
		first, kind := len(s.spans), s.peek()
		if !s.value() {
			return nil, false
		}
		var lit []byte
		if kind == '"' {
			lit = payload[s.spans[first].start:s.spans[first].end]
		}
		ok, decided := cs.member(name, lit)
		if !ok {
			return nil, false
		}
		if decided {
			cs.spans = s.spans
			return cs, true
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			more = false
		default:
			return nil, false
		}
	}
	s.i++ // the closing brace
	if s.ws(); s.i != len(payload) {
		return nil, false
	}
	cs.spans, cs.complete = s.spans, true
	return cs, true
}

// member takes a top-level member of the payload: its name, unquoted,
// and the literal of its value when that is a string (else nil). It
// reports false for a literal that does not unquote, and decided once the
// event and tool show that the payload cannot be quiet.
func (cs *ClaudeStrings) member(name, lit []byte) (ok, decided bool) {
	switch string(name) {
	case "cursor_version":
		cs.Cursor = true
	case "hook_event_name", "tool_name":
		if lit == nil {
			break
		}
		text, err := jsontext.AppendUnquote(nil, lit)
		if err != nil {
			return false, false
		}
		if string(name) == "tool_name" {
			cs.Tool = string(text)
		} else {
			cs.Event = string(text)
		}
	}
	known := cs.Event != "" && (cs.Event != "PostToolUse" || cs.Tool != "")
	return true, known && !cs.MayBeQuiet()
}

// MayBeQuiet reports whether the payload is of an event Quiet can clear:
// a PostToolUse of any tool but Read (whose path may be a redacted copy
// to map back), a PostToolUseFailure or a UserPromptSubmit, not from
// Cursor (which gets its own answer).
func (cs *ClaudeStrings) MayBeQuiet() bool {
	return !cs.Cursor && (cs.Event == "PostToolUse" && cs.Tool != "Read" || cs.Event == "PostToolUseFailure" || cs.Event == "UserPromptSubmit")
}

// Quiet reports whether the payload certainly needs no answer: MayBeQuiet,
// and none of its strings holds a match. Claude answers nothing for such a
// payload either: it answers these events only for a match in one of
// their strings. A string with no escape is scanned where it lies in the
// payload; any other is unescaped into a guard.Finder, which scans a long
// one in windows of a buffer it reuses.
func (cs *ClaudeStrings) Quiet(g *guard.Guard) bool {
	if g == nil || !cs.complete || !cs.MayBeQuiet() {
		return false
	}
	var f *guard.Finder
	for _, s := range cs.spans {
		lit := cs.payload[s.start:s.end]
		if lit[0] != '"' { // a number
			if len(g.Find(lit)) > 0 {
				return false
			}
			continue
		}
		if text := lit[1 : len(lit)-1]; bytes.IndexByte(text, '\\') < 0 {
			if len(g.Find(text)) > 0 {
				return false
			}
			continue
		}
		if f == nil {
			f = g.NewFinder()
		}
		if err := unquoteTo(f, lit); err != nil || f.End() {
			return false
		}
	}
	return true
}
