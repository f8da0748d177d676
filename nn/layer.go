package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/glnn/glnn/backend"
)

// Layer is one stage of a Sequential model. The layers of this package are
// made by Dense, Flatten, Input and the activation layers (ReLU,
// LeakyReLU, Sigmoid, Tanh, GELU, Softmax); other packages can write their
// own from the ops of backend.Device (see the Layer example).
//
// A layer declares what it needs when the model is compiled, and the model
// owns the memory: parameters (with their gradients and optimizer state)
// and per-batch buffers are allocated, sized for the batch and released by
// the model. Layers compute on batches of rows, one sample per row.
type Layer interface {
	// String describes the layer, e.g. "dense(128, relu)".
	String() string
	// Build sets the layer up for inputs of in features (0 when the layer
	// is the model's first, which must then know its input size) and
	// returns its output width. It declares the layer's parameters and
	// buffers through b; no device memory exists yet.
	Build(b *Builder, in int) (out int, err error)
	// Forward computes the output for the batch x (p.Rows samples) and
	// returns it: a buffer of the layer's, or x itself.
	Forward(p *Pass, x *backend.Tensor) *backend.Tensor
	// Backward takes x, the input of the last Forward, and dy, the
	// gradient of the loss with respect to the layer's output (which it
	// may overwrite). It writes the gradients of the layer's parameters
	// (replacing their contents) and returns the gradient with respect to
	// x, or nil when p.NeedInputGrad is false.
	Backward(p *Pass, x, dy *backend.Tensor) *backend.Tensor
}

// Pass is what a layer is told in Forward and Backward.
type Pass struct {
	// Dev is the device the model runs on.
	Dev backend.Device
	// Rows is the number of samples in the batch.
	Rows int
	// Training is true in Fit's training steps, false in evaluation and
	// prediction.
	Training bool
	// NeedInputGrad says whether Backward must return the gradient with
	// respect to its input (false for the first layers of a model, whose
	// input gradient nothing uses).
	NeedInputGrad bool

	screen *inputScreen // Predict's input check, for the first Dense layer
}

// Builder is handed to Layer.Build to declare parameters and buffers.
type Builder struct {
	rng    *rand.Rand
	params []*Param
	bufs   []*Buffer
}

// Param declares a trainable rows×cols parameter, initialised by init
// (GlorotUniform, Zeros or one of the caller's own) from the model's seed.
// Its Value and Grad exist once Compile returns.
func (b *Builder) Param(name string, rows, cols int, init Initializer) *Param {
	p := &Param{Name: name, rows: rows, cols: cols, init: init}
	b.params = append(b.params, p)
	return p
}

// Buffer declares a per-batch buffer of cols values per sample: the
// model allocates it with as many rows as the largest batch.
func (b *Builder) Buffer(cols int) *Buffer {
	buf := &Buffer{cols: cols}
	b.bufs = append(b.bufs, buf)
	return buf
}

// Param is a trainable tensor of a layer and its gradient. Both are
// slices of the model's parameter storage, which the optimizer updates
// in one step.
type Param struct {
	// Name identifies the parameter within its layer ("kernel", "bias").
	Name string
	// Value holds the parameter, Grad the gradient of the loss with
	// respect to it, as the last Backward wrote it.
	Value, Grad *backend.Tensor

	rows, cols int
	init       Initializer
	off        int // offset in the model's parameter storage
}

// Buffer is a per-batch tensor of a layer: activations, or gradients.
type Buffer struct {
	cols int
	t    *backend.Tensor
	n    int // rows of the cached view
	view *backend.Tensor
}

// Rows returns the buffer's first n rows (n ≤ the model's batch size),
// caching the view so that a steady state allocates nothing.
func (b *Buffer) Rows(n int) *backend.Tensor {
	if n == b.t.Rows() {
		return b.t
	}
	if b.view == nil || b.n != n {
		b.view, b.n = b.t.View(n, b.cols), n
	}
	return b.view
}

// Initializer fills the rows×cols values of a new parameter (row-major),
// drawing from rng where it is random.
type Initializer func(rng *rand.Rand, rows, cols int, values []float32)

// GlorotUniform draws from U(−l, l) with l = √(6/(rows+cols)), Keras's
// default for Dense kernels (rows inputs, cols units).
func GlorotUniform(rng *rand.Rand, rows, cols int, values []float32) {
	limit := math.Sqrt(6 / float64(rows+cols))
	for i := range values {
		values[i] = float32((rng.Float64()*2 - 1) * limit)
	}
}

// Zeros leaves the values at zero, Keras's default for biases.
func Zeros(*rand.Rand, int, int, []float32) {}

// needInput returns the error of a layer that cannot be a model's first.
func needInput(l Layer) error {
	return fmt.Errorf("%v cannot be the first layer: it does not know its input size; start the model with nn.Input(features) or nn.Flatten(dims...)", l)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
