package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/noxkey/noxkey/internal/atomicfile"
)

// syncState is what the last sync of a remote did.
type syncState struct {
	Last     time.Time `json:"last"`
	LastOK   time.Time `json:"last_ok,omitempty"`
	Error    string    `json:"error,omitempty"`
	Duration string    `json:"duration"`
}

func (s syncState) describe() string {
	switch {
	case s.Last.IsZero():
		return "never synced"
	case s.Error != "":
		return fmt.Sprintf("last sync failed %s ago: %s", time.Since(s.Last).Round(time.Second), s.Error)
	}
	return fmt.Sprintf("synced %s ago", time.Since(s.Last).Round(time.Second))
}

func (a *app) remoteStatePath() string { return filepath.Join(a.layout.Data, "remotes.json") }

func (a *app) remoteStates() map[string]syncState {
	out := map[string]syncState{}
	if b, err := os.ReadFile(a.remoteStatePath()); err == nil {
		json.Unmarshal(b, &out)
	}
	return out
}

// recordSync keeps when a remote was synced and how it went (names and
// times only) in remotes.json, for status and doctor.
func (a *app) recordSync(name string, start time.Time, err error) {
	states := a.remoteStates()
	s := states[name]
	s.Last, s.Duration, s.Error = start.UTC(), time.Since(start).Round(time.Millisecond).String(), ""
	if err != nil {
		s.Error, _, _ = strings.Cut(err.Error(), "\n")
	} else {
		s.LastOK = s.Last
	}
	states[name] = s
	b, _ := json.MarshalIndent(states, "", "  ")
	atomicfile.Write(a.remoteStatePath(), append(b, '\n'), atomicfile.Options{})
}

// printRemotes prints each remote's last sync, for status and doctor.
func (a *app) printRemotes() {
	cfg, err := a.daemonConfig()
	if err != nil || len(cfg.Remotes) == 0 {
		return
	}
	states := a.remoteStates()
	for _, r := range cfg.Remotes {
		fmt.Printf("remote:  %s (%s/): %s\n", r.Name, r.As, states[r.Name].describe())
	}
}

// checkRemotes reports each remote's last sync: a failed one needs fixing.
func (a *app) checkRemotes(d *doctor) {
	cfg, err := a.daemonConfig()
	if err != nil || len(cfg.Remotes) == 0 {
		return
	}
	states := a.remoteStates()
	for _, r := range cfg.Remotes {
		st := states[r.Name]
		switch {
		case st.Last.IsZero():
			d.note("remote "+r.Name, "never synced; run: noxkey sync "+r.Name)
		case st.Error != "":
			d.fix("remote "+r.Name, st.describe()+"; fix it, then run: noxkey sync "+r.Name)
		default:
			d.ok("remote "+r.Name, st.describe())
		}
	}
}
