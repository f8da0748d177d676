package nn_test

import (
	"testing"

	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/nn"
)

// BenchmarkPredict times Predict of the reference model (784 → 128 ReLU →
// 10 softmax) on the 10,000 MNIST test images at batch 1000 on the CPU
// device; it reports samples/s.
func BenchmarkPredict(b *testing.B) {
	_, test, err := mnist.Load(mnist.Options{})
	if err != nil {
		b.Fatal(err)
	}
	m := nn.NewSequential(nn.Flatten(28, 28), nn.Dense(128, "relu"), nn.Dense(10, "softmax"))
	if err := m.Compile(newCPU(b), nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		b.Fatal(err)
	}
	defer m.Release()
	for b.Loop() {
		if _, err := m.Predict(test.Images, 1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(test.N*b.N)/b.Elapsed().Seconds(), "samples/s")
}
