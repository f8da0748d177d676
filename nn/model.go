package nn

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/glnn/glnn/backend"
)

// Sequential is a stack of layers, each feeding the next. Make one with
// NewSequential, then Compile it onto a device before Fit, Evaluate or
// Predict. A model is used from one goroutine at a time.
type Sequential struct {
	layers []Layer

	dev     backend.Device
	opt     Optimizer
	loss    Loss
	in, out int
	widths  []int // each layer's output width
	params  []*param
	fused   bool // softmax output trained through the fused softmax + cross-entropy op
	steps   int  // optimizer steps taken, for Adam's bias correction
	first   int  // index of the first layer with parameters

	batch            int               // rows the batch buffers hold
	inputs           []*backend.Tensor // each layer's input in the last forward pass
	xb, yb, dOut     rowView
	lossSum, correct *backend.Tensor
}

// NewSequential returns an uncompiled model made of layers. The first layer
// must give the input size: Flatten or Input.
func NewSequential(layers ...Layer) *Sequential {
	return &Sequential{layers: layers}
}

// CompileOptions tune Compile.
type CompileOptions struct {
	// Seed makes the initial weights reproducible.
	Seed uint64
}

// ErrNotCompiled is returned by methods that need a compiled model.
var ErrNotCompiled = errors.New("nn: model is not compiled (call Compile first)")

// Compile checks the layers, allocates the parameters (Glorot-uniform
// weights from opts.Seed, zero biases), gradients and optimizer state on
// dev, and fixes the optimizer and loss. Compiling again starts over with
// fresh weights.
func (m *Sequential) Compile(dev backend.Device, opt Optimizer, loss Loss, opts CompileOptions) error {
	if dev == nil {
		return errors.New("nn: Compile needs a device")
	}
	if opt == nil {
		return errors.New("nn: Compile needs an optimizer (nn.Adam or nn.SGD)")
	}
	if err := opt.validate(); err != nil {
		return fmt.Errorf("nn: %w", err)
	}
	if len(m.layers) == 0 {
		return errors.New("nn: the model has no layers")
	}
	if loss != CategoricalCrossEntropy && loss != MeanSquaredError {
		return fmt.Errorf("nn: unknown loss %v", loss)
	}
	if _, ok := m.layers[0].(*reshape); !ok {
		return fmt.Errorf("nn: the first layer is %v; start the model with nn.Input(features) or nn.Flatten(dims...) so it knows its input size", m.layers[0])
	}
	m.Release()

	width := 0
	m.widths = make([]int, len(m.layers))
	for i, l := range m.layers {
		if l == nil {
			return fmt.Errorf("nn: layer %d is nil", i+1)
		}
		out, err := l.build(width)
		if err != nil {
			return fmt.Errorf("nn: layer %d: %w", i+1, err)
		}
		if i == 0 {
			m.in = out
		}
		width = out
		m.widths[i] = out
	}
	m.out = width
	m.fused = false
	if loss == CategoricalCrossEntropy {
		if !endsInSoftmax(m.layers[len(m.layers)-1]) {
			return fmt.Errorf("nn: categorical cross-entropy needs a softmax output, but the last layer is %v; use Dense(n, \"softmax\") or add nn.Softmax()", m.layers[len(m.layers)-1])
		}
		m.fused = true
	}

	m.dev, m.opt, m.loss, m.steps = dev, opt, loss, 0
	rng := rand.New(rand.NewPCG(opts.Seed, 0x676c6e6e)) // "glnn"
	first := -1
	for i, l := range m.layers {
		if err := l.alloc(dev, rng); err != nil {
			m.Release()
			return fmt.Errorf("nn: layer %d (%v): %w", i+1, l, err)
		}
		ps := l.params()
		if len(ps) > 0 && first < 0 {
			first = i
		}
		for _, p := range ps {
			for s := 0; s < opt.slots(); s++ {
				t, err := dev.Alloc(p.value.Rows(), p.value.Cols())
				if err != nil {
					m.Release()
					return fmt.Errorf("nn: optimizer state: %w", err)
				}
				p.state[s] = t
			}
			m.params = append(m.params, p)
		}
	}
	// Only layers after the first trainable one pass gradients back.
	m.first = first
	for i, l := range m.layers {
		if d, ok := l.(*dense); ok {
			d.needDX = i > first
		}
	}
	var err error
	if m.lossSum, err = dev.Alloc(1, 1); err == nil {
		m.correct, err = dev.Alloc(1, 1)
	}
	if err != nil {
		m.Release()
		return fmt.Errorf("nn: %w", err)
	}
	m.inputs = make([]*backend.Tensor, len(m.layers))
	return nil
}

func endsInSoftmax(l Layer) bool {
	switch l := l.(type) {
	case *dense:
		return l.act == backend.Softmax
	case *activation:
		return l.act == backend.Softmax
	}
	return false
}

// InputSize is the number of features per sample (after Compile).
func (m *Sequential) InputSize() int { return m.in }

// OutputSize is the number of outputs per sample (after Compile).
func (m *Sequential) OutputSize() int { return m.out }

// Device is the device the model was compiled onto, or nil.
func (m *Sequential) Device() backend.Device { return m.dev }

// Summary lists the layers of a compiled model with their output widths
// and parameter counts, like Keras's model.summary().
func (m *Sequential) Summary() string {
	if m.dev == nil {
		return "model not compiled"
	}
	var b strings.Builder
	total := 0
	for i, l := range m.layers {
		n := 0
		for _, p := range l.params() {
			n += p.value.Len()
		}
		total += n
		fmt.Fprintf(&b, "%2d  %-22v out %-6d params %d\n", i+1, l, m.widths[i], n)
	}
	fmt.Fprintf(&b, "total params %d", total)
	return b.String()
}

// Release frees every device tensor of the model. The model must be
// compiled again before use.
func (m *Sequential) Release() {
	if m.dev == nil {
		return
	}
	for _, l := range m.layers {
		l.release(m.dev)
	}
	releaseBuf(m.dev, &m.xb)
	releaseBuf(m.dev, &m.yb)
	releaseBuf(m.dev, &m.dOut)
	for _, t := range []*backend.Tensor{m.lossSum, m.correct} {
		if t != nil {
			m.dev.Release(t)
		}
	}
	m.lossSum, m.correct, m.params, m.batch, m.dev = nil, nil, nil, 0, nil
}

// ensureBatch makes the batch buffers hold at least n rows.
func (m *Sequential) ensureBatch(n int) error {
	if n <= m.batch {
		return nil
	}
	for _, l := range m.layers {
		if err := l.allocBatch(m.dev, n); err != nil {
			return err
		}
	}
	for _, b := range []struct {
		r    *rowView
		cols int
	}{{&m.xb, m.in}, {&m.yb, m.out}, {&m.dOut, m.out}} {
		releaseBuf(m.dev, b.r)
		t, err := m.dev.Alloc(n, b.cols)
		if err != nil {
			return err
		}
		b.r.set(t)
	}
	m.batch = n
	return nil
}

// forward runs the layers on the first n rows of m.xb.
func (m *Sequential) forward(n int, logits bool) *backend.Tensor {
	h := m.xb.rows(n)
	for i, l := range m.layers {
		m.inputs[i] = h
		h = l.forward(m.dev, h, n, logits)
	}
	return h
}

// lossAndMetrics adds the loss and correct count of output h against the
// first n rows of m.yb and leaves the loss gradient in m.dOut.
func (m *Sequential) lossAndMetrics(h *backend.Tensor, n int) *backend.Tensor {
	y, d := m.yb.rows(n), m.dOut.rows(n)
	if m.loss == CategoricalCrossEntropy {
		m.dev.SoftmaxCrossEntropy(d, m.lossSum, h, y)
	} else {
		m.dev.MeanSquaredError(d, m.lossSum, h, y)
	}
	m.dev.CountCorrect(m.correct, h, y)
	return d
}

// trainStep runs forward, loss, backward and an optimizer step on the
// batch gathered into the first n rows of m.xb and m.yb.
func (m *Sequential) trainStep(n int) {
	g := m.lossAndMetrics(m.forward(n, m.fused), n)
	for i := len(m.layers) - 1; i >= 0; i-- {
		g = m.layers[i].backward(m.dev, m.inputs[i], g, n, i > m.first, m.fused)
		if g == nil {
			break
		}
	}
	m.steps++
	m.opt.step(m.dev, m.params, m.steps)
}
