package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Dialect answers one hook payload of one agent: the bytes to print and
// the exit status.
type Dialect func(payload []byte, c *Core) ([]byte, int)

// DialectOf returns the dialect of agent, or nil. (A switch, not a map:
// a package-level map is built at every hook start.)
func DialectOf(agent string) Dialect {
	switch agent {
	case "claude":
		return Claude
	case "codex":
		return Codex
	case "gemini":
		return Gemini
	case "cursor":
		return Cursor
	case "copilot":
		return Copilot
	case "windsurf":
		return Windsurf
	case "opencode":
		return Opencode
	case "droid":
		return Droid
	}
	return nil
}

// decode reads a payload as a JSON object, numbers kept as written.
func decode(payload []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("the hook payload is not a JSON object (%v)", err)
	}
	return m, nil
}

func answer(v any) ([]byte, int) {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("noxkey-hook: cannot encode the answer: " + err.Error() + "\n"), 2
	}
	return append(b, '\n'), 0
}

// withCommand copies a tool input object with its command replaced.
func withCommand(in map[string]any, key, cmd string) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = v
	}
	out[key] = cmd
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// EventName finds a payload's event name in any dialect, for logs.
func EventName(payload []byte) string {
	var m struct {
		A string `json:"hook_event_name"`
		B string `json:"agent_action_name"`
		C string `json:"event"` // noxkey's opencode plugin
	}
	json.Unmarshal(payload, &m)
	return m.A + m.B + m.C
}
