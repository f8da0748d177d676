package cpu

// The amd64 kernels and packing helpers are generated with avo by the
// module in internal/asmgen.
//go:generate go -C internal/asmgen run . -out ../../kernel_amd64.s -stubs ../../kernel_amd64.go -pkg cpu

// microKernel describes a GEMM micro-kernel and the packed layout it reads.
//
// fn(kc, a, b, c, ldc, accumulate) computes one mr×nr block of C:
//
//	C[i][j] = Σ_{p<kc} a[p·mr+i] · b[p·nr+j]      (accumulate false)
//	C[i][j] += Σ_{p<kc} a[p·mr+i] · b[p·nr+j]     (accumulate true)
//
// for i < mr and j < nr, where C[i][j] is c[i·ldc+j]. The packed operands
// are:
//
//   - a: one panel of op(A), mr rows by kc columns, stored column by column
//     (the mr values of column p are contiguous); len(a) ≥ kc·mr;
//   - b: one panel of op(B), kc rows by nr columns, stored row by row (the
//     nr values of row p are contiguous); len(b) ≥ kc·nr;
//   - c: row-major with row stride ldc ≥ nr; len(c) ≥ (mr−1)·ldc+nr.
//
// kc ≥ 1 and is otherwise arbitrary (no multiple of an unroll factor is
// promised). Panels of rows or columns beyond the edge of the matrix are
// zero-padded by the packing, so the kernel always computes a full block;
// partial blocks are written to a scratch block and copied out by the
// caller. With accumulate false the kernel must not read c (it may hold
// NaN). A kernel must not allocate and must not retain its slices.
//
// An assembly kernel (AVX2/FMA, say) replaces the portable one by being
// selected into Device.kern at New; the blocking and packing adapt to its
// mr and nr.
type microKernel struct {
	name   string
	mr, nr int
	fn     func(kc int, a, b, c []float32, ldc int, accumulate bool)
}

// kernelGo2x4 is the portable kernel: 2×4 accumulators in local variables.
// The Go compiler keeps its eight accumulators, two values of A and the
// products in the sixteen SSE registers without spilling in the unrolled
// loop; wider register tiles spill and run slower.
var kernelGo2x4 = microKernel{name: "go-2x4", mr: 2, nr: 4, fn: kernel2x4}

// kernel2x4 implements the microKernel contract for mr = 2, nr = 4.
func kernel2x4(kc int, a, b, c []float32, ldc int, accumulate bool) {
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
