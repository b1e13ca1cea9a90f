// Package e2e proves noxkey against real AI agents: each agent, installed
// from the npm registry by .ci/run, runs headless against a mock of its
// model's API on 127.0.0.1 that scripts tool calls and records every
// request; no request may carry a test secret in any form.
package e2e
