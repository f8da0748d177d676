package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// finiteKernel writes anyNonFiniteAVX2 for package internal/finite:
// whether any of n float32 values (n a multiple of 32) has its exponent
// bits all ones (a NaN or an infinity). It ANDs each value with the
// exponent mask, compares the result with the mask, and ORs the
// comparisons of 32 values before one test, reading 128 bytes an
// iteration: the scan runs at the speed memory delivers.
func finiteKernel() {
	const name = "anyNonFiniteAVX2"
	TEXT(name, NOSPLIT, "func(v []float32, n int) bool")
	Pragma("noescape")
	Doc(name + " reports whether any of the first n values of v (n a multiple of 32) is NaN or infinite.")
	n := Load(Param("n"), GP64())
	p := Load(Param("v").Base(), GP64())
	mask := YMM()
	tmp := GP32()
	MOVL(U32(0x7f800000), tmp)
	MOVD(tmp, mask.AsX())
	VPBROADCASTD(mask.AsX(), mask)
	SHRQ(U8(5), n)
	JE(LabelRef(name + "_none"))
	Label(name + "_loop")
	acc := YMM()
	for i := 0; i < 4; i++ {
		x := YMM()
		VPAND(Mem{Base: p, Disp: 32 * i}, mask, x)
		VPCMPEQD(mask, x, x)
		if i == 0 {
			VMOVDQU(x, acc)
		} else {
			VPOR(x, acc, acc)
		}
	}
	VPTEST(acc, acc)
	JNE(LabelRef(name + "_found"))
	ADDQ(U8(128), p)
	DECQ(n)
	JNE(LabelRef(name + "_loop"))
	r := GP8()
	Label(name + "_none")
	VZEROUPPER()
	MOVB(U8(0), r)
	Store(r, ReturnIndex(0))
	RET()
	Label(name + "_found")
	VZEROUPPER()
	MOVB(U8(1), r)
	Store(r, ReturnIndex(0))
	RET()
}
