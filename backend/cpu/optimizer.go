package cpu

import (
	"math"

	"github.com/glnn/glnn/backend"
)

// SGD updates param with grad (Keras form): param −= lr·grad when the
// momentum is 0 (velocity may then be nil and is not used); otherwise
// velocity = momentum·velocity − lr·grad and param += velocity.
func (d *Device) SGD(param, grad, velocity *backend.Tensor, h backend.SGDParams) {
	d.tr.SGD(param, grad, velocity, h)
	defer d.tr.Exit()
	d.flush()
	t := &d.opt
	t.adam = false
	t.p, t.g, t.m = mem(param), mem(grad), nil
	if h.Momentum != 0 {
		t.m = mem(velocity)
	}
	t.lr, t.momentum = h.LearningRate, h.Momentum
	d.pool.parallelFor(t, len(t.p), d.pool.grainFor(len(t.p), minCheap))
	t.p, t.g, t.m = nil, nil, nil
}

// Adam updates param with grad in the Keras form; see backend.AdamParams.
func (d *Device) Adam(param, grad, m, v *backend.Tensor, h backend.AdamParams) {
	d.tr.Adam(param, grad, m, v, h)
	defer d.tr.Exit()
	d.flush()
	t := &d.opt
	t.adam = true
	t.p, t.g, t.m, t.v = mem(param), mem(grad), mem(m), mem(v)
	t.lr, t.beta1, t.beta2, t.eps = float32(h.StepSize()), h.Beta1, h.Beta2, h.Epsilon
	d.pool.parallelFor(t, len(t.p), d.pool.grainFor(len(t.p), minExpensive*2))
	t.p, t.g, t.m, t.v = nil, nil, nil, nil
}

// optTask runs an SGD or Adam step over elements [lo, hi). For SGD, m is
// the velocity (nil without momentum); for Adam, lr is the bias-corrected
// step size.
type optTask struct {
	adam              bool
	p, g, m, v        []float32
	lr, momentum      float32
	beta1, beta2, eps float32
}

func (t *optTask) run(_, lo, hi int) {
	p, g := t.p[lo:hi], t.g[lo:hi]
	switch {
	case t.adam:
		adamStep(p, g, t.m[lo:hi], t.v[lo:hi], optConstants(t.lr, t.beta1, t.beta2, t.eps))
	case t.m == nil:
		g = g[:len(p)]
		for i, gi := range g {
			p[i] -= t.lr * gi
		}
	default:
		sgdStep(p, g, t.m[lo:hi], optConstants(t.lr, t.momentum, 0, 0))
	}
}

// optConsts holds the constants of an optimizer step in the layout the
// vector kernels read: lr, β1 (or the momentum), 1−β1, β2, 1−β2, ε, the
// smallest normal float32 and the mask of a float's magnitude bits.
type optConsts = [8]float32

func optConstants(lr, b1, b2, eps float32) optConsts {
	return optConsts{lr, b1, 1 - b1, b2, 1 - b2, eps, tiny, math.Float32frombits(0x7fffffff)}
}

// tiny is the smallest normal float32, 2^-126. An optimizer state below it
// is flushed to zero: a state decaying towards zero (the moments of a
// weight whose input is always 0) would otherwise turn subnormal, and x86
// takes a microcode assist of about a hundred cycles for every subnormal
// operand — it made Adam most of a training step. Values that small do not
// move a weight: m/(√v + ε) with m < 2^-126 is below 2^-100.
const tiny = 0x1p-126

// flush returns x, or 0 when |x| < tiny; NaN stays NaN.
func flush(x float32) float32 {
	if x < tiny && x > -tiny {
		return 0
	}
	return x
}

// adamStep updates p with g and the moments m and v: m = β1·m + (1−β1)·g;
// v = β2·v + ((1−β2)·g)·g, both flushed; p −= (lr·m)/(√v + ε), lr the
// bias-corrected step size. The vector kernel takes whole groups of 8
// where the CPU has one, this loop the rest, with the same float32
// operations in the same order.
func adamStep(p, g, m, v []float32, k optConsts) {
	done := adamVector(p, g, m, v, &k)
	p, g, m, v = p[done:], g[done:len(p)], m[done:len(p)], v[done:len(p)]
	lr, b1, c1, b2, c2, eps := k[0], k[1], k[2], k[3], k[4], k[5]
	for i, gi := range g {
		mi := flush(b1*m[i] + c1*gi)
		vi := flush(b2*v[i] + c2*gi*gi)
		m[i], v[i] = mi, vi
		p[i] -= lr * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}

// sgdStep updates p with g and the velocity vel: vel = μ·vel − lr·g,
// flushed; p += vel.
func sgdStep(p, g, vel []float32, k optConsts) {
	done := sgdVector(p, g, vel, &k)
	p, g, vel = p[done:], g[done:len(p)], vel[done:len(p)]
	lr, mu := k[0], k[1]
	for i, gi := range g {
		vi := flush(mu*vel[i] - lr*gi)
		vel[i] = vi
		p[i] += vi
	}
}
