package copilot

import (
	"testing"

	"github.com/noxkey/noxkey/e2e"
)

func TestMain(m *testing.M) { e2e.Main(m) }
