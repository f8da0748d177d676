package nn

import (
	"github.com/glnn/glnn/backend"
)

// activationLayer applies an activation function to its input.
type activationLayer struct {
	act     backend.Activation
	out, dx *Buffer
	logits  bool // a final softmax the model applies itself
}

// ReLU is an activation layer max(0, x).
func ReLU() Layer { return &activationLayer{act: backend.ReLU} }

// LeakyReLU is an activation layer x for x > 0, alpha·x otherwise (Keras's
// LeakyReLU layer defaults to alpha 0.3).
func LeakyReLU(alpha float32) Layer { return &activationLayer{act: backend.LeakyReLU(alpha)} }

// Sigmoid is an activation layer 1/(1+e^-x).
func Sigmoid() Layer { return &activationLayer{act: backend.Sigmoid} }

// Tanh is an activation layer tanh(x).
func Tanh() Layer { return &activationLayer{act: backend.Tanh} }

// GELU is an activation layer x·Φ(x), in the exact (erf) form.
func GELU() Layer { return &activationLayer{act: backend.GELU} }

// Softmax is a row-wise softmax layer. As the last layer before
// CategoricalCrossEntropy it trains through the fused softmax + loss op.
func Softmax() Layer { return &activationLayer{act: backend.Softmax} }

// Activation is an activation layer for any backend.Activation.
func Activation(act backend.Activation) Layer { return &activationLayer{act: act} }

func (a *activationLayer) String() string { return a.act.String() }

func (a *activationLayer) Build(b *Builder, in int) (int, error) {
	if !a.act.Valid() {
		return 0, errorf("%v: invalid activation", a)
	}
	if in == 0 {
		return 0, needInput(a)
	}
	a.logits = false
	a.out, a.dx = b.Buffer(in), b.Buffer(in)
	return in, nil
}

func (a *activationLayer) Forward(p *Pass, x *backend.Tensor) *backend.Tensor {
	if a.logits {
		return x
	}
	y := a.out.Rows(p.Rows)
	p.Dev.Activate(y, x, a.act)
	return y
}

func (a *activationLayer) Backward(p *Pass, x, dy *backend.Tensor) *backend.Tensor {
	if !p.NeedInputGrad {
		return nil
	}
	if a.logits {
		return dy
	}
	dx := a.dx.Rows(p.Rows)
	p.Dev.ActivationGrad(dx, dy, x, a.out.Rows(p.Rows), a.act)
	return dx
}

func (a *activationLayer) splitSoftmax() bool {
	if a.act.Kind != backend.KindSoftmax {
		return false
	}
	a.logits = true
	return true
}
