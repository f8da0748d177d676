package nn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/glnn/glnn/backend"
)

// FitOptions control Fit.
type FitOptions struct {
	// Epochs is the number of passes over the training data (at least 1).
	Epochs int
	// BatchSize is the number of samples per optimizer step (at least 1).
	BatchSize int
	// NoShuffle keeps the sample order; by default it is reshuffled every
	// epoch.
	NoShuffle bool
	// Seed makes the shuffling reproducible.
	Seed uint64
	// ValidationX and ValidationY, when set, are evaluated after every
	// epoch.
	ValidationX, ValidationY []float32
	// OnEpoch, when set, is called after every epoch with its results.
	OnEpoch func(Epoch)
}

// Epoch holds the results of one training epoch.
type Epoch struct {
	// Epoch counts from 1.
	Epoch int
	// Loss and Accuracy are the means over the epoch's training batches,
	// as the weights changed during the epoch (as Keras reports them).
	// Accuracy counts samples whose largest output is at the index of the
	// target's largest value: meaningful for classification only.
	Loss, Accuracy float64
	// ValLoss and ValAccuracy are set when HasValidation is.
	ValLoss, ValAccuracy float64
	HasValidation        bool
	// Seconds is the wall time of the training pass alone (evaluation
	// excluded), and SamplesPerSecond the training throughput.
	Seconds          float64
	SamplesPerSecond float64
}

// History is what Fit returns: one Epoch per completed epoch.
type History struct {
	Epochs []Epoch
}

// Last returns the last epoch's results (zero if there were none).
func (h *History) Last() Epoch {
	if h == nil || len(h.Epochs) == 0 {
		return Epoch{}
	}
	return h.Epochs[len(h.Epochs)-1]
}

// dataset is a labelled data set uploaded to the device.
type dataset struct {
	n       int
	x, y    *backend.Tensor
	indices *backend.Tensor
}

func (m *Sequential) upload(what string, x, y []float32) (*dataset, error) {
	n, err := m.checkData(what, x, y)
	if err != nil {
		return nil, err
	}
	d := &dataset{n: n}
	if d.x, err = m.dev.Alloc(n, m.in); err != nil {
		return nil, err
	}
	m.dev.Upload(d.x, x)
	if d.y, err = m.dev.Alloc(n, m.out); err != nil {
		d.release(m.dev)
		return nil, err
	}
	m.dev.Upload(d.y, y)
	if d.indices, err = m.dev.Alloc(n, 1); err != nil {
		d.release(m.dev)
		return nil, err
	}
	idx := make([]float32, n)
	for i := range idx {
		idx[i] = float32(i)
	}
	m.dev.Upload(d.indices, idx)
	return d, nil
}

func (d *dataset) release(dev backend.Device) {
	for _, t := range []*backend.Tensor{d.x, d.y, d.indices} {
		if t != nil {
			dev.Release(t)
		}
	}
}

// checkData validates x and y against the model and returns the number of
// samples.
func (m *Sequential) checkData(what string, x, y []float32) (int, error) {
	if len(x) == 0 {
		return 0, fmt.Errorf("nn: %s: no samples", what)
	}
	if len(x)%m.in != 0 {
		return 0, fmt.Errorf("nn: %s: %d input values are not a whole number of samples of %d features (the model's input size)", what, len(x), m.in)
	}
	n := len(x) / m.in
	if n >= 1<<24 {
		return 0, fmt.Errorf("nn: %s: %d samples is more than the 16,777,215 a data set may hold", what, n)
	}
	if y == nil {
		return n, nil
	}
	if len(y) != n*m.out {
		return 0, fmt.Errorf("nn: %s: %d samples need %d×%d = %d target values, got %d", what, n, n, m.out, n*m.out, len(y))
	}
	if m.loss == CategoricalCrossEntropy {
		for i := 0; i < n; i++ {
			sum := 0.0
			for _, v := range y[i*m.out : (i+1)*m.out] {
				if !(v >= 0 && v <= 1) {
					return 0, fmt.Errorf("nn: %s: target row %d has value %g outside [0, 1]; categorical cross-entropy wants one-hot rows (see nn.OneHot)", what, i, v)
				}
				sum += float64(v)
			}
			if math.Abs(sum-1) > 1e-3 {
				return 0, fmt.Errorf("nn: %s: target row %d sums to %g, not 1; categorical cross-entropy wants one-hot rows (see nn.OneHot)", what, i, sum)
			}
		}
	}
	return n, nil
}

// Fit trains the model on x (samples × InputSize()) and y (samples ×
// OutputSize()) for opts.Epochs epochs and returns the history of the
// completed epochs. When ctx is cancelled it stops after the current batch
// and returns the history so far with ctx's error.
func (m *Sequential) Fit(ctx context.Context, x, y []float32, opts FitOptions) (*History, error) {
	m.enter("Fit")
	defer m.exit()
	if ctx == nil {
		return nil, errors.New("nn: Fit: nil context (use context.Background())")
	}
	if m.dev == nil {
		return nil, ErrNotCompiled
	}
	if opts.Epochs < 1 {
		return nil, fmt.Errorf("nn: Fit: epochs is %d, want at least 1", opts.Epochs)
	}
	if opts.BatchSize < 1 {
		return nil, fmt.Errorf("nn: Fit: batch size is %d, want at least 1", opts.BatchSize)
	}
	if y == nil {
		return nil, errors.New("nn: Fit: no targets")
	}
	if (opts.ValidationX == nil) != (opts.ValidationY == nil) {
		return nil, errors.New("nn: Fit: give both ValidationX and ValidationY, or neither")
	}
	train, err := m.upload("training data", x, y)
	if err != nil {
		return nil, err
	}
	defer train.release(m.dev)
	var val *dataset
	if opts.ValidationX != nil {
		if val, err = m.upload("validation data", opts.ValidationX, opts.ValidationY); err != nil {
			return nil, err
		}
		defer val.release(m.dev)
	}
	batch := min(opts.BatchSize, train.n)
	if err := m.ensureBatch(batch); err != nil {
		return nil, err
	}

	perm := make([]float32, train.n)
	for i := range perm {
		perm[i] = float32(i)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x73687566)) // "shuf"
	hist := &History{}
	for epoch := 1; epoch <= opts.Epochs; epoch++ {
		start := time.Now()
		if !opts.NoShuffle {
			rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			m.dev.Upload(train.indices, perm)
		}
		m.dev.Fill(m.lossSum, 0)
		m.dev.Fill(m.correct, 0)
		for off := 0; off < train.n; off += batch {
			if err := ctx.Err(); err != nil {
				return hist, err
			}
			n := min(batch, train.n-off)
			m.dev.Gather(m.xb.Rows(n), train.x, train.indices, off)
			m.dev.Gather(m.yb.Rows(n), train.y, train.indices, off)
			m.trainStep(n)
		}
		loss, acc, err := m.readMetrics(train.n)
		if err != nil {
			return hist, err
		}
		secs := time.Since(start).Seconds()
		e := Epoch{Epoch: epoch, Loss: loss, Accuracy: acc, Seconds: secs, SamplesPerSecond: float64(train.n) / secs}
		if val != nil {
			if e.ValLoss, e.ValAccuracy, err = m.evaluate(val, batch); err != nil {
				return hist, err
			}
			e.HasValidation = true
		}
		hist.Epochs = append(hist.Epochs, e)
		if opts.OnEpoch != nil {
			opts.OnEpoch(e)
		}
	}
	return hist, nil
}

// readMetrics reads the accumulated loss and correct count, means over n.
func (m *Sequential) readMetrics(n int) (loss, acc float64, err error) {
	var buf [1]float32
	if err := m.dev.Download(buf[:], m.lossSum); err != nil {
		return 0, 0, fmt.Errorf("nn: %w", err)
	}
	loss = float64(buf[0]) / float64(n)
	if err := m.dev.Download(buf[:], m.correct); err != nil {
		return 0, 0, fmt.Errorf("nn: %w", err)
	}
	return loss, float64(buf[0]) / float64(n), nil
}

// evaluate computes the mean loss and accuracy over a device data set.
func (m *Sequential) evaluate(d *dataset, batch int) (loss, acc float64, err error) {
	if err := m.ensureBatch(batch); err != nil {
		return 0, 0, err
	}
	m.dev.Fill(m.lossSum, 0)
	m.dev.Fill(m.correct, 0)
	for off := 0; off < d.n; off += batch {
		n := min(batch, d.n-off)
		m.dev.Gather(m.xb.Rows(n), d.x, d.indices, off)
		m.dev.Gather(m.yb.Rows(n), d.y, d.indices, off)
		m.lossAndMetrics(m.forward(n, false), n)
	}
	return m.readMetrics(d.n)
}

// Evaluate returns the model's mean loss and accuracy (the share of
// samples whose largest output is at the index of the target's largest
// value) on x and y, in batches of batchSize (0 means 32).
func (m *Sequential) Evaluate(x, y []float32, batchSize int) (loss, accuracy float64, err error) {
	m.enter("Evaluate")
	defer m.exit()
	if m.dev == nil {
		return 0, 0, ErrNotCompiled
	}
	if batchSize < 0 {
		return 0, 0, fmt.Errorf("nn: Evaluate: batch size is %d, want at least 1", batchSize)
	}
	if batchSize == 0 {
		batchSize = 32
	}
	if y == nil {
		return 0, 0, errors.New("nn: Evaluate: no targets")
	}
	d, err := m.upload("evaluation data", x, y)
	if err != nil {
		return 0, 0, err
	}
	defer d.release(m.dev)
	return m.evaluate(d, min(batchSize, d.n))
}

// Predict returns the model's outputs for x (samples × InputSize()) as a
// samples × OutputSize() slice, computed in batches of batchSize (0 means
// 32). A softmax output layer gives class probabilities.
func (m *Sequential) Predict(x []float32, batchSize int) ([]float32, error) {
	m.enter("Predict")
	defer m.exit()
	if m.dev == nil {
		return nil, ErrNotCompiled
	}
	if batchSize < 0 {
		return nil, fmt.Errorf("nn: Predict: batch size is %d, want at least 1", batchSize)
	}
	if batchSize == 0 {
		batchSize = 32
	}
	n, err := m.checkData("prediction input", x, nil)
	if err != nil {
		return nil, err
	}
	batch := min(batchSize, n)
	if err := m.ensureBatch(batch); err != nil {
		return nil, err
	}
	out := make([]float32, n*m.out)
	for off := 0; off < n; off += batch {
		b := min(batch, n-off)
		m.dev.Upload(m.xb.Rows(b), x[off*m.in:(off+b)*m.in])
		h := m.forward(b, false)
		if m.head {
			p := m.pb.Rows(b)
			m.dev.Activate(p, h, backend.Softmax)
			h = p
		}
		if err := m.dev.Download(out[off*m.out:(off+b)*m.out], h); err != nil {
			return nil, fmt.Errorf("nn: %w", err)
		}
	}
	return out, nil
}

// Weight is one parameter tensor of a model, copied to host memory.
type Weight struct {
	Layer      int    // index of the layer in the model, from 0
	Name       string // "kernel" (inputs×units) or "bias" (1×units)
	Rows, Cols int
	Data       []float32 // row-major, Rows·Cols values
}

// Weights copies every parameter of a compiled model to host memory, in
// layer order.
func (m *Sequential) Weights() ([]Weight, error) {
	m.enter("Weights")
	defer m.exit()
	if m.dev == nil {
		return nil, ErrNotCompiled
	}
	var ws []Weight
	for i := range m.layers {
		for _, p := range m.params[i] {
			w := Weight{Layer: i, Name: p.Name, Rows: p.rows, Cols: p.cols, Data: make([]float32, p.rows*p.cols)}
			if err := m.dev.Download(w.Data, p.Value); err != nil {
				return nil, fmt.Errorf("nn: %w", err)
			}
			ws = append(ws, w)
		}
	}
	return ws, nil
}

// SetWeights replaces the parameters of a compiled model with ws, which
// must match Weights in order and shapes.
func (m *Sequential) SetWeights(ws []Weight) error {
	m.enter("SetWeights")
	defer m.exit()
	if m.dev == nil {
		return ErrNotCompiled
	}
	k := 0
	for i := range m.layers {
		for _, p := range m.params[i] {
			if k >= len(ws) {
				return fmt.Errorf("nn: SetWeights: %d weights given, the model has more", len(ws))
			}
			w := ws[k]
			if w.Layer != i || w.Name != p.Name || w.Rows != p.rows || w.Cols != p.cols || len(w.Data) != p.rows*p.cols {
				return fmt.Errorf("nn: SetWeights: weight %d is layer %d %s %d×%d (%d values), the model wants layer %d %s %d×%d",
					k, w.Layer, w.Name, w.Rows, w.Cols, len(w.Data), i, p.Name, p.rows, p.cols)
			}
			k++
		}
	}
	if k != len(ws) {
		return fmt.Errorf("nn: SetWeights: %d weights given, the model has %d", len(ws), k)
	}
	k = 0
	for i := range m.layers {
		for _, p := range m.params[i] {
			m.dev.Upload(p.Value, ws[k].Data)
			k++
		}
	}
	return nil
}

// Label is an integer type that can hold class labels.
type Label interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// OneHot encodes class labels as rows of classes values, 1 at the label's
// index and 0 elsewhere. A label outside [0, classes) is an error.
func OneHot[L Label](labels []L, classes int) ([]float32, error) {
	if classes < 1 {
		return nil, fmt.Errorf("nn: OneHot: %d classes", classes)
	}
	out := make([]float32, len(labels)*classes)
	for i, l := range labels {
		if l < 0 || uint64(l) >= uint64(classes) {
			return nil, fmt.Errorf("nn: OneHot: label %d at index %d is outside [0, %d)", l, i, classes)
		}
		out[i*classes+int(l)] = 1
	}
	return out, nil
}
