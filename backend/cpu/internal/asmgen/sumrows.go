package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
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
	TEXT(name, NOSPLIT, "func(acc []float64, src []float32, rows, ld, n int)")
	Pragma("noescape")
	Doc(name + " adds rows rows of n values of src (row stride ld, n a multiple of 4) to acc in float64: see sumRowsTask.")
	pa := Load(Param("acc").Base(), GP64())
	ps := Load(Param("src").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	n := Load(Param("n"), GP64())
	SHRQ(U8(2), n)
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
