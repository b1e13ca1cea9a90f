//go:build !linux

package arm

// onTmpfs: only Linux is checked; elsewhere the fallback file is reported
// as possibly on disk.
func onTmpfs(dir string) bool { return false }
