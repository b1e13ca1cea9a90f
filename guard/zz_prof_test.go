package guard

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkZZHook(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 100<<10; i++ {
		fmt.Fprintf(&sb, "2026-11-28T18:00:%02d.%03dZ INFO request id=%08x path=/api/v1/items/%d status=200 latency_ms=%d\n", i%60, i%1000, i*2654435761, i, i%97)
	}
	text := []byte(sb.String()[:100<<10])
	g := testGuard(b, testSecrets(1000)...)
	b.Run("Find", func(b *testing.B) {
		for b.Loop() {
			g.Index.Find(text)
		}
	})
	b.Run("FindAll", func(b *testing.B) {
		for b.Loop() {
			g.Find(text)
		}
	})
}
