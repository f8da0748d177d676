//go:build cgo

package gl

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
)

func benchTensor(b *testing.B, d *Device, rows, cols int, r *rand.Rand) *backend.Tensor {
	b.Helper()
	t, err := d.Alloc(rows, cols)
	if err != nil {
		b.Fatal(err)
	}
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = float32(r.Float64()*2 - 1)
	}
	d.Upload(t, v)
	return t
}

// BenchmarkMatMul reports GFLOP/s for the shapes of an MNIST Dense layer
// (batch 32: Y = X·W and dW = Xᵀ·dY) and square products, with the
// kernel planGemm picks ("auto") and with each one meant for this kind of
// device. Each iteration waits for the product (Sync).
func BenchmarkMatMul(b *testing.B) {
	d := device(b)
	r := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name           string
		m, n, k        int
		transA, transB bool
	}{
		{"32x128x784", 32, 128, 784, false, false},
		{"784x128x32-transA", 784, 128, 32, true, false},
		{"32x784x128-transB", 32, 784, 128, false, true},
		{"256x256x256", 256, 256, 256, false, false},
		{"512x512x512", 512, 512, 512, false, false},
		{"1024x1024x1024", 1024, 1024, 1024, false, false},
	}
	defer func() { gemmOverride = nil }()
	for _, c := range cases {
		ar, ac := c.m, c.k
		if c.transA {
			ar, ac = c.k, c.m
		}
		br, bc := c.k, c.n
		if c.transB {
			br, bc = c.n, c.k
		}
		A, B, C := benchTensor(b, d, ar, ac, r), benchTensor(b, d, br, bc, r), benchTensor(b, d, c.m, c.n, r)
		for v := -1; v < len(gemmTiles); v++ {
			name := c.name + "/auto"
			if v >= 0 {
				g := gemmTiles[v]
				if (g.Kernel == kernelShared) == d.softwareKernels() ||
					g.Kernel == kernelRegistersVec4 && !vec4OK(c.m, c.n, c.k, c.transA, c.transB) {
					continue // not for this device, or this shape
				}
				name = fmt.Sprintf("%s/%s%dx%d", c.name, [...]string{"shared", "registers", "vec4"}[g.Kernel], g.BM, g.BN)
			}
			b.Run(name, func(b *testing.B) {
				gemmOverride = nil
				if v >= 0 {
					gemmOverride = &gemmPlan{tile: v, splits: 1}
				}
				d.MatMul(C, A, B, trans(c.transA), trans(c.transB)) // warm up (JIT)
				if err := d.Sync(); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					d.MatMul(C, A, B, trans(c.transA), trans(c.transB))
					if err := d.Sync(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(2*float64(c.m)*float64(c.n)*float64(c.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		d.Release(A)
		d.Release(B)
		d.Release(C)
	}
}

// BenchmarkOps times element-wise and row-wise ops of one training step
// (MNIST shapes, batch 32 and 256). Ops are enqueued asynchronously, so
// each iteration ends with Sync.
func BenchmarkOps(b *testing.B) {
	d := device(b)
	r := rand.New(rand.NewPCG(5, 6))
	for _, rows := range []int{32, 256} {
		h, hy := benchTensor(b, d, rows, 128, r), benchTensor(b, d, rows, 128, r)
		bias := benchTensor(b, d, 1, 128, r)
		logits := benchTensor(b, d, rows, 10, r)
		targets := benchTensor(b, d, rows, 10, r)
		dl := benchTensor(b, d, rows, 10, r)
		loss := benchTensor(b, d, 1, 1, r)
		w, g, m, v := benchTensor(b, d, 784, 128, r), benchTensor(b, d, 784, 128, r), benchTensor(b, d, 784, 128, r), benchTensor(b, d, 784, 128, r)
		d.Fill(v, 0.5)
		data := benchTensor(b, d, 10000, 784, r)
		idx := benchTensor(b, d, 1, rows, r)
		iv := make([]float32, rows)
		for i := range iv {
			iv[i] = float32(r.IntN(10000))
		}
		d.Upload(idx, iv)
		batch := benchTensor(b, d, rows, 784, r)
		ops := []struct {
			name string
			f    func()
		}{
			{"AddBias-ReLU", func() { d.AddBias(h, h, bias, backend.ReLU) }},
			{"ActivationGrad-ReLU", func() { d.ActivationGrad(h, h, nil, hy, backend.ReLU) }},
			{"SumRows", func() { d.SumRows(bias, h) }},
			{"SoftmaxCrossEntropy", func() { d.SoftmaxCrossEntropy(dl, loss, logits, targets) }},
			{"CountCorrect", func() { d.CountCorrect(loss, logits, targets) }},
			{"Gather", func() { d.Gather(batch, data, idx, 0) }},
			{"Adam-784x128", func() {
				d.Adam(w, g, m, v, backend.AdamParams{LearningRate: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 1})
			}},
		}
		for _, op := range ops {
			b.Run(fmt.Sprintf("%s/rows=%d", op.name, rows), func(b *testing.B) {
				op.f()
				if err := d.Sync(); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					op.f()
					if err := d.Sync(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		for _, t := range []*backend.Tensor{h, hy, bias, logits, targets, dl, loss, w, g, m, v, data, idx, batch} {
			d.Release(t)
		}
	}
}

// BenchmarkSync is the round trip of an empty Sync: the floor under every
// iteration above.
func BenchmarkSync(b *testing.B) {
	d := device(b)
	for b.Loop() {
		if err := d.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}

func trans(t bool) backend.Transpose {
	if t {
		return backend.Trans
	}
	return backend.NoTrans
}
