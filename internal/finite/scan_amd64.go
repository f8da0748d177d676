//go:build amd64

package finite

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// anyNonFinite reports whether v holds a NaN or an infinity, with the AVX2
// kernel over whole groups of 32 values where the CPU has AVX2.
func anyNonFinite(v []float32) bool {
	n := len(v) &^ 31
	if !hasAVX2 || n == 0 {
		return words(v)
	}
	return anyNonFiniteAVX2(v, n) || words(v[n:])
}
