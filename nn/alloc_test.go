package nn

import (
	"context"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/cpu"
)

// TestTrainStepAllocatesNothing checks that a steady-state training step —
// gather, forward, fused loss, backward, Adam — makes no Go heap
// allocation on the CPU backend, for a full and a partial batch.
func TestTrainStepAllocatesNothing(t *testing.T) {
	dev, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	m := NewSequential(Flatten(8, 8), Dense(32, "relu"), Dense(16, "tanh"), Dense(10, "softmax"))
	if err := m.Compile(dev, Adam(0.001), CategoricalCrossEntropy, CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	const n = 100
	x := make([]float32, n*64)
	labels := make([]int, n)
	for i := range x {
		x[i] = float32(i%17) / 17
	}
	for i := range labels {
		labels[i] = i % 10
	}
	y, _ := OneHot(labels, 10)
	// One short Fit allocates the batch buffers.
	if _, err := m.Fit(context.Background(), x, y, FitOptions{Epochs: 1, BatchSize: 32}); err != nil {
		t.Fatal(err)
	}
	d, err := m.upload("test", x, y)
	if err != nil {
		t.Fatal(err)
	}
	defer d.release(dev)
	for _, rows := range []int{32, 4} {
		allocs := testing.AllocsPerRun(20, func() {
			dev.Gather(m.xb.Rows(rows), d.x, d.indices, 0)
			dev.Gather(m.yb.Rows(rows), d.y, d.indices, 0)
			m.trainStep(rows, m.lossSum, false)
		})
		if allocs != 0 {
			t.Errorf("a training step of %d rows allocates %v times", rows, allocs)
		}
	}
}
