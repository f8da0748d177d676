package nn_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/cpu"
	"github.com/glnn/glnn/nn"
)

func newCPU(t testing.TB) backend.Device {
	t.Helper()
	d, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// blobs returns n samples of 2-D points around one of three centres, with
// one-hot labels: an easy, seeded classification problem.
func blobs(n int, seed uint64) (x, y []float32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := [][2]float64{{-2, 0}, {2, 0}, {0, 2.5}}
	labels := make([]int, n)
	for i := range n {
		c := rng.IntN(3)
		labels[i] = c
		x = append(x, float32(centres[c][0]+rng.NormFloat64()*0.5), float32(centres[c][1]+rng.NormFloat64()*0.5))
	}
	y, _ = nn.OneHot(labels, 3)
	return x, y
}

func TestCompileErrors(t *testing.T) {
	dev := newCPU(t)
	adam := nn.Adam(0.001)
	cases := []struct {
		name   string
		layers []nn.Layer
		opt    nn.Optimizer
		loss   nn.Loss
		want   string
	}{
		{"empty", nil, adam, nn.CategoricalCrossEntropy, "no layers"},
		{"no input size", []nn.Layer{nn.Dense(3, "softmax")}, adam, nn.CategoricalCrossEntropy, "first layer"},
		{"sizes do not chain", []nn.Layer{nn.Input(4), nn.Dense(8, "relu"), nn.Flatten(2, 3), nn.Dense(3, "softmax")}, adam, nn.CategoricalCrossEntropy, "expects 6 values per sample, but the previous layer gives 8"},
		{"zero units", []nn.Layer{nn.Input(4), nn.Dense(0, "relu")}, adam, nn.MeanSquaredError, "units must be positive"},
		{"unknown activation", []nn.Layer{nn.Input(4), nn.Dense(3, "swish")}, adam, nn.MeanSquaredError, `unknown activation "swish"`},
		{"ce without softmax", []nn.Layer{nn.Input(4), nn.Dense(3, "sigmoid")}, adam, nn.CategoricalCrossEntropy, "needs a softmax output"},
		{"bad lr", []nn.Layer{nn.Input(4), nn.Dense(3, "softmax")}, nn.SGD(0, 0), nn.CategoricalCrossEntropy, "learning rate must be positive"},
		{"bad momentum", []nn.Layer{nn.Input(4), nn.Dense(3, "softmax")}, nn.SGD(0.1, 1), nn.CategoricalCrossEntropy, "momentum"},
		{"no optimizer", []nn.Layer{nn.Input(4), nn.Dense(3, "softmax")}, nil, nn.CategoricalCrossEntropy, "needs an optimizer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := dev.LiveBuffers()
			err := nn.NewSequential(c.layers...).Compile(dev, c.opt, c.loss, nn.CompileOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Compile error = %v, want one containing %q", err, c.want)
			}
			if got := dev.LiveBuffers(); got != before {
				t.Errorf("failed Compile left %d buffers allocated", got-before)
			}
		})
	}
}

func TestFitErrors(t *testing.T) {
	dev := newCPU(t)
	m := nn.NewSequential(nn.Input(2), nn.Dense(4, "relu"), nn.Dense(3, "softmax"))
	x, y := blobs(10, 1)
	if _, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 1, BatchSize: 2}); !errors.Is(err, nn.ErrNotCompiled) {
		t.Fatalf("Fit before Compile: %v", err)
	}
	if err := m.Compile(dev, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	bad := append([]float32(nil), y...)
	bad[0], bad[1], bad[2] = 1, 1, 0
	cases := []struct {
		name string
		x, y []float32
		opts nn.FitOptions
		want string
	}{
		{"batch 0", x, y, nn.FitOptions{Epochs: 1}, "batch size is 0"},
		{"epochs 0", x, y, nn.FitOptions{BatchSize: 4}, "epochs is 0"},
		{"ragged x", x[:5], y, nn.FitOptions{Epochs: 1, BatchSize: 4}, "not a whole number of samples of 2 features"},
		{"short y", x, y[:27], nn.FitOptions{Epochs: 1, BatchSize: 4}, "need 10×3 = 30 target values, got 27"},
		{"not one-hot", x, bad, nn.FitOptions{Epochs: 1, BatchSize: 4}, "target row 0 sums to 2"},
		{"no samples", nil, nil, nn.FitOptions{Epochs: 1, BatchSize: 4}, "no targets"},
		{"half validation", x, y, nn.FitOptions{Epochs: 1, BatchSize: 4, ValidationX: x}, "ValidationX and ValidationY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := dev.LiveBuffers()
			_, err := m.Fit(context.Background(), c.x, c.y, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Fit error = %v, want one containing %q", err, c.want)
			}
			if got := dev.LiveBuffers(); got != before {
				t.Errorf("failed Fit left %d buffers allocated", got-before)
			}
		})
	}
	if _, err := nn.OneHot([]int{0, 3, 10}, 10); err == nil || !strings.Contains(err.Error(), "label 10 at index 2") {
		t.Errorf("OneHot with label 10 of 10 classes: %v", err)
	}
	if _, err := nn.OneHot([]int{-1}, 10); err == nil {
		t.Error("OneHot accepted label -1")
	}
}

// TestFitBlobs trains a small classifier and a regressor to a stated
// quality, checks the history, and that nothing leaks.
func TestFitBlobs(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(600, 2)
	vx, vy := blobs(200, 3)
	base := dev.LiveBuffers()
	m := nn.NewSequential(nn.Input(2), nn.Dense(16, "tanh"), nn.Dense(3, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Summary(), " 2  dense(16, tanh)        out 16     params 48\n"; !strings.Contains(got, want) || !strings.HasSuffix(got, "total params 99") {
		t.Errorf("Summary:\n%s\nwant a line %q and total params 99", got, want)
	}
	calls := 0
	h, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 5, BatchSize: 32, Seed: 1,
		ValidationX: vx, ValidationY: vy, OnEpoch: func(nn.Epoch) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 5 || calls != 5 {
		t.Fatalf("history has %d epochs, OnEpoch ran %d times; want 5", len(h.Epochs), calls)
	}
	first, last := h.Epochs[0], h.Last()
	if !(last.Loss < first.Loss) || last.ValAccuracy < 0.95 || !last.HasValidation {
		t.Errorf("training did not learn: first %+v last %+v", first, last)
	}
	loss, acc, err := m.Evaluate(vx, vy, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-last.ValLoss) > 1e-5 || acc != last.ValAccuracy {
		t.Errorf("Evaluate = %v, %v; history's validation = %v, %v", loss, acc, last.ValLoss, last.ValAccuracy)
	}
	p, err := m.Predict(vx[:20], 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		s := 0.0
		for _, v := range p[i*3 : i*3+3] {
			s += float64(v)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Errorf("Predict row %d sums to %v, want softmax probabilities", i, s)
		}
	}
	m.Release()
	if got := dev.LiveBuffers(); got != base {
		t.Errorf("after Release %d buffers are live, want %d", got, base)
	}

	// A regressor: fit y = x0 − 2·x1 with MSE and momentum SGD.
	r := nn.NewSequential(nn.Input(2), nn.Dense(1, ""))
	if err := r.Compile(dev, nn.SGD(0.05, 0.9), nn.MeanSquaredError, nn.CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	ty := make([]float32, len(x)/2)
	for i := range ty {
		ty[i] = x[2*i] - 2*x[2*i+1]
	}
	if _, err := r.Fit(context.Background(), x, ty, nn.FitOptions{Epochs: 20, BatchSize: 16}); err != nil {
		t.Fatal(err)
	}
	ws, err := r.Weights()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(ws[0].Data[0])-1) > 1e-2 || math.Abs(float64(ws[0].Data[1])+2) > 1e-2 || math.Abs(float64(ws[1].Data[0])) > 1e-2 {
		t.Errorf("regressor weights %v, %v; want [1 -2], [0]", ws[0].Data, ws[1].Data)
	}
}

func TestFitCancel(t *testing.T) {
	dev := newCPU(t)
	m := nn.NewSequential(nn.Input(2), nn.Dense(3, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	x, y := blobs(100, 1)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	h, err := m.Fit(ctx, x, y, nn.FitOptions{Epochs: 10, BatchSize: 10, OnEpoch: func(nn.Epoch) {
		if n++; n == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || len(h.Epochs) != 2 {
		t.Fatalf("Fit after cancel: %d epochs, err %v; want 2 epochs and context.Canceled", len(h.Epochs), err)
	}
}

// TestSeededTrainingIsReproducible trains twice with the same seeds.
func TestSeededTrainingIsReproducible(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(200, 5)
	run := func() []nn.Weight {
		m := nn.NewSequential(nn.Input(2), nn.Dense(8, "relu"), nn.Dense(3, "softmax"))
		if err := m.Compile(dev, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 3}); err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		if _, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 2, BatchSize: 16, Seed: 9}); err != nil {
			t.Fatal(err)
		}
		w, err := m.Weights()
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b := run(), run()
	for i := range a {
		for j := range a[i].Data {
			if a[i].Data[j] != b[i].Data[j] {
				t.Fatalf("weight %d[%d]: %v then %v", i, j, a[i].Data[j], b[i].Data[j])
			}
		}
	}
}

// TestGlorotUniform checks the initial kernel's range and spread.
func TestGlorotUniform(t *testing.T) {
	dev := newCPU(t)
	m := nn.NewSequential(nn.Input(784), nn.Dense(128, "relu"))
	if err := m.Compile(dev, nn.Adam(0.001), nn.MeanSquaredError, nn.CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	ws, err := m.Weights()
	if err != nil {
		t.Fatal(err)
	}
	limit := math.Sqrt(6.0 / (784 + 128))
	var sum, sq float64
	for _, v := range ws[0].Data {
		if math.Abs(float64(v)) > limit {
			t.Fatalf("weight %v outside ±%v", v, limit)
		}
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(len(ws[0].Data))
	if sd, want := math.Sqrt(sq/n-(sum/n)*(sum/n)), limit/math.Sqrt(3); math.Abs(sd-want) > 0.02*want {
		t.Errorf("kernel sd %v, want %v (uniform ±%v)", sd, want, limit)
	}
	for _, v := range ws[1].Data {
		if v != 0 {
			t.Fatalf("bias %v, want 0", v)
		}
	}
}
