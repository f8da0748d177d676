package cpu

import "github.com/glnn/glnn/backend"

// AddBias computes y = act(x + bias), bias (1×cols) broadcast over rows,
// for an element-wise act. y may be x. On the product of the MatMul just
// before it, in place, it runs in that product's epilogue (see fuse.go).
func (d *Device) AddBias(y, x, bias *backend.Tensor, act backend.Activation) {
	d.tr.AddBias(y, x, bias, act)
	defer d.tr.Exit()
	if d.fuseAddBias(y, x, bias, act) {
		return
	}
	d.flush()
	d.addBiasRows(mem(y), mem(x), mem(bias), x.Rows(), x.Cols(), act)
}

// addBiasRows is AddBias on rows×cols values, split over the workers.
func (d *Device) addBiasRows(y, x, bias []float32, rows, cols int, act backend.Activation) {
	t := &d.addBias
	t.y, t.x, t.b = y, x, bias
	t.cols, t.act = cols, act
	d.pool.parallelFor(t, rows, d.rowGrain(rows, cols, minItems(act)))
	t.y, t.x, t.b = nil, nil, nil
}

// vectorRow is the shortest row that AddBias hands to addBiasVector.
const vectorRow = 32

type addBiasTask struct {
	y, x, b []float32
	cols    int
	act     backend.Activation
}

// run adds the bias to rows [lo, hi) and applies the activation.
func (t *addBiasTask) run(_, lo, hi int) {
	n := t.cols
	b := t.b[:n]
	for r := lo; r < hi; r++ {
		biasActRow(t.y[r*n:r*n+n], t.x[r*n:r*n+n], b, t.act)
	}
}

// biasActRow sets y = act(x + b) for one row, applying the activation
// while the row is in L1. The identity and ReLU, the common cases, take
// one pass: addBiasVector, then the Go loop for what it left, on rows of
// at least vectorRow values (on shorter ones the call costs more than
// the vector saves).
func biasActRow(y, x, b []float32, act backend.Activation) {
	y, b = y[:len(x)], b[:len(x)]
	switch act.Kind {
	case backend.KindReLU, backend.KindIdentity:
		relu := act.Kind == backend.KindReLU
		j := 0
		if len(x) >= vectorRow {
			j = addBiasVector(y, x, b, relu)
		}
		addBiasRow(y[j:], x[j:], b[j:], relu)
	default:
		addBiasRow(y, x, b, false)
		elementwise[act.Kind].f(y, y, act.Alpha)
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
