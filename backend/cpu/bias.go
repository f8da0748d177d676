package cpu

import "github.com/glnn/glnn/backend"

// AddBias computes y = act(x + bias), bias (1×cols) broadcast over rows,
// for an element-wise act. y may be x.
func (d *Device) AddBias(y, x, bias *backend.Tensor, act backend.Activation) {
	d.tr.AddBias(y, x, bias, act)
	defer d.tr.Exit()
	t := &d.addBias
	t.y, t.x, t.b = mem(y), mem(x), mem(bias)
	t.cols, t.act = x.Cols(), act
	d.pool.parallelFor(t, x.Rows(), d.rowGrain(x.Rows(), x.Cols(), minItems(act)))
	t.y, t.x, t.b = nil, nil, nil
}

type addBiasTask struct {
	y, x, b []float32
	cols    int
	act     backend.Activation
}

// run adds the bias to rows [lo, hi) and applies the activation to each
// row while it is in L1; ReLU, the common case, is fused into the same
// loop.
func (t *addBiasTask) run(_, lo, hi int) {
	n := t.cols
	b := t.b[:n]
	kind := t.act.Kind
	f := elementwise[kind].f
	for r := lo; r < hi; r++ {
		y := t.y[r*n : r*n+n]
		x := t.x[r*n : r*n+n]
		y = y[:len(x)]
		b := b[:len(x)]
		switch kind {
		case backend.KindReLU:
			for j, v := range x {
				y[j] = max(v+b[j], 0)
			}
		case backend.KindIdentity:
			for j, v := range x {
				y[j] = v + b[j]
			}
		default:
			for j, v := range x {
				y[j] = v + b[j]
			}
			f(y, y, t.act.Alpha)
		}
	}
}
