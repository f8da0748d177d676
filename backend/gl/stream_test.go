//go:build cgo

package gl

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/glnn/glnn/nn"
)

// record runs f with the device's trace on and returns the GL calls that
// f's ops issued (f's ops included: the trace is switched off behind
// them, in queue order).
func record(t *testing.T, d *Device, f func()) []event {
	t.Helper()
	var evs []event
	if err := d.onThread(func() error {
		d.w.trace = func(e event) {
			e.acc = slices.Clone(e.acc)
			evs = append(evs, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f()
	if err := d.onThread(func() error { d.w.trace = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	return evs
}

// referenceData returns n samples for the reference MNIST model: 784
// features in [0, 1) and one-hot targets of 10 classes.
func referenceData(t *testing.T, n int) (x, y []float32) {
	r := rand.New(rand.NewPCG(8, 9))
	x = make([]float32, n*784)
	for i := range x {
		x[i] = r.Float32()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = r.IntN(10)
	}
	y, err := nn.OneHot(labels, 10)
	if err != nil {
		t.Fatal(err)
	}
	return x, y
}

// stepStream trains the reference model (Dense(128, relu) → Dense(10,
// softmax), Adam, batch 32) on d and returns the GL calls of a Fit of two
// steps and of one of three, so that their difference is one training
// step.
func stepStream(t *testing.T, d *Device) (two, three []event) {
	t.Helper()
	m := nn.NewSequential(nn.Input(784), nn.Dense(128, "relu"), nn.Dense(10, "softmax"))
	if err := m.Compile(d, nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	fit := func(steps int) []event {
		x, y := referenceData(t, 32*steps)
		return record(t, d, func() {
			if _, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 1, BatchSize: 32, Seed: 1}); err != nil {
				t.Fatal(err)
			}
		})
	}
	fit(3) // first use: batch buffers, scratch
	return fit(2), fit(3)
}

// The most dispatches and shader-storage barriers one training step of the
// reference model may take (stepStream), per kind of kernels:
//
//   - dispatches, 11: the two Gathers (x and y, from different tensors);
//     the five products (forward through both layers, dW of both, dX of
//     the second), with the forward AddBias+activation and the ReLU's
//     gradient run as the products' epilogues; the loss with CountCorrect
//     in one single-pass dispatch; the two bias gradients (SumRows); one
//     Adam over all parameters, which nn keeps in one tensor. Hardware
//     kernels add one: the forward 32×128×784 product is split along K
//     (196 work groups instead of 4), and its partial products are summed
//     by a second dispatch.
//   - barriers, 6: the step is a chain of 6 dependent stages — Gathers →
//     first layer → second layer → loss → (dW₂, db₂, dX₂: they only read
//     the loss gradient) → (dW₁, db₁) → Adam — and only a stage that reads
//     what the one before wrote waits; the next step's Gathers overwrite
//     nothing an unfinished dispatch still reads. Hardware kernels add the
//     barrier between the split product and its sum.
var stepBounds = map[bool]struct{ dispatches, barriers int }{
	false: {11, 6}, // software renderers' kernels
	true:  {12, 7}, // hardware kernels
}

// TestCommandStream records the GL calls of real training steps and checks
// the ordering rules of doc.go on them (see checkStream): a dispatch that
// reads or overwrites what an earlier one wrote, or overwrites what it
// read, is separated from it by a shader-storage barrier, and read-backs
// and buffer writes by a buffer-update barrier. llvmpipe runs dispatches
// one at a time, so a missing barrier passes every other test here and
// fails only on a real GPU; this test catches it on any renderer. It also
// holds one step to the dispatch and barrier counts of stepBounds.
func TestCommandStream(t *testing.T) {
	d := device(t)
	for _, hw := range []bool{false, true} {
		name := "chosen kernels"
		if hw {
			name = "hardware kernels"
		}
		t.Run(name, func(t *testing.T) {
			if hw {
				hardwareKernels = true
				defer func() { hardwareKernels = false }()
			}
			two, three := stepStream(t, d)
			for _, evs := range [][]event{two, three} {
				bad := checkStream(evs)
				for i, b := range bad {
					if i == 10 {
						t.Errorf("… %d more", len(bad)-10)
						break
					}
					t.Error(b)
				}
			}
			d2, s2, u2 := streamCounts(two)
			d3, s3, u3 := streamCounts(three)
			dispatches, storage, update := d3-d2, s3-s2, u3-u2
			t.Logf("one training step: %d dispatches, %d shader-storage barriers, %d buffer-update barriers", dispatches, storage, update)
			want := stepBounds[hw || !d.Info().Software]
			if dispatches > want.dispatches || storage > want.barriers || update > 0 {
				t.Errorf("one training step: %d dispatches, %d shader-storage barriers and %d buffer-update barriers; want at most %d, %d and 0",
					dispatches, storage, update, want.dispatches, want.barriers)
			}
		})
	}
}
