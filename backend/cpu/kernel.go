package cpu

// The amd64 kernels and packing helpers are generated with avo by the
// module in internal/asmgen.
//go:generate go -C internal/asmgen run . -out ../../kernel_amd64.s -stubs ../../kernel_amd64.go -pkg cpu

// microKernel describes a GEMM micro-kernel and the operand layouts it
// reads.
//
// fn(kc, a, rsA, csA, b, rsB, c, ldc, accumulate) computes one mr×nr block
// of C:
//
//	C[i][j] = Σ_{p<kc} A(i, p) · B(p, j)      (accumulate false)
//	C[i][j] += Σ_{p<kc} A(i, p) · B(p, j)     (accumulate true)
//
// for i < mr and j < nr, where
//
//	A(i, p) = a[i·rsA + p·csA],  B(p, j) = b[p·rsB + j],  C[i][j] = c[i·ldc + j].
//
// The packed layouts of the GEMM are rsA = 1, csA = mr (an mr×kc panel of
// op(A) stored column by column: the mr values of column p are contiguous)
// and rsB = nr (a kc×nr panel of op(B) stored row by row). A kernel with
// strided set accepts any non-negative strides, so the GEMM can also hand
// it op(A) and op(B) where they lie: a row-major A is rsA = lda, csA = 1,
// a transposed one rsA = 1, csA = lda, and a row-major B is rsB = ldb. A
// kernel without it is only ever called with the packed strides. The
// slices must hold every element the block reads or writes (c: row stride
// ldc ≥ nr).
//
// kc ≥ 1 and is otherwise arbitrary (no multiple of an unroll factor is
// promised). Rows or columns beyond the edge of the matrix are zero-padded
// by the packing, so the kernel always computes a full block; partial
// blocks are written to a scratch block and copied out by the caller. With
// accumulate false the kernel must not read c (it may hold NaN). A kernel
// must not allocate and must not retain its slices.
//
// transpose8 and copyRows are the 8×8 block transpose and the row copy
// the packing uses (see transpose8x8 and copyRows); kernels in assembly
// bring vector ones. mc, nc and kc are the GEMM's blocking for the
// kernel: the largest tile of C a worker takes (rounded to multiples of
// mr and nr) and the longest block of k.
type microKernel struct {
	name       string // the name Options.Kernel selects it by
	mr, nr     int
	mc, nc, kc int
	strided    bool
	fn         func(kc int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, accumulate bool)
	transpose8 transposer
	copyRows   rowCopier
	// narrow, if set, is the kernel for products at most narrow.nr
	// columns wide, which this one's nr would mostly pad.
	narrow *microKernel
}

// kernelGo2x4 is the portable kernel: 2×4 accumulators in local variables.
// The Go compiler keeps its eight accumulators, two values of A and the
// products in the sixteen SSE registers without spilling in the unrolled
// loop; wider register tiles spill and run slower. It reads packed panels
// only.
var kernelGo2x4 = microKernel{name: "go", mr: 2, nr: 4, mc: 64, nc: 256, kc: 256,
	fn: kernel2x4, transpose8: transpose8x8, copyRows: copyRows}

// kernel2x4 implements the microKernel contract for mr = 2, nr = 4 and the
// packed strides (rsA = 1, csA = 2, rsB = 4), which it does not read.
func kernel2x4(kc int, a []float32, _, _ int, b []float32, _ int, c []float32, ldc int, accumulate bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	a = a[:kc*2]
	b = b[:kc*4]
	p := 0
	// Unrolled by four: the compiler schedules the loop-carried additions
	// of the last step late, and unrolling amortises that.
	for ; p+4 <= kc; p += 4 {
		aa := a[p*2 : p*2+8 : p*2+8]
		bb := b[p*4 : p*4+16 : p*4+16]
		a0, a1 := aa[0], aa[1]
		c00 += a0 * bb[0]
		c01 += a0 * bb[1]
		c02 += a0 * bb[2]
		c03 += a0 * bb[3]
		c10 += a1 * bb[0]
		c11 += a1 * bb[1]
		c12 += a1 * bb[2]
		c13 += a1 * bb[3]
		a0, a1 = aa[2], aa[3]
		c00 += a0 * bb[4]
		c01 += a0 * bb[5]
		c02 += a0 * bb[6]
		c03 += a0 * bb[7]
		c10 += a1 * bb[4]
		c11 += a1 * bb[5]
		c12 += a1 * bb[6]
		c13 += a1 * bb[7]
		a0, a1 = aa[4], aa[5]
		c00 += a0 * bb[8]
		c01 += a0 * bb[9]
		c02 += a0 * bb[10]
		c03 += a0 * bb[11]
		c10 += a1 * bb[8]
		c11 += a1 * bb[9]
		c12 += a1 * bb[10]
		c13 += a1 * bb[11]
		a0, a1 = aa[6], aa[7]
		c00 += a0 * bb[12]
		c01 += a0 * bb[13]
		c02 += a0 * bb[14]
		c03 += a0 * bb[15]
		c10 += a1 * bb[12]
		c11 += a1 * bb[13]
		c12 += a1 * bb[14]
		c13 += a1 * bb[15]
	}
	for ; p < kc; p++ {
		aa := a[p*2 : p*2+2 : p*2+2]
		bb := b[p*4 : p*4+4 : p*4+4]
		a0, a1 := aa[0], aa[1]
		c00 += a0 * bb[0]
		c01 += a0 * bb[1]
		c02 += a0 * bb[2]
		c03 += a0 * bb[3]
		c10 += a1 * bb[0]
		c11 += a1 * bb[1]
		c12 += a1 * bb[2]
		c13 += a1 * bb[3]
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	if accumulate {
		r0[0] += c00
		r0[1] += c01
		r0[2] += c02
		r0[3] += c03
		r1[0] += c10
		r1[1] += c11
		r1[2] += c12
		r1[3] += c13
		return
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
}

// transpose8x8 transposes blocks consecutive 8×8 blocks of src into dst:
//
//	dst[(8t+p)·ldd + i] = src[i·lds + 8t+p]   for t < blocks and i, p < 8,
//
// that is, eight rows of 8·blocks values become 8·blocks rows of eight.
func transpose8x8(dst []float32, ldd int, src []float32, lds int, blocks int) {
	n := 8 * blocks
	for i := 0; i < 8; i++ {
		row := src[i*lds : i*lds+n]
		for p, v := range row {
			dst[p*ldd+i] = v
		}
	}
}
