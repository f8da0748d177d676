// Package nn builds, trains and runs feed-forward neural networks on any
// backend.Device, in the manner of Keras:
//
//	model := nn.NewSequential(
//		nn.Flatten(28, 28),
//		nn.Dense(128, "relu"),
//		nn.Dense(10, "softmax"),
//	)
//	err := model.Compile(dev, nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1})
//	history, err := model.Fit(ctx, xTrain, yTrain, nn.FitOptions{Epochs: 10, BatchSize: 32})
//	loss, acc, err := model.Evaluate(xTest, yTest, 0)
//
// Data are row-major float32 slices: x holds one sample of InputSize()
// features per row, y one target row of OutputSize() values (one-hot for
// classification; see OneHot). The model keeps its parameters, gradients,
// optimizer state and activations on the device; during Fit the whole
// training set is uploaded once, batches are gathered on the device, and
// loss and accuracy accumulate there and are read back once per epoch.
// Buffers for a batch size are allocated once and reused, so a training
// step allocates nothing on the Go heap on the CPU backend.
//
// The package knows nothing of any concrete backend: open one through
// package backend (for instance backend.Open("cpu", backend.Options{})
// after importing github.com/glnn/glnn/backend/cpu).
package nn
