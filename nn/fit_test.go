package nn_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/nn"
)

// recorder is a device that passes every op to a real one and records
// what Fit asks of it: the index permutations uploaded, the Gathers and
// the loss calls.
type recorder struct {
	backend.Device
	indexRows int         // rows of the training set, to recognise its indices
	perms     [][]float32 // every upload into an indices tensor
	gathers   []gather    // Gathers of inputs (cols > 1 is not enough: record all)
	lossRows  []int       // rows of each SoftmaxCrossEntropy call
}

type gather struct {
	src        *backend.Tensor
	offset, n  int
	indices    []float32 // the permutation in force
	targetCols int
}

func (r *recorder) Upload(dst *backend.Tensor, src []float32) {
	if dst.Rows() == r.indexRows && dst.Cols() == 1 {
		r.perms = append(r.perms, slices.Clone(src))
	}
	r.Device.Upload(dst, src)
}

func (r *recorder) Gather(dst, src, indices *backend.Tensor, offset int) {
	var perm []float32
	if len(r.perms) > 0 {
		perm = r.perms[len(r.perms)-1]
	}
	r.gathers = append(r.gathers, gather{src: src, offset: offset, n: dst.Rows(), indices: perm, targetCols: dst.Cols()})
	r.Device.Gather(dst, src, indices, offset)
}

func (r *recorder) SoftmaxCrossEntropy(dLogits, lossSum, logits, targets *backend.Tensor) {
	r.lossRows = append(r.lossRows, logits.Rows())
	r.Device.SoftmaxCrossEntropy(dLogits, lossSum, logits, targets)
}

// TestFitVisitsEveryRow checks, through a recording device, that Fit
// shuffles afresh every epoch, trains on every row exactly once per epoch,
// and trains the last, partial batch with its own row count.
func TestFitVisitsEveryRow(t *testing.T) {
	const n, batch, epochs = 23, 5, 3
	rec := &recorder{Device: newCPU(t), indexRows: n}
	x, y := blobs(n, 4)
	m := nn.NewSequential(nn.Input(2), nn.Dense(4, "relu"), nn.Dense(3, "softmax"))
	if err := m.Compile(rec, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if _, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: epochs, BatchSize: batch, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	// The first upload is the identity order; then one permutation per epoch.
	if len(rec.perms) != epochs+1 {
		t.Fatalf("%d uploads of the indices, want %d (the identity, then one per epoch)", len(rec.perms), epochs+1)
	}
	perms := rec.perms[1:]
	for e, p := range perms {
		sorted := slices.Clone(p)
		slices.Sort(sorted)
		for i, v := range sorted {
			if v != float32(i) {
				t.Fatalf("epoch %d: indices %v are not a permutation of 0..%d", e+1, p, n-1)
			}
		}
		if e > 0 && slices.Equal(p, perms[e-1]) {
			t.Errorf("epoch %d uses the same order as epoch %d", e+1, e)
		}
	}
	if slices.Equal(perms[0], rec.perms[0]) {
		t.Errorf("epoch 1 is not shuffled")
	}
	// Gathers come in pairs (inputs, targets) per step: every row once.
	steps := (n + batch - 1) / batch
	if len(rec.gathers) != 2*steps*epochs {
		t.Fatalf("%d Gathers, want %d", len(rec.gathers), 2*steps*epochs)
	}
	for e := range epochs {
		seen := make([]int, n)
		for s := range steps {
			gx, gy := rec.gathers[2*(e*steps+s)], rec.gathers[2*(e*steps+s)+1]
			if gx.offset != gy.offset || gx.n != gy.n || gx.targetCols != 2 || gy.targetCols != 3 {
				t.Fatalf("epoch %d step %d: inputs and targets gathered differently: %+v, %+v", e+1, s+1, gx, gy)
			}
			if want := min(batch, n-s*batch); gx.n != want {
				t.Errorf("epoch %d step %d: batch of %d rows, want %d", e+1, s+1, gx.n, want)
			}
			if !slices.Equal(gx.indices, perms[e]) {
				t.Errorf("epoch %d step %d gathers with a stale order", e+1, s+1)
			}
			for _, r := range gx.indices[gx.offset : gx.offset+gx.n] {
				seen[int(r)]++
			}
		}
		for r, c := range seen {
			if c != 1 {
				t.Errorf("epoch %d trains row %d %d times", e+1, r, c)
			}
		}
	}
	// The loss of each step is over that step's rows: the partial batch too.
	for i, rows := range rec.lossRows {
		if want := min(batch, n-(i%steps)*batch); rows != want {
			t.Errorf("loss call %d over %d rows, want %d", i+1, rows, want)
		}
	}
}

// act64 is a float64 activation with its derivative, for the hand-written
// reference below.
type act64 struct {
	name string
	f    func(float64) float64
	df   func(float64) float64
}

var refActs = []act64{
	{"tanh", math.Tanh, func(x float64) float64 { t := math.Tanh(x); return 1 - t*t }},
	{"leaky_relu(0.1)", func(x float64) float64 { return max(x, 0.1*x) }, func(x float64) float64 {
		if x > 0 {
			return 1
		}
		return 0.1
	}},
	{"gelu", func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, func(x float64) float64 {
		return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
	}},
}

// TestFitMatchesHandWrittenLoop trains Input(2) → Dense(3, act) →
// Dense(2, softmax) with plain SGD for two epochs at batch 3 on 4 samples
// (a full batch, then a batch of one) without shuffling, and compares the
// weights and epoch losses with the same training written out in float64.
func TestFitMatchesHandWrittenLoop(t *testing.T) {
	x := []float64{0.5, -1, 1.5, 0.25, -0.75, 2, 1, 1}
	labels := []int{0, 1, 1, 0}
	const lr, batch, epochs = 0.3, 3, 2
	for _, a := range refActs {
		t.Run(a.name, func(t *testing.T) {
			m := nn.NewSequential(nn.Input(2), nn.Dense(3, a.name), nn.Dense(2, "softmax"))
			if err := m.Compile(newCPU(t), nn.SGD(lr, 0), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 5}); err != nil {
				t.Fatal(err)
			}
			defer m.Release()
			init, err := m.Weights()
			if err != nil {
				t.Fatal(err)
			}
			w1, b1, w2, b2 := to64(init[0].Data), to64(init[1].Data), to64(init[2].Data), to64(init[3].Data)
			var wantLoss []float64
			for range epochs {
				total := 0.0
				for off := 0; off < 4; off += batch {
					n := min(batch, 4-off)
					gw1, gb1, gw2, gb2 := make([]float64, 6), make([]float64, 3), make([]float64, 6), make([]float64, 2)
					for s := off; s < off+n; s++ {
						xi := x[2*s : 2*s+2]
						z1, h := make([]float64, 3), make([]float64, 3)
						for j := range 3 {
							z1[j] = b1[j] + xi[0]*w1[j] + xi[1]*w1[3+j]
							h[j] = a.f(z1[j])
						}
						logit := []float64{b2[0], b2[1]}
						for j := range 3 {
							logit[0] += h[j] * w2[2*j]
							logit[1] += h[j] * w2[2*j+1]
						}
						mx := max(logit[0], logit[1])
						e0, e1 := math.Exp(logit[0]-mx), math.Exp(logit[1]-mx)
						p := []float64{e0 / (e0 + e1), e1 / (e0 + e1)}
						total -= math.Log(p[labels[s]])
						d2 := []float64{p[0] / float64(n), p[1] / float64(n)}
						d2[labels[s]] -= 1 / float64(n)
						for j := range 3 {
							dh := d2[0]*w2[2*j] + d2[1]*w2[2*j+1]
							gw2[2*j] += h[j] * d2[0]
							gw2[2*j+1] += h[j] * d2[1]
							dz := dh * a.df(z1[j])
							gw1[j] += xi[0] * dz
							gw1[3+j] += xi[1] * dz
							gb1[j] += dz
						}
						gb2[0] += d2[0]
						gb2[1] += d2[1]
					}
					for _, pg := range [][2][]float64{{w1, gw1}, {b1, gb1}, {w2, gw2}, {b2, gb2}} {
						for i := range pg[0] {
							pg[0][i] -= lr * pg[1][i]
						}
					}
				}
				wantLoss = append(wantLoss, total/4)
			}

			y, _ := nn.OneHot(labels, 2)
			h, err := m.Fit(context.Background(), to32(x), y, nn.FitOptions{Epochs: epochs, BatchSize: batch, NoShuffle: true})
			if err != nil {
				t.Fatal(err)
			}
			for e, ep := range h.Epochs {
				if math.Abs(ep.Loss-wantLoss[e]) > 1e-5*wantLoss[e] {
					t.Errorf("epoch %d loss %v, hand-written loop %v", e+1, ep.Loss, wantLoss[e])
				}
			}
			got, err := m.Weights()
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range [][]float64{w1, b1, w2, b2} {
				for j, v := range want {
					if d := math.Abs(float64(got[i].Data[j]) - v); d > 1e-5*max(1, math.Abs(v)) {
						t.Errorf("%s %d[%d] = %v, hand-written loop %v", got[i].Name, got[i].Layer, j, got[i].Data[j], v)
					}
				}
			}
		})
	}
}

// TestEpochMetrics checks what Fit reports per epoch: with a learning rate
// too small to move the weights, each epoch's loss and accuracy equal
// Evaluate on the training set (so the accumulators are reset between
// epochs and cover every batch), and the accuracy is a share in [0, 1].
func TestEpochMetrics(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(203, 8)
	m := nn.NewSequential(nn.Input(2), nn.Dense(8, "relu"), nn.Dense(3, "softmax"))
	if err := m.Compile(dev, nn.Adam(1e-12), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 4}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	loss, acc, err := m.Evaluate(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 3, BatchSize: 16, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range h.Epochs {
		if e.Accuracy < 0 || e.Accuracy > 1 {
			t.Errorf("epoch %d accuracy %v outside [0, 1]", e.Epoch, e.Accuracy)
		}
		if math.Abs(e.Loss-loss) > 1e-5*loss || math.Abs(e.Accuracy-acc) > 1e-9 {
			t.Errorf("epoch %d: loss %v accuracy %v; Evaluate on the training set gives %v, %v", e.Epoch, e.Loss, e.Accuracy, loss, acc)
		}
	}
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestNewActivationsTrain trains models with LeakyReLU and GELU, as Dense
// activations and as layers, to a stated accuracy.
func TestNewActivationsTrain(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(400, 6)
	vx, vy := blobs(200, 7)
	for name, layers := range map[string][]nn.Layer{
		"dense leaky_relu":   {nn.Input(2), nn.Dense(16, "leaky_relu"), nn.Dense(3, "softmax")},
		"LeakyReLU(0.1)":     {nn.Input(2), nn.Dense(16, ""), nn.LeakyReLU(0.1), nn.Dense(3, "softmax")},
		"dense gelu":         {nn.Input(2), nn.Dense(16, "gelu"), nn.Dense(3, "softmax")},
		"GELU layer":         {nn.Input(2), nn.Dense(16, ""), nn.GELU(), nn.Dense(3, "softmax")},
		"leaky_relu(0.3) x2": {nn.Input(2), nn.Dense(16, "leaky_relu(0.3)"), nn.Dense(8, "leaky_relu(0.3)"), nn.Dense(3, "softmax")},
	} {
		t.Run(name, func(t *testing.T) {
			m := nn.NewSequential(layers...)
			if err := m.Compile(dev, nn.Adam(0.02), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 3}); err != nil {
				t.Fatal(err)
			}
			defer m.Release()
			if _, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 10, BatchSize: 32, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			_, acc, err := m.Evaluate(vx, vy, 0)
			if err != nil {
				t.Fatal(err)
			}
			if acc < 0.95 {
				t.Errorf("validation accuracy %.3f, want ≥ 0.95", acc)
			}
		})
	}
}

// TestValidationSplit holds out the last samples, as Keras does: the
// validation metrics equal Evaluate on them.
func TestValidationSplit(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(100, 9)
	m := nn.NewSequential(nn.Input(2), nn.Dense(8, "relu"), nn.Dense(3, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	h, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 2, BatchSize: 10, ValidationSplit: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	last := h.Last()
	loss, acc, err := m.Evaluate(x[75*2:], y[75*3:], 0)
	if err != nil {
		t.Fatal(err)
	}
	if !last.HasValidation || math.Abs(last.ValLoss-loss) > 1e-6 || last.ValAccuracy != acc {
		t.Errorf("validation %v %v (has %v), Evaluate on the last 25 samples %v %v", last.ValLoss, last.ValAccuracy, last.HasValidation, loss, acc)
	}
	for _, bad := range []nn.FitOptions{
		{Epochs: 1, BatchSize: 10, ValidationSplit: 1},
		{Epochs: 1, BatchSize: 10, ValidationSplit: -0.1},
		{Epochs: 1, BatchSize: 10, ValidationSplit: 0.995},
		{Epochs: 1, BatchSize: 10, ValidationSplit: 0.2, ValidationX: x, ValidationY: y},
	} {
		if _, err := m.Fit(context.Background(), x, y, bad); err == nil {
			t.Errorf("Fit with %+v: no error", bad)
		}
	}
}

// TestNonFinite checks that a diverging run stops with an error naming the
// epoch and step, that CheckNumerics names the layer, and that non-finite
// inputs are refused naming the sample.
func TestNonFinite(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(64, 10)
	m := nn.NewSequential(nn.Input(2), nn.Dense(8, "relu"), nn.Dense(3, "softmax"))
	if err := m.Compile(dev, nn.SGD(1e30, 0), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	h, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 3, BatchSize: 8, NoShuffle: true})
	var nf *nn.NonFiniteError
	if !errors.As(err, &nf) || nf.Epoch != 1 || nf.Step < 2 || len(h.Epochs) != 0 {
		t.Fatalf("Fit with lr 1e30: %v (history %d epochs); want a NonFiniteError in epoch 1 after step 1", err, len(h.Epochs))
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "epoch 1, step") {
		t.Errorf("error %q does not name the epoch and step", err)
	}

	// CheckNumerics stops at the first step that goes non-finite, naming
	// a layer's output or gradient.
	if err := m.Compile(dev, nn.SGD(1e30, 0), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	_, err = m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 3, BatchSize: 8, NoShuffle: true, CheckNumerics: true})
	if !errors.As(err, &nf) || nf.Where == "" || nf.Step != nf2step(t, m, x, y) {
		t.Fatalf("CheckNumerics: %v", err)
	}
	t.Log(err)

	bad := append([]float32(nil), x...)
	bad[2*5+1] = float32(math.Inf(1))
	if _, err := m.Fit(context.Background(), bad, y, nn.FitOptions{Epochs: 1, BatchSize: 8}); err == nil || !strings.Contains(err.Error(), "sample 5") {
		t.Errorf("Fit on an infinite input: %v, want an error naming sample 5", err)
	}
	if _, err := m.Predict(bad, 0); err == nil || !strings.Contains(err.Error(), "sample 5") {
		t.Errorf("Predict on an infinite input: %v", err)
	}
	yb := append([]float32(nil), y...)
	yb[3*3] = float32(math.NaN())
	if _, _, err := m.Evaluate(x, yb, 0); err == nil || !strings.Contains(err.Error(), "sample 3") {
		t.Errorf("Evaluate with a NaN target: %v", err)
	}
	for _, o := range []nn.Optimizer{nn.SGD(float32(math.Inf(1)), 0), nn.Adam(float32(math.NaN()))} {
		if err := m.Compile(dev, o, nn.CategoricalCrossEntropy, nn.CompileOptions{}); err == nil {
			t.Errorf("Compile with %v: no error", o)
		}
	}
}

// nf2step finds, by training step by step with a fresh model, the first
// step after which some weight is not finite: CheckNumerics must stop at
// or before it.
func nf2step(t *testing.T, m *nn.Sequential, x, y []float32) int {
	t.Helper()
	if err := m.Compile(m.Device(), nn.SGD(1e30, 0), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	for step := 1; step <= 8; step++ {
		// The first step's NaN shows in the next step's forward pass.
		if _, err := m.Fit(context.Background(), x[(step-1)*16:step*16], y[(step-1)*24:step*24], nn.FitOptions{Epochs: 1, BatchSize: 8}); err != nil {
			return step
		}
		w, _ := m.Weights()
		for _, p := range w {
			for _, v := range p.Data {
				if v-v != 0 {
					return step + 1
				}
			}
		}
	}
	return -1
}

// TestResumeReplaysShuffles checks InitialEpoch: one epoch, then a second
// Fit that starts at epoch 2, ends where three epochs in one Fit end.
func TestResumeReplaysShuffles(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(90, 11)
	run := func(split bool) ([]nn.Weight, []float64) {
		m := nn.NewSequential(nn.Input(2), nn.Dense(8, "tanh"), nn.Dense(3, "softmax"))
		if err := m.Compile(dev, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 6}); err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		var losses []float64
		opts := nn.FitOptions{Epochs: 3, BatchSize: 16, Seed: 4, OnEpoch: func(e nn.Epoch) { losses = append(losses, e.Loss) }}
		if split {
			first := opts
			first.Epochs = 1
			if _, err := m.Fit(context.Background(), x, y, first); err != nil {
				t.Fatal(err)
			}
			opts.InitialEpoch = 1
		}
		if _, err := m.Fit(context.Background(), x, y, opts); err != nil {
			t.Fatal(err)
		}
		w, _ := m.Weights()
		return w, losses
	}
	w1, l1 := run(false)
	w2, l2 := run(true)
	if !slices.Equal(l1, l2) {
		t.Errorf("epoch losses %v in one run, %v resumed", l1, l2)
	}
	for i := range w1 {
		if !slices.Equal(w1[i].Data, w2[i].Data) {
			t.Fatalf("weights differ after resuming (%s of layer %d)", w1[i].Name, w1[i].Layer)
		}
	}
}

// TestOnBatch checks the per-step progress and its running metrics.
func TestOnBatch(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(50, 12)
	m := nn.NewSequential(nn.Input(2), nn.Dense(8, "relu"), nn.Dense(3, "softmax"))
	if err := m.Compile(dev, nn.Adam(1e-12), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	var seen []nn.Progress
	var lastLoss, lastAcc float64
	h, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 2, BatchSize: 16, OnBatch: func(p nn.Progress) {
		seen = append(seen, p)
		if p.Step == p.Steps {
			var err error
			if lastLoss, lastAcc, err = p.Metrics(); err != nil {
				t.Error(err)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 8 || seen[3].Step != 4 || seen[3].Steps != 4 || seen[3].Samples != 50 || seen[4].Epoch != 2 || seen[4].Step != 1 || seen[4].Samples != 16 {
		t.Errorf("progress %+v", seen)
	}
	if e := h.Last(); math.Abs(lastLoss-e.Loss) > 1e-6 || lastAcc != e.Accuracy {
		t.Errorf("running metrics at the last step %v %v, epoch %v %v", lastLoss, lastAcc, e.Loss, e.Accuracy)
	}
}

// TestResumeMidEpoch interrupts Fit after 3 steps of its second epoch and
// resumes from the position it reports: the weights end where an
// uninterrupted run's do.
func TestResumeMidEpoch(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(90, 13)
	build := func() *nn.Sequential {
		m := nn.NewSequential(nn.Input(2), nn.Dense(8, "tanh"), nn.Dense(3, "softmax"))
		if err := m.Compile(dev, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 6}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	opts := nn.FitOptions{Epochs: 3, BatchSize: 16, Seed: 4}
	whole := build()
	defer whole.Release()
	if _, err := whole.Fit(context.Background(), x, y, opts); err != nil {
		t.Fatal(err)
	}
	parts := build()
	defer parts.Release()
	ctx, cancel := context.WithCancel(context.Background())
	first := opts
	first.OnBatch = func(p nn.Progress) {
		if p.Epoch == 2 && p.Step == 3 {
			cancel()
		}
	}
	h, err := parts.Fit(ctx, x, y, first)
	if !errors.Is(err, context.Canceled) || h.Reached != (nn.Position{Epoch: 1, Step: 3}) {
		t.Fatalf("interrupted Fit: %v, reached %+v; want cancelled at epoch 1 + 3 steps", err, h.Reached)
	}
	rest := opts
	rest.InitialEpoch, rest.InitialStep = h.Reached.Epoch, h.Reached.Step
	if h, err = parts.Fit(context.Background(), x, y, rest); err != nil || h.Reached != (nn.Position{Epoch: 3}) {
		t.Fatalf("resumed Fit: %v, reached %+v", err, h.Reached)
	}
	a, _ := whole.Weights()
	b, _ := parts.Weights()
	for i := range a {
		if !slices.Equal(a[i].Data, b[i].Data) {
			t.Fatalf("weights differ after resuming mid-epoch (%s of layer %d)", a[i].Name, a[i].Layer)
		}
	}
}
