package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestOptimizerVectorMatchesGo checks that the vector optimizer kernels
// give the same bits as the Go loops (run alone by disabling the kernels),
// on lengths around the vector width, including states that turn subnormal
// (flushed to zero by both) and NaN gradients (kept by both).
func TestOptimizerVectorMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for _, n := range []int{1, 7, 8, 9, 64, 1001} {
		g := make([]float32, n)
		for i := range g {
			switch i % 5 {
			case 0:
				g[i] = 0 // the state only decays: it turns subnormal
			case 3:
				if i%15 == 3 {
					g[i] = float32(math.NaN())
				}
			default:
				g[i] = float32(rng.NormFloat64())
			}
		}
		state := func() []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(rng.NormFloat64()) * 1e-36 // near the subnormal range
			}
			return s
		}
		p0, m0, v0 := state(), state(), state()
		for i := range v0 {
			v0[i] = float32(math.Abs(float64(v0[i])))
		}
		run := func(vector, wide bool) (p, m, v, vel []float32) {
			saved, saved512 := hasAVX, hasAVX512
			hasAVX, hasAVX512 = hasAVX && vector, hasAVX512 && vector && wide
			defer func() { hasAVX, hasAVX512 = saved, saved512 }()
			p, m, v = append([]float32(nil), p0...), append([]float32(nil), m0...), append([]float32(nil), v0...)
			for range 3 {
				adamStep(p, g, m, v, optConstants(1e-3, 0.9, 0.999, 1e-7))
			}
			vel = append([]float32(nil), m0...)
			q := append([]float32(nil), p0...)
			for range 3 {
				sgdStep(q, g, vel, optConstants(0.01, 0.9, 0, 0))
			}
			return p, m, v, vel
		}
		gp, gm, gv, gvel := run(false, false)
		vp, vm, vv, vvel := run(true, false)
		wp, wm, wv, _ := run(true, true)
		for _, c := range []struct {
			name   string
			vec, g []float32
			ulps   int32 // allowed difference: AVX-512's reciprocal step
		}{{"p", vp, gp, 0}, {"m", vm, gm, 0}, {"v", vv, gv, 0}, {"velocity", vvel, gvel, 0},
			{"p (AVX-512)", wp, gp, 2}, {"m (AVX-512)", wm, gm, 0}, {"v (AVX-512)", wv, gv, 0}} {
			for i := range c.vec {
				a, b := int32(math.Float32bits(c.vec[i])), int32(math.Float32bits(c.g[i]))
				if d := a - b; d > c.ulps || d < -c.ulps {
					t.Fatalf("n=%d %s[%d]: vector %g, Go %g (%d ulp apart, want ≤ %d)", n, c.name, i, c.vec[i], c.g[i], d, c.ulps)
				}
				if x := math.Abs(float64(c.vec[i])); x != 0 && x < 0x1p-126 && c.name[0] != 'p' {
					t.Fatalf("n=%d %s[%d] = %g is subnormal", n, c.name, i, c.vec[i])
				}
			}
		}
		for i := 3; i < n; i += 15 {
			if !math.IsNaN(float64(vm[i])) || !math.IsNaN(float64(vp[i])) {
				t.Fatalf("n=%d: a NaN gradient at %d gave m %g, p %g; want NaN kept", n, i, vm[i], vp[i])
			}
		}
	}
}
