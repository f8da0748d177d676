package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// addBiasAVX writes the row kernel of AddBias for the identity and ReLU:
//
//	y[j] = x[j] + b[j]            (relu false)
//	y[j] = max(x[j] + b[j], 0)    (relu true)
//
// for j < n, n a multiple of 8, eight values per ymm. The maximum is taken
// as Go's max takes it: VMAXPS returns its second source when either is
// NaN, so the sum goes there and a NaN stays NaN; and adding +0 after it
// turns the −0 that VMAXPS keeps for max(−0, +0) into +0, so that every
// value has the bits of the Go loop's.
func addBiasAVX() {
	const name = "addBiasAVX"
	TEXT(name, NOSPLIT, "func(y, x, b []float32, n int, relu bool)")
	Pragma("noescape")
	Doc(name + " sets y = x + b, or max(x + b, 0) with relu, over n values, n a multiple of 8: see addBiasTask.")
	n := Load(Param("n"), GP64())
	py := Load(Param("y").Base(), GP64())
	px := Load(Param("x").Base(), GP64())
	pb := Load(Param("b").Base(), GP64())
	relu := Load(Param("relu"), GP8())
	zero := YMM()
	VXORPS(zero, zero, zero)
	SHRQ(U8(3), n)
	JE(LabelRef(name + "_done"))
	TESTB(relu, relu)
	JE(LabelRef(name + "_plain"))
	loop := func(label string, body func(VecVirtual)) {
		Label(label)
		v := YMM()
		VMOVUPS(Mem{Base: px}, v)
		VADDPS(Mem{Base: pb}, v, v)
		body(v)
		VMOVUPS(v, Mem{Base: py})
		for _, r := range []Register{py, px, pb} {
			ADDQ(U8(32), r)
		}
		DECQ(n)
		JNE(LabelRef(label))
		JMP(LabelRef(name + "_done"))
	}
	loop(name+"_relu", func(v VecVirtual) {
		VMAXPS(v, zero, v) // Intel order vmaxps v, zero, v: v when NaN
		VADDPS(zero, v, v) // −0 → +0
	})
	loop(name+"_plain", func(VecVirtual) {})
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
