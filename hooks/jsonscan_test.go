package hooks

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzReadClaudeStrings: jsonScan reads what the jsontext tokenizer it
// replaced read, the same way. Whatever the bytes, when both read a
// payload they find the same event, tool, Cursor mark, completeness and
// string and number spans; one reads it exactly when the other does,
// except that jsontext also refuses duplicate names inside nested
// objects, whose strings jsonScan still records.
func FuzzReadClaudeStrings(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	for _, s := range []string{`{}`, `{"a":[1,-2.5e+3,true,null,{"b":"\u00e4\ud83d\ude00"}]}`, `{"a":"\ud800"}`, `{"a":01}`, `{"a":{"b":1,"b":2}}`, `{"hook_event_name":"PreToolUse","tool_input":{"x":"y"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, gotOK := ReadClaudeStrings(payload)
		want, wantOK := readClaudeStringsJSONText(payload)
		if gotOK && !wantOK {
			// Only duplicate nested names may part them.
			d := jsontext.NewDecoder(bytes.NewReader(payload), jsontext.AllowDuplicateNames(true))
			if _, err := d.ReadValue(); err != nil {
				t.Fatalf("read what jsontext refuses (%v): %q", err, payload)
			}
			return
		}
		if !gotOK && wantOK {
			t.Fatalf("refused what jsontext reads: %q", payload)
		}
		if !gotOK {
			return
		}
		if got.Event != want.Event || got.Tool != want.Tool || got.Cursor != want.Cursor || got.complete != want.complete || !reflect.DeepEqual(got.spans, want.spans) {
			t.Fatalf("%q:\njsonScan %+v\njsontext %+v", payload, got, want)
		}
	})
}

// readClaudeStringsJSONText is ReadClaudeStrings as it was written with
// jsontext's tokenizer, kept as the reference for the fuzz test.
func readClaudeStringsJSONText(payload []byte) (cs *ClaudeStrings, ok bool) {
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
		cs.addRef(dec, len(v))
		if name, err = jsontext.AppendUnquote(name[:0], v); err != nil {
			return nil, false
		}
		first, kind := len(cs.spans), dec.PeekKind()
		if err := cs.walkRef(dec); err != nil {
			return nil, false
		}
		var lit []byte
		if kind == '"' {
			lit = payload[cs.spans[first].start:cs.spans[first].end]
		}
		ok, decided := cs.member(name, lit)
		if !ok {
			return nil, false
		}
		if decided {
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

// addRef records the string literal of n bytes that dec has just read.
func (cs *ClaudeStrings) addRef(dec *jsontext.Decoder, n int) {
	end := int(dec.InputOffset())
	cs.spans = append(cs.spans, span{end - n, end})
}

// walkRef reads one value, recording each string in it.
func (cs *ClaudeStrings) walkRef(dec *jsontext.Decoder) error {
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
				cs.addRef(dec, len(v))
			}
		case 0:
			_, err = dec.ReadToken()
			if err == nil {
				err = errors.New("unexpected end")
			}
		case '0': // a number: a numeric secret is text too
			var v jsontext.Value
			if v, err = dec.ReadValue(); err == nil {
				cs.addRef(dec, len(v))
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

// TestNestedDuplicateNamesAreStillScanned: jsonScan reads a payload whose
// nested object repeats a name (jsontext refuses it); a secret in the
// repeated member, which a reader that keeps the last value would show,
// is still found, so the payload is not cleared as quiet.
func TestNestedDuplicateNamesAreStillScanned(t *testing.T) {
	g := vaultGuard(t)
	for _, p := range []string{
		`{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_response":{"stdout":"clean","stdout":"` + fixtureSecret + `"}}`,
		`{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_response":{"stdout":"` + fixtureSecret + `","stdout":"clean"}}`,
		`{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_response":{"x":{"k":1,"k":"` + fixtureSecret + `"}}}`,
	} {
		cs, ok := ReadClaudeStrings([]byte(p))
		if !ok {
			t.Fatal("a payload with a repeated nested name was not read")
		}
		if cs.Quiet(g) {
			t.Fatal("a secret in a repeated nested member was cleared as quiet")
		}
	}
}
