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
// hook_event_name and tool_name, and every string in it (names too),
// unescaped into one buffer. Decoding a 100 KB tool output into maps, the
// way ParseClaude must to rewrite it, allocates nearly five times its
// size; most calls need no answer at all, and this finds them.
type ClaudeStrings struct {
	Event, Tool string
	Cursor      bool // a top-level cursor_version: Cursor runs this hook
	text        []byte
	ends        []int
	complete    bool // read to the end (not stopped once it could not be quiet)
}

// ReadClaudeStrings tokenizes payload; ok is false for anything but one
// valid JSON object, which ParseClaude then reports. It stops early once
// the event and tool show that the payload cannot be quiet (a PreToolUse
// of a Write can carry a whole file that the full path decodes anyway).
func ReadClaudeStrings(payload []byte) (cs *ClaudeStrings, ok bool) {
	cs = &ClaudeStrings{text: make([]byte, 0, len(payload))}
	dec := jsontext.NewDecoder(bytes.NewBuffer(payload))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, false
		}
		name := tok.String() // before the next call voids tok
		start, kind := len(cs.text), dec.PeekKind()
		if err := cs.walk(dec); err != nil {
			return nil, false
		}
		if name == "cursor_version" {
			cs.Cursor = true
		}
		switch {
		case kind == '"' && name == "hook_event_name":
			cs.Event = string(cs.text[start:])
		case kind == '"' && name == "tool_name":
			cs.Tool = string(cs.text[start:])
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

// walk reads one value, appending each string in it to cs.text.
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
				cs.text, err = jsontext.AppendUnquote(cs.text, v)
				cs.ends = append(cs.ends, len(cs.text))
			}
		case 0:
			_, err = dec.ReadToken()
			if err == nil {
				err = errors.New("unexpected end")
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
// their strings.
func (cs *ClaudeStrings) Quiet(g *guard.Guard) bool {
	if g == nil || !cs.complete || !cs.MayBeQuiet() {
		return false
	}
	start := 0
	for _, end := range cs.ends {
		if len(g.Find(cs.text[start:end])) > 0 {
			return false
		}
		start = end
	}
	return true
}
