//go:build !linux

package guard

// mapPopulate: macOS has no MAP_POPULATE; pages fault in as read.
const mapPopulate = 0
