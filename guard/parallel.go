package guard

import (
	"runtime"
	"sync"
)

// splitMin is the shortest text a stream scans in parallel: below it, a
// scan takes less time than starting a thread for it, and a hook call's
// usual output never reaches it.
const splitMin = 256 << 10

// findSplit is Find for a stream's window of text that will be cut keep
// bytes before its end (held.emit): a long text is scanned in segments,
// up to four a CPU, all at once (four, so that a slow one does not hold
// up the rest). Each segment starts where a window of Stream would
// (holdFrom: keep bytes before the end of the one before, after a line
// break) and reaches past the next segment's start, keep bytes for the
// pattern rules and the index's lookback for the vault's forms, so every
// form or rule match that starts in a segment is seen whole by it, as it
// would be by Stream reading the text in those pieces.
func (g *Guard) findSplit(w []byte, keep int) []Match {
	if len(w) < splitMin {
		return g.Find(w)
	}
	ms, _ := g.findIn(w, keep, min(4*runtime.GOMAXPROCS(0), len(w)/(splitMin/2)))
	return ms
}

// findIn is findSplit in at most n segments; it also returns how many
// there were.
func (g *Guard) findIn(w []byte, keep, n int) ([]Match, int) {
	if n < 2 {
		return g.Find(w), 1
	}
	// starts[i] is where segment i begins, ends[i] where its scan ends.
	starts, ends := make([]int, 0, n+1), make([]int, 0, n)
	starts = append(starts, 0)
	for i := 1; i < n; i++ {
		end := min(len(w), len(w)*i/n+keep)
		s := holdFrom(w[:end], keep)
		if s <= starts[len(starts)-1] {
			continue // one line longer than a segment: no cut here
		}
		starts, ends = append(starts, s), append(ends, end)
	}
	ends = append(ends, len(w))
	starts = append(starts, len(w))
	if len(ends) == 1 {
		return g.Find(w), 1
	}
	// The vault's forms need only the index's lookback past the next
	// segment's start; the rules' regions reach further (keep).
	ik := g.indexLookback()
	find := func(i int) []Match {
		ie := ends[i]
		if i+1 < len(ends) {
			ie = min(ie, starts[i+1]+ik)
		}
		return g.find(w[starts[i]:ends[i]], ie-starts[i])
	}
	found := make([][]Match, len(ends))
	var wg sync.WaitGroup
	for i := 1; i < len(ends); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found[i] = find(i)
		}()
	}
	found[0] = find(0)
	wg.Wait()
	// Each segment's matches that start in it, in order. One that reaches
	// into the next segment may overlap that segment's own: those are
	// sorted out as Find sorts out a text's overlapping matches.
	var ms []Match
	across := false
	for i, f := range found {
		for _, m := range f {
			m.Start += starts[i]
			m.End += starts[i]
			if m.Start >= starts[i+1] {
				break
			}
			across = across || m.End > starts[i+1]
			ms = append(ms, m)
		}
	}
	if across {
		ms = dropInside(ms)
		sortMatches(ms)
	}
	return ms, len(ends)
}
