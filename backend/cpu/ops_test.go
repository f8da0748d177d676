package cpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
)

// opShapes are the shapes the element-wise tests run on: tiny and odd ones
// (run inline) and large ones (split over the workers).
var opShapes = [][2]int{{1, 1}, {7, 33}, {13, 1}, {1, 200}, {129, 65}, {300, 301}, {2000, 40}, {40, 2000}}

const tolElem = 1e-6

var elementwise = []backend.Activation{backend.Identity, backend.ReLU, backend.Sigmoid, backend.Tanh}

func act64(a backend.Activation, x float64) float64 {
	switch a {
	case backend.ReLU:
		return math.Max(x, 0)
	case backend.Sigmoid:
		return 1 / (1 + math.Exp(-x))
	case backend.Tanh:
		return math.Tanh(x)
	}
	return x
}

func softmax64(x []float32, cols int) []float64 {
	out := make([]float64, len(x))
	for r := 0; r*cols < len(x); r++ {
		row := x[r*cols : r*cols+cols]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		for j, v := range row {
			out[r*cols+j] = math.Exp(float64(v)-m) / s
		}
	}
	return out
}

// forEach runs f for every thread count and op shape with a fresh device
// and a seeded source.
func forEach(t *testing.T, f func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int)) {
	for _, threads := range threadCounts {
		d := open(t, threads)
		for _, s := range opShapes {
			r, c := s[0], s[1]
			t.Run(fmt.Sprintf("threads=%d/%dx%d", threads, r, c), func(t *testing.T) {
				f(t, d, rand.New(rand.NewPCG(uint64(r), uint64(c))), r, c)
			})
		}
	}
}

func release(d backend.Device, ts ...*backend.Tensor) {
	for _, t := range ts {
		d.Release(t)
	}
}

func TestFillCopy(t *testing.T) {
	forEach(t, func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int) {
		x := backendtest.Upload(t, d, r, c, uniform(rng, r*c, -1, 1))
		for _, v := range []float32{0, 2.5} {
			d.Fill(x, v)
			near(t, "Fill", backendtest.Download(t, d, x), to64(filled(r*c, v)), nil, 0)
		}
		data := uniform(rng, r*c, -1, 1)
		src := backendtest.Upload(t, d, c, r, data)
		d.Copy(x, src)
		near(t, "Copy", backendtest.Download(t, d, x), to64(data), nil, 0)
		release(d, x, src)
	})
}

func TestAddBiasActivate(t *testing.T) {
	forEach(t, func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int) {
		xd, bd := uniform(rng, r*c, -4, 4), uniform(rng, c, -1, 1)
		x, bias, y := backendtest.Upload(t, d, r, c, xd), backendtest.Upload(t, d, 1, c, bd), backendtest.Upload(t, d, r, c, nil)
		for _, a := range elementwise {
			want := make([]float64, r*c)
			for i, v := range xd {
				want[i] = act64(a, float64(v+bd[i%c]))
			}
			d.AddBias(y, x, bias, a)
			near(t, "AddBias "+a.String(), backendtest.Download(t, d, y), want, nil, tolElem)

			for i, v := range xd {
				want[i] = act64(a, float64(v))
			}
			d.Activate(a, y, x)
			near(t, "Activate "+a.String(), backendtest.Download(t, d, y), want, nil, tolElem)
		}
		d.Activate(backend.Softmax, y, x)
		near(t, "Activate softmax", backendtest.Download(t, d, y), softmax64(xd, c), nil, tolElem)
		// In place: y may be x.
		d.AddBias(x, x, bias, backend.Identity)
		d.Activate(backend.Softmax, x, x)
		shifted := make([]float32, r*c)
		for i, v := range xd {
			shifted[i] = v + bd[i%c]
		}
		near(t, "AddBias then softmax in place", backendtest.Download(t, d, x), softmax64(shifted, c), nil, tolElem)
		release(d, x, bias, y)
	})
}

func TestActivationGrad(t *testing.T) {
	forEach(t, func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int) {
		xd, dyd := uniform(rng, r*c, -3, 3), uniform(rng, r*c, -1, 1)
		x, y, dy, dx := backendtest.Upload(t, d, r, c, xd), backendtest.Upload(t, d, r, c, nil), backendtest.Upload(t, d, r, c, dyd), backendtest.Upload(t, d, r, c, nil)
		for _, a := range append(elementwise, backend.Softmax) {
			d.Activate(a, y, x)
			yd := backendtest.Download(t, d, y)
			want := make([]float64, r*c)
			switch a {
			case backend.Softmax:
				for row := 0; row < r; row++ {
					var s float64
					for j := 0; j < c; j++ {
						s += float64(yd[row*c+j]) * float64(dyd[row*c+j])
					}
					for j := 0; j < c; j++ {
						want[row*c+j] = float64(yd[row*c+j]) * (float64(dyd[row*c+j]) - s)
					}
				}
			default:
				for i, v := range yd {
					yv := float64(v)
					g := 1.0
					switch a {
					case backend.ReLU:
						if !(yv > 0) {
							g = 0
						}
					case backend.Sigmoid:
						g = yv * (1 - yv)
					case backend.Tanh:
						g = 1 - yv*yv
					}
					want[i] = float64(dyd[i]) * g
				}
			}
			d.ActivationGrad(a, dx, y, dy)
			near(t, "ActivationGrad "+a.String(), backendtest.Download(t, d, dx), want, nil, tolElem)
			// dx may be dy.
			d.Upload(dx, dyd)
			d.ActivationGrad(a, dx, y, dx)
			near(t, "ActivationGrad in place "+a.String(), backendtest.Download(t, d, dx), want, nil, tolElem)
		}
		release(d, x, y, dy, dx)
	})
}

func TestSumRows(t *testing.T) {
	forEach(t, func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int) {
		xd, d0 := uniform(rng, r*c, -1, 1), uniform(rng, c, -1, 1)
		x, dst := backendtest.Upload(t, d, r, c, xd), backendtest.Upload(t, d, 1, c, d0)
		want, scale := make([]float64, c), make([]float64, c)
		for i, v := range xd {
			want[i%c] += float64(v)
			scale[i%c] += math.Abs(float64(v))
		}
		d.SumRows(dst, x, false)
		near(t, "SumRows", backendtest.Download(t, d, dst), want, nil, 1e-6)
		d.Upload(dst, d0)
		d.SumRows(dst, x, true)
		for j := range want {
			want[j] += float64(d0[j])
		}
		near(t, "SumRows accumulate", backendtest.Download(t, d, dst), want, nil, 1e-6)
		release(d, x, dst)
	})
}

func oneHot(rng *rand.Rand, r, c int) []float32 {
	out := make([]float32, r*c)
	for i := 0; i < r; i++ {
		out[i*c+rng.IntN(c)] = 1
	}
	return out
}

func TestLosses(t *testing.T) {
	forEach(t, func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int) {
		zd, td := uniform(rng, r*c, -5, 5), oneHot(rng, r, c)
		z, tg, dl, loss := backendtest.Upload(t, d, r, c, zd), backendtest.Upload(t, d, r, c, td), backendtest.Upload(t, d, r, c, nil), backendtest.Upload(t, d, 1, 1, []float32{0.5})

		p := softmax64(zd, c)
		want := make([]float64, r*c)
		l := 0.5
		for i := range p {
			want[i] = (p[i] - float64(td[i])) / float64(r)
			if td[i] != 0 {
				l -= float64(td[i]) * math.Log(p[i])
			}
		}
		d.SoftmaxCrossEntropy(dl, loss, z, tg)
		near(t, "SoftmaxCrossEntropy dLogits", backendtest.Download(t, d, dl), want, nil, tolElem)
		near(t, "SoftmaxCrossEntropy lossSum", backendtest.Download(t, d, loss), []float64{l}, nil, 1e-6)
		// dLogits may be logits.
		d.SoftmaxCrossEntropy(z, loss, z, tg)
		near(t, "SoftmaxCrossEntropy in place", backendtest.Download(t, d, z), want, nil, tolElem)

		d.Upload(z, zd)
		d.Upload(loss, []float32{0})
		l = 0
		for i, v := range zd {
			diff := float64(v) - float64(td[i])
			want[i] = 2 * diff / float64(r*c)
			l += diff * diff / float64(c)
		}
		d.MeanSquaredError(dl, loss, z, tg)
		near(t, "MeanSquaredError dPred", backendtest.Download(t, d, dl), want, nil, tolElem)
		near(t, "MeanSquaredError lossSum", backendtest.Download(t, d, loss), []float64{l}, nil, 1e-6)
		d.MeanSquaredError(z, loss, z, tg)
		near(t, "MeanSquaredError in place", backendtest.Download(t, d, z), want, nil, tolElem)
		release(d, z, tg, dl, loss)
	})
}

func TestCountArgMax(t *testing.T) {
	forEach(t, func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int) {
		pd, td := uniform(rng, r*c, 0, 1), oneHot(rng, r, c)
		// Ties: make some rows constant, so the first index must win.
		for i := 0; i < r; i += 3 {
			for j := 0; j < c; j++ {
				pd[i*c+j] = 0.5
			}
		}
		p, tg, am, correct := backendtest.Upload(t, d, r, c, pd), backendtest.Upload(t, d, r, c, td), backendtest.Upload(t, d, r, 1, nil), backendtest.Upload(t, d, 1, 1, []float32{2})
		want := make([]float64, r)
		n := 2
		for i := 0; i < r; i++ {
			bp, bt := 0, 0
			for j := 0; j < c; j++ {
				if pd[i*c+j] > pd[i*c+bp] {
					bp = j
				}
				if td[i*c+j] > td[i*c+bt] {
					bt = j
				}
			}
			want[i] = float64(bp)
			if bp == bt {
				n++
			}
		}
		d.ArgMax(am, p)
		near(t, "ArgMax", backendtest.Download(t, d, am), want, nil, 0)
		d.CountCorrect(correct, p, tg)
		near(t, "CountCorrect", backendtest.Download(t, d, correct), []float64{float64(n)}, nil, 0)
		release(d, p, tg, am, correct)
	})
}

func TestGather(t *testing.T) {
	forEach(t, func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int) {
		sd := uniform(rng, r*c, -1, 1)
		const off = 3
		n := 2*r + 1
		idx := make([]float32, n+off)
		for i := range idx {
			idx[i] = float32(rng.IntN(r))
		}
		src, ind, dst := backendtest.Upload(t, d, r, c, sd), backendtest.Upload(t, d, n+off, 1, idx), backendtest.Upload(t, d, n, c, nil)
		d.Gather(dst, src, ind, off)
		want := make([]float64, n*c)
		for i := 0; i < n; i++ {
			row := int(idx[off+i])
			for j := 0; j < c; j++ {
				want[i*c+j] = float64(sd[row*c+j])
			}
		}
		near(t, "Gather", backendtest.Download(t, d, dst), want, nil, 0)
		release(d, src, ind, dst)
	})
}

func TestOptimizers(t *testing.T) {
	forEach(t, func(t *testing.T, d backend.Device, rng *rand.Rand, r, c int) {
		pd, gd := uniform(rng, r*c, -1, 1), uniform(rng, r*c, -1, 1)
		p, g, v, m := backendtest.Upload(t, d, r, c, pd), backendtest.Upload(t, d, r, c, gd), backendtest.Upload(t, d, r, c, nil), backendtest.Upload(t, d, r, c, nil)
		const lr, mom = 0.1, 0.9

		d.SGD(p, g, nil, lr, 0)
		want := make([]float64, r*c)
		for i := range want {
			want[i] = float64(pd[i]) - lr*float64(gd[i])
		}
		near(t, "SGD", backendtest.Download(t, d, p), want, nil, 1e-6)

		// Two momentum steps from the updated parameters.
		p64 := append([]float64(nil), want...)
		vel := make([]float64, r*c)
		for step := 0; step < 2; step++ {
			d.SGD(p, g, v, lr, mom)
			for i := range p64 {
				vel[i] = mom*vel[i] - lr*float64(gd[i])
				p64[i] += vel[i]
			}
		}
		near(t, "SGD momentum", backendtest.Download(t, d, p), p64, nil, 1e-6)

		// Three Adam steps.
		d.Fill(v, 0)
		const b1, b2, eps = 0.9, 0.999, 1e-7
		m64, v64 := make([]float64, r*c), make([]float64, r*c)
		for step := 1; step <= 3; step++ {
			d.Adam(p, g, m, v, 1e-3, b1, b2, eps, step)
			size := backend.AdamStepSize(1e-3, b1, b2, step)
			for i := range p64 {
				gi := float64(gd[i])
				m64[i] = b1*m64[i] + (1-b1)*gi
				v64[i] = b2*v64[i] + (1-b2)*gi*gi
				p64[i] -= size * m64[i] / (math.Sqrt(v64[i]) + eps)
			}
		}
		near(t, "Adam", backendtest.Download(t, d, p), p64, nil, 1e-6)
		release(d, p, g, v, m)
	})
}
