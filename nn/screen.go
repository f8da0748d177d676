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
// gives NaN, and NaN stays NaN. So a row of z with only finite values
// has a finite input row, and only the input rows behind the other rows of
// z need a look.
//
// The screen runs between the layer's MatMul and its bias and activation
// (ReLU would turn −∞ into 0). It sums the columns of z on the device, as
// the product 1ᵀ·z (a pass at GEMM speed over values just computed and
// still in cache, ten times fewer than x's for MNIST): by the same
// argument the sum of a column that holds a NaN or an infinity is NaN or
// infinite. It downloads the sums, and when they are finite, so is z, and
// the batch is done. Otherwise it
// downloads z and scans the input rows behind its non-finite rows. A row
// of z can also be infinite because finite inputs overflow; its input row
// is finite, and Predict goes on as it always has.

// inputScreen checks one batch of Predict's input through the first Dense
// layer's product z = x·W.
type inputScreen struct {
	what  string
	x     []float32       // the batch's input rows
	first int             // index of the batch's first sample
	in    int             // features per sample
	sums  *backend.Tensor // 1×cols: the column sums of z (kept across calls)
	ones  *backend.Tensor // batch×1, all ones (kept across calls)
	buf   []float32       // host copy of the sums, or of z
	err   error           // the first non-finite input found, or a device error
}

// check records in s.err the first input row behind a non-finite row of z
// that is not finite itself.
func (s *inputScreen) check(dev backend.Device, z *backend.Tensor) {
	cols := z.Cols()
	if cap(s.buf) < cols {
		s.buf = make([]float32, cols)
	}
	dev.MatMul(s.sums, s.ones.View(z.Rows(), 1), z, backend.Trans, backend.NoTrans)
	if s.download(dev, s.buf[:cols], s.sums) || finite.First(s.buf[:cols]) < 0 {
		return
	}
	if cap(s.buf) < z.Len() {
		s.buf = make([]float32, z.Len())
	}
	buf := s.buf[:z.Len()]
	if s.download(dev, buf, z) {
		return
	}
	for pos := 0; pos < len(buf); {
		j := finite.First(buf[pos:])
		if j < 0 {
			return
		}
		r := (pos + j) / cols
		if s.err = nonFiniteInput(s.what, s.x[r*s.in:(r+1)*s.in], s.in, s.first+r); s.err != nil {
			return
		}
		pos = (r + 1) * cols
	}
}

// download copies src into dst, and reports whether it failed (the error
// is then in s.err).
func (s *inputScreen) download(dev backend.Device, dst []float32, src *backend.Tensor) bool {
	if err := dev.Download(dst, src); err != nil {
		s.err = fmt.Errorf("nn: %w", err)
		return true
	}
	return false
}

// prepare readies the screen for batches of up to batch rows of the
// first Dense layer's cols outputs, allocating its device tensors; what
// names the input in errors.
func (s *inputScreen) prepare(dev backend.Device, what string, batch, cols int) error {
	s.what = what
	if s.ones != nil && s.ones.Rows() < batch {
		dev.Release(s.ones)
		s.ones = nil
	}
	var err error
	if s.sums == nil {
		if s.sums, err = dev.Alloc(1, cols); err != nil {
			return err
		}
	}
	if s.ones == nil {
		if s.ones, err = dev.Alloc(batch, 1); err != nil {
			return err
		}
		dev.Fill(s.ones, 1)
	}
	return nil
}

// begin points the screen at the next batch: x, rows of in features, the
// first of them sample first.
func (s *inputScreen) begin(x []float32, first, in int) {
	s.x, s.first, s.in, s.err = x, first, in, nil
}

// release frees the screen's device tensors.
func (s *inputScreen) release(dev backend.Device) {
	for _, t := range []*backend.Tensor{s.sums, s.ones} {
		if t != nil {
			dev.Release(t)
		}
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
		s.check(p.Dev, z)
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
