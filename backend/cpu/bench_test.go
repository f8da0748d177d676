package cpu_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// benchShapes are the products BenchmarkMatMul times: NN, TN and NT at
// the MNIST MLP's (784-128-10) batch 32 and 128 and a large square, then
// the other products of a training step (weight gradients Xᵀ·dY, input
// gradients dY·Wᵀ, the 10-wide output layer).
var benchShapes = []struct {
	m, n, k        int
	transA, transB bool
}{
	{32, 128, 784, false, false},
	{32, 128, 784, true, false},
	{32, 128, 784, false, true},
	{128, 128, 784, false, false},
	{128, 128, 784, true, false},
	{128, 128, 784, false, true},
	{1024, 1024, 1024, false, false},
	{1024, 1024, 1024, true, false},
	{1024, 1024, 1024, false, true},
	{784, 128, 32, true, false},
	{32, 784, 128, false, true},
	{784, 128, 128, true, false},
	{128, 784, 128, false, true},
	{32, 10, 128, false, false},
	{128, 10, 32, true, false},
	{32, 128, 10, false, true},
}

// BenchmarkMatMul reports GFLOP/s (2·m·n·k per product) for each kernel
// the CPU runs and each shape; sub-benchmark names are key=value pairs for
// benchstat.
func BenchmarkMatMul(b *testing.B) {
	for _, kern := range cpu.Kernels() {
		b.Run("kernel="+kern, func(b *testing.B) {
			d := openKernel(b, 0, kern)
			rng := rand.New(rand.NewPCG(1, 2))
			for _, s := range benchShapes {
				tr := map[bool]string{false: "N", true: "T"}
				name := fmt.Sprintf("shape=%dx%dx%d/op=%s%s", s.m, s.n, s.k, tr[s.transA], tr[s.transB])
				b.Run(name, func(b *testing.B) {
					ar, ac := s.m, s.k
					if s.transA {
						ar, ac = ac, ar
					}
					br, bc := s.k, s.n
					if s.transB {
						br, bc = bc, br
					}
					x := backendtest.Upload(b, d, ar, ac, uniform(rng, ar*ac, -1, 1))
					y := backendtest.Upload(b, d, br, bc, uniform(rng, br*bc, -1, 1))
					c := backendtest.Upload(b, d, s.m, s.n, nil)
					defer release(d, x, y, c)
					d.MatMul(c, x, y, s.transA, s.transB, false) // warm the packing buffers
					b.ResetTimer()
					for b.Loop() {
						d.MatMul(c, x, y, s.transA, s.transB, false)
					}
					b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		})
	}
}

// BenchmarkOps times the element-wise ops of a training step at batch 32
// and on large tensors (where they run in parallel).
func BenchmarkOps(b *testing.B) {
	d := open(b, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{32, 128}, {32, 10}, {1024, 1024}} {
		r, c := sz[0], sz[1]
		x := backendtest.Upload(b, d, r, c, uniform(rng, r*c, -3, 3))
		y := backendtest.Upload(b, d, r, c, uniform(rng, r*c, 0, 1))
		g := backendtest.Upload(b, d, r, c, uniform(rng, r*c, -1, 1))
		m := backendtest.Upload(b, d, r, c, nil)
		v := backendtest.Upload(b, d, r, c, nil)
		bias := backendtest.Upload(b, d, 1, c, uniform(rng, c, -1, 1))
		one := backendtest.Upload(b, d, 1, 1, nil)
		shape := fmt.Sprintf("shape=%dx%d", r, c)
		ops := []struct {
			name string
			f    func()
		}{
			{"AddBias-relu", func() { d.AddBias(m, x, bias, backend.ReLU) }},
			{"Activate-softmax", func() { d.Activate(backend.Softmax, m, x) }},
			{"ActivationGrad-relu", func() { d.ActivationGrad(backend.ReLU, m, y, g) }},
			{"SumRows", func() { d.SumRows(bias, g, false) }},
			{"SoftmaxCrossEntropy", func() { d.SoftmaxCrossEntropy(m, one, x, y) }},
			{"Adam", func() { d.Adam(g, y, m, v, 1e-3, 0.9, 0.999, 1e-7, 3) }},
		}
		for _, op := range ops {
			b.Run("op="+op.name+"/"+shape, func(b *testing.B) {
				op.f()
				b.SetBytes(int64(4 * r * c))
				for b.Loop() {
					op.f()
				}
			})
		}
		for _, t := range []*backend.Tensor{x, y, g, m, v, bias, one} {
			d.Release(t)
		}
	}
}

// BenchmarkTrainStep runs one training step of the MNIST MLP
// (784-128-10, ReLU, softmax cross-entropy, Adam) from raw device ops, as
// nn would issue them, and reports the implied time of one 60,000-image
// epoch.
func BenchmarkTrainStep(b *testing.B) {
	for _, batch := range []int{32, 128} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			d := open(b, 0)
			rng := rand.New(rand.NewPCG(7, 8))
			const in, hid, out, pool = 784, 128, 10, 1024
			var owned []*backend.Tensor
			t := func(r, c int, data []float32) *backend.Tensor {
				x := backendtest.Upload(b, d, r, c, data)
				owned = append(owned, x)
				return x
			}
			defer func() { release(d, owned...) }()
			idxData := make([]float32, pool)
			for i := range idxData {
				idxData[i] = float32(rng.IntN(pool))
			}
			images, labels := t(pool, in, uniform(rng, pool*in, 0, 1)), t(pool, out, oneHot(rng, pool, out))
			idx := t(pool, 1, idxData)
			w1, b1 := t(in, hid, uniform(rng, in*hid, -0.1, 0.1)), t(1, hid, nil)
			w2, b2 := t(hid, out, uniform(rng, hid*out, -0.2, 0.2)), t(1, out, nil)
			params := []*backend.Tensor{w1, b1, w2, b2}
			var grads, ms, vs []*backend.Tensor
			for _, p := range params {
				grads = append(grads, t(p.Rows(), p.Cols(), nil))
				ms = append(ms, t(p.Rows(), p.Cols(), nil))
				vs = append(vs, t(p.Rows(), p.Cols(), nil))
			}
			x, y := t(batch, in, nil), t(batch, out, nil)
			h, z, dz, dh := t(batch, hid, nil), t(batch, out, nil), t(batch, out, nil), t(batch, hid, nil)
			loss, correct := t(1, 1, nil), t(1, 1, nil)
			step := 0
			train := func() {
				off := step * batch % (pool - batch)
				step++
				d.Gather(x, images, idx, off)
				d.Gather(y, labels, idx, off)
				d.MatMul(h, x, w1, false, false, false)
				d.AddBias(h, h, b1, backend.ReLU)
				d.MatMul(z, h, w2, false, false, false)
				d.AddBias(z, z, b2, backend.Identity)
				d.CountCorrect(correct, z, y)
				d.SoftmaxCrossEntropy(dz, loss, z, y)
				d.MatMul(grads[2], h, dz, true, false, false)
				d.SumRows(grads[3], dz, false)
				d.MatMul(dh, dz, w2, false, true, false)
				d.ActivationGrad(backend.ReLU, dh, h, dh)
				d.MatMul(grads[0], x, dh, true, false, false)
				d.SumRows(grads[1], dh, false)
				for i, p := range params {
					d.Adam(p, grads[i], ms[i], vs[i], 1e-3, 0.9, 0.999, 1e-7, step)
				}
			}
			train()
			b.ResetTimer()
			for b.Loop() {
				train()
			}
			perStep := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(perStep*float64((60000+batch-1)/batch), "s/epoch")
		})
	}
}
