// Package finite finds NaN and infinities in float32 data quickly: nn
// checks every input and target it is given, tens of millions of values
// for MNIST, so the check must cost a fraction of a training epoch.
package finite

//go:generate go -C ../../backend/cpu/internal/asmgen run . -part finite -out ../../../../internal/finite/finite_amd64.s -stubs ../../../../internal/finite/finite_amd64.go -pkg finite

import (
	"runtime"
	"sync"
	"unsafe"
)

// First returns the index of the first NaN or ±Inf in v, or -1. Large
// slices are scanned by several goroutines.
func First(v []float32) int {
	const perWorker = 1 << 20
	workers := min(runtime.GOMAXPROCS(0), len(v)/perWorker)
	if workers <= 1 {
		return first(v)
	}
	chunk := (len(v) + workers - 1) / workers
	found := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			lo := w * chunk
			found[w] = -1
			if i := first(v[lo:min(lo+chunk, len(v))]); i >= 0 {
				found[w] = lo + i
			}
		})
	}
	wg.Wait()
	for _, i := range found {
		if i >= 0 {
			return i
		}
	}
	return -1
}

// first returns the index of the first NaN or ±Inf in v, or -1: blocks
// are tested whole (anyNonFinite), and a block that holds one is scanned
// value by value.
func first(v []float32) int {
	const block = 4096
	for lo := 0; lo < len(v); lo += block {
		b := v[lo:min(lo+block, len(v))]
		if anyNonFinite(b) {
			return lo + slow(b)
		}
	}
	return -1
}

// words tests v two values at a time as uint64 words: a float is NaN or
// infinite when its exponent bits are all ones, which (bits & 0x7f800000)
// + 0x00800000 turns into the sign bit.
func words(v []float32) bool {
	const (
		expo  = 0x7f8000007f800000
		carry = 0x0080000000800000
		sign  = 0x8000000080000000
	)
	n := len(v) / 2
	var acc uint64
	if n > 0 {
		for _, x := range unsafe.Slice((*uint64)(unsafe.Pointer(&v[0])), n) {
			acc |= (x & expo) + carry
		}
	}
	return acc&sign != 0 || len(v)%2 == 1 && slow(v[len(v)-1:]) == 0
}

func slow(v []float32) int {
	for i, x := range v {
		if x-x != 0 { // NaN − NaN and Inf − Inf are NaN
			return i
		}
	}
	return -1
}
