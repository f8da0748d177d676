package nn_test

import (
	"context"
	"testing"

	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/nn"
)

// TestMNISTSubset trains the reference architecture on the first 18,000
// real MNIST training images for two epochs and requires at least 93 %
// accuracy on the full 10,000-image test set. It reaches 94.3–94.8 % over
// seeds 1–4, so the bound leaves room for rounding changes in the kernels.
func TestMNISTSubset(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real MNIST; skipped with -short")
	}
	train, test, err := mnist.Load(mnist.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 18000
	x := train.Images[:n*train.Features()]
	y, err := nn.OneHot(train.Labels[:n], 10)
	if err != nil {
		t.Fatal(err)
	}
	ty, err := nn.OneHot(test.Labels, 10)
	if err != nil {
		t.Fatal(err)
	}
	dev := newCPU(t)
	m := nn.NewSequential(nn.Flatten(28, 28), nn.Dense(128, "relu"), nn.Dense(10, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	h, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 2, BatchSize: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	loss, acc, err := m.Evaluate(test.Images, ty, 256)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after %d epochs on %d images: train loss %.4f accuracy %.4f; test loss %.4f accuracy %.4f",
		len(h.Epochs), n, h.Last().Loss, h.Last().Accuracy, loss, acc)
	if acc < 0.93 {
		t.Errorf("test accuracy %.4f, want at least 0.93", acc)
	}
}
