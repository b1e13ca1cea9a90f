package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openaiMock plays the OpenAI Responses API for Codex CLI
// (docs/agents/mock-models.md): POST /v1/responses streamed as SSE, GET
// /v1/models. The step is the number of tool outputs in the request's
// input; a "shell" step becomes a call of whichever shell tool the
// request declares, with that tool's argument shape.
type openaiMock struct {
	recorder
	script []Step
}

// Codex runs `codex exec` against openaiMock, with a CODEX_HOME whose
// config.toml points a "mock" provider at it (docs/agents/mock-models.md).
var Codex = &Agent{
	Name: "codex", binEnv: "NOXKEY_E2E_CODEX", pkg: "@openai/codex",
	mock: func(t *testing.T, script []Step) (string, func() [][]byte) {
		m := &openaiMock{script: script}
		return startMock(t, m.serve).URL, m.requests
	},
	command: func(t *testing.T, prompt string, s *Scene) ([]string, []string) {
		codexHome := filepath.Join(s.home, ".codex")
		os.MkdirAll(codexHome, 0o755)
		cfg := fmt.Sprintf(`model = "gpt-mock"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[analytics]
enabled = false

[projects.%q]
trust_level = "trusted"

[model_providers.mock]
name = "mock"
base_url = "%s/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
`, s.project, s.url)
		if err := os.WriteFile(filepath.Join(codexHome, "config.toml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{"exec", "--skip-git-repo-check", "--json", "--dangerously-bypass-hook-trust", prompt},
			[]string{"CODEX_HOME=" + codexHome, "MOCK_API_KEY=dummy-not-a-key"}
	},
}

func (m *openaiMock) serve(w http.ResponseWriter, r *http.Request) {
	body := m.record(r)
	switch {
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/models"):
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-mock","object":"model","created":0,"owned_by":"mock"}],"models":[]}`)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/responses"):
		var req struct {
			Input []map[string]any `json:"input"`
			Tools []map[string]any `json:"tools"`
		}
		json.Unmarshal(body, &req)
		n := 0
		last := ""
		for _, it := range req.Input {
			switch it["type"] {
			case "function_call_output", "custom_tool_call_output", "local_shell_call_output":
				n++
				last = outputText(it["output"])
			}
		}
		s := Step{Text: "done"}
		if n < len(m.script) {
			s = m.script[n]
		}
		if s.Next != nil {
			s = s.Next(last)
		}
		m.respond(w, s, req.Tools)
	default:
		http.NotFound(w, r)
	}
}

func outputText(v any) string {
	switch o := v.(type) {
	case string:
		return o
	default:
		b, _ := json.Marshal(o)
		return string(b)
	}
}

// shellCall renders a command as a call of the declared shell tool.
func shellCall(tools []map[string]any, command string) (string, map[string]any) {
	names := map[string]bool{}
	for _, t := range tools {
		if n, ok := t["name"].(string); ok {
			names[n] = true
		}
	}
	switch {
	case names["exec_command"]:
		return "exec_command", map[string]any{"cmd": command}
	case names["shell_command"]:
		return "shell_command", map[string]any{"command": command}
	default:
		return "shell", map[string]any{"command": []string{"bash", "-lc", command}}
	}
}

func (m *openaiMock) respond(w http.ResponseWriter, s Step, tools []map[string]any) {
	id := fmt.Sprintf("mock_%d", replies.Add(1))
	var item map[string]any
	if s.Tool != "" {
		cmd, _ := s.Input["command"].(string)
		name, args := shellCall(tools, cmd)
		a, _ := json.Marshal(args)
		item = map[string]any{"type": "function_call", "id": "fc_" + id, "call_id": "call_" + id, "name": name, "arguments": string(a), "status": "completed"}
	} else {
		item = map[string]any{"type": "message", "id": "msg_" + id, "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": s.Text, "annotations": []any{}}}}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	ev := func(data map[string]any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", data["type"], b)
	}
	resp := map[string]any{"id": "resp_" + id, "object": "response", "status": "in_progress", "model": "gpt-mock", "output": []any{}}
	ev(map[string]any{"type": "response.created", "response": resp})
	ev(map[string]any{"type": "response.output_item.added", "output_index": 0, "item": item})
	if s.Tool == "" {
		ev(map[string]any{"type": "response.output_text.delta", "item_id": item["id"], "output_index": 0, "content_index": 0, "delta": s.Text})
	}
	ev(map[string]any{"type": "response.output_item.done", "output_index": 0, "item": item})
	done := map[string]any{"id": "resp_" + id, "object": "response", "status": "completed", "model": "gpt-mock", "output": []any{item},
		"usage": map[string]any{"input_tokens": 10, "output_tokens": 5, "total_tokens": 15,
			"input_tokens_details": map[string]any{"cached_tokens": 0}, "output_tokens_details": map[string]any{"reasoning_tokens": 0}}}
	ev(map[string]any{"type": "response.completed", "response": done})
}
