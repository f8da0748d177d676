package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/nn"
)

// firstNonFinite is the error Predict must give for x: the first NaN or
// infinity, found by a plain loop.
func firstNonFinite(x []float32, features int) string {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Sprintf("nn: prediction input: sample %d has a non-finite input (%g at feature %d)", i/features, v, i%features)
		}
	}
	return ""
}

func predictError(m *nn.Sequential, x []float32, batch int) string {
	_, err := m.Predict(x, batch)
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestPredictScreensInput checks Predict's input check on the CPU, where
// the first Dense layer screens the input through its pre-activations:
// NaN and infinities at random places, alone and together, at batch sizes
// that put them in the first, a middle and the last batch, always give the
// error that a scan of the input gives; so does −∞ where every weight it
// meets is positive (ReLU turns the pre-activations, all −∞, into zeros
// and the output is finite); and finite inputs whose products overflow are
// no error, before a non-finite input as elsewhere. A model that starts
// with an activation layer is scanned instead, with the same errors.
func TestPredictScreensInput(t *testing.T) {
	const samples, features = 50, 20
	build := func(layers ...nn.Layer) *nn.Sequential {
		m := nn.NewSequential(layers...)
		if err := m.Compile(newCPU(t), nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 3}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Release)
		return m
	}
	dense := build(nn.Input(features), nn.Dense(8, "relu"), nn.Dense(3, "softmax"))
	scanned := build(nn.Input(features), nn.LeakyReLU(0.1), nn.Dense(8, "relu"), nn.Dense(3, "softmax"))
	if !nn.Screens(dense) || nn.Screens(scanned) {
		t.Fatalf("Screens: %v for a Dense first layer, %v for an activation first; want true, false", nn.Screens(dense), nn.Screens(scanned))
	}
	rng := rand.New(rand.NewPCG(4, 4))
	clean := func() []float32 {
		x := make([]float32, samples*features)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for trial := range 60 {
		x := clean()
		for range 1 + trial%3 {
			x[rng.IntN(len(x))] = bad[rng.IntN(len(bad))]
		}
		want := firstNonFinite(x, features)
		for _, m := range []*nn.Sequential{dense, scanned} {
			for _, batch := range []int{1, 7, samples} {
				if got := predictError(m, x, batch); got != want {
					t.Fatalf("trial %d, batch %d, screened %v: Predict error %q, want %q", trial, batch, nn.Screens(m), got, want)
				}
			}
		}
	}

	// −∞ meeting only positive weights: every pre-activation of the row
	// is −∞, and ReLU makes the row 0.
	ws, err := dense.Weights()
	if err != nil {
		t.Fatal(err)
	}
	const feature = 5
	kernel := ws[0].Data // features × 8
	for j := range ws[0].Cols {
		kernel[feature*ws[0].Cols+j] = 0.5
	}
	if err := dense.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	x := clean()
	x[12*features+feature] = float32(math.Inf(-1))
	want := firstNonFinite(x, features)
	for _, batch := range []int{1, 7, samples} {
		if got := predictError(dense, x, batch); got != want {
			t.Fatalf("−∞ on positive weights, batch %d: Predict error %q, want %q", batch, got, want)
		}
	}

	// Finite inputs whose products overflow: no error, as without the
	// screen; a non-finite input after them is still found.
	x = clean()
	for i := 3 * features; i < 4*features; i++ {
		x[i] = 3e38
	}
	x[9*features+feature] = 3e38
	out, err := dense.Predict(x, 7)
	if err != nil {
		t.Fatalf("overflowing finite inputs: Predict error %q, want none", err)
	}
	if v := out[3*3]; !math.IsNaN(float64(v)) { // so the screen met a non-finite row
		t.Fatalf("sample 3, all 3e38: output %g, want NaN from the overflow", v)
	}
	x[30*features+2] = float32(math.NaN())
	want = firstNonFinite(x, features)
	for _, batch := range []int{1, 7, samples} {
		if got := predictError(dense, x, batch); got != want {
			t.Fatalf("overflow before a NaN, batch %d: Predict error %q, want %q", batch, got, want)
		}
	}
}

// TestPredictMatchesFloat64 checks Predict's outputs against the model's
// forward pass computed in float64 from its weights, for a softmax head
// (written straight into the result on the CPU), a linear output, and a
// model that starts with an activation layer (not screened), at batch
// sizes that leave a short last batch; and that Predict leaves no tensor
// behind.
func TestPredictMatchesFloat64(t *testing.T) {
	const samples, features = 10, 6
	rng := rand.New(rand.NewPCG(9, 3))
	x := make([]float32, samples*features)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	dev := newCPU(t)
	models := []struct {
		layers []nn.Layer
		loss   nn.Loss
		acts   []func(v []float64) // each Dense layer's activation, in order
		pre    func(v []float64)   // an activation layer before the first Dense
	}{
		{[]nn.Layer{nn.Input(features), nn.Dense(5, "relu"), nn.Dense(3, "softmax")}, nn.CategoricalCrossEntropy,
			[]func([]float64){relu64, softmaxRow64}, nil},
		{[]nn.Layer{nn.Input(features), nn.Dense(4, "tanh"), nn.Dense(2, "")}, nn.MeanSquaredError,
			[]func([]float64){tanh64, func([]float64) {}}, nil},
		{[]nn.Layer{nn.Input(features), nn.LeakyReLU(0.1), nn.Dense(3, "softmax")}, nn.CategoricalCrossEntropy,
			[]func([]float64){softmaxRow64}, func(v []float64) {
				for i := range v {
					if v[i] < 0 {
						v[i] *= float64(float32(0.1))
					}
				}
			}},
	}
	for mi, spec := range models {
		m := nn.NewSequential(spec.layers...)
		if err := m.Compile(dev, nn.Adam(0.01), spec.loss, nn.CompileOptions{Seed: uint64(mi + 1)}); err != nil {
			t.Fatal(err)
		}
		ws, err := m.Weights()
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, 0, samples*m.OutputSize())
		for s := range samples {
			h := make([]float64, features)
			for i := range h {
				h[i] = float64(x[s*features+i])
			}
			if spec.pre != nil {
				spec.pre(h)
			}
			for l := 0; l < len(ws); l += 2 {
				w, b := ws[l], ws[l+1]
				z := make([]float64, w.Cols)
				for j := range z {
					z[j] = float64(b.Data[j])
					for i := range h {
						z[j] += h[i] * float64(w.Data[i*w.Cols+j])
					}
				}
				spec.acts[l/2](z)
				h = z
			}
			want = append(want, h...)
		}
		if _, err := m.Predict(x, samples); err != nil { // the batch buffers exist from here on
			t.Fatal(err)
		}
		live := dev.LiveBuffers()
		for _, batch := range []int{1, 4, 7, samples} {
			got, err := m.Predict(x, batch)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-5*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("model %d, batch %d: output %d is %g, want %g", mi, batch, i, got[i], want[i])
				}
			}
			if n := dev.LiveBuffers(); n != live {
				t.Fatalf("model %d, batch %d: %d tensors live after Predict, want %d", mi, batch, n, live)
			}
		}
		m.Release()
	}
}

func relu64(v []float64) {
	for i := range v {
		v[i] = math.Max(v[i], 0)
	}
}

func tanh64(v []float64) {
	for i := range v {
		v[i] = math.Tanh(v[i])
	}
}

func softmaxRow64(v []float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = math.Max(mx, x)
	}
	s := 0.0
	for i := range v {
		v[i] = math.Exp(v[i] - mx)
		s += v[i]
	}
	for i := range v {
		v[i] /= s
	}
}
