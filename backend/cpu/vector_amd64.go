//go:build amd64

package cpu

import "golang.org/x/sys/cpu"

// hasAVX: the optimizer and AddBias kernels need AVX (no FMA: they do
// not fuse);
// hasAVX512 selects Adam's 16-lane kernel.
var (
	hasAVX    = cpu.X86.HasAVX
	hasAVX512 = cpu.X86.HasAVX512F
)

// adamVector runs adamAVX512 on the largest multiple of 16 elements of p,
// or adamAVX on the largest multiple of 8, and returns how many it did (0
// without AVX).
func adamVector(p, g, m, v []float32, k *optConsts) int {
	switch {
	case hasAVX512 && len(p) >= 16:
		n := len(p) &^ 15
		_, _, _ = g[n-1], m[n-1], v[n-1] // the kernel does not check bounds
		adamAVX512(p, g, m, v, n, k)
		return n
	case hasAVX && len(p) >= 8:
		n := len(p) &^ 7
		_, _, _ = g[n-1], m[n-1], v[n-1]
		adamAVX(p, g, m, v, n, k)
		return n
	}
	return 0
}

// sgdVector runs sgdMomentumAVX likewise.
func sgdVector(p, g, vel []float32, k *optConsts) int {
	n := len(p) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	_, _ = g[n-1], vel[n-1]
	sgdMomentumAVX(p, g, vel, n, k)
	return n
}

// addBiasVector runs addBiasAVX on the largest multiple of 8 values of x
// and returns how many it did (0 without AVX): the same bits as
// addBiasRow.
func addBiasVector(y, x, b []float32, relu bool) int {
	n := len(x) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	_, _ = y[n-1], b[n-1] // the kernel does not check bounds
	addBiasAVX(y, x, b, n, relu)
	return n
}

// softmaxVector runs softmaxRowsAVX512 over rows rows of cols values of x
// into y and reports whether it did (not without AVX-512). Its values
// are within a few ulp of softmaxRow's.
func softmaxVector(y, x []float32, rows, cols int) bool {
	if !hasAVX512 || rows == 0 || cols == 0 {
		return false
	}
	_, _ = y[rows*cols-1], x[rows*cols-1] // the kernel does not check bounds
	softmaxRowsAVX512(y, x, rows, cols, uint16(1)<<(cols%16)-1, &softmaxConsts)
	return true
}

// sumRowsVector runs sumRowsAVX512 over the largest multiple of 8 of the
// len(acc) columns of rows rows of src (row stride ld), then sumRowsAVX
// over the largest multiple of 4 of the rest (or over all of them without
// AVX-512), and returns how many columns they did (0 without AVX): the
// same bits as the Go loop.
func sumRowsVector(acc []float64, src []float32, rows, ld int) int {
	if rows == 0 {
		return 0
	}
	done := 0
	if n := len(acc) &^ 7; hasAVX512 && n > 0 {
		_ = src[(rows-1)*ld+n-1] // the kernels do not check bounds
		sumRowsAVX512(acc, src, rows, ld, n)
		done = n
	}
	if n := (len(acc) - done) &^ 3; hasAVX && n > 0 {
		_ = src[(rows-1)*ld+done+n-1]
		sumRowsAVX(acc[done:], src[done:], rows, ld, n)
		done += n
	}
	return done
}
