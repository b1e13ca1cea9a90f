package guard

import "golang.org/x/sys/unix"

// mapPopulate asks the kernel to fault the whole mapping in at once.
const mapPopulate = unix.MAP_POPULATE
