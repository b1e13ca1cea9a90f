package main

import "github.com/noxkey/noxkey/guard"

// scanReport is `guard scan --json`: where each secret is, never a value.
type scanReport struct {
	Findings int        `json:"findings"`
	Files    []scanFile `json:"files"`
}

type scanFile struct {
	Path     string        `json:"path"`
	Findings []scanFinding `json:"findings"`
}

type scanFinding struct {
	Line   int    `json:"line"`
	Col    int    `json:"col"`
	Name   string `json:"name"` // the vault path, or the pattern rule's id
	Kind   string `json:"kind"` // the form it was found in (raw, base64, ...)
	Length int    `json:"length"`
}

func (r *scanReport) add(path string, data []byte, ms []guard.Match) {
	f := scanFile{Path: path, Findings: []scanFinding{}}
	for _, m := range ms {
		line, col := guard.Position(data, m.Start)
		f.Findings = append(f.Findings, scanFinding{line, col, m.Name, m.Kind, m.End - m.Start})
	}
	r.Findings += len(ms)
	r.Files = append(r.Files, f)
}

// sarif is the report as SARIF 2.1.0 (what GitHub code scanning reads):
// one rule per secret name, one result per finding, level error.
func (r *scanReport) sarif() map[string]any {
	var rules, results []any
	seen := map[string]bool{}
	for _, f := range r.Files {
		for _, x := range f.Findings {
			if !seen[x.Name] {
				seen[x.Name] = true
				rules = append(rules, map[string]any{"id": x.Name, "shortDescription": map[string]any{"text": "noxkey secret " + x.Name}})
			}
			uri := f.Path
			if uri == "-" {
				uri = "stdin"
			}
			results = append(results, map[string]any{
				"ruleId": x.Name, "level": "error",
				"message": map[string]any{"text": "secret " + x.Name + " (" + x.Kind + ")"},
				"locations": []any{map[string]any{"physicalLocation": map[string]any{
					"artifactLocation": map[string]any{"uri": uri},
					"region":           map[string]any{"startLine": x.Line, "startColumn": x.Col},
				}}},
			})
		}
	}
	if rules == nil {
		rules = []any{}
	}
	if results == nil {
		results = []any{}
	}
	return map[string]any{
		"version": "2.1.0",
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"runs": []any{map[string]any{
			"tool":    map[string]any{"driver": map[string]any{"name": "noxkey", "version": version, "rules": rules}},
			"results": results,
		}},
	}
}
