// Command without allocates like a short hook call, small objects of many
// sizes written once, and prints the minor page faults that took.
package main

import (
	"fmt"
	"syscall"
)

var keep [][]byte

func minflt() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Minflt
}

func main() {
	before := minflt()
	for i := 0; i < 600; i++ {
		b := make([]byte, 16+(i%30)*16)
		b[0] = 1
		keep = append(keep, b)
	}
	buf := make([]byte, 24<<10)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	keep = append(keep, buf)
	fmt.Println(minflt() - before)
}
