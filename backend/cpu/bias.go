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
// row while it is in L1.
func (t *addBiasTask) run(_, lo, hi int) {
	n := t.cols
	f := elementwise[t.act.Kind].f
	b := t.b[:n]
	for r := lo; r < hi; r++ {
		y := t.y[r*n : r*n+n]
		x := t.x[r*n : r*n+n]
		for j, v := range x {
			y[j] = v + b[j]
		}
		if t.act.Kind != backend.KindIdentity {
			f(y, y, t.act.Alpha)
		}
	}
}
