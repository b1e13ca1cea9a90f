package vault

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as a writer process for the crash and concurrency tests:
// with NOXKEY_TEST_WRITER=path,prefix,start,count it sets count secrets and
// prints "ack N" after each Set returns.
func TestMain(m *testing.M) {
	if spec := os.Getenv("NOXKEY_TEST_WRITER"); spec != "" {
		os.Exit(writer(spec))
	}
	os.Exit(m.Run())
}

func writer(spec string) int {
	f := strings.Split(spec, ",")
	start, _ := strconv.Atoi(f[2])
	count, _ := strconv.Atoi(f[3])
	s := OpenFile(f[0], passUnlock(testPass, nil))
	out := bufio.NewWriter(os.Stdout)
	for i := start; i < start+count; i++ {
		if err := s.Set(Secret{Path: fmt.Sprintf("%s/K%d", f[1], i), Value: []byte(valueFor(f[1], i))}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(out, "ack %d\n", i)
		out.Flush()
	}
	return 0
}

func valueFor(prefix string, i int) string { return fmt.Sprintf("value-%s-%d-xxxxxxxx", prefix, i) }

func startWriter(t *testing.T, path, prefix string, start, count int) (*exec.Cmd, *bufio.Scanner) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("NOXKEY_TEST_WRITER=%s,%s,%d,%d", path, prefix, start, count))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// TestCrashKeepsEveryAcknowledgedWrite kills a writer with SIGKILL at random
// points of a loop of 200 writes, again and again, and checks after each
// kill that the vault opens and holds every write that was acknowledged.
func TestCrashKeepsEveryAcknowledgedWrite(t *testing.T) {
	_, path := newVault(t)
	rounds := 12
	if testing.Short() {
		rounds = 3
	}
	acked := map[int]bool{}
	next, kills := 0, 0
	for r := 0; r < rounds; r++ {
		cmd, sc := startWriter(t, path, "crash", next, 200)
		done := make(chan struct{})
		var mu sync.Mutex
		go func() {
			for sc.Scan() {
				n, _ := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ack "))
				mu.Lock()
				acked[n] = true
				mu.Unlock()
			}
			close(done)
		}()
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			kills++
		}
		<-done
		cmd.Wait()
		next += 200

		s := OpenFile(path, passUnlock(testPass, nil))
		all, err := s.All()
		if err != nil {
			t.Fatalf("round %d: vault does not open after SIGKILL: %v", r, err)
		}
		have := map[string]string{}
		for _, sec := range all {
			have[sec.Path] = string(sec.Value)
		}
		mu.Lock()
		for n := range acked {
			if have[fmt.Sprintf("crash/K%d", n)] != valueFor("crash", n) {
				t.Fatalf("round %d: acknowledged write %d is missing after SIGKILL", r, n)
			}
		}
		mu.Unlock()
	}
	// The next write clears what killed writers left behind.
	if err := OpenFile(path, passUnlock(testPass, nil)).Set(Secret{Path: "crash/LAST", Value: []byte("last-value")}); err != nil {
		t.Fatal(err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".vault.age.tmp-*")); len(leftovers) > 0 {
		t.Errorf("stale temp files remain after a write: %v", leftovers)
	}
	t.Logf("crash test: %d rounds, %d SIGKILLs, %d acknowledged writes all present", rounds, kills, len(acked))
}

// TestConcurrentWritersLoseNothing runs 8 writer processes of 50 sets each
// against one vault and checks every one of the 400 writes is there.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	_, path := newVault(t)
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		cmd, sc := startWriter(t, path, fmt.Sprintf("w%d", w), 0, each)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sc.Scan() {
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("writer failed: %v", err)
			}
		}()
	}
	wg.Wait()
	all, err := OpenFile(path, passUnlock(testPass, nil)).All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each {
		t.Fatalf("vault holds %d secrets after %d concurrent writes: lost updates", len(all), writers*each)
	}
	for _, s := range all {
		p := strings.Split(s.Path, "/")
		n, _ := strconv.Atoi(strings.TrimPrefix(p[1], "K"))
		if string(s.Value) != valueFor(p[0], n) {
			t.Fatalf("%s holds the wrong value", s.Path)
		}
	}
	t.Logf("concurrency test: %d writers x %d sets = %d secrets, none lost", writers, each, len(all))
}
