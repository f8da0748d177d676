//go:build amd64

package cpu

// hasAsmKernels reports whether this architecture has assembly kernels.
const hasAsmKernels = true

// kernelTable lists the kernels New can select, fastest first: AVX-512,
// AVX2 with FMA, and the portable Go kernel for any other CPU.
var kernelTable = []kernelEntry{
	{kern: withNarrow(asmKernel("avx512", 8, 32, gemmAVX512_8x32), asmKernel("avx512/16x16", 16, 16, gemmAVX512_16x16)), missing: func(f cpuFeatures) string {
		switch {
		case !f.AVX512F:
			return "AVX-512F"
		case !f.AVX:
			return "AVX"
		}
		return ""
	}},
	{kern: asmKernel("avx2", 6, 16, gemmAVX2_6x16), missing: func(f cpuFeatures) string {
		switch {
		case !f.AVX2:
			return "AVX2"
		case !f.FMA:
			return "FMA"
		}
		return ""
	}},
	goKernel,
}

// Blocking of the assembly kernels, measured on the MNIST shapes and on
// 1024³: tiles up to 256 rows (an A block of 256×256 values, 256 KiB, in
// L2) by 1024 columns (so that a packed block of A serves up to 32 panels
// of B), and blocks of k of up to 256 (a panel of B, 256×32 values, is
// 32 KiB of the 48 KiB L1). 128 or 512 for kc and 512 rows ran the same;
// narrower tiles (256 columns) ran slower on large products.
const asmMC, asmNC, asmKC = 256, 1024, 256

// withNarrow returns k with narrow as its kernel for narrow products.
func withNarrow(k, narrow microKernel) microKernel {
	k.narrow = &narrow
	return k
}

// asmKernel wraps an assembly kernel, which reads and writes through the
// slices' base pointers without bounds checks: the wrapper indexes the
// last element of each operand that the block touches, so that a caller's
// mistake panics as it would in Go instead of touching other memory.
func asmKernel(name string, mr, nr int, fn func(kc int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, accumulate bool)) microKernel {
	return microKernel{name: name, mr: mr, nr: nr, mc: asmMC, nc: asmNC, kc: asmKC,
		strided: true, transpose8: transpose8x8Checked, copyRows: copyRowsAVX,
		fn: func(kc int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, accumulate bool) {
			if kc < 1 || rsA < 0 || csA < 0 || rsB < 0 || ldc < nr {
				panic("cpu: micro-kernel called with bad sizes")
			}
			_ = a[(mr-1)*rsA+(kc-1)*csA]
			_ = b[(kc-1)*rsB+nr-1]
			_ = c[(mr-1)*ldc+nr-1]
			fn(kc, a, rsA, csA, b, rsB, c, ldc, accumulate)
		}}
}

// transpose8x8Checked is transpose8x8 in AVX assembly, after the same
// bounds checks that the Go version makes.
func transpose8x8Checked(dst []float32, ldd int, src []float32, lds int, blocks int) {
	if blocks <= 0 {
		return
	}
	if ldd < 8 || lds < 8*blocks {
		panic("cpu: transpose8x8 called with bad strides")
	}
	_ = dst[(8*blocks-1)*ldd+7]
	_ = src[7*lds+8*blocks-1]
	transpose8x8AVX(dst, ldd, src, lds, blocks)
}

// copyRowsAVX is copyRows in AVX assembly for rows of 8, 16 or 32 values,
// after the same bounds checks that the Go version makes, and copyRows
// for other widths.
func copyRowsAVX(dst []float32, ldd int, src []float32, lds, n, w int) {
	if n <= 0 {
		return
	}
	if ldd < w || lds < w {
		panic("cpu: copyRows called with bad strides")
	}
	_ = dst[(n-1)*ldd+w-1]
	_ = src[(n-1)*lds+w-1]
	switch w {
	case 8:
		copyRows8AVX(dst, ldd, src, lds, n)
	case 16:
		copyRows16AVX(dst, ldd, src, lds, n)
	case 32:
		copyRows32AVX(dst, ldd, src, lds, n)
	default:
		copyRows(dst, ldd, src, lds, n, w)
	}
}
