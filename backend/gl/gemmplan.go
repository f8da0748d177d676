package gl

// Choosing a GEMM kernel: a pure function of the product's shape and the
// kind of device, so that tests can check the choice for any device
// without one. This file needs no cgo.

// gemmKernel is the structure of a GEMM variant (gemm.comp's KERNEL).
type gemmKernel uint8

const (
	// kernelShared stages BM×BK and BK×BN slices of the operands in
	// shared memory and gives each invocation TM×TN outputs in
	// registers: the GPU kernel.
	kernelShared gemmKernel = iota
	// kernelRegisters keeps TM×TN outputs per invocation in registers and
	// reads the operands straight from the buffers, without shared memory
	// or barriers: for CPU emulations such as llvmpipe, where a barrier
	// switches between every invocation of the group and shared memory is
	// ordinary memory. Any shape.
	kernelRegisters
	// kernelRegistersVec4 is kernelRegisters reading vec4s (4 floats per
	// load, where llvmpipe spends most of its time per load rather than
	// per float). It needs the operands' contiguous dimensions, and K, to
	// be multiples of 4 (vec4OK).
	kernelRegistersVec4
)

// gemmTile is a GEMM variant: a BM×BN block of c per work group, TM×TN
// outputs per invocation, so (BN/TN)×(BM/TM) invocations; the shared
// kernel walks K in steps of BK.
type gemmTile struct {
	Kernel             gemmKernel
	BM, BN, BK, TM, TN int
}

// The variants, indexed by gemmPlan.tile. The register tiles were
// measured on llvmpipe (2 cores, GFLOP/s at 1024³ / 32×128×784 / 784×128×32
// with the first transposed): scalar 8×8 per invocation ≈ 5 / 5 / 4.9,
// vec4 16×16 ≈ 17–19 / 14 / 9; vec4 8×8, 8×16 and 16×32 were slower or took
// far longer to compile (llvmpipe compiles a variant on first use: about
// 1 s for vec4 16×16, 11 s for 16×32).
var gemmTiles = []gemmTile{
	tileShared128: {Kernel: kernelShared, BM: 128, BN: 128, BK: 8, TM: 8, TN: 8},  // 16×16 invocations
	tileShared64:  {Kernel: kernelShared, BM: 64, BN: 64, BK: 16, TM: 4, TN: 4},   // 16×16
	tileShared32:  {Kernel: kernelShared, BM: 32, BN: 32, BK: 16, TM: 4, TN: 4},   // 8×8
	tileVec4:      {Kernel: kernelRegistersVec4, BM: 16, BN: 128, TM: 16, TN: 16}, // 8×1
	tileRegisters: {Kernel: kernelRegisters, BM: 64, BN: 64, TM: 8, TN: 8},        // 8×8
}

const (
	tileShared128 = iota
	tileShared64
	tileShared32
	tileVec4
	tileRegisters
)

// gemmDevice is what the choice of kernel knows about a device.
type gemmDevice struct {
	// software: a CPU emulation (Info.Software, unless tests force the
	// hardware kernels), which gets the register kernels.
	software bool
}

// gemmPlan is how one product runs.
type gemmPlan struct {
	tile int // index into gemmTiles
	// splits > 1: split-K. Work group z computes the product over K
	// range [z·kc, (z+1)·kc) into a partial product in scratch memory,
	// and a second dispatch sums the partials (and applies the
	// epilogue).
	splits, kc int
}

// targetGroups is the number of work groups a hardware GEMM aims for: two
// per streaming multiprocessor of the largest GPUs (132 on an H100 or
// H200), far more than smaller ones need to be full.
const targetGroups = 256

// Split-K is worth its second dispatch (and the partial sums' memory
// traffic) only for products of at least splitMinWork multiply-adds, with
// K at least splitMinK deep: below that, the dispatch costs more than the
// idle multiprocessors do.
const (
	splitMinWork = 1 << 20
	splitMinK    = 256
)

// groups returns the work groups of tile t over an m×n product.
func (t gemmTile) groups(m, n int) int { return ceilDiv(m, t.BM) * ceilDiv(n, t.BN) }

// vec4OK reports whether kernelRegistersVec4 can read the operands of
// c = op(a)·op(b) (op(a) m×k, op(b) k×n) as vec4s: every row of each
// operand as stored is a whole number of vec4s (tensor offsets are
// multiples of 64 floats, so rows then start on vec4 boundaries).
func vec4OK(m, n, k int, tA, tB bool) bool {
	return k%4 == 0 && (!tA || m%4 == 0) && (tB || n%4 == 0)
}

// planGemm chooses the kernel for an m×n×k product on dev.
//
// Software renderers get the register kernels: the vec4 one when the shape
// allows it and its 16×128 blocks pad the product by at most half,
// otherwise the scalar one.
//
// Hardware gets the largest shared-memory tile that still gives
// targetGroups work groups. When even the smallest does not, and the
// product is large and deep enough, K is split so that tiles × splits
// reaches the target (a 32×128×784 forward product of a dense layer: 4
// tiles of 32×32 times 49 slices of K = 196 groups, instead of 4).
func planGemm(m, n, k int, tA, tB bool, dev gemmDevice) gemmPlan {
	if dev.software {
		g := gemmTiles[tileVec4]
		padded := float64(ceilDiv(m, g.BM)*g.BM) * float64(ceilDiv(n, g.BN)*g.BN)
		if vec4OK(m, n, k, tA, tB) && padded <= 1.5*float64(m)*float64(n) {
			return gemmPlan{tile: tileVec4, splits: 1}
		}
		return gemmPlan{tile: tileRegisters, splits: 1}
	}
	for _, t := range []int{tileShared128, tileShared64, tileShared32} {
		if gemmTiles[t].groups(m, n) >= targetGroups {
			return gemmPlan{tile: t, splits: 1}
		}
	}
	g := gemmTiles[tileShared32]
	tiles, steps := g.groups(m, n), ceilDiv(k, g.BK)
	if splits := min(ceilDiv(targetGroups, tiles), steps); splits >= 2 && k >= splitMinK && m*n*k >= splitMinWork {
		kc := ceilDiv(steps, splits) * g.BK
		return gemmPlan{tile: tileShared32, splits: ceilDiv(k, kc), kc: kc}
	}
	return gemmPlan{tile: tileShared32, splits: 1}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
