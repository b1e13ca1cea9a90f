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

// geminiMock plays the Gemini API for Gemini CLI (docs/agents/mock-models.md):
// :streamGenerateContent (SSE), :generateContent, :countTokens and
// :embedContent. The agent-loop request declares run_shell_command; its
// step is the number of functionResponse parts in contents. Side
// requests asking for JSON get a JSON text.
type geminiMock struct {
	recorder
	script []Step
}

// Gemini runs `gemini -p` against geminiMock, in a trusted workspace with
// API-key auth (docs/agents/mock-models.md).
var Gemini = &Agent{
	Name: "gemini", binEnv: "NOXKEY_E2E_GEMINI", pkg: "@google/gemini-cli",
	mock: func(t *testing.T, script []Step) (string, func() [][]byte) {
		m := &geminiMock{script: script}
		return startMock(t, m.serve).URL, m.requests
	},
	command: func(t *testing.T, prompt string, s *Scene) ([]string, []string) {
		os.MkdirAll(filepath.Join(s.home, ".gemini"), 0o755)
		auth := `{"security": {"auth": {"selectedType": "gemini-api-key"}}}`
		if err := os.WriteFile(filepath.Join(s.home, ".gemini", "settings.json"), []byte(auth), 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{"-p", prompt, "--approval-mode", "yolo", "--output-format", "json"}, []string{
			"TERM=dumb", "GOOGLE_GEMINI_BASE_URL=" + s.url, "GEMINI_API_KEY=dummy-not-a-key", "GEMINI_CLI_TRUST_WORKSPACE=true",
		}
	},
}

type geminiReq struct {
	Contents []struct {
		Role  string           `json:"role"`
		Parts []map[string]any `json:"parts"`
	} `json:"contents"`
	Tools []struct {
		FunctionDeclarations []struct {
			Name       string `json:"name"`
			Parameters struct {
				Properties map[string]any `json:"properties"`
			} `json:"parameters"`
			ParametersJSONSchema struct {
				Properties map[string]any `json:"properties"`
			} `json:"parametersJsonSchema"`
		} `json:"functionDeclarations"`
	} `json:"tools"`
	GenerationConfig struct {
		ResponseMimeType string `json:"responseMimeType"`
	} `json:"generationConfig"`
}

func (m *geminiMock) serve(w http.ResponseWriter, r *http.Request) {
	body := m.record(r)
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, ":countTokens"):
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"totalTokens": 42}`)
		return
	case strings.HasSuffix(path, ":embedContent"):
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"embedding": {"values": [0.1, 0.2]}}`)
		return
	case strings.HasSuffix(path, ":generateContent"), strings.HasSuffix(path, ":streamGenerateContent"):
	default:
		http.NotFound(w, r)
		return
	}
	var req geminiReq
	json.Unmarshal(body, &req)
	var part map[string]any
	if req.GenerationConfig.ResponseMimeType == "application/json" {
		part = map[string]any{"text": `{"next_speaker":"user","reasoning":"mock","model_choice":"flash","complexity_reasoning":"mock","complexity_score":1}`}
	} else {
		params := map[string]map[string]any{}
		agent := false
		for _, t := range req.Tools {
			for _, d := range t.FunctionDeclarations {
				props := d.Parameters.Properties
				if props == nil {
					props = d.ParametersJSONSchema.Properties
				}
				params[d.Name] = props
				agent = agent || d.Name == "run_shell_command"
			}
		}
		s := Step{Text: "done"}
		if agent {
			n, last := 0, ""
			for _, c := range req.Contents {
				for _, p := range c.Parts {
					if fr, ok := p["functionResponse"].(map[string]any); ok {
						n++
						b, _ := json.Marshal(fr["response"])
						last = string(b)
					}
				}
			}
			if n < len(m.script) {
				s = m.script[n]
			}
			if s.Next != nil {
				s = s.Next(last)
			}
		}
		switch s.Tool {
		case "":
			part = map[string]any{"text": s.Text}
		case "shell":
			part = map[string]any{"functionCall": map[string]any{"name": "run_shell_command", "args": map[string]any{"command": s.Input["command"], "description": "mock step"}}}
		case "read":
			// read_file's path parameter has had more than one name.
			key := "file_path"
			if _, ok := params["read_file"]["absolute_path"]; ok {
				key = "absolute_path"
			}
			part = map[string]any{"functionCall": map[string]any{"name": "read_file", "args": map[string]any{key: s.Input["path"]}}}
		}
	}
	resp := map[string]any{
		"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": []any{part}}, "finishReason": "STOP", "index": 0}},
		"usageMetadata": map[string]any{"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
		"modelVersion":  "gemini-mock",
	}
	b, _ := json.Marshal(resp)
	if strings.HasSuffix(path, ":streamGenerateContent") {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "data: %s\n\n", b)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
