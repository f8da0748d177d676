package main

import (
	"fmt"

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
	kOne = -1 // not in the block: the kernels make 1.0 themselves
)

// flushY zeroes the lanes of a ymm x whose magnitude is below tiny; NaN
// lanes compare unordered and stay.
func flushY(c map[int]VecVirtual) func(x VecVirtual) {
	return func(x VecVirtual) {
		a := YMM()
		VANDPS(c[kAbs], x, a)
		VCMPPS(U8(0x15), c[kTiny], a, a) // NLT_UQ: !(a < tiny), true for NaN
		VANDPS(a, x, x)
	}
}

// flushZ is flushY for a zmm x, through a mask register.
func flushZ(c map[int]VecVirtual) func(x VecVirtual) {
	return func(x VecVirtual) {
		a, k := ZMM(), K()
		VANDPS(c[kAbs], x, a)
		VCMPPS(U8(0x15), c[kTiny], a, k)
		VMOVAPS_Z(x, k, x)
	}
}

func optimizerKernels() {
	adam("adamAVX", 8, YMM, flushY, divideExact)
	adam("adamAVX512", 16, ZMM, flushZ, divideRefined)
	sgdMomentumAVX()
}

// divideExact sets t = t/d with VDIVPS.
func divideExact(_ map[int]VecVirtual, t, d VecVirtual) { VDIVPS(d, t, t) }

// divideRefined sets t = t/d within 2 ulp: VRCP14PS (14 bits) and one
// Newton–Raphson step (r += r·(1 − d·r), about 28 bits). VSQRTPS and
// VDIVPS share one unit, which the division made the bottleneck.
func divideRefined(c map[int]VecVirtual, t, d VecVirtual) {
	r, e := ZMM(), ZMM()
	VRCP14PS(d, r)
	VMOVAPS(c[kOne], e)
	VFNMADD231PS(r, d, e) // e = 1 − d·r
	VFMADD231PS(e, r, r)  // r += r·e
	VMULPS(r, t, t)
}

// adam writes an Adam kernel over lanes-wide vectors (vec makes one):
// m = β1·m + (1−β1)·g; v = β2·v + ((1−β2)·g)·g; both flushed;
// p −= (lr·m)/(√v + ε), the division as divide does it. adamAVX (8 lanes,
// exact division) gives the Go loop's bits; adamAVX512 (16 lanes, refined
// reciprocal) is within 2 ulp of them in p, and exact in m and v.
func adam(name string, lanes int, vec func() VecVirtual, flushFor func(map[int]VecVirtual) func(VecVirtual), divide func(map[int]VecVirtual, VecVirtual, VecVirtual)) {
	TEXT(name, NOSPLIT, "func(p, g, m, v []float32, n int, k *[8]float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s runs n Adam updates, n a multiple of %d: see adamStep.", name, lanes))
	n := Load(Param("n"), GP64())
	pp := Load(Param("p").Base(), GP64())
	pg := Load(Param("g").Base(), GP64())
	pm := Load(Param("m").Base(), GP64())
	pv := Load(Param("v").Base(), GP64())
	pk := Load(Param("k"), GP64())
	c := map[int]VecVirtual{}
	for _, off := range []int{kLR, kB1, kC1, kB2, kC2, kEps, kTiny, kAbs} {
		c[off] = vec()
		VBROADCASTSS(Mem{Base: pk, Disp: off}, c[off])
	}
	if lanes == 16 { // divideRefined's 1.0 (VPBROADCASTD from a register is AVX-512)
		c[kOne] = vec()
		tmp := GP32()
		MOVL(U32(0x3f800000), tmp)
		VPBROADCASTD(tmp, c[kOne])
	}
	flush := flushFor(c)
	shift := map[int]uint8{8: 3, 16: 4}[lanes]
	SHRQ(U8(shift), n)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	g, m, v, t := vec(), vec(), vec(), vec()
	VMOVUPS(Mem{Base: pg}, g)
	VMOVUPS(Mem{Base: pm}, m)
	VMULPS(c[kB1], m, m) // β1·m
	VMULPS(c[kC1], g, t) // (1−β1)·g
	VADDPS(t, m, m)
	flush(m)
	VMOVUPS(m, Mem{Base: pm})
	VMOVUPS(Mem{Base: pv}, v)
	VMULPS(c[kB2], v, v) // β2·v
	VMULPS(c[kC2], g, t) // (1−β2)·g
	VMULPS(g, t, t)      // ·g
	VADDPS(t, v, v)
	flush(v)
	VMOVUPS(v, Mem{Base: pv})
	d, p := vec(), vec()
	VSQRTPS(v, d)
	VADDPS(c[kEps], d, d) // √v + ε
	VMULPS(c[kLR], m, t)  // lr·m
	divide(c, t, d)       // (lr·m)/(√v + ε)
	VMOVUPS(Mem{Base: pp}, p)
	VSUBPS(t, p, p)
	VMOVUPS(p, Mem{Base: pp})
	for _, r := range []Register{pp, pg, pm, pv} {
		ADDQ(U8(4*lanes), r)
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
	c := map[int]VecVirtual{}
	for _, off := range []int{kLR, kB1, kTiny, kAbs} {
		c[off] = YMM()
		VBROADCASTSS(Mem{Base: pk, Disp: off}, c[off])
	}
	lr, mu := c[kLR], c[kB1]
	SHRQ(U8(3), n)
	JE(LabelRef(name + "_done"))
	Label(name + "_loop")
	v, t, p := YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: pv}, v)
	VMULPS(mu, v, v)             // μ·vel
	VMULPS(Mem{Base: pg}, lr, t) // lr·g
	VSUBPS(t, v, v)              // μ·vel − lr·g
	flushY(c)(v)
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
