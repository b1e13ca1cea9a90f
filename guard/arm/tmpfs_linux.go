package arm

import "golang.org/x/sys/unix"

// onTmpfs reports whether dir is on a tmpfs (or ramfs).
func onTmpfs(dir string) bool {
	var fs unix.Statfs_t
	if unix.Statfs(dir, &fs) != nil {
		return false
	}
	return int64(fs.Type) == unix.TMPFS_MAGIC || int64(fs.Type) == unix.RAMFS_MAGIC
}
