package hooks

import (
	"bytes"
	"errors"
	"io"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/noxkey/noxkey/guard"
)

// ClaudeStrings is a Claude Code payload read in one pass by a JSON
// tokenizer (github.com/go-json-experiment/json/jsontext, the prototype of
// Go's encoding/json/v2) instead of being decoded into maps: its top-level
// hook_event_name and tool_name, and where every string in it (names too)
// lies in the payload, validated. Decoding a 100 KB tool output into
// maps, the way the Claude dialect must to rewrite it, allocates nearly five
// times its size; most calls need no answer at all, and this finds them
// without a copy of the payload.
type ClaudeStrings struct {
	Event, Tool string
	Cursor      bool // a top-level cursor_version: Cursor runs this hook
	payload     []byte
	spans       []span // string literals (quotes included) and numbers in payload
	complete    bool   // read to the end (not stopped once it could not be quiet)
}

type span struct{ start, end int }

// ReadClaudeStrings tokenizes payload, which it keeps; ok is false for
// anything but one valid JSON object, which the Claude dialect then reports. It
// stops early once the event and tool show that the payload cannot be
// quiet (a PreToolUse of a Write can carry a whole file that the full
// path decodes anyway).
func ReadClaudeStrings(payload []byte) (cs *ClaudeStrings, ok bool) {
	// Room for the strings of a usual payload (about 20), so the list is
	// not regrown through five size classes, each a fresh span of memory
	// (docs/performance.md).
	cs = &ClaudeStrings{payload: payload, spans: make([]span, 0, 32)}
	dec := jsontext.NewDecoder(bytes.NewBuffer(payload))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false
	}
	var name []byte
	for dec.PeekKind() == '"' {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		cs.add(dec, len(v))
		if name, err = jsontext.AppendUnquote(name[:0], v); err != nil {
			return nil, false
		}
		first, kind := len(cs.spans), dec.PeekKind()
		if err := cs.walk(dec); err != nil {
			return nil, false
		}
		switch string(name) {
		case "cursor_version":
			cs.Cursor = true
		case "hook_event_name", "tool_name":
			if kind != '"' {
				break
			}
			s := cs.spans[first]
			text, err := jsontext.AppendUnquote(nil, payload[s.start:s.end])
			if err != nil {
				return nil, false
			}
			if string(name) == "tool_name" {
				cs.Tool = string(text)
			} else {
				cs.Event = string(text)
			}
		}
		if known := cs.Event != "" && (cs.Event != "PostToolUse" || cs.Tool != ""); known && !cs.MayBeQuiet() {
			return cs, true
		}
	}
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '}' {
		return nil, false
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	cs.complete = true
	return cs, true
}

// add records the string literal of n bytes that dec has just read.
func (cs *ClaudeStrings) add(dec *jsontext.Decoder, n int) {
	end := int(dec.InputOffset())
	cs.spans = append(cs.spans, span{end - n, end})
}

// walk reads one value, recording each string in it.
func (cs *ClaudeStrings) walk(dec *jsontext.Decoder) error {
	for depth := 0; ; {
		var err error
		switch dec.PeekKind() {
		case '{', '[':
			_, err = dec.ReadToken()
			depth++
		case '}', ']':
			_, err = dec.ReadToken()
			depth--
		case '"':
			var v jsontext.Value
			if v, err = dec.ReadValue(); err == nil {
				cs.add(dec, len(v))
			}
		case 0:
			_, err = dec.ReadToken()
			if err == nil {
				err = errors.New("unexpected end")
			}
		case '0': // a number: a numeric secret is text too
			var v jsontext.Value
			if v, err = dec.ReadValue(); err == nil {
				cs.add(dec, len(v))
			}
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return err
		}
		if depth == 0 {
			return nil
		}
	}
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
