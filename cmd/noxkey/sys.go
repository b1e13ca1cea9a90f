package main

import "golang.org/x/sys/unix"

const nofollow = unix.O_NOFOLLOW
