package daemon

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/noxkey/noxkey/handoff"
)

// MaxMessage bounds one framed message; larger ones are refused unread.
// A sync of tens of thousands of secrets is one message.
const MaxMessage = 64 << 20

// ErrTooLarge is returned for a frame over MaxMessage.
var ErrTooLarge = errors.New("handoff: message larger than 64 MiB")

// Request is one call to the daemon. Values never travel in a Request
// except the passphrase of Unlock, which is sealed like every answer.
type Request struct {
	Op     string   `json:"op"`               // one of the Op constants below
	Path   string   `json:"path,omitempty"`   // get
	Paths  []string `json:"paths,omitempty"`  // env, delete; set: paths removed in the same write
	Prefix string   `json:"prefix,omitempty"` // env
	Mode   string   `json:"mode,omitempty"`   // get: ModePrint ModeRaw ModeCopy; env: ModeRun ModeExport ModeLoad ModeBundle
	Shell  string   `json:"shell,omitempty"`  // get by an agent: the shell of the handoff script, instead of the detected one
	Public []byte   `json:"public,omitempty"` // the requester's one-time X25519 key
	Secret *Sealed  `json:"secret,omitempty"` // unlock: the sealed passphrase
	// Identity is an age identity file for unlock, read by the daemon.
	Identity string `json:"identity,omitempty"`
	// Version is the version to restore (restore), as history numbers it.
	Version int `json:"version,omitempty"`
	// Reason is why the client did not use an env answer (report). It
	// names paths and commands, never a value.
	Reason string `json:"reason,omitempty"`
}

// Response answers one Request.
type Response struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"` // locked refused notfound badrequest uid
	// Caller is the daemon's verdict on the requester.
	Caller *handoff.Verdict `json:"caller,omitempty"`
	Status *Status          `json:"status,omitempty"`
	// Public is the daemon's one-time key, for sealing an unlock.
	Public []byte   `json:"public,omitempty"`
	Sealed *Sealed  `json:"sealed,omitempty"`
	Names  []string `json:"names,omitempty"` // env: the paths in the sealed bundle, in order
	// Handoff answers an agent's get: the line that sources the script the
	// daemon wrote. No value is in the answer.
	Handoff string `json:"handoff,omitempty"`
}

// Status is what `noxkey status` shows.
type Status struct {
	Unlocked    bool   `json:"unlocked"`
	SecondsLeft int64  `json:"seconds_left"`
	Socket      string `json:"socket"`
	Secrets     int    `json:"secrets"`
	Pid         int    `json:"pid"`
	Warning     string `json:"warning,omitempty"` // unlock: what went wrong beside it (arming the guard)
}

// Operations of Request.Op.
const (
	OpPing    = "ping"
	OpStatus  = "status"
	OpWhoami  = "whoami"
	OpHello   = "hello" // the daemon's one-time key, to seal an unlock or a set to
	OpUnlock  = "unlock"
	OpLock    = "lock"
	OpGet     = "get"
	OpEnv     = "env"
	OpList    = "list"
	OpPeek    = "peek"
	OpSet     = "set"
	OpDelete  = "delete"
	OpRebuild = "rebuild" // rebuild the guard index from the unlocked vault
	OpHistory = "history" // the versions of one secret, without values
	OpRestore = "restore" // make an earlier version of one secret its value again
	// OpReport tells the audit log that an env answer the client received
	// was not used (a name clash, a command that did not start): the
	// daemon logs it "failed" with the reason, after its own "ok" line.
	OpReport = "report"
	OpStop   = "stop"
)

// Modes of Request.Mode.
const (
	ModePrint  = "print" // get: the value for a human's terminal; an agent gets a handoff
	ModeRaw    = "raw"
	ModeCopy   = "copy"
	ModeRun    = "run" // env: the environment of a command noxkey runs
	ModeExport = "export"
	ModeLoad   = "load"
	ModeBundle = "bundle"
	ModeInject = "inject"
)

// Codes of Response.Code.
const (
	CodeLocked        = "locked"
	CodeRefused       = "refused" // not available to AI agents (exit 4)
	CodeNotFound      = "notfound"
	CodeBadRequest    = "badrequest"
	CodeBadPassphrase = "badpassphrase"
	CodeUID           = "uid"
	CodeError         = "error"
)

// AgentRefusal is the answer to what an agent may not have.
const AgentRefusal = "This command is not available to AI agents."

// WriteMsg writes v as a 4-byte big-endian length and its JSON.
func WriteMsg(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("handoff: encode: %w", err)
	}
	if len(b) > MaxMessage {
		return ErrTooLarge
	}
	frame := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(frame, uint32(len(b)))
	copy(frame[4:], b)
	_, err = w.Write(frame)
	clear(frame)
	clear(b)
	return err
}

// ReadMsg reads one frame into v. A frame over MaxMessage is refused
// without reading its body (ErrTooLarge); the stream is then unusable.
func ReadMsg(r io.Reader, v any) error {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > MaxMessage {
		return ErrTooLarge
	}
	b := make([]byte, size)
	defer clear(b)
	if _, err := io.ReadFull(r, b); err != nil {
		return fmt.Errorf("handoff: short message: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("handoff: malformed message: %w", err)
	}
	return nil
}
