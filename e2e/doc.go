// Package e2e proves noxkey against real AI agents: each agent, installed
// from the npm registry by .ci/run, runs headless against a mock of its
// model's API on 127.0.0.1 that scripts tool calls and records every
// request; no request may carry a test secret in any form.
//
// This package is the harness and the mocks; each agent's tests are a
// package of their own under it (claude, codex, gemini, copilot, opencode,
// droid), which go test runs side by side, each with its own timeout.
package e2e
