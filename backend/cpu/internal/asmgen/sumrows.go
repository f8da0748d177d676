package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// sumRowsAVX writes the kernel of SumRows: for each of rows rows of src
// (row stride ld values) it adds the first n values (n a multiple of 4),
// converted to float64, to acc:
//
//	acc[j] += float64(src[r·ld + j])   for r < rows, j < n,
//
// four columns per ymm, row after row: each column is summed in the order
// of the Go loop, so the sums have its bits.
func sumRowsAVX() {
	const name = "sumRowsAVX"
	pa, ps, rows, ld, n := sumRowsText(name, 4)
	JE(LabelRef(name + "_done"))
	TESTQ(rows, rows)
	JE(LabelRef(name + "_done"))
	Label(name + "_row")
	a, s, j := GP64(), GP64(), GP64()
	MOVQ(pa, a)
	MOVQ(ps, s)
	MOVQ(n, j)
	Label(name + "_col")
	v := YMM()
	VCVTPS2PD(Mem{Base: s}, v)
	VADDPD(Mem{Base: a}, v, v)
	VMOVUPD(v, Mem{Base: a})
	ADDQ(U8(16), s)
	ADDQ(U8(32), a)
	DECQ(j)
	JNE(LabelRef(name + "_col"))
	ADDQ(ld, ps)
	DECQ(rows)
	JNE(LabelRef(name + "_row"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// sumRowsAVX512 writes the AVX-512 kernel of SumRows, with the contract of
// sumRowsAVX for n a multiple of 8: it keeps the sums of up to 64 columns
// in eight zmm accumulators (eight float64 each) through all the rows,
// loading them from acc first and storing them after, so that each
// column is still summed in row order from acc's value, with the same
// bits, and acc is touched once instead of once per row.
func sumRowsAVX512() {
	const name = "sumRowsAVX512"
	pa, ps, rows, ld, n := sumRowsText(name, 8)
	// block sums nv groups of 8 columns (nv zmm accumulators) over all
	// the rows, then moves pa and ps past them.
	block := func(nv int) {
		acc := make([]VecVirtual, nv)
		for v := range acc {
			acc[v] = ZMM()
			VMOVUPD(Mem{Base: pa, Disp: 64 * v}, acc[v])
		}
		p, r := GP64(), GP64()
		MOVQ(ps, p)
		MOVQ(rows, r)
		label := fmt.Sprintf("%s_rows%d", name, nv)
		TESTQ(r, r)
		JE(LabelRef(label + "_end"))
		Label(label)
		for v := range acc {
			t := ZMM()
			VCVTPS2PD(Mem{Base: p, Disp: 32 * v}, t)
			VADDPD(t, acc[v], acc[v])
		}
		ADDQ(ld, p)
		DECQ(r)
		JNE(LabelRef(label))
		Label(label + "_end")
		for v := range acc {
			VMOVUPD(acc[v], Mem{Base: pa, Disp: 64 * v})
		}
		ADDQ(U32(64*nv), pa)
		ADDQ(U32(32*nv), ps)
	}
	Label(name + "_wide")
	CMPQ(n, U8(8))
	JL(LabelRef(name + "_narrow"))
	block(8)
	SUBQ(U8(8), n)
	JMP(LabelRef(name + "_wide"))
	Label(name + "_narrow")
	TESTQ(n, n)
	JE(LabelRef(name + "_done"))
	block(1)
	DECQ(n)
	JMP(LabelRef(name + "_narrow"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// sumRowsText starts a SumRows kernel for n a multiple of group (4 or 8)
// and loads its parameters: the base pointers of acc and src, rows, the
// row stride in bytes, and n/group (whose zero flag is set).
func sumRowsText(name string, group int) (pa, ps, rows, ld, n Register) {
	TEXT(name, NOSPLIT, "func(acc []float64, src []float32, rows, ld, n int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds rows rows of n values of src (row stride ld, n a multiple of %d) to acc in float64: see sumRowsTask.", name, group))
	pa = Load(Param("acc").Base(), GP64())
	ps = Load(Param("src").Base(), GP64())
	rows = Load(Param("rows"), GP64())
	ld = Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	n = Load(Param("n"), GP64())
	SHRQ(U8(map[int]uint8{4: 2, 8: 3}[group]), n)
	return pa, ps, rows, ld, n
}
