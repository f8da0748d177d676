package nn

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// dense is a fully connected layer y = act(x·W + b).
type dense struct {
	units      int
	activation string
	act        backend.Activation
	// logits: the model applies the final softmax itself (fused with the
	// loss in training), so the layer stops at x·W + b.
	logits bool

	w, b   *Param
	z      *Buffer // x·W + b, kept when the activation's gradient reads it
	out    *Buffer
	dx     *Buffer
	keepsZ bool
}

// Dense is a fully connected layer y = act(x·W + b) with W shaped
// inputs×units, Glorot-uniform initial weights and zero bias (the Keras
// defaults). activation is a name backend.ParseActivation knows: "linear"
// (or ""), "relu", "leaky_relu" or "leaky_relu(0.1)", "sigmoid", "tanh",
// "gelu" or "softmax"; an unknown name is reported by Compile.
func Dense(units int, activation string) Layer {
	return &dense{units: units, activation: activation}
}

func (d *dense) String() string {
	a := d.activation
	if act, err := backend.ParseActivation(a); err == nil && act.Kind != backend.KindIdentity {
		a = act.String()
	} else if a == "" {
		a = "linear"
	}
	return fmt.Sprintf("dense(%d, %s)", d.units, a)
}

func (d *dense) Build(b *Builder, in int) (int, error) {
	if d.units <= 0 {
		return 0, fmt.Errorf("%v: units must be positive", d)
	}
	act, err := backend.ParseActivation(d.activation)
	if err != nil {
		return 0, fmt.Errorf("%v: %w", d, err)
	}
	if in == 0 {
		return 0, needInput(d)
	}
	d.act, d.logits = act, false
	d.w = b.Param("kernel", in, d.units, GlorotUniform)
	d.b = b.Param("bias", 1, d.units, Zeros)
	d.out = b.Buffer(d.units)
	d.dx = b.Buffer(in)
	d.keepsZ = act.GradNeedsInput()
	d.z = nil
	if d.keepsZ {
		d.z = b.Buffer(d.units)
	}
	return d.units, nil
}

// activation is what the layer applies itself: none in logits mode.
func (d *dense) activationApplied() backend.Activation {
	if d.logits {
		return backend.Identity
	}
	return d.act
}

func (d *dense) Forward(p *Pass, x *backend.Tensor) *backend.Tensor {
	dev, y := p.Dev, d.out.Rows(p.Rows)
	act := d.activationApplied()
	switch {
	case d.keepsZ:
		z := d.z.Rows(p.Rows)
		dev.MatMul(z, x, d.w.Value, backend.NoTrans, backend.NoTrans)
		p.screenInput(z)
		dev.AddBias(z, z, d.b.Value, backend.Identity)
		dev.Activate(y, z, act)
	case act.Elementwise():
		dev.MatMul(y, x, d.w.Value, backend.NoTrans, backend.NoTrans)
		p.screenInput(y)
		dev.AddBias(y, y, d.b.Value, act)
	default: // softmax
		dev.MatMul(y, x, d.w.Value, backend.NoTrans, backend.NoTrans)
		p.screenInput(y)
		dev.AddBias(y, y, d.b.Value, backend.Identity)
		dev.Activate(y, y, act)
	}
	return y
}

func (d *dense) Backward(p *Pass, x, dy *backend.Tensor) *backend.Tensor {
	dev := p.Dev
	if act := d.activationApplied(); act != backend.Identity {
		var z *backend.Tensor
		if d.keepsZ {
			z = d.z.Rows(p.Rows)
		}
		dev.ActivationGrad(dy, dy, z, d.out.Rows(p.Rows), act)
	}
	dev.MatMul(d.w.Grad, x, dy, backend.Trans, backend.NoTrans)
	dev.SumRows(d.b.Grad, dy)
	if !p.NeedInputGrad {
		return nil
	}
	dx := d.dx.Rows(p.Rows)
	dev.MatMul(dx, dy, d.w.Value, backend.NoTrans, backend.Trans)
	return dx
}

// splitSoftmax makes a dense softmax layer stop at its logits: the model
// applies the softmax (fused with the loss in training).
func (d *dense) splitSoftmax() bool {
	if d.act.Kind != backend.KindSoftmax {
		return false
	}
	d.logits = true
	return true
}
