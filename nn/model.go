package nn

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"

	"github.com/glnn/glnn/backend"
)

// maxWidth bounds the values per sample of any layer.
const maxWidth = 1 << 26

// Sequential is a stack of layers, each feeding the next. Make one with
// NewSequential, then Compile it onto a device before Fit, Evaluate or
// Predict. A model is used from one goroutine at a time; a call made
// while another runs panics.
type Sequential struct {
	layers []Layer

	dev    backend.Device
	opt    Optimizer
	loss   Loss
	in     int
	out    int
	widths []int      // each layer's output width
	params [][]*Param // each layer's parameters
	bufs   []*Buffer  // every layer's per-batch buffers
	store  paramStore
	// head: the model applies the output softmax itself, fused with
	// categorical cross-entropy in training and evaluation, and as an
	// Activate in Predict.
	head  bool
	steps int // optimizer steps taken, for Adam's bias correction
	first int // index of the first layer with parameters (len(layers) if none)

	batch            int               // rows the batch buffers hold
	inputs           []*backend.Tensor // each layer's input in the last forward pass
	xb, yb, dOut, pb *Buffer           // input, target, loss gradient, probabilities
	lossSum, correct *backend.Tensor
	pass             Pass
	screen           *inputScreen // Predict's input check, handed to each pass
	screenState      inputScreen  // what screen points to, kept for its buffer

	busy atomic.Bool
}

// paramStore holds every parameter of a model in one tensor (and the
// gradients, and each optimizer slot, in tensors of the same layout), so
// that an optimizer step is one op. Params are slices of it at offsets
// aligned to backend.SliceAlign; the gaps stay zero.
type paramStore struct {
	value, grad *backend.Tensor
	state       [2]*backend.Tensor
	n           int // elements, gaps included
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

// enter marks the start of a call on the model, panicking if another is
// running: a model is not safe for concurrent use.
func (m *Sequential) enter(op string) {
	if !m.busy.CompareAndSwap(false, true) {
		panic("nn: " + op + ": model used from two goroutines at once (another call was running on it); a model, and its device, must be used from one goroutine at a time")
	}
}

func (m *Sequential) exit() { m.busy.Store(false) }

// Compile checks the layers, allocates the parameters (initialised from
// opts.Seed: Glorot-uniform kernels and zero biases for Dense), gradients
// and optimizer state on dev, and fixes the optimizer and loss. Compiling
// again starts over with fresh weights. Parameters that exceed what the
// device accepts in one op (backend.Info.MaxOpBytes; all of a model's
// parameters form one tensor) are an error wrapping ErrTooLarge, returned
// before anything is allocated.
func (m *Sequential) Compile(dev backend.Device, opt Optimizer, loss Loss, opts CompileOptions) error {
	m.enter("Compile")
	defer m.exit()
	return m.compile(dev, opt, loss, opts, nil)
}

// compile is Compile; check, when set, sees each layer's parameters once
// the layers are built and before anything is allocated (Load checks them
// against the file).
func (m *Sequential) compile(dev backend.Device, opt Optimizer, loss Loss, opts CompileOptions, check func([][]*Param) error) error {
	switch {
	case dev == nil:
		return errors.New("nn: Compile needs a device")
	case opt == nil:
		return errors.New("nn: Compile needs an optimizer (nn.Adam or nn.SGD)")
	case len(m.layers) == 0:
		return errors.New("nn: the model has no layers")
	case loss != CategoricalCrossEntropy && loss != MeanSquaredError:
		return fmt.Errorf("nn: unknown loss %v", loss)
	}
	if err := opt.validate(); err != nil {
		return fmt.Errorf("nn: %w", err)
	}
	m.release()

	b := &Builder{}
	width := 0
	widths := make([]int, len(m.layers))
	params := make([][]*Param, len(m.layers))
	first := len(m.layers)
	for i, l := range m.layers {
		if l == nil {
			return fmt.Errorf("nn: layer %d is nil", i+1)
		}
		np := len(b.params)
		out, err := l.Build(b, width)
		if err != nil {
			return fmt.Errorf("nn: layer %d: %w", i+1, err)
		}
		if out <= 0 || out > maxWidth {
			return fmt.Errorf("nn: layer %d (%v) gives %d values per sample; want 1 to %d", i+1, l, out, maxWidth)
		}
		params[i] = b.params[np:]
		if len(params[i]) > 0 && first == len(m.layers) {
			first = i
		}
		width, widths[i] = out, out
	}
	head := false
	if loss == CategoricalCrossEntropy {
		last := m.layers[len(m.layers)-1]
		s, ok := last.(interface{ splitSoftmax() bool })
		if !ok || !s.splitSoftmax() {
			return fmt.Errorf("nn: categorical cross-entropy needs a softmax output, but the last layer is %v; use Dense(n, \"softmax\") or add nn.Softmax()", last)
		}
		head = true
	}
	if check != nil {
		if err := check(params); err != nil {
			return err
		}
	}

	m.dev, m.opt, m.loss = dev, opt, loss
	m.in, m.out, m.widths, m.params, m.bufs = widths[0], width, widths, params, b.bufs
	m.head, m.steps, m.first = head, 0, first
	m.xb, m.yb, m.dOut, m.pb = &Buffer{cols: m.in}, &Buffer{cols: m.out}, &Buffer{cols: m.out}, &Buffer{cols: m.out}
	m.bufs = append(m.bufs, m.xb, m.yb, m.dOut, m.pb)
	m.inputs = make([]*backend.Tensor, len(m.layers))
	if err := m.allocParams(b.params, opts.Seed); err != nil {
		m.release()
		return fmt.Errorf("nn: %w", err)
	}
	return nil
}

// allocParams lays the parameters out in one store, initialises them from
// seed and allocates the gradients, optimizer state and accumulators.
func (m *Sequential) allocParams(ps []*Param, seed uint64) error {
	n := 0
	for _, p := range ps {
		p.off = n
		n += (p.rows*p.cols + backend.SliceAlign - 1) / backend.SliceAlign * backend.SliceAlign
	}
	if err := m.checkParams(ps, n); err != nil {
		return err
	}
	s := &m.store
	s.n = n
	var err error
	alloc := func() *backend.Tensor {
		if err != nil {
			return nil
		}
		var t *backend.Tensor
		t, err = m.dev.Alloc(1, n)
		return t
	}
	s.value, s.grad = alloc(), alloc()
	for i := range m.opt.slots() {
		s.state[i] = alloc()
	}
	if err != nil {
		return fmt.Errorf("allocating %d parameters: %w", n, err)
	}
	if m.lossSum, err = m.dev.Alloc(1, 1); err == nil {
		m.correct, err = m.dev.Alloc(1, 1)
	}
	if err != nil {
		return err
	}
	// The initial values, made on the host once the device has room.
	host := make([]float32, n)
	rng := rand.New(rand.NewPCG(seed, 0x676c6e6e)) // "glnn"
	for _, p := range ps {
		p.init(rng, p.rows, p.cols, host[p.off:p.off+p.rows*p.cols])
	}
	m.dev.Upload(s.value, host)
	for _, p := range ps {
		p.Value = s.value.Slice(p.off, p.rows, p.cols)
		p.Grad = s.grad.Slice(p.off, p.rows, p.cols)
	}
	return nil
}

// InputSize is the number of features per sample (after Compile).
func (m *Sequential) InputSize() int { return m.in }

// OutputSize is the number of outputs per sample (after Compile).
func (m *Sequential) OutputSize() int { return m.out }

// Device is the device the model was compiled onto, or nil.
func (m *Sequential) Device() backend.Device { return m.dev }

// Optimizer is the optimizer the model was compiled with, or nil.
func (m *Sequential) Optimizer() Optimizer { return m.opt }

// Layers returns the model's layers.
func (m *Sequential) Layers() []Layer { return m.layers }

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
		for _, p := range m.params[i] {
			n += p.rows * p.cols
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
	m.enter("Release")
	defer m.exit()
	m.release()
}

func (m *Sequential) release() {
	if m.dev == nil {
		return
	}
	for _, b := range m.bufs {
		if b.t != nil {
			m.dev.Release(b.t)
		}
		b.t, b.view = nil, nil
	}
	s := &m.store
	for _, t := range []*backend.Tensor{s.value, s.grad, s.state[0], s.state[1], m.lossSum, m.correct} {
		if t != nil {
			m.dev.Release(t)
		}
	}
	for _, ps := range m.params {
		for _, p := range ps {
			p.Value, p.Grad = nil, nil
		}
	}
	m.screenState.release(m.dev)
	*s = paramStore{}
	m.lossSum, m.correct, m.params, m.bufs, m.batch, m.dev = nil, nil, nil, nil, 0, nil
}

// ensureBatch makes the batch buffers hold at least n rows, after
// checking that they fit in the device's ops.
func (m *Sequential) ensureBatch(n int) error {
	if n <= m.batch {
		return nil
	}
	if err := m.checkBatch(n); err != nil {
		return err
	}
	for _, b := range m.bufs {
		if b.t != nil {
			m.dev.Release(b.t)
			b.t, b.view = nil, nil
		}
		t, err := m.dev.Alloc(n, b.cols)
		if err != nil {
			return fmt.Errorf("nn: allocating batch buffers of %d rows: %w", n, err)
		}
		b.t = t
	}
	m.batch = n
	return nil
}

// forward runs the layers on the first n rows of m.xb and returns the
// output: logits when the model applies the softmax itself.
func (m *Sequential) forward(n int, training bool) *backend.Tensor {
	return m.forwardFrom(m.xb.Rows(n), training)
}

// forwardFrom runs the layers on the batch x.
func (m *Sequential) forwardFrom(x *backend.Tensor, training bool) *backend.Tensor {
	m.pass = Pass{Dev: m.dev, Rows: x.Rows(), Training: training, screen: m.screen}
	h := x
	for i, l := range m.layers {
		m.inputs[i] = h
		h = l.Forward(&m.pass, h)
	}
	return h
}

// lossAndMetrics adds the loss of output h against the first n rows of
// m.yb to lossSum and the correct count to m.correct, and leaves the loss
// gradient in m.dOut.
func (m *Sequential) lossAndMetrics(h *backend.Tensor, n int, lossSum *backend.Tensor) *backend.Tensor {
	y, d := m.yb.Rows(n), m.dOut.Rows(n)
	if m.head {
		m.dev.SoftmaxCrossEntropy(d, lossSum, h, y)
	} else {
		m.dev.MeanSquaredError(d, lossSum, h, y)
	}
	m.dev.CountCorrect(m.correct, h, y)
	return d
}

// trainStep runs forward, loss (added to lossSum), backward and an
// optimizer step on the batch gathered into the first n rows of m.xb and
// m.yb. With check it verifies every output and gradient first (see
// FitOptions.CheckNumerics).
func (m *Sequential) trainStep(n int, lossSum *backend.Tensor, check bool) error {
	out := m.forward(n, true)
	if check {
		if err := m.checkOutputs(out); err != nil {
			return err
		}
	}
	g := m.lossAndMetrics(out, n, lossSum)
	for i := len(m.layers) - 1; i >= m.first && g != nil; i-- {
		m.pass.NeedInputGrad = i > m.first
		g = m.layers[i].Backward(&m.pass, m.inputs[i], g)
	}
	if check {
		if err := m.checkGradients(lossSum); err != nil {
			return err
		}
	}
	m.steps++
	if m.store.n > 0 {
		m.opt.step(m.dev, &m.store, m.steps)
	}
	return nil
}
