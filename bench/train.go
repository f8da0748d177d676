package main

import (
	"context"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/benchcase"
	"github.com/glnn/glnn/nn"
)

// referenceModel is the model every end-to-end and inference run uses:
// Flatten(28×28) → Dense(128, ReLU) → Dense(10, softmax), Adam(0.001),
// categorical cross-entropy, compiled on dev from seed 1.
func referenceModel(dev backend.Device) (*nn.Sequential, error) {
	m := nn.NewSequential(nn.Flatten(28, 28), nn.Dense(benchcase.Hidden, "relu"), nn.Dense(benchcase.Classes, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		return nil, err
	}
	return m, nil
}

// measureTraining trains the reference model for min(reps, 3) epochs on the
// first n samples at batch size batch, after a short warm-up, and reports
// the median epoch.
func measureTraining(ctx context.Context, dev backend.Device, reps int, data *dataset, n, batch int) (TrainResult, error) {
	const f, classes = benchcase.Inputs, benchcase.Classes
	model, err := referenceModel(dev)
	if err != nil {
		return TrainResult{}, err
	}
	defer model.Release()
	x, y := data.x[:n*f], data.y[:n*classes]
	// Warm-up: two steps at this batch size, so buffers exist and shaders
	// are compiled before the clock runs.
	w := min(n, 2*batch)
	if _, err := model.Fit(ctx, x[:w*f], y[:w*classes], nn.FitOptions{Epochs: 1, BatchSize: batch, Seed: 1}); err != nil {
		return TrainResult{}, err
	}
	epochs := min(reps, 3)
	h, err := model.Fit(ctx, x, y, nn.FitOptions{Epochs: epochs, BatchSize: batch, Seed: 1})
	if err != nil {
		return TrainResult{}, err
	}
	secs := make([]float64, len(h.Epochs))
	for i, e := range h.Epochs {
		secs[i] = e.Seconds
	}
	t := newTrainResult(batch, n, epochs, median(secs))
	last := h.Last()
	t.Loss, t.Accuracy = last.Loss, last.Accuracy
	return t, nil
}

// measureInference times Predict of the reference model (as compiled:
// inference speed does not depend on the weights) on the first n test
// images at batch size batch, reps times after one warm-up run (which
// compiles any shaders and brings the images into the caches, as the
// runs of a program that predicts over and over find them), and reports
// the median. Each Predict uploads its batches and downloads the
// probabilities, as a caller's would.
func measureInference(ctx context.Context, dev backend.Device, reps int, data *dataset, n, batch int) (InferenceResult, error) {
	model, err := referenceModel(dev)
	if err != nil {
		return InferenceResult{}, err
	}
	defer model.Release()
	x := data.testX[:n*benchcase.Inputs]
	batch = min(batch, n)
	if _, err := model.Predict(x, batch); err != nil {
		return InferenceResult{}, err
	}
	secs := make([]float64, reps)
	for r := range secs {
		if err := ctx.Err(); err != nil {
			return InferenceResult{}, err
		}
		start := time.Now()
		if _, err := model.Predict(x, batch); err != nil {
			return InferenceResult{}, err
		}
		secs[r] = time.Since(start).Seconds()
	}
	return newInferenceResult(batch, n, reps, median(secs)), nil
}
