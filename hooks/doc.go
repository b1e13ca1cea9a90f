// Package hooks speaks each AI agent's hook protocol: one file per agent
// dialect parses the agent's stdin payload and renders the answer that
// agent understands, on top of the guard. A dialect never fails open: on
// an unreadable index or payload it answers with the agent's own way of
// blocking, and a reason that says how to fix it.
package hooks
