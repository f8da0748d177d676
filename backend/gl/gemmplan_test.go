package gl

// Tests of the GEMM kernel choice; no cgo, no GL context.

import (
	"math/rand/v2"
	"testing"
)

// TestGemmTiles checks the invariants gemm.comp relies on.
func TestGemmTiles(t *testing.T) {
	for i, g := range gemmTiles {
		tx, ty := g.BN/g.TN, g.BM/g.TM
		if tx*g.TN != g.BN || ty*g.TM != g.BM || tx*ty > 1024 {
			t.Errorf("tile %d %+v: does not split into invocations", i, g)
		}
		switch g.Kernel {
		case kernelShared:
			nt := tx * ty
			if g.BK < 1 || g.BM*g.BK%nt != 0 || g.BN*g.BK%nt != 0 {
				t.Errorf("tile %d %+v: BM·BK and BN·BK must be multiples of the %d invocations", i, g, nt)
			}
			if shared := 4 * g.BK * (g.BM + g.BN + 2); shared > 32768 {
				t.Errorf("tile %d %+v: %d bytes of shared memory, more than GL guarantees", i, g, shared)
			}
		case kernelRegistersVec4:
			if g.TM%4 != 0 || g.TN%4 != 0 {
				t.Errorf("tile %d %+v: vec4 tiles need TM and TN multiples of 4", i, g)
			}
		}
	}
}

var (
	hardware = gemmDevice{}
	llvmpipe = gemmDevice{software: true}
)

// TestPlanGemmShapes checks the choice for the shapes that matter.
func TestPlanGemmShapes(t *testing.T) {
	for _, c := range []struct {
		name       string
		m, n, k    int
		tA, tB     bool
		dev        gemmDevice
		tile       int
		minGroups  int // work groups × splits
		wantSplits bool
	}{
		// The reference model's forward product on a GPU: 4 tiles alone
		// would leave an H200's 132 multiprocessors idle.
		{"dense forward, GPU", 32, 128, 784, false, false, hardware, tileShared32, 128, true},
		{"dW of the first layer, GPU", 784, 128, 32, true, false, hardware, tileShared32, 100, false},
		{"square 1024, GPU", 1024, 1024, 1024, false, false, hardware, tileShared64, 256, false},
		{"square 4096, GPU", 4096, 4096, 4096, false, false, hardware, tileShared128, 1024, false},
		{"tiny, GPU", 32, 10, 128, false, false, hardware, tileShared32, 1, false},
		{"square 1024, llvmpipe", 1024, 1024, 1024, false, false, llvmpipe, tileVec4, 2, false},
		{"dense forward, llvmpipe", 32, 128, 784, false, false, llvmpipe, tileVec4, 2, false},
		{"dW of the first layer, llvmpipe", 784, 128, 32, true, false, llvmpipe, tileVec4, 2, false},
		{"10 outputs, llvmpipe", 32, 10, 128, false, false, llvmpipe, tileRegisters, 1, false},
		{"dX through 10 outputs, llvmpipe", 32, 128, 10, false, true, llvmpipe, tileRegisters, 1, false},
		{"64 outputs, llvmpipe", 256, 64, 256, false, false, llvmpipe, tileRegisters, 1, false},
	} {
		p := planGemm(c.m, c.n, c.k, c.tA, c.tB, c.dev)
		groups := gemmTiles[p.tile].groups(c.m, c.n) * p.splits
		if p.tile != c.tile || groups < c.minGroups || (p.splits > 1) != c.wantSplits {
			t.Errorf("%s (%d×%d×%d): plan %+v, %d groups; want tile %d, ≥ %d groups, split-K %v",
				c.name, c.m, c.n, c.k, p, groups, c.tile, c.minGroups, c.wantSplits)
		}
	}
}

// TestPlanGemmValid checks, on random shapes, that every plan is one
// gemm.comp can run: software renderers get register kernels (vec4 ones
// only where vec4OK holds), hardware the shared ones, and split-K slices
// are whole BK steps that cover K exactly once.
func TestPlanGemmValid(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 20000 {
		m, n, k := 1+r.IntN(3000), 1+r.IntN(3000), 1+r.IntN(3000)
		tA, tB := r.IntN(2) == 0, r.IntN(2) == 0
		for _, dev := range []gemmDevice{hardware, llvmpipe} {
			p := planGemm(m, n, k, tA, tB, dev)
			g := gemmTiles[p.tile]
			switch {
			case dev.software && g.Kernel == kernelShared, !dev.software && g.Kernel != kernelShared:
				t.Fatalf("%d×%d×%d on %+v: kernel %d", m, n, k, dev, g.Kernel)
			case g.Kernel == kernelRegistersVec4 && !vec4OK(m, n, k, tA, tB):
				t.Fatalf("%d×%d×%d (%v, %v): vec4 kernel for a shape it cannot read", m, n, k, tA, tB)
			case p.splits < 1:
				t.Fatalf("%d×%d×%d: %d splits", m, n, k, p.splits)
			case p.splits > 1 && (g.Kernel != kernelShared || p.kc%g.BK != 0 || p.kc*p.splits < k || p.kc*(p.splits-1) >= k):
				t.Fatalf("%d×%d×%d: split-K plan %+v does not cover K once in whole steps", m, n, k, p)
			}
		}
	}
}
