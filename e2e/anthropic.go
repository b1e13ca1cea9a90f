package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// anthropicMock plays the Anthropic Messages API for Claude Code. The
// agent-loop request (the one offering a tool named Bash) is answered
// from the script by the number of tool results it already holds; side
// queries get a short text.
type anthropicMock struct {
	recorder
	script []Step
}

// Claude runs Claude Code headless (`claude -p`) against anthropicMock.
var Claude = &Agent{
	Name: "claude", binEnv: "NOXKEY_E2E_CLAUDE", pkg: "@anthropic-ai/claude-code",
	mock: func(t *testing.T, script []Step) (string, func() [][]byte) {
		m := &anthropicMock{script: script}
		return startMock(t, m.serve).URL, m.requests
	},
	command: func(t *testing.T, prompt string, s *Scene) ([]string, []string) {
		return []string{"-p", prompt, "--allowedTools", "Bash,Read,Grep,Glob,TaskOutput,BashOutput"}, []string{
			"SHELL=/bin/bash", "ANTHROPIC_BASE_URL=" + s.url, "ANTHROPIC_API_KEY=sk-ant-mock-not-a-key",
			"DISABLE_AUTOUPDATER=1", "DISABLE_TELEMETRY=1", "DISABLE_ERROR_REPORTING=1",
			"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		}
	},
}

func (m *anthropicMock) serve(w http.ResponseWriter, r *http.Request) {
	body := m.record(r)
	switch {
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/v1/messages/count_tokens"):
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"input_tokens": 42}`)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/v1/messages"):
		var req struct {
			Stream   bool                    `json:"stream"`
			Tools    []struct{ Name string } `json:"tools"`
			Messages []struct {
				Role    string          `json:"role"`
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		json.Unmarshal(body, &req)
		agent := false
		for _, tl := range req.Tools {
			agent = agent || tl.Name == "Bash"
		}
		s := Step{Text: "ok"}
		if agent {
			n := 0
			for _, msg := range req.Messages {
				n += bytes.Count(msg.Content, []byte(`"type":"tool_result"`))
			}
			s = Step{Text: "done"}
			if n < len(m.script) {
				s = m.script[n]
			}
			if s.Next != nil {
				s = s.Next(LastToolResult(body))
			}
		}
		reply(w, req.Stream, s)
	default:
		http.NotFound(w, r)
	}
}

// LastToolResult returns the text of the last tool_result in a request.
func LastToolResult(body []byte) string {
	var req struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	json.Unmarshal(body, &req)
	last := ""
	for _, m := range req.Messages {
		var blocks []struct {
			Type    string          `json:"type"`
			Content json.RawMessage `json:"content"`
		}
		if json.Unmarshal(m.Content, &blocks) != nil {
			continue
		}
		for _, b := range blocks {
			if b.Type != "tool_result" {
				continue
			}
			var s string
			if json.Unmarshal(b.Content, &s) == nil {
				last = s
				continue
			}
			var parts []struct{ Text string }
			json.Unmarshal(b.Content, &parts)
			var sb strings.Builder
			for _, p := range parts {
				sb.WriteString(p.Text)
			}
			last = sb.String()
		}
	}
	return last
}

var replies atomic.Int64

// reply writes one assistant message, as SSE when streaming. Every
// message and tool call has its own id.
func reply(w http.ResponseWriter, stream bool, s Step) {
	id := fmt.Sprintf("msg_mock_%d", replies.Add(1))
	var block map[string]any
	stop := "end_turn"
	if s.Tool == "shell" {
		s.Tool, s.Input = "Bash", map[string]any{"command": s.Input["command"], "description": "mock step"}
	}
	if s.Tool != "" {
		block = map[string]any{"type": "tool_use", "id": "toolu_" + id, "name": s.Tool, "input": s.Input}
		stop = "tool_use"
	} else {
		block = map[string]any{"type": "text", "text": s.Text}
	}
	msg := map[string]any{"id": id, "type": "message", "role": "assistant", "model": "claude-mock",
		"content": []any{block}, "stop_reason": stop, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": 10, "output_tokens": 5}}
	if !stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(msg)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	ev := func(name string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
	}
	start := map[string]any{}
	for k, v := range msg {
		start[k] = v
	}
	start["content"], start["stop_reason"] = []any{}, nil
	ev("message_start", map[string]any{"type": "message_start", "message": start})
	if s.Tool != "" {
		in, _ := json.Marshal(s.Input)
		ev("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "tool_use", "id": block["id"], "name": s.Tool, "input": map[string]any{}}})
		ev("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "input_json_delta", "partial_json": string(in)}})
	} else {
		ev("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "text", "text": ""}})
		ev("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": s.Text}})
	}
	ev("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	ev("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": 5}})
	ev("message_stop", map[string]any{"type": "message_stop"})
}
