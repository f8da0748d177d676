package cpu

import (
	"math"

	"github.com/glnn/glnn/backend"
)

// elementwise holds the CPU's one definition of each element-wise
// activation and its derivative, indexed by kind. Softmax, the row-wise
// one, is in softmax.go.
var elementwise = [...]struct {
	// f computes y = f(x) (y may be x).
	f func(y, x []float32, alpha float32)
	// df computes dx = dy·f'(x) from x or y = f(x), whichever the kind's
	// GradNeedsInput says (dx may be dy).
	df func(dx, dy, x, y []float32, alpha float32)
}{
	backend.KindIdentity: {
		f:  func(y, x []float32, _ float32) { copy(y, x) },
		df: func(dx, dy, _, _ []float32, _ float32) { copy(dx, dy) },
	},
	backend.KindReLU: {
		f: func(y, x []float32, _ float32) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = max(v, 0) // branch-free: signs are unpredictable
			}
		},
		df: func(dx, dy, _, y []float32, _ float32) {
			dx, dy = dx[:len(y)], dy[:len(y)]
			for i, v := range y {
				dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & positiveMask(v))
			}
		},
	},
	backend.KindLeakyReLU: {
		f: func(y, x []float32, alpha float32) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = max(v, 0) + alpha*min(v, 0)
			}
		},
		df: func(dx, dy, x, _ []float32, alpha float32) {
			dx, dy = dx[:len(x)], dy[:len(x)]
			for i, v := range x {
				g := dy[i]
				if !(v > 0) {
					g *= alpha
				}
				dx[i] = g
			}
		},
	},
	backend.KindSigmoid: {
		f: func(y, x []float32, _ float32) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		},
		df: func(dx, dy, _, y []float32, _ float32) {
			dx, dy = dx[:len(y)], dy[:len(y)]
			for i, v := range y {
				dx[i] = dy[i] * v * (1 - v)
			}
		},
	},
	backend.KindTanh: {
		f: func(y, x []float32, _ float32) {
			y = y[:len(x)]
			for i, v := range x {
				y[i] = float32(math.Tanh(float64(v)))
			}
		},
		df: func(dx, dy, _, y []float32, _ float32) {
			dx, dy = dx[:len(y)], dy[:len(y)]
			for i, v := range y {
				dx[i] = dy[i] * (1 - v*v)
			}
		},
	},
	backend.KindGELU: {
		// x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2; f'(x) = Φ(x) + x·φ(x).
		f: func(y, x []float32, _ float32) {
			y = y[:len(x)]
			for i, v := range x {
				z := float64(v)
				y[i] = float32(0.5 * z * (1 + math.Erf(z/math.Sqrt2)))
			}
		},
		df: func(dx, dy, x, _ []float32, _ float32) {
			dx, dy = dx[:len(x)], dy[:len(x)]
			const invSqrt2Pi = 0.3989422804014327
			for i, v := range x {
				z := float64(v)
				d := 0.5*(1+math.Erf(z/math.Sqrt2)) + z*invSqrt2Pi*math.Exp(-0.5*z*z)
				dx[i] = float32(float64(dy[i]) * d)
			}
		},
	},
}

// positiveMask returns all ones if v > 0 (or v is a NaN with the sign bit
// clear) and zero otherwise, without a branch: ReLU outputs are zero about
// half the time, in no predictable pattern.
func positiveMask(v float32) uint32 {
	s := int32(math.Float32bits(v))
	return ^uint32(s>>31 | (s-1)>>31)
}

// cheap reports whether an activation costs a few cycles per element
// (no exp, tanh or erf), which sets how much work a chunk needs before it
// is worth a worker.
func cheap(act backend.Activation) bool {
	switch act.Kind {
	case backend.KindIdentity, backend.KindReLU, backend.KindLeakyReLU:
		return true
	}
	return false
}

func minItems(act backend.Activation) int {
	if cheap(act) {
		return minCheap
	}
	return minExpensive
}

// Activate computes y = act(x); Softmax is row-wise and max-subtracted.
// y may be x.
func (d *Device) Activate(y, x *backend.Tensor, act backend.Activation) {
	d.tr.Activate(y, x, act)
	defer d.tr.Exit()
	d.flush()
	t := &d.act
	t.y, t.x, t.act, t.cols = mem(y), mem(x), act, x.Cols()
	if act.Kind == backend.KindSoftmax {
		d.pool.parallelFor(t, x.Rows(), d.rowGrain(x.Rows(), x.Cols(), minExpensive))
	} else {
		d.pool.parallelFor(t, len(t.x), d.pool.grainFor(len(t.x), minItems(act)))
	}
	t.y, t.x = nil, nil
}

// actTask runs Activate over elements [lo, hi), or rows for Softmax (cols
// is then the row length).
type actTask struct {
	y, x []float32
	act  backend.Activation
	cols int
}

func (t *actTask) run(_, lo, hi int) {
	if t.act.Kind == backend.KindSoftmax {
		n := t.cols
		if softmaxVector(t.y[lo*n:hi*n], t.x[lo*n:hi*n], hi-lo, n) {
			return
		}
		for r := lo; r < hi; r++ {
			softmaxRow(t.y[r*n:r*n+n], t.x[r*n:r*n+n])
		}
		return
	}
	elementwise[t.act.Kind].f(t.y[lo:hi], t.x[lo:hi], t.act.Alpha)
}

// ActivationGrad computes dx = dy·∂act(x)/∂x from x or y = act(x); for
// Softmax the row-wise product dx = y ⊙ (dy − Σ_j dy_j·y_j). dx may be dy.
func (d *Device) ActivationGrad(dx, dy, x, y *backend.Tensor, act backend.Activation) {
	d.tr.ActivationGrad(dx, dy, x, y, act)
	defer d.tr.Exit()
	d.flush()
	t := &d.actGrad
	t.dx, t.dy, t.act, t.cols = mem(dx), mem(dy), act, dx.Cols()
	t.x, t.y = nil, nil
	if act.GradNeedsInput() {
		t.x = mem(x)
	} else {
		t.y = mem(y)
	}
	if act.Kind == backend.KindSoftmax {
		d.pool.parallelFor(t, dx.Rows(), d.rowGrain(dx.Rows(), dx.Cols(), minCheap/4))
	} else {
		d.pool.parallelFor(t, len(t.dx), d.pool.grainFor(len(t.dx), minItems(act)))
	}
	t.dx, t.dy, t.x, t.y = nil, nil, nil, nil
}

// actGradTask runs ActivationGrad over elements [lo, hi), or rows for
// Softmax. One of x and y is nil: the one the activation does not read.
type actGradTask struct {
	dx, dy, x, y []float32
	act          backend.Activation
	cols         int
}

func (t *actGradTask) run(_, lo, hi int) {
	if t.act.Kind == backend.KindSoftmax {
		n := t.cols
		for r := lo; r < hi; r++ {
			softmaxGradRow(t.dx[r*n:r*n+n], t.dy[r*n:r*n+n], t.y[r*n:r*n+n])
		}
		return
	}
	var x, y []float32
	if t.x != nil {
		x = t.x[lo:hi]
	}
	if t.y != nil {
		y = t.y[lo:hi]
	}
	elementwise[t.act.Kind].df(t.dx[lo:hi], t.dy[lo:hi], x, y, t.act.Alpha)
}
