package nn_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/nn"
)

// TestAgainstPyTorchReference trains the reference MLP (7 → 5 ReLU → 3
// softmax) through nn and compares its loss, predictions and the weights
// after SGD, momentum and Adam steps with PyTorch's float64 values.
func TestAgainstPyTorchReference(t *testing.T) {
	ref, err := backendtest.Reference()
	if err != nil {
		t.Fatal(err)
	}
	dev := newCPU(t)
	x := backendtest.Flat32(ref.X)
	y := backendtest.Flat32(ref.OneHot)
	batch := ref.Shapes.Batch

	build := func(opt nn.Optimizer) *nn.Sequential {
		m := nn.NewSequential(nn.Input(ref.Shapes.In), nn.Dense(ref.Shapes.Hidden, "relu"), nn.Dense(ref.Shapes.Out, "softmax"))
		if err := m.Compile(dev, opt, nn.CategoricalCrossEntropy, nn.CompileOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Release)
		p := ref.Initial()
		if err := m.SetWeights(weights(p.W1, p.B1, p.W2, p.B2)); err != nil {
			t.Fatal(err)
		}
		return m
	}

	t.Run("forward", func(t *testing.T) {
		m := build(nn.SGD(0.1, 0))
		loss, acc, err := m.Evaluate(x, y, batch)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(loss - ref.Loss); d > 1e-5*ref.Loss {
			t.Errorf("loss %v, reference %v", loss, ref.Loss)
		}
		correct := 0
		for i, row := range ref.Softmax {
			if argmax(row) == ref.Labels[i] {
				correct++
			}
		}
		if want := float64(correct) / float64(batch); acc != want {
			t.Errorf("accuracy %v, reference %v", acc, want)
		}
		p, err := m.Predict(x, 3) // a partial second batch too
		if err != nil {
			t.Fatal(err)
		}
		compare(t, "softmax", p, backendtest.Flat32(ref.Softmax))
	})

	for _, c := range []struct {
		name string
		opt  nn.Optimizer
		want backendtest.ReferenceOptimizer
	}{
		{"sgd", nn.SGD(float32(ref.SGD.LR), 0), ref.SGD},
		{"momentum", nn.SGD(float32(ref.Momentum.LR), float32(ref.Momentum.Momentum)), ref.Momentum},
		{"adam", &nn.AdamOptimizer{LearningRate: float32(ref.AdamKeras.LR), Beta1: float32(ref.AdamKeras.Beta1),
			Beta2: float32(ref.AdamKeras.Beta2), Epsilon: float32(ref.AdamKeras.Eps)}, ref.AdamKeras},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := build(c.opt)
			// One full-batch epoch is one step.
			if _, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: c.want.Steps, BatchSize: batch, NoShuffle: true}); err != nil {
				t.Fatal(err)
			}
			got, err := m.Weights()
			if err != nil {
				t.Fatal(err)
			}
			a := c.want.After
			for i, w := range weights(a.W1, a.B1, a.W2, a.B2) {
				compare(t, fmt.Sprintf("layer %d %s after %d steps", w.Layer, w.Name, c.want.Steps), got[i].Data, w.Data)
			}
		})
	}
}

func weights(w1 [][]float64, b1 []float64, w2 [][]float64, b2 []float64) []nn.Weight {
	f := func(v []float64) []float32 {
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(x)
		}
		return out
	}
	return []nn.Weight{
		{Layer: 1, Name: "kernel", Rows: len(w1), Cols: len(w1[0]), Data: backendtest.Flat32(w1)},
		{Layer: 1, Name: "bias", Rows: 1, Cols: len(b1), Data: f(b1)},
		{Layer: 2, Name: "kernel", Rows: len(w2), Cols: len(w2[0]), Data: backendtest.Flat32(w2)},
		{Layer: 2, Name: "bias", Rows: 1, Cols: len(b2), Data: f(b2)},
	}
}

func compare(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > 1e-6+1e-5*math.Abs(float64(want[i])) {
			t.Errorf("%s[%d] = %v, reference %v", what, i, got[i], want[i])
		}
	}
}

func argmax(row []float64) int {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best
}
