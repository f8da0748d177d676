package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// transpose8 writes transpose8x8AVX, which the packing uses to turn rows of
// an operand into the columns of a packed panel:
//
//	dst[(8t+p)·ldd + i] = src[i·lds + 8t+p]   for t < blocks, i, p < 8.
//
// Each 8×8 block is read as four ymm registers that hold columns 0–3 of
// rows i and i+4 (a 128-bit load and VINSERTF128), and four for columns
// 4–7. Two in-lane 4×4 transposes (VUNPCKLPS/VUNPCKHPS, then VSHUFPS) then
// leave column p of the block, all eight rows, in one register, so the
// block costs 16 loads, 16 shuffles and 8 stores.
func transpose8() {
	TEXT("transpose8x8AVX", NOSPLIT, "func(dst []float32, ldd int, src []float32, lds int, blocks int)")
	Pragma("noescape")
	Doc("transpose8x8AVX transposes blocks 8×8 blocks of src into dst: see transpose8x8.")

	n := Load(Param("blocks"), GP64())
	pd, ldd, ps, lds := stridedPair()

	// Rows 3t, 3t+1, 3t+2 of the source (and of the destination) are
	// addressed from base t with the stride as index.
	threeS, threeD := GP64(), GP64()
	LEAQ(Mem{Base: lds, Index: lds, Scale: 2}, threeS)
	LEAQ(Mem{Base: ldd, Index: ldd, Scale: 2}, threeD)
	src := []Register{ps, GP64(), GP64()}
	dst := []Register{pd, GP64(), GP64()}
	for t := 1; t < 3; t++ {
		LEAQ(Mem{Base: src[t-1], Index: threeS, Scale: 1}, src[t])
		LEAQ(Mem{Base: dst[t-1], Index: threeD, Scale: 1}, dst[t])
	}
	eightD := GP64()
	MOVQ(ldd, eightD)
	SHLQ(U8(3), eightD)
	row := func(bases []Register, stride Register, i, disp int) Mem {
		m := Mem{Base: bases[i/3], Disp: disp}
		if s := i % 3; s > 0 {
			m = m.Idx(stride, uint8(s))
		}
		return m
	}

	TESTQ(n, n)
	JE(LabelRef("transpose8_done"))
	Label("transpose8_loop")
	for half := 0; half < 2; half++ {
		// x[i] = columns 4h..4h+3 of rows i (low lane) and i+4 (high lane).
		x := make([]VecVirtual, 4)
		for i := range x {
			x[i] = YMM()
			VMOVUPS(row(src, lds, i, 16*half), x[i].AsX())
			VINSERTF128(U8(1), row(src, lds, i+4, 16*half), x[i], x[i])
		}
		t := []VecVirtual{YMM(), YMM(), YMM(), YMM()}
		VUNPCKLPS(x[1], x[0], t[0])
		VUNPCKHPS(x[1], x[0], t[1])
		VUNPCKLPS(x[3], x[2], t[2])
		VUNPCKHPS(x[3], x[2], t[3])
		for p := 0; p < 4; p++ {
			o := YMM()
			imm := U8(0x44)
			if p%2 == 1 {
				imm = U8(0xEE)
			}
			VSHUFPS(imm, t[p/2+2], t[p/2], o)
			VMOVUPS(o, row(dst, ldd, 4*half+p, 0))
		}
	}
	ADDQ(U8(32), src[0])
	ADDQ(U8(32), src[1])
	ADDQ(U8(32), src[2])
	ADDQ(eightD, dst[0])
	ADDQ(eightD, dst[1])
	ADDQ(eightD, dst[2])
	DECQ(n)
	JNE(LabelRef("transpose8_loop"))
	Label("transpose8_done")
	VZEROUPPER()
	RET()
}
