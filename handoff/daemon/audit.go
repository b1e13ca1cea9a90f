package daemon

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Entry is one line of audit.log: who asked for what. Never a value.
type Entry struct {
	Time   time.Time `json:"time"`
	Op     string    `json:"op"`
	Mode   string    `json:"mode,omitempty"`
	Path   string    `json:"path,omitempty"`
	Paths  []string  `json:"paths,omitempty"`
	Result string    `json:"result"`         // ok refused locked notfound error failed
	Note   string    `json:"note,omitempty"` // failed: the client's reason
	Caller string    `json:"caller"`         // agent human
	Agent  string    `json:"agent,omitempty"`
	Pid    int       `json:"pid"`
	Exe    string    `json:"exe,omitempty"`
}

// audit appends entries to a file opened O_APPEND|O_NOFOLLOW, 0600.
type audit struct {
	mu   sync.Mutex
	path string
}

func (a *audit) write(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	fd, err := unix.Open(a.path, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("audit: open %s: %w", a.path, err)
	}
	f := os.NewFile(uintptr(fd), a.path)
	defer f.Close()
	_, err = f.Write(append(b, '\n'))
	return err
}
