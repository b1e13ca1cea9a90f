// Package handoff is how a secret leaves the daemon: the request framing
// on the daemon's Unix socket, the peer's credentials, the verdict on who
// the caller is (a human or an AI agent, from its process tree, its
// environment and its terminal), the sealing of each value to a one-time
// key, and the self-deleting script an agent's shell sources.
package handoff
