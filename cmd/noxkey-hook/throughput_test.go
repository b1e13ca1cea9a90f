package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/noxkey/noxkey/internal/benchdata"
)

// BenchmarkFilterThroughput runs the whole noxkey-hook filter process on
// 16 MB read from a pipe (cat FILE | noxkey-hook filter > /dev/null), as a
// command's output reaches it, against cat alone (cat FILE > /dev/null)
// in the same run, alternating: hook-MB/s and cat-MB/s are from the
// medians.
func BenchmarkFilterThroughput(b *testing.B) {
	dir := b.TempDir()
	inputs := map[string][]byte{
		"realistic": benchdata.Corpus(16 << 20),
		"base64":    benchdata.Base64(16 << 20),
		"logs":      benchdata.Logs(16 << 20),
	}
	for name, data := range inputs {
		os.WriteFile(filepath.Join(dir, name), data, 0o600)
	}
	for _, n := range []int{1000, 10000} {
		home := settled(b, homeWithSecrets(b, n))
		for _, name := range []string{"realistic", "base64", "logs"} {
			file := filepath.Join(dir, name)
			b.Run(fmt.Sprintf("%s/secrets=%d", name, n), func(b *testing.B) {
				hook := fmt.Sprintf("cat %s | %s filter > /dev/null", file, filepath.Join(binDir, "noxkey-hook"))
				cat := fmt.Sprintf("cat %s > /dev/null", file)
				var th, tc []time.Duration
				for i := 0; i < b.N; i++ {
					th = append(th, runShell(b, home, hook))
					tc = append(tc, runShell(b, home, cat))
				}
				slices.Sort(th)
				slices.Sort(tc)
				mb := float64(len(inputs[name])) / 1e6
				b.ReportMetric(mb/th[len(th)/2].Seconds(), "hook-MB/s")
				b.ReportMetric(mb/tc[len(tc)/2].Seconds(), "cat-MB/s")
			})
		}
	}
}

// runShell runs script with sh and returns its wall time.
func runShell(b *testing.B, home, script string) time.Duration {
	cmd := exec.Command("sh", "-c", "set -e; "+script)
	cmd.Env = []string{"NOXKEY_HOME=" + home, "PATH=/usr/bin:/bin"}
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v: %s", script, err, out)
	}
	return time.Since(start)
}
