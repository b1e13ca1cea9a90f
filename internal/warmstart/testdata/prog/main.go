// Command prog behaves like a short hook call (built with -tags warm, it
// imports warmstart): as main starts it reports how much of its code and
// read-only data is mapped (pages present of those mappings, from
// /proc/self/maps and /proc/self/pagemap), then allocates small objects of
// many sizes, writing each once, and reports the minor page faults that
// took. Most of its code, as most of a hook's, is linked and never run.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
)

var keep [][]byte

func minflt() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Minflt
}

// present returns how many pages of the executable's mapping with
// permissions perm ("r-xp" the code, "r--p" the read-only data)
// are present in the page table, and how many it has.
func present(perm string) (n, pages int) {
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		return -1, -1
	}
	defer maps.Close()
	var lo, hi uint64
	s := bufio.NewScanner(maps)
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) >= 6 && f[1] == perm && filepath.Base(f[5]) == filepath.Base(os.Args[0]) {
			r := strings.SplitN(f[0], "-", 2)
			lo, _ = strconv.ParseUint(r[0], 16, 64)
			hi, _ = strconv.ParseUint(r[1], 16, 64)
			break
		}
	}
	pm, err := os.Open("/proc/self/pagemap")
	if err != nil || hi == 0 {
		return -1, -1
	}
	defer pm.Close()
	buf := make([]byte, 8*(hi-lo)/4096)
	if _, err := pm.ReadAt(buf, int64(lo/4096*8)); err != nil {
		return -1, -1
	}
	for i := 0; i < len(buf); i += 8 {
		if binary.LittleEndian.Uint64(buf[i:])&(1<<63) != 0 {
			n++
		}
	}
	return n, len(buf) / 8
}

func main() {
	code, codePages := present("r-xp")
	ro, roPages := present("r--p")
	if len(os.Args) > 5 {
		json.NewEncoder(os.Stdout).Encode(os.Args)
		format.Source([]byte(os.Args[1]))
		template.Must(template.New("").Parse(os.Args[2])).Execute(os.Stdout, os.Args)
	}
	before := minflt()
	for i := 0; i < 200; i++ {
		b := make([]byte, 16+(i%10)*48)
		b[0] = 1
		keep = append(keep, b)
	}
	buf := make([]byte, 16<<10)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	keep = append(keep, buf)
	fmt.Println(minflt()-before, code, codePages, ro, roPages)
}
