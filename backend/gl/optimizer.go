//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

// SGD updates param in the Keras form: with momentum 0 (velocity may then
// be nil, and is left alone) param −= lr·grad; otherwise velocity =
// momentum·velocity − lr·grad and param += velocity.
func (d *Device) SGD(param, grad, velocity *backend.Tensor, h backend.SGDParams) {
	d.tr.SGD(param, grad, velocity, h)
	defer d.tr.Exit()
	pb, gb := d.arg("SGD", param), d.arg("SGD", grad)
	if h.Momentum == 0 {
		d.elementwise(progKey{fam: famSGD}, param.Len(), 0, []binding{pb, gb}, []float32{h.LearningRate})
		return
	}
	vb := d.arg("SGD", velocity)
	d.elementwise(progKey{fam: famSGDMomentum}, param.Len(), 0, []binding{pb, gb, vb}, []float32{h.LearningRate, h.Momentum})
}

// Adam updates param in the Keras form; the bias-corrected step size
// (backend.AdamParams.StepSize) is computed on the host and passed as a
// uniform.
func (d *Device) Adam(param, grad, m, v *backend.Tensor, h backend.AdamParams) {
	d.tr.Adam(param, grad, m, v, h)
	defer d.tr.Exit()
	pb, gb, mb, vb := d.arg("Adam", param), d.arg("Adam", grad), d.arg("Adam", m), d.arg("Adam", v)
	d.elementwise(progKey{fam: famAdam}, param.Len(), 0, []binding{pb, gb, mb, vb},
		[]float32{float32(h.StepSize()), h.Beta1, h.Beta2, h.Epsilon})
}
