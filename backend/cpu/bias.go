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

// vectorRow is the shortest row that AddBias hands to addBiasVector.
const vectorRow = 32

type addBiasTask struct {
	y, x, b []float32
	cols    int
	act     backend.Activation
}

// run adds the bias to rows [lo, hi) and applies the activation to each
// row while it is in L1. The identity and ReLU, the common cases, take
// one pass: addBiasVector, then the Go loop for what it left, on rows of
// at least vectorRow values (on shorter ones the call costs more than
// the vector saves).
func (t *addBiasTask) run(_, lo, hi int) {
	n := t.cols
	b := t.b[:n]
	kind := t.act.Kind
	f := elementwise[kind].f
	relu := kind == backend.KindReLU
	vector := n >= vectorRow
	for r := lo; r < hi; r++ {
		y := t.y[r*n : r*n+n]
		x := t.x[r*n : r*n+n]
		y = y[:len(x)]
		b := b[:len(x)]
		switch kind {
		case backend.KindReLU, backend.KindIdentity:
			j := 0
			if vector {
				j = addBiasVector(y, x, b, relu)
			}
			addBiasRow(y[j:], x[j:], b[j:], relu)
		default:
			addBiasRow(y, x, b, false)
			f(y, y, t.act.Alpha)
		}
	}
}

// addBiasRow sets y = x + b, or max(x + b, 0) with relu.
func addBiasRow(y, x, b []float32, relu bool) {
	y, b = y[:len(x)], b[:len(x)]
	if relu {
		for j, v := range x {
			y[j] = max(v+b[j], 0)
		}
		return
	}
	for j, v := range x {
		y[j] = v + b[j]
	}
}
