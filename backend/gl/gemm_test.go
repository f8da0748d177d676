//go:build cgo

package gl

import (
	"fmt"
	"github.com/glnn/glnn/backend/backendtest"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
)

// gemmOperands uploads random operands of an m×n×k product and a c to
// hold it.
func gemmOperands(t *testing.T, d *Device, r *rand.Rand, m, n, k int, tA, tB bool) (a, b, c *backend.Tensor, av, bv []float32) {
	av, bv = randn(r, m*k), randn(r, k*n)
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	return upload(t, d, ar, ac, av), upload(t, d, br, bc, bv), upload(t, d, m, n, randn(r, m*n)), av, bv
}

// TestGEMMVariants runs every GEMM variant (each tile, and split-K on the
// shared-memory ones) on shapes around the tile edges, with every
// transpose, against float64 loops.
func TestGEMMVariants(t *testing.T) {
	d := device(t)
	r := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {3, 5, 2}, {33, 17, 65}, {64, 64, 16}, {65, 31, 130}, {130, 129, 7},
		{4, 4, 4}, {20, 36, 8}, {68, 260, 12}, {17, 132, 40}} // the last ones fit the vec4 kernel
	var plans []gemmPlan
	for tile, g := range gemmTiles {
		plans = append(plans, gemmPlan{tile: tile, splits: 1})
		if g.Kernel == kernelShared {
			plans = append(plans, gemmPlan{tile: tile, splits: 3, kc: g.BK})
		}
	}
	defer func() { gemmOverride = nil }()
	for _, p := range plans {
		g := gemmTiles[p.tile]
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			for ta := 0; ta < 2; ta++ {
				for tb := 0; tb < 2; tb++ {
					tA, tB := ta == 1, tb == 1
					if g.Kernel == kernelRegistersVec4 && !vec4OK(m, n, k, tA, tB) {
						continue
					}
					p := p
					if p.splits > 1 {
						p.splits = ceilDiv(k, p.kc) // some slices may be empty; none may be missing
					}
					gemmOverride = &p
					a, b, c, av, bv := gemmOperands(t, d, r, m, n, k, tA, tB)
					d.MatMul(c, a, b, trans(tA), trans(tB))
					got := download(t, d, c)
					want, mag := backendtest.MatMulReference(av, bv, m, n, k, trans(tA), trans(tB))
					for i := range want {
						if math.Abs(float64(got[i])-want[i]) > 1e-5*mag[i]+1e-6 {
							t.Errorf("plan %+v %d×%d×%d transA=%v transB=%v: c[%d,%d] = %g, want %g", p, m, n, k, tA, tB, i/n, i%n, got[i], want[i])
							break
						}
					}
					for _, x := range []*backend.Tensor{a, b, c} {
						d.Release(x)
					}
				}
			}
		}
	}
}

// TestGEMMEpilogues checks the AddBias and ActivationGrad that the device
// runs as the epilogue of the MatMul just before them, for every
// element-wise activation and on every kind of kernel (split-K's sum
// included), against the same ops kept apart by a Sync.
func TestGEMMEpilogues(t *testing.T) {
	d := device(t)
	r := rand.New(rand.NewPCG(3, 5))
	defer func() { gemmOverride = nil }()
	const m, n, k = 36, 20, 48 // fits every kernel
	for _, p := range []gemmPlan{{tile: tileRegisters, splits: 1}, {tile: tileVec4, splits: 1}, {tile: tileShared32, splits: 1}, {tile: tileShared32, splits: 3, kc: 16}} {
		gemmOverride = &p
		for _, kind := range elementwiseKinds() {
			act := backend.Activation{Kind: kind}
			if kind == backend.KindLeakyReLU {
				act.Alpha = 0.1
			}
			for _, grad := range []bool{false, true} {
				if grad && kind == backend.KindIdentity {
					continue
				}
				name := fmt.Sprintf("plan %+v, %v, grad=%v", p, act, grad)
				a, b, c, _, _ := gemmOperands(t, d, r, m, n, k, false, true)
				bias, xy := upload(t, d, 1, n, randn(r, n)), upload(t, d, m, n, randn(r, m*n))
				run := func(apart bool) []float32 {
					d.MatMul(c, a, b, backend.NoTrans, backend.Trans)
					if apart {
						if err := d.Sync(); err != nil {
							t.Fatal(err)
						}
					}
					switch {
					case !grad:
						d.AddBias(c, c, bias, act)
					case act.GradNeedsInput():
						d.ActivationGrad(c, c, xy, nil, act)
					default:
						d.ActivationGrad(c, c, nil, xy, act)
					}
					return download(t, d, c)
				}
				fused, apart := run(false), run(true)
				for i := range fused {
					if math.Abs(float64(fused[i]-apart[i])) > 1e-6*math.Abs(float64(apart[i]))+1e-7 {
						t.Errorf("%s: c[%d] = %g as the epilogue, %g apart", name, i, fused[i], apart[i])
						break
					}
				}
				for _, x := range []*backend.Tensor{a, b, c, bias, xy} {
					d.Release(x)
				}
			}
		}
	}
}

func trans(t bool) backend.Transpose {
	if t {
		return backend.Trans
	}
	return backend.NoTrans
}
