package configs

import "testing"

// TestGuardSum: the stored sum is that of the embedded files. After
// editing guard.toml or a rule file, run: go generate ./configs
func TestGuardSum(t *testing.T) {
	if got := ComputeGuardSum(); got != GuardSum {
		t.Fatalf("GuardSum is stale (%s, files hash to %s): run go generate ./configs", GuardSum, got)
	}
}
