//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

// AddBias computes y = act(x + bias), bias broadcast over rows; y may be x.
// Applied in place to the product of the MatMul just before, it becomes
// that product's epilogue.
func (d *Device) AddBias(y, x, bias *backend.Tensor, act backend.Activation) {
	d.tr.AddBias(y, x, bias, act)
	defer d.tr.Exit()
	yb, xb, bb := d.arg("AddBias", y), d.arg("AddBias", x), d.arg("AddBias", bias)
	if yb.same(xb) && d.fuseEpilogue(yb, y.Rows(), y.Cols(), epiBias, act, bb) {
		return // done by the MatMul that wrote x, as its epilogue
	}
	d.elementwise(progKey{fam: famAddBias, act: act.Kind}, y.Len(), y.Cols(), []binding{yb, xb, bb}, []float32{act.Alpha})
}
