//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

// Activate computes y = act(x); y may be x.
func (d *Device) Activate(y, x *backend.Tensor, act backend.Activation) {
	d.tr.Activate(y, x, act)
	defer d.tr.Exit()
	yb, xb := d.arg("Activate", y), d.arg("Activate", x)
	switch {
	case y.Len() == 0:
	case act == backend.Identity:
		if y.Buffer() != x.Buffer() || y.Offset() != x.Offset() {
			d.copy(y, x)
		}
	case act.Kind == backend.KindSoftmax:
		d.rowwise(famSoftmax, y.Rows(), y.Cols(), yb, xb)
	default:
		d.elementwise(progKey{fam: famActivate, act: act.Kind}, y.Len(), 0, []binding{yb, xb}, []float32{act.Alpha})
	}
}

// ActivationGrad computes dx = dy·∂act/∂x from x or y = act(x); dx may be
// dy. Applied in place to the product of the MatMul just before, it
// becomes that product's epilogue.
func (d *Device) ActivationGrad(dx, dy, x, y *backend.Tensor, act backend.Activation) {
	d.tr.ActivationGrad(dx, dy, x, y, act)
	defer d.tr.Exit()
	// The unread one of x and y is bound as the read one: the shader
	// only reads the binding the kind needs.
	if x == nil {
		x = y
	}
	if y == nil {
		y = x
	}
	dxb, dyb := d.arg("ActivationGrad", dx), d.arg("ActivationGrad", dy)
	xb, yb := d.arg("ActivationGrad", x), d.arg("ActivationGrad", y)
	operand := yb // what the gradient reads of x and y
	if act.GradNeedsInput() {
		operand = xb
	}
	switch {
	case dx.Len() == 0:
	case act == backend.Identity:
		if dx.Buffer() != dy.Buffer() || dx.Offset() != dy.Offset() {
			d.copy(dx, dy)
		}
	case act.Elementwise() && dxb.same(dyb) && d.fuseEpilogue(dxb, dx.Rows(), dx.Cols(), epiGrad, act, operand):
		// done by the MatMul that wrote dy, as its epilogue
	case act.Kind == backend.KindSoftmax:
		d.rowwise(famSoftmaxGrad, dx.Rows(), dx.Cols(), dxb, yb, dyb)
	default:
		d.elementwise(progKey{fam: famActivationGrad, act: act.Kind}, dx.Len(), 0, []binding{dxb, dyb, xb, yb}, []float32{act.Alpha})
	}
}
