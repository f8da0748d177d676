package nn

import (
	"fmt"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/internal/finite"
)

// Predict refuses input that holds a NaN or an infinity, naming the first
// sample that does. Scanning all the input before the forward pass reads
// it from memory once more than the pass itself does (on the CPU, for
// MNIST's test set, a tenth of Predict's time), so where it can, Predict
// lets the model's first layer screen its input instead.
//
// That layer must be a Dense layer (after reshapes only), on a device
// whose memory is host memory (backend.Adopter: the CPU), whose MatMul
// computes each z_ij = Σ_k x_ik·w_kj in IEEE 754 arithmetic. Then a NaN or
// infinity anywhere in row i of x makes every value of row i of z NaN or
// infinite, whatever w holds and in whatever order the sum is taken: the
// term x_ik·w_kj is NaN or infinite (∞·0 is NaN), and adding finite values
// to an infinity keeps it infinite, adding the other infinity or a NaN
// gives NaN, and NaN stays NaN. By the same argument, the sum of a column
// of z that holds a NaN or an infinity is NaN or infinite.
//
// So between the layer's MatMul and its bias and activation (ReLU would
// turn −∞ into 0), the screen has the device sum the columns of z
// (SumRows; the CPU runs it in the GEMM's epilogue, on each tile as it is
// finished, at next to no cost), and after the forward pass it downloads
// the sums: when they are finite, so is the batch's input. Otherwise it
// scans the batch's input rows, which names the first non-finite input,
// or finds none: a column of z can also be infinite because finite inputs
// overflow, and Predict then goes on as it always has.

// inputScreen checks one batch of Predict's input through the first Dense
// layer's product z = x·W.
type inputScreen struct {
	what  string
	x     []float32       // the batch's input rows
	first int             // index of the batch's first sample
	in    int             // features per sample
	sums  *backend.Tensor // 1×cols: the column sums of z (kept across calls)
	buf   []float32       // host copy of the sums
}

// prepare readies the screen for the first Dense layer's cols outputs,
// allocating its device tensor; what names the input in errors.
func (s *inputScreen) prepare(dev backend.Device, what string, cols int) error {
	s.what = what
	if s.sums != nil {
		return nil
	}
	var err error
	if s.sums, err = dev.Alloc(1, cols); err != nil {
		return err
	}
	s.buf = make([]float32, cols)
	return nil
}

// begin points the screen at the next batch: x, rows of in features, the
// first of them sample first.
func (s *inputScreen) begin(x []float32, first, in int) {
	s.x, s.first, s.in = x, first, in
}

// sum has the device sum the columns of z, the first Dense layer's
// product for the batch.
func (s *inputScreen) sum(dev backend.Device, z *backend.Tensor) {
	dev.SumRows(s.sums, z)
}

// verify returns the error for the batch's first non-finite input, if it
// has one, once the forward pass is done.
func (s *inputScreen) verify(dev backend.Device) error {
	if err := dev.Download(s.buf, s.sums); err != nil {
		return fmt.Errorf("nn: %w", err)
	}
	if finite.First(s.buf) < 0 {
		return nil
	}
	return nonFiniteInput(s.what, s.x, s.in, s.first)
}

// release frees the screen's device tensor.
func (s *inputScreen) release(dev backend.Device) {
	if s.sums != nil {
		dev.Release(s.sums)
	}
	*s = inputScreen{}
}

// screens reports whether Predict can leave the input check to the first
// layer (see inputScreen): a device with host memory, and a Dense layer
// with only reshapes before it.
func (m *Sequential) screens() bool {
	if _, ok := m.dev.(backend.Adopter); !ok || m.first >= len(m.layers) {
		return false
	}
	for _, l := range m.layers[:m.first] {
		if _, ok := l.(*reshape); !ok {
			return false
		}
	}
	_, ok := m.layers[m.first].(*dense)
	return ok
}

// screenInput hands the product x·W of the pass's first Dense layer to the
// input screen, if the pass has one.
func (p *Pass) screenInput(z *backend.Tensor) {
	if s := p.screen; s != nil {
		p.screen = nil
		s.sum(p.Dev, z)
	}
}

// nonFiniteInput returns the error for the first NaN or infinity in x,
// the rows of in features of samples first, first+1, …; nil if there is
// none.
func nonFiniteInput(what string, x []float32, in, first int) error {
	if i := finite.First(x); i >= 0 {
		return fmt.Errorf("nn: %s: sample %d has a non-finite input (%g at feature %d)", what, first+i/in, x[i], i%in)
	}
	return nil
}
