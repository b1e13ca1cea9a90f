package remote

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/noxkey/noxkey/vault"
)

// Plan is what a sync changes in the local vault, fetched but not yet
// written: Apply writes it in one go, so a sync that fails midway changes
// nothing.
type Plan struct {
	Set     []vault.Secret // new and changed values, each with its Origin
	Remove  []string       // local copies of what the remote no longer has
	Added   []string       // paths, for the report
	Changed []string
	Skipped []string // what could not be synced, and why (names only)
	Checked int      // remote secrets looked at
}

// Wipe clears the values the plan holds.
func (p *Plan) Wipe() {
	for i := range p.Set {
		p.Set[i].Wipe()
	}
}

// LocalPath is the local path of a remote secret's field.
func (c *Client) LocalPath(key, field string) string {
	if key == "" {
		return c.cfg.As + "/" + field
	}
	return c.cfg.As + "/" + key + "/" + field
}

// Plan compares the remote with local, the metadata of the local secrets
// under the remote's prefix, and fetches only the remote secrets whose
// version differs from the one recorded locally. A remote secret the
// credentials may not read is reported in Skipped and its local copy
// kept; any other error fails the whole plan. progress, if set, is called
// as remote secrets are looked at. With only, just those remote secrets
// are looked at (after a write to one of them).
func (c *Client) Plan(ctx context.Context, local []vault.Meta, progress func(done, total int), only ...string) (*Plan, error) {
	keys := only
	if len(only) == 0 {
		var err error
		if keys, err = c.Keys(ctx); err != nil {
			return nil, err
		}
	}
	type held struct {
		version int
		paths   []string
	}
	mine := map[string]*held{}  // remote key -> local copies
	others := map[string]bool{} // local secrets under the prefix that are not this remote's
	for _, m := range local {
		if m.Origin == nil || m.Origin.Remote != c.cfg.Name {
			others[m.Path] = true
			continue
		}
		h := mine[m.Origin.Key]
		if h == nil {
			h = &held{version: m.Origin.Version}
			mine[m.Origin.Key] = h
		}
		h.paths = append(h.paths, m.Path)
	}
	stats, err := c.statAll(ctx, keys, progress)
	if err != nil {
		return nil, err
	}
	p := &Plan{Checked: len(keys)}
	seen := map[string]bool{}
	for i, key := range keys {
		seen[key] = true
		st := stats[i]
		h := mine[key]
		if st.err != nil { // permission denied: keep what is here
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s: permission denied; the local copy is kept", c.full(key)))
			continue
		}
		if st.v.Gone {
			if h != nil {
				p.Remove = append(p.Remove, h.paths...)
			}
			continue
		}
		if h != nil && h.version == st.v.Version {
			continue
		}
		fields, v, err := c.Read(ctx, key)
		if forbidden(err) {
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s: permission denied reading it; the local copy is kept", c.full(key)))
			continue
		}
		if err != nil {
			p.Wipe()
			return nil, fmt.Errorf("remote %s: read %s: %w", c.cfg.Name, c.full(key), explain(err))
		}
		if v.Gone {
			if h != nil {
				p.Remove = append(p.Remove, h.paths...)
			}
			continue
		}
		origin := &vault.Origin{Remote: c.cfg.Name, Key: key, Version: v.Version, Updated: v.Updated}
		kept := map[string]bool{}
		for _, field := range sortedKeys(fields) {
			path := c.LocalPath(key, field)
			value := fields[field]
			if err := vault.ValidatePath(path); err != nil {
				p.Skipped = append(p.Skipped, fmt.Sprintf("%s field %s: not a secret path here (%v)", c.full(key), field, err))
				clear(value)
				continue
			}
			if err := vault.CheckValue(value); err != nil {
				p.Skipped = append(p.Skipped, fmt.Sprintf("%s field %s: %v", c.full(key), field, err))
				clear(value)
				continue
			}
			if others[path] {
				p.Skipped = append(p.Skipped, fmt.Sprintf("%s: a local secret has that path; rename it (noxkey mv) to sync this one", path))
				clear(value)
				continue
			}
			kept[path] = true
			p.Set = append(p.Set, vault.Secret{Path: path, Value: value, Origin: origin})
			if h != nil && slices.Contains(h.paths, path) {
				p.Changed = append(p.Changed, path)
			} else {
				p.Added = append(p.Added, path)
			}
		}
		if h != nil {
			for _, path := range h.paths {
				if !kept[path] {
					p.Remove = append(p.Remove, path)
				}
			}
		}
	}
	for key, h := range mine {
		if !seen[key] && len(only) == 0 {
			p.Remove = append(p.Remove, h.paths...)
		}
	}
	slices.Sort(p.Remove)
	return p, nil
}

type statResult struct {
	v   Version
	err error // only a permission denied; other errors fail statAll
}

// statWorkers is how many metadata reads are in flight at once.
const statWorkers = 8

// statAll reads every key's metadata, statWorkers at a time.
func (c *Client) statAll(ctx context.Context, keys []string, progress func(done, total int)) ([]statResult, error) {
	out := make([]statResult, len(keys))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < statWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				v, err := c.Stat(ctx, keys[i])
				mu.Lock()
				switch {
				case err == nil:
					out[i].v = v
				case forbidden(err):
					out[i].err = err
				case firstErr == nil:
					firstErr = fmt.Errorf("remote %s: %s: %w", c.cfg.Name, c.full(keys[i]), explain(err))
					cancel()
				}
				done++
				if progress != nil {
					progress(done, len(keys))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range keys {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
