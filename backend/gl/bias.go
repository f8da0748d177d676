//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

// AddBias computes y = act(x + bias), bias broadcast over rows; y may be x.
func (d *Device) AddBias(y, x, bias *backend.Tensor, act backend.Activation) {
	d.tr.AddBias(y, x, bias, act)
	defer d.tr.Exit()
	yb, xb, bb := d.arg("AddBias", y), d.arg("AddBias", x), d.arg("AddBias", bias)
	d.elementwise(progKey{fam: famAddBias, act: act.Kind}, y.Len(), []binding{yb, xb, bb}, []uint32{uint32(y.Len()), uint32(y.Cols())}, []float32{act.Alpha})
}
