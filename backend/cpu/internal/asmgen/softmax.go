package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The constants block softmaxRowsAVX512 reads (softmaxConsts in
// softmax.go), as byte offsets.
const (
	sLog2e = 4 * iota
	sLn2hi
	sLn2lo
	sFloor // −87: below it e^z is 0
	sC6    // 1/720 … 1/2, 1: the Taylor coefficients of e^r, highest first
	sC5
	sC4
	sC3
	sC2
	sC1
	sNegInf
	sCount = iota
)

// softmaxRowsAVX512 writes the row kernel of Activate's Softmax: for each
// of rows rows of cols values (cols ≥ 1; tail = 2^(cols%16) − 1),
//
//	y_j = e^(x_j − m) / Σ_k e^(x_k − m),   m = max_k x_k,
//
// sixteen values per zmm, the last part of a row through a mask (masked
// lanes are neither read nor written, so a row may end anywhere). It is
// three passes over the row (maximum; exponentials, stored and summed;
// scaling by the reciprocal of the sum), with e^z as expNeg32 computes it
// for z ≤ 0 (z = k·ln2 + r, a degree-6 polynomial in r, and 2^k by
// VSCALEFPS), 0 below −87, and NaN kept: a row with a NaN is all NaN.
func softmaxRowsAVX512() {
	const name = "softmaxRowsAVX512"
	TEXT(name, NOSPLIT, "func(y, x []float32, rows, cols int, tail uint16, k *[11]float32)")
	Pragma("noescape")
	Doc(name + " writes the softmax of each of rows rows of cols values of x into y: see softmaxRow.")
	py := Load(Param("y").Base(), GP64())
	px := Load(Param("x").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	cols := Load(Param("cols"), GP64())
	pk := Load(Param("k"), GP64())
	c := map[int]VecVirtual{}
	for off := 0; off < 4*sCount; off += 4 {
		c[off] = ZMM()
		VBROADCASTSS(Mem{Base: pk, Disp: off}, c[off])
	}
	// full: whole vectors per row; tail: the mask of the rest (the low
	// cols%16 bits, from the caller).
	full := GP64()
	MOVQ(cols, full)
	SHRQ(U8(4), full)
	tail := K()
	t := Load(Param("tail"), GP32())
	KMOVW(t, tail)
	stride := GP64()
	MOVQ(cols, stride)
	SHLQ(U8(2), stride)
	one := ZMM()
	VMOVAPS(c[sC1], one)

	TESTQ(rows, rows)
	JE(LabelRef(name + "_done"))
	Label(name + "_row")

	// Each pass walks the row's whole vectors with p (and q for y), then
	// does the masked rest.
	pass := func(label string, body func(src Mem, dst Mem, masked bool)) {
		p, q, n := GP64(), GP64(), GP64()
		MOVQ(px, p)
		MOVQ(py, q)
		MOVQ(full, n)
		TESTQ(n, n)
		JE(LabelRef(label + "_tail"))
		Label(label)
		body(Mem{Base: p}, Mem{Base: q}, false)
		ADDQ(U8(64), p)
		ADDQ(U8(64), q)
		DECQ(n)
		JNE(LabelRef(label))
		Label(label + "_tail")
		body(Mem{Base: p}, Mem{Base: q}, true)
	}

	// Pass 1: the maximum. VMAXPS returns its second source when either
	// is NaN, and the loaded value goes there: a NaN reaches m.
	m := ZMM()
	VMOVAPS(c[sNegInf], m)
	pass(name+"_max", func(src, _ Mem, masked bool) {
		v := ZMM()
		VMOVAPS(c[sNegInf], v)
		if masked {
			VMOVUPS(src, tail, v)
		} else {
			VMOVUPS(src, v)
		}
		VMAXPS(v, m, m)
	})
	reduce(m, VMAXPS)

	// Pass 2: e = e^(x − m), stored, and summed.
	sum := ZMM()
	VXORPS(sum, sum, sum)
	pass(name+"_exp", func(src, dst Mem, masked bool) {
		z := ZMM()
		if masked {
			VMOVUPS_Z(src, tail, z)
		} else {
			VMOVUPS(src, z)
		}
		VSUBPS(m, z, z)
		e := expNeg(c, z)
		if masked {
			VMOVAPS_Z(e, tail, e)
			VMOVUPS(e, tail, dst)
		} else {
			VMOVUPS(e, dst)
		}
		VADDPS(e, sum, sum)
	})
	reduce(sum, VADDPS)

	// Pass 3: y ·= 1/sum.
	inv := ZMM()
	VDIVPS(sum, one, inv)
	pass(name+"_scale", func(_, dst Mem, masked bool) {
		v := ZMM()
		if masked {
			VMOVUPS_Z(dst, tail, v)
			VMULPS(inv, v, v)
			VMOVUPS(v, tail, dst)
		} else {
			VMULPS(dst, inv, v)
			VMOVUPS(v, dst)
		}
	})

	ADDQ(stride, px)
	ADDQ(stride, py)
	DECQ(rows)
	JNE(LabelRef(name + "_row"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// reduce folds the sixteen lanes of v with op (VMAXPS or VADDPS) and
// leaves the result in every lane.
func reduce(v VecVirtual, op func(...Op)) {
	h := ZMM()
	VEXTRACTF64X4(U8(1), v, h.AsY())
	op(h.AsY(), v.AsY(), v.AsY())
	VEXTRACTF128(U8(1), v.AsY(), h.AsX())
	op(h.AsX(), v.AsX(), v.AsX())
	VPERMILPS(U8(0x4e), v.AsX(), h.AsX())
	op(h.AsX(), v.AsX(), v.AsX())
	VPERMILPS(U8(0xb1), v.AsX(), h.AsX())
	op(h.AsX(), v.AsX(), v.AsX())
	VBROADCASTSS(v.AsX(), v)
}

// expNeg returns e^z for the lanes of z (≤ 0 or NaN) as expNeg32 computes
// it: 0 where z < −87, NaN where z is NaN.
func expNeg(c map[int]VecVirtual, z VecVirtual) VecVirtual {
	live := K()
	VCMPPS(U8(0x15), c[sFloor], z, live) // NLT_UQ: !(z < −87), true for NaN
	zc := ZMM()
	VMAXPS(z, c[sFloor], zc) // clamped, so that −∞ gives no NaN; NaN kept
	k := ZMM()
	VMULPS(c[sLog2e], zc, k)
	VRNDSCALEPS(U8(0), k, k) // round to nearest
	r := ZMM()
	VMOVAPS(zc, r)
	VFNMADD231PS(c[sLn2hi], k, r) // r −= k·ln2hi
	VFNMADD231PS(c[sLn2lo], k, r) // r −= k·ln2lo
	p := ZMM()
	VMOVAPS(c[sC6], p)
	for _, off := range []int{sC5, sC4, sC3, sC2, sC1, sC1} {
		VFMADD213PS(c[off], r, p) // p = p·r + c
	}
	VSCALEFPS(k, p, p) // p·2^k
	VMOVAPS_Z(p, live, p)
	return p
}
