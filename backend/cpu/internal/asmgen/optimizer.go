package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The optimizer kernels update 8 parameters per iteration with AVX: n is a
// multiple of 8 (the caller does the rest in Go). They perform the same
// float32 operations, in the same order, as the Go loops in optimizer.go
// (no fused multiply-adds), so a parameter gets the same bits whichever
// path updates it; and like them they flush an optimizer state that falls
// below the smallest normal float32 (|x| < 2^-126) to zero, while keeping
// NaN and infinities. A state decaying towards zero (a weight whose input
// is always 0 has m = β1^t·m₀) otherwise becomes subnormal, and x86 takes
// a microcode assist — about a hundred cycles — for every subnormal
// operand.

// optConsts is the layout of the constants block the kernels read
// (optConsts in optimizer.go): lr, β1, 1−β1, β2, 1−β2, ε, the smallest
// normal float32 and the mask of a float's magnitude bits.
const (
	kLR = 4 * iota
	kB1
	kC1
	kB2
	kC2
	kEps
	kTiny
	kAbs
)

// flush zeroes the lanes of x whose magnitude is below tiny; NaN lanes
// compare unordered and stay.
func flush(x, tiny, abs VecVirtual) {
	a := YMM()
	VANDPS(abs, x, a)
	VCMPPS(U8(0x15), tiny, a, a) // NLT_UQ: !(a < tiny), true for NaN
	VANDPS(a, x, x)
}

func optimizerKernels() {
	adamAVX()
	adamAVX512()
	sgdMomentumAVX()
}

// adamAVX512 is adamAVX on 16 lanes, n a multiple of 16, with the division
// replaced by a reciprocal: √v's sum with ε goes through VRCP14PS (14 bits)
// and one Newton–Raphson step (r += r·(1 − d·r), about 28 bits), so the
// step is within 2 ulp of (lr·m)/(√v + ε) instead of exact. VSQRTPS and
// VDIVPS share one unit, which the division made the bottleneck; m and v
// are computed (and flushed) exactly as adamAVX does.
func adamAVX512() {
	const name = "adamAVX512"
	TEXT(name, NOSPLIT, "func(p, g, m, v []float32, n int, k *[8]float32)")
	Pragma("noescape")
	Doc(name + " runs n Adam updates, n a multiple of 16: see adamStep.")
	n := Load(Param("n"), GP64())
	pp := Load(Param("p").Base(), GP64())
	pg := Load(Param("g").Base(), GP64())
	pm := Load(Param("m").Base(), GP64())
	pv := Load(Param("v").Base(), GP64())
	pk := Load(Param("k"), GP64())
	c := map[int]VecVirtual{}
	for _, off := range []int{kLR, kB1, kC1, kB2, kC2, kEps, kTiny, kAbs} {
		c[off] = ZMM()
		VBROADCASTSS(Mem{Base: pk, Disp: off}, c[off])
	}
	one := ZMM()
	MOVL(U32(0x3f800000), EAX) // 1.0
	VPBROADCASTD(EAX, one)
	SHRQ(U8(4), n)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	g, m, v, t := ZMM(), ZMM(), ZMM(), ZMM()
	flush := func(x VecVirtual) {
		a, k := ZMM(), K()
		VANDPS(c[kAbs], x, a)
		VCMPPS(U8(0x15), c[kTiny], a, k) // NLT_UQ: !(|x| < tiny), true for NaN
		VMOVAPS_Z(x, k, x)
	}
	VMOVUPS(Mem{Base: pg}, g)
	VMOVUPS(Mem{Base: pm}, m)
	VMULPS(c[kB1], m, m)
	VMULPS(c[kC1], g, t)
	VADDPS(t, m, m)
	flush(m)
	VMOVUPS(m, Mem{Base: pm})
	VMOVUPS(Mem{Base: pv}, v)
	VMULPS(c[kB2], v, v)
	VMULPS(c[kC2], g, t)
	VMULPS(g, t, t)
	VADDPS(t, v, v)
	flush(v)
	VMOVUPS(v, Mem{Base: pv})
	d, r, e, p := ZMM(), ZMM(), ZMM(), ZMM()
	VSQRTPS(v, d)
	VADDPS(c[kEps], d, d) // d = √v + ε
	VRCP14PS(d, r)
	VMOVAPS(one, e)
	VFNMADD231PS(r, d, e) // e = 1 − d·r
	VFMADD231PS(e, r, r)  // r += r·e
	VMULPS(c[kLR], m, t)  // lr·m
	VMULPS(r, t, t)       // (lr·m)/d
	VMOVUPS(Mem{Base: pp}, p)
	VSUBPS(t, p, p)
	VMOVUPS(p, Mem{Base: pp})
	for _, reg := range []Register{pp, pg, pm, pv} {
		ADDQ(U8(64), reg)
	}
	DECQ(n)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// adamAVX: m = β1·m + (1−β1)·g; v = β2·v + ((1−β2)·g)·g; both flushed;
// p −= (lr·m)/(√v + ε).
func adamAVX() {
	const name = "adamAVX"
	TEXT(name, NOSPLIT, "func(p, g, m, v []float32, n int, k *[8]float32)")
	Pragma("noescape")
	Doc(name + " runs n Adam updates, n a multiple of 8: see adamStep.")
	n := Load(Param("n"), GP64())
	pp := Load(Param("p").Base(), GP64())
	pg := Load(Param("g").Base(), GP64())
	pm := Load(Param("m").Base(), GP64())
	pv := Load(Param("v").Base(), GP64())
	pk := Load(Param("k"), GP64())
	c := map[int]VecVirtual{}
	for _, off := range []int{kLR, kB1, kC1, kB2, kC2, kEps, kTiny, kAbs} {
		c[off] = YMM()
		VBROADCASTSS(Mem{Base: pk, Disp: off}, c[off])
	}
	SHRQ(U8(3), n)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	g, m, v, t := YMM(), YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: pg}, g)
	VMOVUPS(Mem{Base: pm}, m)
	VMULPS(c[kB1], m, m) // β1·m
	VMULPS(c[kC1], g, t) // (1−β1)·g
	VADDPS(t, m, m)
	flush(m, c[kTiny], c[kAbs])
	VMOVUPS(m, Mem{Base: pm})
	VMOVUPS(Mem{Base: pv}, v)
	VMULPS(c[kB2], v, v) // β2·v
	VMULPS(c[kC2], g, t) // (1−β2)·g
	VMULPS(g, t, t)      // ·g
	VADDPS(t, v, v)
	flush(v, c[kTiny], c[kAbs])
	VMOVUPS(v, Mem{Base: pv})
	s, p := YMM(), YMM()
	VSQRTPS(v, s)
	VADDPS(c[kEps], s, s) // √v + ε
	VMULPS(c[kLR], m, t)  // lr·m
	VDIVPS(s, t, t)       // (lr·m)/(√v + ε)
	VMOVUPS(Mem{Base: pp}, p)
	VSUBPS(t, p, p)
	VMOVUPS(p, Mem{Base: pp})
	for _, r := range []Register{pp, pg, pm, pv} {
		ADDQ(U8(32), r)
	}
	DECQ(n)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// sgdMomentumAVX: vel = μ·vel − lr·g, flushed; p += vel. μ is read from
// the β1 slot.
func sgdMomentumAVX() {
	const name = "sgdMomentumAVX"
	TEXT(name, NOSPLIT, "func(p, g, vel []float32, n int, k *[8]float32)")
	Pragma("noescape")
	Doc(name + " runs n SGD-with-momentum updates, n a multiple of 8: see sgdStep.")
	n := Load(Param("n"), GP64())
	pp := Load(Param("p").Base(), GP64())
	pg := Load(Param("g").Base(), GP64())
	pv := Load(Param("vel").Base(), GP64())
	pk := Load(Param("k"), GP64())
	lr, mu, tiny, abs := YMM(), YMM(), YMM(), YMM()
	VBROADCASTSS(Mem{Base: pk, Disp: kLR}, lr)
	VBROADCASTSS(Mem{Base: pk, Disp: kB1}, mu)
	VBROADCASTSS(Mem{Base: pk, Disp: kTiny}, tiny)
	VBROADCASTSS(Mem{Base: pk, Disp: kAbs}, abs)
	SHRQ(U8(3), n)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	v, t, p := YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: pv}, v)
	VMULPS(mu, v, v)             // μ·vel
	VMULPS(Mem{Base: pg}, lr, t) // lr·g
	VSUBPS(t, v, v)              // μ·vel − lr·g
	flush(v, tiny, abs)
	VMOVUPS(v, Mem{Base: pv})
	VMOVUPS(Mem{Base: pp}, p)
	VADDPS(v, p, p)
	VMOVUPS(p, Mem{Base: pp})
	for _, r := range []Register{pp, pg, pv} {
		ADDQ(U8(32), r)
	}
	DECQ(n)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
