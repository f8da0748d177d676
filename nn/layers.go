package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/glnn/glnn/backend"
)

// Layer is one stage of a Sequential model. The layers of this package are
// made by Dense, Flatten, Input, ReLU, Sigmoid, Tanh and Softmax.
type Layer interface {
	// String describes the layer, e.g. "dense(128, relu)".
	String() string

	// build checks the layer against its input width and returns its
	// output width; it allocates no device memory.
	build(in int) (out int, err error)
	// alloc allocates parameters (initialised from rng) and gradients.
	alloc(dev backend.Device, rng *rand.Rand) error
	// allocBatch (re)allocates activation buffers for up to batch rows.
	allocBatch(dev backend.Device, batch int) error
	// forward computes the layer's output for x (n rows). When logits is
	// set, a final softmax is left out (the loss applies it, fused).
	forward(dev backend.Device, x *backend.Tensor, n int, logits bool) *backend.Tensor
	// backward takes the gradient dy of the loss with respect to the
	// layer's output (which it may overwrite), stores parameter gradients
	// and returns the gradient with respect to x when needDX is set.
	backward(dev backend.Device, x, dy *backend.Tensor, n int, needDX, logits bool) *backend.Tensor
	// params lists the trainable parameters with their gradients.
	params() []*param
	// release frees every device tensor of the layer.
	release(dev backend.Device)
}

// param is a trainable tensor with its gradient and optimizer state.
type param struct {
	name  string
	value *backend.Tensor
	grad  *backend.Tensor
	state [2]*backend.Tensor // optimizer slots (velocity; Adam's m and v)
}

// rowView returns the first n rows of t, caching the view so that steady
// state makes no allocation.
type rowView struct {
	t    *backend.Tensor
	n    int
	view *backend.Tensor
}

func (r *rowView) rows(n int) *backend.Tensor {
	if n == r.t.Rows() {
		return r.t
	}
	if r.view == nil || r.n != n {
		r.view, r.n = r.t.View(n, r.t.Cols()), n
	}
	return r.view
}

func (r *rowView) set(t *backend.Tensor) { *r = rowView{t: t} }

func releaseBuf(dev backend.Device, r *rowView) {
	if r.t != nil {
		dev.Release(r.t)
	}
	*r = rowView{}
}

// ---- Dense ----

type dense struct {
	units, in  int
	activation string
	act        backend.Activation

	w, b   param
	out    rowView // batch×units
	dx     rowView // batch×in
	needDX bool
}

// Dense is a fully connected layer y = act(x·W + b) with W shaped
// inputs×units, Glorot-uniform initial weights and zero bias (the Keras
// defaults). activation is "linear" (or ""), "relu", "sigmoid", "tanh" or
// "softmax"; an unknown name is reported by Compile.
func Dense(units int, activation string) Layer {
	return &dense{units: units, activation: activation}
}

func (d *dense) String() string {
	a := d.activation
	if a == "" {
		a = "linear"
	}
	return fmt.Sprintf("dense(%d, %s)", d.units, a)
}

func (d *dense) build(in int) (int, error) {
	if d.units <= 0 {
		return 0, fmt.Errorf("%v: units must be positive", d)
	}
	act, ok := backend.ParseActivation(d.activation)
	if !ok {
		return 0, fmt.Errorf("%v: unknown activation %q (want linear, relu, sigmoid, tanh or softmax)", d, d.activation)
	}
	d.act, d.in = act, in
	return d.units, nil
}

func (d *dense) alloc(dev backend.Device, rng *rand.Rand) error {
	limit := math.Sqrt(6 / float64(d.in+d.units))
	w := make([]float32, d.in*d.units)
	for i := range w {
		w[i] = float32((rng.Float64()*2 - 1) * limit)
	}
	var err error
	if d.w, err = newParam(dev, "kernel", d.in, d.units, w); err != nil {
		return err
	}
	d.b, err = newParam(dev, "bias", 1, d.units, nil)
	return err
}

func newParam(dev backend.Device, name string, rows, cols int, init []float32) (param, error) {
	p := param{name: name}
	var err error
	if p.value, err = dev.Alloc(rows, cols); err != nil {
		return p, err
	}
	if init != nil {
		dev.Upload(p.value, init)
	}
	if p.grad, err = dev.Alloc(rows, cols); err != nil {
		dev.Release(p.value)
		return param{}, err
	}
	return p, nil
}

func (p *param) release(dev backend.Device) {
	for _, t := range []*backend.Tensor{p.value, p.grad, p.state[0], p.state[1]} {
		if t != nil {
			dev.Release(t)
		}
	}
	*p = param{name: p.name}
}

func (d *dense) allocBatch(dev backend.Device, batch int) error {
	releaseBuf(dev, &d.out)
	releaseBuf(dev, &d.dx)
	out, err := dev.Alloc(batch, d.units)
	if err != nil {
		return err
	}
	d.out.set(out)
	if d.needDX {
		dx, err := dev.Alloc(batch, d.in)
		if err != nil {
			return err
		}
		d.dx.set(dx)
	}
	return nil
}

func (d *dense) forward(dev backend.Device, x *backend.Tensor, n int, logits bool) *backend.Tensor {
	y := d.out.rows(n)
	dev.MatMul(y, x, d.w.value, false, false, false)
	if d.act.Elementwise() {
		dev.AddBias(y, y, d.b.value, d.act)
		return y
	}
	dev.AddBias(y, y, d.b.value, backend.Identity)
	if !logits {
		dev.Activate(d.act, y, y)
	}
	return y
}

func (d *dense) backward(dev backend.Device, x, dy *backend.Tensor, n int, needDX, logits bool) *backend.Tensor {
	y := d.out.rows(n)
	if d.act != backend.Identity && !(logits && d.act == backend.Softmax) {
		dev.ActivationGrad(d.act, dy, y, dy)
	}
	dev.MatMul(d.w.grad, x, dy, true, false, false)
	dev.SumRows(d.b.grad, dy, false)
	if !needDX {
		return nil
	}
	dx := d.dx.rows(n)
	dev.MatMul(dx, dy, d.w.value, false, true, false)
	return dx
}

func (d *dense) params() []*param { return []*param{&d.w, &d.b} }

func (d *dense) release(dev backend.Device) {
	d.w.release(dev)
	d.b.release(dev)
	releaseBuf(dev, &d.out)
	releaseBuf(dev, &d.dx)
}

// ---- activation layers ----

type activation struct {
	act   backend.Activation
	width int
	out   rowView
	dx    rowView
}

// ReLU is an activation layer max(0, x).
func ReLU() Layer { return &activation{act: backend.ReLU} }

// Sigmoid is an activation layer 1/(1+e^-x).
func Sigmoid() Layer { return &activation{act: backend.Sigmoid} }

// Tanh is an activation layer tanh(x).
func Tanh() Layer { return &activation{act: backend.Tanh} }

// Softmax is a row-wise softmax layer. As the last layer before
// CategoricalCrossEntropy it trains through the fused softmax + loss op.
func Softmax() Layer { return &activation{act: backend.Softmax} }

func (a *activation) String() string { return a.act.String() }

func (a *activation) build(in int) (int, error) {
	a.width = in
	return in, nil
}

func (a *activation) alloc(backend.Device, *rand.Rand) error { return nil }

func (a *activation) allocBatch(dev backend.Device, batch int) error {
	releaseBuf(dev, &a.out)
	releaseBuf(dev, &a.dx)
	out, err := dev.Alloc(batch, a.width)
	if err != nil {
		return err
	}
	a.out.set(out)
	dx, err := dev.Alloc(batch, a.width)
	if err != nil {
		return err
	}
	a.dx.set(dx)
	return nil
}

func (a *activation) forward(dev backend.Device, x *backend.Tensor, n int, logits bool) *backend.Tensor {
	if logits && a.act == backend.Softmax {
		return x
	}
	y := a.out.rows(n)
	dev.Activate(a.act, y, x)
	return y
}

func (a *activation) backward(dev backend.Device, x, dy *backend.Tensor, n int, needDX, logits bool) *backend.Tensor {
	if !needDX {
		return nil
	}
	if logits && a.act == backend.Softmax {
		return dy
	}
	dx := a.dx.rows(n)
	dev.ActivationGrad(a.act, dx, a.out.rows(n), dy)
	return dx
}

func (a *activation) params() []*param { return nil }

func (a *activation) release(dev backend.Device) {
	releaseBuf(dev, &a.out)
	releaseBuf(dev, &a.dx)
}

// ---- shape layers ----

type reshape struct {
	name  string
	dims  []int
	width int
}

// Flatten declares that each sample is an array of the given dimensions
// (for MNIST, Flatten(28, 28)) and passes it on as one row of their product.
// As the first layer it gives the model its input size; elsewhere it checks
// that the previous layer's width matches.
func Flatten(dims ...int) Layer { return &reshape{name: "flatten", dims: dims} }

// Input declares the number of input features. It is needed as the first
// layer when the model does not start with Flatten.
func Input(features int) Layer { return &reshape{name: "input", dims: []int{features}} }

func (r *reshape) String() string {
	s := r.name + "("
	for i, d := range r.dims {
		if i > 0 {
			s += "×"
		}
		s += fmt.Sprint(d)
	}
	return s + ")"
}

func (r *reshape) size() (int, error) {
	if len(r.dims) == 0 {
		return 0, fmt.Errorf("%v: needs at least one dimension", r)
	}
	n := 1
	for _, d := range r.dims {
		if d <= 0 {
			return 0, fmt.Errorf("%v: dimensions must be positive", r)
		}
		n *= d
	}
	return n, nil
}

func (r *reshape) build(in int) (int, error) {
	n, err := r.size()
	if err != nil {
		return 0, err
	}
	if in != 0 && in != n {
		return 0, fmt.Errorf("%v expects %d values per sample, but the previous layer gives %d", r, n, in)
	}
	r.width = n
	return n, nil
}

func (r *reshape) alloc(backend.Device, *rand.Rand) error { return nil }
func (r *reshape) allocBatch(backend.Device, int) error   { return nil }
func (r *reshape) params() []*param                       { return nil }
func (r *reshape) release(backend.Device)                 {}
func (r *reshape) forward(_ backend.Device, x *backend.Tensor, _ int, _ bool) *backend.Tensor {
	return x
}
func (r *reshape) backward(_ backend.Device, _, dy *backend.Tensor, _ int, _, _ bool) *backend.Tensor {
	return dy
}
