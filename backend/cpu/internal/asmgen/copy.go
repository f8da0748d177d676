package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// copyWidths are the row lengths copyRows is written for: the mr and nr
// of the kernels whose panels are multiples of eight values wide.
var copyWidths = []int{8, 16, 32}

// copyRows writes copyRows<w>AVX, which the packing uses to gather rows
// that are already laid out as the panel wants them:
//
//	dst[r·ldd + x] = src[r·lds + x]   for r < n, x < w,
//
// with w/8 ymm loads and stores per row (a memmove call per row of 32 or
// 128 bytes costs more than the copy).
func copyRows(w int) {
	name := fmt.Sprintf("copyRows%dAVX", w)
	TEXT(name, NOSPLIT, "func(dst []float32, ldd int, src []float32, lds int, n int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s copies n rows of %d values from src to dst: see copyRows.", name, w))
	n := Load(Param("n"), GP64())
	pd, ldd, ps, lds := stridedPair()
	TESTQ(n, n)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	v := make([]VecVirtual, w/8)
	for i := range v {
		v[i] = YMM()
		VMOVUPS(Mem{Base: ps, Disp: 32 * i}, v[i])
	}
	for i := range v {
		VMOVUPS(v[i], Mem{Base: pd, Disp: 32 * i})
	}
	ADDQ(lds, ps)
	ADDQ(ldd, pd)
	DECQ(n)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// stridedPair loads the (dst, ldd, src, lds) parameters that copyRows and
// transpose8x8 share: the two base pointers and the strides in bytes.
func stridedPair() (pd, ldd, ps, lds Register) {
	ps = Load(Param("src").Base(), GP64())
	lds = Load(Param("lds"), GP64())
	SHLQ(U8(2), lds)
	pd = Load(Param("dst").Base(), GP64())
	ldd = Load(Param("ldd"), GP64())
	SHLQ(U8(2), ldd)
	return pd, ldd, ps, lds
}
