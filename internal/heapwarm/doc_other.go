//go:build !linux

// Package heapwarm maps a program's first heap pages at start on Linux;
// elsewhere it does nothing.
package heapwarm
