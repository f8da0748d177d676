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
	// Epochs is the number of passes over the training data (at least 1):
	// Fit trains epochs InitialEpoch+1 … Epochs.
	Epochs int
	// InitialEpoch is the number of epochs already done, and InitialStep
	// the steps already done of the next, when a run is resumed from a
	// checkpoint: Fit replays the shuffles and skips the steps done, so
	// that the run goes on exactly as if it had not stopped. The metrics
	// of a resumed epoch cover the steps run after resuming.
	InitialEpoch, InitialStep int
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
	// TestX and TestY, when set, are evaluated after every epoch too, and
	// reported apart from the validation data (Epoch.TestLoss).
	TestX, TestY []float32
	// ValidationSplit, in [0, 1), holds out that fraction of the samples,
	// the last ones (before any shuffling), as validation data, as Keras's
	// validation_split does. It excludes ValidationX and ValidationY.
	ValidationSplit float64
	// OnEpoch, when set, is called after every epoch with its results. It
	// may use the model (Save it, say) on Fit's goroutine.
	OnEpoch func(Epoch)
	// OnBatch, when set, is called after every training step. Reading the
	// running metrics (Progress.Metrics) waits for the device: call it
	// only as often as they are shown. It may Save the model, but
	// Evaluate or Predict there would disturb the epoch's metrics.
	OnBatch func(Progress)
	// CheckNumerics checks, after every step, every layer's output and
	// every parameter's gradient, and stops with an error naming the first
	// that is not finite. It waits for the device at every step: a
	// debugging aid.
	CheckNumerics bool
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
	// TestLoss and TestAccuracy are set when HasTest is.
	TestLoss, TestAccuracy float64
	HasTest                bool
	// Seconds is the wall time of the training pass alone (evaluation
	// excluded), and SamplesPerSecond the training throughput.
	Seconds          float64
	SamplesPerSecond float64
}

// History is what Fit returns: one Epoch per completed epoch, and how far
// training got.
type History struct {
	Epochs []Epoch
	// Reached is the training position at return: epochs completed and
	// steps of the next (non-zero when Fit was interrupted mid-epoch), in
	// the numbering of InitialEpoch and InitialStep.
	Reached Position
}

// Position is a point in a training run: Epoch epochs done, and Step steps
// of the next.
type Position struct{ Epoch, Step int }

// Last returns the last epoch's results (zero if there were none).
func (h *History) Last() Epoch {
	if h == nil || len(h.Epochs) == 0 {
		return Epoch{}
	}
	return h.Epochs[len(h.Epochs)-1]
}

// Progress is what OnBatch receives after each training step.
type Progress struct {
	// Epoch counts from 1 up to Epochs.
	Epoch, Epochs int
	// Step is the number of steps done in this epoch, out of Steps.
	Step, Steps int
	// Samples is the number of samples trained on in this epoch so far.
	Samples int
	// Elapsed is the time since the epoch began.
	Elapsed time.Duration

	fit *fitState
}

// Metrics returns the epoch's running mean loss and accuracy so far. On an
// asynchronous device it waits for the queued steps.
func (p Progress) Metrics() (loss, accuracy float64, err error) {
	if p.fit == nil {
		return 0, 0, errors.New("nn: Progress.Metrics outside OnBatch")
	}
	return p.fit.running(p.Step, p.Samples)
}

// NonFiniteError reports a training loss that is NaN or infinite, naming
// where it first appeared (Keras's TerminateOnNaN).
type NonFiniteError struct {
	Epoch, Step int     // counted from 1
	Loss        float64 // the step's loss sum
	// Where names what went non-finite first when CheckNumerics found it
	// ("layer 2 (dense(128, relu)) output"); empty for the loss.
	Where string
}

func (e *NonFiniteError) Error() string {
	what := fmt.Sprintf("the training loss is %v", e.Loss)
	if e.Where != "" {
		what = e.Where + " is not finite"
	}
	return fmt.Sprintf("nn: epoch %d, step %d: %s; training stopped (try a lower learning rate, or check the data)", e.Epoch, e.Step, what)
}

// fitState is what one Fit keeps beyond the model.
type fitState struct {
	m        *Sequential
	steps    int
	stepLoss *backend.Tensor   // one loss sum per step, SliceAlign apart
	slot     []*backend.Tensor // the 1×1 slice of each step
	host     []float32
}

func (f *fitState) release() {
	if f.stepLoss != nil {
		f.m.dev.Release(f.stepLoss)
	}
}

// read downloads the loss sums of the first steps steps.
func (f *fitState) read(steps int) ([]float32, error) {
	v := f.host[:steps*backend.SliceAlign]
	if err := f.m.dev.Download(v, f.stepLoss.View(1, len(v))); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	return v, nil
}

// running returns the mean loss and accuracy of the first steps steps
// (samples samples) of the epoch.
func (f *fitState) running(steps, samples int) (loss, acc float64, err error) {
	v, err := f.read(steps)
	if err != nil {
		return 0, 0, err
	}
	for s := 0; s < steps; s++ {
		loss += float64(v[s*backend.SliceAlign])
	}
	var c [1]float32
	if err := f.m.dev.Download(c[:], f.m.correct); err != nil {
		return 0, 0, fmt.Errorf("nn: %w", err)
	}
	return loss / float64(max(samples, 1)), float64(c[0]) / float64(max(samples, 1)), nil
}

// Fit trains the model on x (samples × InputSize()) and y (samples ×
// OutputSize()) for opts.Epochs epochs and returns the history of the
// completed epochs. When ctx is cancelled it stops after the current batch
// and returns the history so far with ctx's error. A loss that turns NaN
// or infinite stops training with a *NonFiniteError at the end of that
// epoch (at once with CheckNumerics). A batch whose buffers exceed what
// the device accepts in one op is an error wrapping ErrTooLarge, before
// anything is uploaded; a device fault (see backend.Device) ends Fit with
// the device's error.
func (m *Sequential) Fit(ctx context.Context, x, y []float32, opts FitOptions) (*History, error) {
	m.enter("Fit")
	defer m.exit()
	switch {
	case ctx == nil:
		return nil, errors.New("nn: Fit: nil context (use context.Background())")
	case m.dev == nil:
		return nil, ErrNotCompiled
	case opts.Epochs < 1:
		return nil, fmt.Errorf("nn: Fit: epochs is %d, want at least 1", opts.Epochs)
	case opts.InitialEpoch < 0 || opts.InitialEpoch >= opts.Epochs:
		return nil, fmt.Errorf("nn: Fit: initial epoch %d, want 0 to %d (epochs %d)", opts.InitialEpoch, opts.Epochs-1, opts.Epochs)
	case opts.InitialStep < 0:
		return nil, fmt.Errorf("nn: Fit: initial step %d, want at least 0", opts.InitialStep)
	case opts.BatchSize < 1:
		return nil, fmt.Errorf("nn: Fit: batch size is %d, want at least 1", opts.BatchSize)
	case y == nil:
		return nil, errors.New("nn: Fit: no targets")
	case (opts.ValidationX == nil) != (opts.ValidationY == nil):
		return nil, errors.New("nn: Fit: give both ValidationX and ValidationY, or neither")
	case (opts.TestX == nil) != (opts.TestY == nil):
		return nil, errors.New("nn: Fit: give both TestX and TestY, or neither")
	case !(opts.ValidationSplit >= 0 && opts.ValidationSplit < 1):
		return nil, fmt.Errorf("nn: Fit: validation split %v, want a fraction in [0, 1)", opts.ValidationSplit)
	case opts.ValidationSplit > 0 && opts.ValidationX != nil:
		return nil, errors.New("nn: Fit: give ValidationSplit or ValidationX and ValidationY, not both")
	}
	vx, vy := opts.ValidationX, opts.ValidationY
	if opts.ValidationSplit > 0 && len(x)%max(m.in, 1) == 0 && len(y)%max(m.out, 1) == 0 {
		n := len(x) / m.in
		keep := int(float64(n) * (1 - opts.ValidationSplit))
		if keep < 1 || keep == n {
			return nil, fmt.Errorf("nn: Fit: validation split %v of %d samples leaves %d for training and %d for validation; both need at least one", opts.ValidationSplit, n, keep, n-keep)
		}
		x, vx = x[:keep*m.in], x[keep*m.in:]
		y, vy = y[:keep*m.out], y[keep*m.out:]
	}
	if n := len(x) / max(m.in, 1); n > 0 { // before uploading anything
		if err := m.checkBatch(min(opts.BatchSize, n)); err != nil {
			return nil, err
		}
	}
	train, err := m.upload("training data", x, y)
	if err != nil {
		return nil, err
	}
	defer train.release(m.dev)
	var val *dataset
	if vx != nil {
		if val, err = m.upload("validation data", vx, vy); err != nil {
			return nil, err
		}
		defer val.release(m.dev)
	}
	var test *dataset
	if opts.TestX != nil {
		if test, err = m.upload("test data", opts.TestX, opts.TestY); err != nil {
			return nil, err
		}
		defer test.release(m.dev)
	}
	batch := min(opts.BatchSize, train.n)
	if err := m.ensureBatch(batch); err != nil {
		return nil, err
	}
	f, err := m.newFitState((train.n + batch - 1) / batch)
	if err != nil {
		return nil, err
	}
	defer f.release()
	if opts.InitialStep >= f.steps {
		return nil, fmt.Errorf("nn: Fit: initial step %d, but an epoch of %d samples at batch %d has %d steps", opts.InitialStep, train.n, batch, f.steps)
	}

	perm := make([]float32, train.n)
	for i := range perm {
		perm[i] = float32(i)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x73687566)) // "shuf"
	shuffle := func() { rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] }) }
	if !opts.NoShuffle {
		for range opts.InitialEpoch { // the shuffles of the epochs done before
			shuffle()
		}
	}
	hist := &History{Reached: Position{Epoch: opts.InitialEpoch, Step: opts.InitialStep}}
	skip := opts.InitialStep
	for epoch := opts.InitialEpoch + 1; epoch <= opts.Epochs; epoch++ {
		start := time.Now()
		if !opts.NoShuffle {
			shuffle()
			m.dev.Upload(train.indices, perm)
		}
		m.dev.Fill(f.stepLoss, 0)
		m.dev.Fill(m.correct, 0)
		p := Progress{Epoch: epoch, Epochs: opts.Epochs, Steps: f.steps, fit: f}
		first, samples := skip, 0
		for s, off := skip, skip*batch; off < train.n; s, off = s+1, off+batch {
			if err := ctx.Err(); err != nil {
				return hist, err
			}
			n := min(batch, train.n-off)
			m.dev.Gather(m.xb.Rows(n), train.x, train.indices, off)
			m.dev.Gather(m.yb.Rows(n), train.y, train.indices, off)
			if err := m.trainStep(n, f.slot[s], opts.CheckNumerics); err != nil {
				return hist, withPlace(err, epoch, s+1)
			}
			hist.Reached.Step = s + 1
			samples += n
			if opts.OnBatch != nil {
				p.Step, p.Samples, p.Elapsed = s+1, samples, time.Since(start)
				m.callback(func() { opts.OnBatch(p) })
			}
		}
		skip = 0
		e, err := f.epochMetrics(epoch, first, samples)
		if err != nil {
			return hist, err
		}
		hist.Reached = Position{Epoch: epoch}
		e.Seconds = time.Since(start).Seconds()
		e.SamplesPerSecond = float64(samples) / e.Seconds
		if val != nil {
			if e.ValLoss, e.ValAccuracy, err = m.evaluate(val, batch); err != nil {
				return hist, err
			}
			e.HasValidation = true
		}
		if test != nil {
			if e.TestLoss, e.TestAccuracy, err = m.evaluate(test, batch); err != nil {
				return hist, err
			}
			e.HasTest = true
		}
		hist.Epochs = append(hist.Epochs, e)
		if opts.OnEpoch != nil {
			m.callback(func() { opts.OnEpoch(e) })
		}
	}
	return hist, nil
}

// callback runs f, a callback of the caller's, with the model free for
// it to use (on Fit's goroutine).
func (m *Sequential) callback(f func()) {
	m.exit()
	defer m.enter("Fit")
	f()
}

// newFitState allocates the per-step loss sums of an epoch of steps steps.
func (m *Sequential) newFitState(steps int) (*fitState, error) {
	f := &fitState{m: m, steps: steps}
	var err error
	if f.stepLoss, err = m.dev.Alloc(1, steps*backend.SliceAlign); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	f.slot = make([]*backend.Tensor, steps)
	for s := range f.slot {
		f.slot[s] = f.stepLoss.Slice(s*backend.SliceAlign, 1, 1)
	}
	f.host = make([]float32, steps*backend.SliceAlign)
	return f, nil
}

// epochMetrics reads the loss sums of steps first… of the epoch and the
// correct count over their n samples, failing with a *NonFiniteError at
// the first step whose loss is not finite.
func (f *fitState) epochMetrics(epoch, first, n int) (Epoch, error) {
	v, err := f.read(f.steps)
	if err != nil {
		return Epoch{}, err
	}
	loss := 0.0
	for s := first; s < f.steps; s++ {
		l := float64(v[s*backend.SliceAlign])
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return Epoch{}, &NonFiniteError{Epoch: epoch, Step: s + 1, Loss: l}
		}
		loss += l
	}
	var c [1]float32
	if err := f.m.dev.Download(c[:], f.m.correct); err != nil {
		return Epoch{}, fmt.Errorf("nn: %w", err)
	}
	return Epoch{Epoch: epoch, Loss: loss / float64(n), Accuracy: float64(c[0]) / float64(n)}, nil
}

// withPlace fills in the epoch and step of a *NonFiniteError.
func withPlace(err error, epoch, step int) error {
	var nf *NonFiniteError
	if errors.As(err, &nf) {
		nf.Epoch, nf.Step = epoch, step
	}
	return err
}
