package cpu_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// TestZeroAllocs checks that no op allocates on the Go heap in steady
// state, both inline (small shapes) and split over the workers (large
// shapes); MatMul with every kernel this CPU runs.
func TestZeroAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	N, T := backend.NoTrans, backend.Trans
	adam := backend.AdamParams{LearningRate: 0.01, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 2}
	for _, kernel := range cpu.Kernels() {
		for _, threads := range []int{1, 3} {
			d := openKernel(t, threads, kernel)
			rng := rand.New(rand.NewPCG(5, 6))
			for _, s := range gemmShapes {
				m, n, k := s[0], s[1], s[2]
				a := backendtest.Upload(t, d, m, k, uniform(rng, m*k, -1, 1))
				at := backendtest.Upload(t, d, k, m, uniform(rng, m*k, -1, 1))
				b := backendtest.Upload(t, d, k, n, uniform(rng, k*n, -1, 1))
				bt := backendtest.Upload(t, d, n, k, uniform(rng, k*n, -1, 1))
				c := backendtest.Upload(t, d, m, n, nil)
				for _, tr := range [][2]backend.Transpose{{N, N}, {T, N}, {N, T}, {T, T}} {
					x, y := a, b
					if tr[0] == T {
						x = at
					}
					if tr[1] == T {
						y = bt
					}
					f := func() { d.MatMul(c, x, y, tr[0], tr[1]) }
					f() // grows the packing buffers
					if got := testing.AllocsPerRun(3, f); got != 0 {
						t.Errorf("kernel=%s threads=%d MatMul %dx%dx%d trans=%v: %v allocations per call", kernel, threads, m, n, k, tr, got)
					}
				}
				release(d, a, at, b, bt, c)
			}
		}
	}
	for _, threads := range []int{1, 3} {
		d := open(t, threads)
		rng := rand.New(rand.NewPCG(5, 6))
		for _, sz := range [][2]int{{32, 128}, {7, 33}, {300, 301}, {4000, 10}} {
			r, c := sz[0], sz[1]
			x := backendtest.Upload(t, d, r, c, uniform(rng, r*c, -3, 3))
			y := backendtest.Upload(t, d, r, c, uniform(rng, r*c, 0, 1))
			g := backendtest.Upload(t, d, r, c, uniform(rng, r*c, -1, 1))
			m := backendtest.Upload(t, d, r, c, nil)
			v := backendtest.Upload(t, d, r, c, nil)
			bias := backendtest.Upload(t, d, 1, c, uniform(rng, c, -1, 1))
			one := backendtest.Upload(t, d, 1, 1, nil)
			col := backendtest.Upload(t, d, r, 1, nil)
			idx := backendtest.Upload(t, d, r, 1, make([]float32, r))
			host := make([]float32, r*c)
			ops := []struct {
				name string
				f    func()
			}{
				{"Upload", func() { d.Upload(m, host) }},
				{"Download", func() { d.Download(host, m) }},
				{"Fill", func() { d.Fill(m, 1) }},
				{"Copy", func() { d.Copy(m, x) }},
				{"AddBias", func() { d.AddBias(m, x, bias, backend.ReLU) }},
				{"AddBias-sigmoid", func() { d.AddBias(m, x, bias, backend.Sigmoid) }},
				{"SumRows", func() { d.SumRows(bias, g) }},
				{"Activate-tanh", func() { d.Activate(m, x, backend.Tanh) }},
				{"Activate-softmax", func() { d.Activate(m, x, backend.Softmax) }},
				{"Activate-gelu", func() { d.Activate(m, x, backend.GELU) }},
				{"ActivationGrad-relu", func() { d.ActivationGrad(m, g, nil, y, backend.ReLU) }},
				{"ActivationGrad-leaky", func() { d.ActivationGrad(m, g, x, nil, backend.LeakyReLU(0.1)) }},
				{"ActivationGrad-softmax", func() { d.ActivationGrad(m, g, nil, y, backend.Softmax) }},
				{"SoftmaxCrossEntropy", func() { d.SoftmaxCrossEntropy(m, one, x, y) }},
				{"MeanSquaredError", func() { d.MeanSquaredError(m, one, x, y) }},
				{"CountCorrect", func() { d.CountCorrect(one, x, y) }},
				{"ArgMax", func() { d.ArgMax(col, x) }},
				{"Gather", func() { d.Gather(m, x, idx, 0) }},
				{"SGD", func() { d.SGD(m, g, nil, backend.SGDParams{LearningRate: 0.01}) }},
				{"SGD-momentum", func() { d.SGD(m, g, v, backend.SGDParams{LearningRate: 0.01, Momentum: 0.9}) }},
				{"Adam", func() { d.Adam(m, g, y, v, adam) }},
				{"Sync", func() { d.Sync() }},
			}
			for _, op := range ops {
				op.f()
				if got := testing.AllocsPerRun(5, op.f); got != 0 {
					t.Errorf("threads=%d %s %s: %v allocations per call", threads, op.name, fmt.Sprintf("%dx%d", r, c), got)
				}
			}
			release(d, x, y, g, m, v, bias, one, col, idx)
		}
	}
}
