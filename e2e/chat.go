package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// chatMock plays the OpenAI Chat Completions API (POST
// /v1/chat/completions, streamed as SSE or not; GET /v1/models), which
// Copilot CLI, opencode and droid all speak to a custom provider. The
// step is the number of tool messages in the request; a request that
// offers no tools (a title or summary query) gets a short text.
type chatMock struct {
	recorder
	script []Step
	model  string
}

func newChatMock(t *testing.T, script []Step, model string) (string, func() [][]byte) {
	m := &chatMock{script: script, model: model}
	return startMock(t, m.serve).URL, m.requests
}

// chatTool is a tool the request offers: its name and required arguments.
type chatTool struct {
	Name     string
	Required []string
}

func (m *chatMock) serve(w http.ResponseWriter, r *http.Request) {
	body := m.record(r)
	switch {
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/models"):
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"object":"list","data":[{"id":%q,"object":"model","created":0,"owned_by":"mock"}]}`, m.model)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		var req struct {
			Stream   bool `json:"stream"`
			Messages []struct {
				Role    string          `json:"role"`
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
			Tools []struct {
				Function struct {
					Name       string `json:"name"`
					Parameters struct {
						Required []string `json:"required"`
					} `json:"parameters"`
				} `json:"function"`
			} `json:"tools"`
		}
		json.Unmarshal(body, &req)
		var tools []chatTool
		for _, t := range req.Tools {
			tools = append(tools, chatTool{t.Function.Name, t.Function.Parameters.Required})
		}
		n, last := 0, ""
		for _, msg := range req.Messages {
			if msg.Role == "tool" {
				n++
				last = contentText(msg.Content)
			}
		}
		s := Step{Text: "done"}
		switch {
		case len(tools) == 0:
			s = Step{Text: "ok"}
		case n < len(m.script):
			s = m.script[n]
		}
		if s.Next != nil && len(tools) > 0 {
			s = s.Next(last)
		}
		m.respond(w, req.Stream, s, tools)
	default:
		http.NotFound(w, r)
	}
}

// contentText is a message's content as text: a string, or text parts.
func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct{ Text string }
	json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// call renders a step as a call of one of the offered tools: "shell" is
// whichever shell tool is offered; required string arguments the step
// does not give are filled in.
func (m *chatMock) call(s Step, tools []chatTool) (string, string) {
	name := s.Tool
	var req []string
	for _, t := range tools {
		if t.Name == name || name == "shell" && slices.Contains([]string{"bash", "Execute", "shell"}, t.Name) {
			name, req = t.Name, t.Required
			break
		}
	}
	args := map[string]any{}
	for k, v := range s.Input {
		args[k] = v
	}
	for _, k := range req {
		if _, ok := args[k]; !ok {
			args[k] = "noxkey e2e step"
		}
	}
	b, _ := json.Marshal(args)
	return name, string(b)
}

func (m *chatMock) respond(w http.ResponseWriter, stream bool, s Step, tools []chatTool) {
	id := fmt.Sprintf("chatcmpl-mock%d", replies.Add(1))
	created := time.Now().Unix()
	msg := map[string]any{"role": "assistant", "content": s.Text}
	finish := "stop"
	if s.Tool != "" {
		name, args := m.call(s, tools)
		msg = map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"index": 0, "id": "call_" + id, "type": "function", "function": map[string]any{"name": name, "arguments": args}}}}
		finish = "tool_calls"
	}
	usage := map[string]any{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
	if !stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": id, "object": "chat.completion", "created": created, "model": m.model,
			"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}}, "usage": usage})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	chunk := func(delta map[string]any, finish any, usage any) {
		c := map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": m.model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
		if usage != nil {
			c["usage"] = usage
		}
		b, _ := json.Marshal(c)
		fmt.Fprintf(w, "data: %s\n\n", b)
	}
	chunk(msg, nil, nil)
	chunk(map[string]any{}, finish, usage)
	fmt.Fprint(w, "data: [DONE]\n\n")
}
