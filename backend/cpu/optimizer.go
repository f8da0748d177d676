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
	p := t.p[lo:hi]
	g := t.g[lo:hi]
	g = g[:len(p)]
	lr := t.lr
	if !t.adam {
		if t.m == nil {
			for i, gi := range g {
				p[i] -= lr * gi
			}
			return
		}
		vel := t.m[lo:hi]
		vel = vel[:len(p)]
		mom := t.momentum
		for i, gi := range g {
			vi := mom*vel[i] - lr*gi
			vel[i] = vi
			p[i] += vi
		}
		return
	}
	m, v := t.m[lo:hi], t.v[lo:hi]
	m = m[:len(p)]
	v = v[:len(p)]
	b1, b2, eps := t.beta1, t.beta2, t.eps
	c1, c2 := 1-b1, 1-b2
	for i, gi := range g {
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= lr * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}
