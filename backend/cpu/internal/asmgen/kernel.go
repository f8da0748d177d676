package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// kernel is one register-tiled GEMM micro-kernel: an mr×nr block of C in
// mr·nv vector accumulators, nr = nv·lanes.
type kernel struct {
	isa string // "AVX512" (zmm, 32 registers) or "AVX2" (ymm with FMA, 16 registers)
	mr  int    // rows of the block: one broadcast value of A each per step of k
	nv  int    // vectors per row of the block: loads of B per step of k
}

// kernels are the micro-kernels written to the assembly file.
//
// The tiles were chosen by measurement on a Sapphire Rapids class CPU
// (two FMA units per core). With all operands in L1, 8×32, 12×32, 14×32
// and 6×64 all reach the same ~95% of the core's FMA peak (16×16, with
// 17 loads per 16 FMAs, stays at 80%); in whole products of the MNIST
// shapes (m = 32 or 128 rows) 8×32 was fastest, since 8 divides 32 and
// 128 while 12, 14 and 6 leave partial blocks, and at 1024³ all four were
// equal. 8×32 keeps 16 accumulators: twice the 4-cycle FMA latency times
// the two ports, enough to hide it. For AVX2, 6×16 (12 accumulators, 2
// loads of B, 1 broadcast: all 16 ymm registers) and 4×24 ran the same;
// 16 divides 128 and 784.
//
// A product at most 16 columns wide (a layer of ten classes) would leave
// most of an 8×32 block padding: there AVX-512 has a 16×16 kernel, which
// ran 1.4–1.5× faster on the MNIST shapes of ten columns than 8×32 (and
// than 8×16 and 12×16, within a few per cent of each other).
var kernels = []kernel{
	{"AVX512", 8, 2},
	{"AVX512", 16, 1},
	{"AVX2", 6, 2},
}

// unroll is how many steps of k the main loop of a kernel does per trip.
const unroll = 4

func (k kernel) lanes() int {
	if k.isa == "AVX512" {
		return 16
	}
	return 8
}

func (k kernel) nr() int { return k.nv * k.lanes() }

func (k kernel) name() string { return fmt.Sprintf("gemm%s_%dx%d", k.isa, k.mr, k.nr()) }

func (k kernel) vec() VecVirtual {
	if k.isa == "AVX512" {
		return ZMM()
	}
	return YMM()
}

// generate writes the kernel. It computes
//
//	C[i][j] (+)= Σ_{p<kc} A(i, p) · B(p, j),  i < mr, j < nr,
//
// with A(i, p) = a[i·rsA + p·csA], B(p, j) = b[p·rsB + j] and C[i][j] =
// c[i·ldc + j], so one body serves packed panels (rsA = 1, csA = mr,
// rsB = nr) and operands read in place (a row-major A has csA = 1, a
// transposed one rsA = 1; a row-major B has rsB = its row length).
//
// Per step of k it loads the nv vectors of row p of B, then for each row i
// broadcasts A(i, p) into a register (VBROADCASTSS) and does nv FMAs into
// that row's accumulators. The rows of A are addressed as base + rsA·s
// with s ∈ {0, 1, 2}: one base register per three rows, each moved by csA
// per step, so that any strides cost the same few scalar additions.
func (k kernel) generate() {
	TEXT(k.name(), NOSPLIT, "func(kc int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, accumulate bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes one %d×%d block of C with %s: see microKernel.", k.name(), k.mr, k.nr(), k.isa))
	width := 4 * k.lanes() // bytes per vector
	reg := map[string]string{"AVX512": "zmm", "AVX2": "ymm"}[k.isa]
	Comment(
		fmt.Sprintf("Register tile: %d rows × %d columns of C in %d×%d %s accumulators (%d per row),", k.mr, k.nr(), k.mr, k.nv, reg, k.nv),
		fmt.Sprintf("%d %s for row p of B and one for the broadcast A(i, p). Per step of k:", k.nv, reg),
		fmt.Sprintf("%d loads of B, %d VBROADCASTSS of A and %d VFMADD231PS.", k.nv, k.mr, k.mr*k.nv),
	)

	// Prefetch the block of C while the products are computed.
	{
		pc := Load(Param("c").Base(), GP64())
		ldc := Load(Param("ldc"), GP64())
		SHLQ(U8(2), ldc)
		for i := 0; i < k.mr; i++ {
			for off := 0; off < 4*k.nr(); off += 64 {
				PREFETCHT0(Mem{Base: pc, Disp: off})
			}
			if i+1 < k.mr {
				ADDQ(ldc, pc)
			}
		}
	}

	kc := Load(Param("kc"), GP64())
	pa := Load(Param("a").Base(), GP64())
	rs := Load(Param("rsA"), GP64())
	SHLQ(U8(2), rs)
	cs := Load(Param("csA"), GP64())
	SHLQ(U8(2), cs)
	pb := Load(Param("b").Base(), GP64())
	rsb := Load(Param("rsB"), GP64())
	SHLQ(U8(2), rsb)

	// One base register for each three rows of A.
	bases := []Register{pa}
	if k.mr > 3 {
		rs3 := GP64()
		LEAQ(Mem{Base: rs, Index: rs, Scale: 2}, rs3)
		for len(bases)*3 < k.mr {
			r := GP64()
			LEAQ(Mem{Base: bases[len(bases)-1], Index: rs3, Scale: 1}, r)
			bases = append(bases, r)
		}
	}
	rowA := func(i int) Mem {
		m := Mem{Base: bases[i/3]}
		if s := i % 3; s > 0 {
			m = m.Idx(rs, uint8(s))
		}
		return m
	}

	acc := make([][]VecVirtual, k.mr)
	for i := range acc {
		acc[i] = make([]VecVirtual, k.nv)
		for v := range acc[i] {
			acc[i][v] = k.vec()
			if k.isa == "AVX512" {
				VPXORD(acc[i][v], acc[i][v], acc[i][v])
			} else {
				VXORPS(acc[i][v], acc[i][v], acc[i][v])
			}
		}
	}

	step := func() {
		bv := make([]VecVirtual, k.nv)
		for v := range bv {
			bv[v] = k.vec()
			VMOVUPS(Mem{Base: pb, Disp: v * width}, bv[v])
		}
		for i := 0; i < k.mr; i++ {
			t := k.vec()
			VBROADCASTSS(rowA(i), t)
			for v := range bv {
				VFMADD231PS(bv[v], t, acc[i][v])
			}
		}
		for _, r := range bases {
			ADDQ(cs, r)
		}
		ADDQ(rsb, pb)
	}

	loop, tail, tailLoop, update := k.name()+"_loop", k.name()+"_tail", k.name()+"_tailloop", k.name()+"_update"
	CMPQ(kc, U8(unroll))
	JL(LabelRef(tail))
	Label(loop)
	for u := 0; u < unroll; u++ {
		step()
	}
	SUBQ(U8(unroll), kc)
	CMPQ(kc, U8(unroll))
	JGE(LabelRef(loop))
	Label(tail)
	TESTQ(kc, kc)
	JE(LabelRef(update))
	Label(tailLoop)
	step()
	DECQ(kc)
	JNE(LabelRef(tailLoop))

	Label(update)
	pc := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	flag := Load(Param("accumulate"), GP8())
	store := k.name() + "_store"
	TESTB(flag, flag)
	JE(LabelRef(store))
	k.writeC(acc, pc, ldc, true)
	VZEROUPPER()
	RET()
	Label(store)
	k.writeC(acc, pc, ldc, false)
	VZEROUPPER()
	RET()
}

// writeC stores the accumulators to the block of C at pc (row stride ldc
// bytes), adding the old values first when add is set.
func (k kernel) writeC(acc [][]VecVirtual, pc, ldc Register, add bool) {
	width := 4 * k.lanes()
	for i := range acc {
		for v := range acc[i] {
			m := Mem{Base: pc, Disp: v * width}
			if add {
				VADDPS(m, acc[i][v], acc[i][v])
			}
			VMOVUPS(acc[i][v], m)
		}
		if i+1 < len(acc) {
			ADDQ(ldc, pc)
		}
	}
}
