package benchcase

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// adam are the reference model's Adam settings; Step is filled per call.
var adam = backend.AdamParams{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}

// reluOutput is a ReLU output: about half zeros, the rest in [0, 1).
func reluOutput(i int) float32 {
	if i%2 == 0 {
		return 0
	}
	return float32(i%7) / 7
}

// oneHot is a one-hot row per cols values, the hot column varying by row.
func oneHot(cols int) func(i int) float32 {
	return func(i int) float32 {
		if i%cols == (i/cols*7+3)%cols {
			return 1
		}
		return 0
	}
}

// pixel is a cheap stand-in for an image's pixel values in [0, 1).
func pixel(i int) float32 { return float32(i*2654435761%251) / 251 }

// Ops are the per-op cases: the ops of a training step and of inference
// other than MatMul, at the reference model's sizes, batch 32.
func Ops() []Case {
	b, h, c := Batch, Hidden, Classes
	rc := func(rows, cols int) string { return fmt.Sprintf("rows=%d/cols=%d", rows, cols) }
	shape := func(rows, cols int) string { return fmt.Sprintf("%d×%d", rows, cols) }
	return []Case{
		{
			Name: "AddBias-ReLU/" + rc(b, h), Label: "AddBias+ReLU", Shape: shape(b, h),
			Setup: func(a *Arena) func(int) {
				x, bias, y := a.Random(b, h, -1, 1), a.Random(1, h, -1, 1), a.Zeros(b, h)
				dev := a.Device()
				return func(int) { dev.AddBias(y, x, bias, backend.ReLU) }
			},
		},
		{
			Name: "ActivationGrad-ReLU/" + rc(b, h), Label: "ActivationGrad ReLU", Shape: shape(b, h),
			Setup: func(a *Arena) func(int) {
				y, dy, dx := a.Func(b, h, reluOutput), a.Random(b, h, -1, 1), a.Zeros(b, h)
				dev := a.Device()
				return func(int) { dev.ActivationGrad(dx, dy, nil, y, backend.ReLU) }
			},
		},
		{
			Name: "Activate-Softmax/" + rc(b, c), Label: "Activate softmax", Shape: shape(b, c),
			Setup: func(a *Arena) func(int) {
				x, y := a.Random(b, c, -3, 3), a.Zeros(b, c)
				dev := a.Device()
				return func(int) { dev.Activate(y, x, backend.Softmax) }
			},
		},
		{
			Name: "SoftmaxCrossEntropy/" + rc(b, c), Label: "SoftmaxCrossEntropy", Shape: shape(b, c),
			Setup: func(a *Arena) func(int) {
				logits, targets := a.Random(b, c, -3, 3), a.Func(b, c, oneHot(c))
				dl, loss := a.Zeros(b, c), a.Zeros(1, 1)
				dev := a.Device()
				return func(int) { dev.SoftmaxCrossEntropy(dl, loss, logits, targets) }
			},
		},
		{
			Name: "CountCorrect/" + rc(b, c), Label: "CountCorrect", Shape: shape(b, c),
			Setup: func(a *Arena) func(int) {
				pred, targets, n := a.Random(b, c, 0, 1), a.Func(b, c, oneHot(c)), a.Zeros(1, 1)
				dev := a.Device()
				return func(int) { dev.CountCorrect(n, pred, targets) }
			},
		},
		{
			Name: "SumRows/" + rc(b, h), Label: "SumRows", Shape: shape(b, h) + " → " + shape(1, h),
			Setup: func(a *Arena) func(int) {
				src, dst := a.Random(b, h, -1, 1), a.Zeros(1, h)
				dev := a.Device()
				return func(int) { dev.SumRows(dst, src) }
			},
		},
		{
			Name:  fmt.Sprintf("Gather/%s/src=%d", rc(b, Inputs), TrainSamples),
			Label: "Gather", Shape: fmt.Sprintf("%s from %s", shape(b, Inputs), shape(TrainSamples, Inputs)),
			Setup: func(a *Arena) func(int) {
				// The source has the size of the training set; the indices
				// are a permutation, read b at a time as in an epoch.
				src, idx, dst := a.Func(TrainSamples, Inputs, pixel), a.Perm(TrainSamples), a.Zeros(b, Inputs)
				dev := a.Device()
				return func(i int) { dev.Gather(dst, src, idx, i*b%(TrainSamples-b+1)) }
			},
		},
		{
			Name: fmt.Sprintf("Adam/params=%d", Params), Label: "Adam", Shape: fmt.Sprintf("1×%d (all parameters)", Params),
			Setup: func(a *Arena) func(int) {
				p, g, m, v := a.Random(1, Params, -0.1, 0.1), a.Random(1, Params, -1, 1), a.Zeros(1, Params), a.Zeros(1, Params)
				dev := a.Device()
				return func(i int) {
					h := adam
					h.Step = i + 1
					dev.Adam(p, g, m, v, h)
				}
			},
		},
	}
}

// trainPool is the number of distinct samples a TrainStep draws batches
// from.
const trainPool = 1024

// TrainStep is one training step of the reference model at batch size
// batch, from raw device ops in the order nn issues them: Gather of the
// batch's images and labels, both Dense layers forward, the fused softmax
// cross-entropy and the accuracy count, the backward pass (no input
// gradient for the first layer) and one Adam step over all Params
// parameters, which live in one tensor, sliced per layer as nn lays them
// out. Batches are drawn through a shuffled index from a pool of
// max(1024, batch) synthetic images with one-hot labels.
func TrainStep(batch int) Case {
	return Case{
		Name: fmt.Sprintf("TrainStep/batch=%d", batch), Label: "training step", Shape: fmt.Sprintf("batch %d", batch),
		Setup: func(a *Arena) func(int) {
			dev := a.Device()
			pool := max(trainPool, batch)
			images, labels, idx := a.Func(pool, Inputs, pixel), a.Func(pool, Classes, oneHot(Classes)), a.Perm(pool)
			// Parameters, gradients and Adam's moments: one tensor each.
			// Every slice offset (0, 100352, 100480, 101760) is a multiple
			// of backend.SliceAlign, so the layout needs no padding.
			params := a.Random(1, Params, -0.05, 0.05)
			grads, m, v := a.Zeros(1, Params), a.Zeros(1, Params), a.Zeros(1, Params)
			x, y := a.Zeros(batch, Inputs), a.Zeros(batch, Classes)
			hid, z := a.Zeros(batch, Hidden), a.Zeros(batch, Classes)
			dz, dh := a.Zeros(batch, Classes), a.Zeros(batch, Hidden)
			loss, correct := a.Zeros(1, 1), a.Zeros(1, 1)
			if a.Err() != nil {
				return nil
			}
			type layer struct{ w, b, dw, db *backend.Tensor }
			off := 0
			slice := func(rows, cols int) layer {
				l := layer{w: params.Slice(off, rows, cols), dw: grads.Slice(off, rows, cols)}
				off += rows * cols
				l.b, l.db = params.Slice(off, 1, cols), grads.Slice(off, 1, cols)
				off += cols
				return l
			}
			l1, l2 := slice(Inputs, Hidden), slice(Hidden, Classes)
			N, T := backend.NoTrans, backend.Trans
			return func(i int) {
				at := i * batch % (pool - batch + 1)
				dev.Gather(x, images, idx, at)
				dev.Gather(y, labels, idx, at)
				dev.MatMul(hid, x, l1.w, N, N)
				dev.AddBias(hid, hid, l1.b, backend.ReLU)
				dev.MatMul(z, hid, l2.w, N, N)
				dev.AddBias(z, z, l2.b, backend.Identity)
				dev.SoftmaxCrossEntropy(dz, loss, z, y)
				dev.CountCorrect(correct, z, y)
				dev.MatMul(l2.dw, hid, dz, T, N)
				dev.SumRows(l2.db, dz)
				dev.MatMul(dh, dz, l2.w, N, T)
				dev.ActivationGrad(dh, dh, nil, hid, backend.ReLU)
				dev.MatMul(l1.dw, x, dh, T, N)
				dev.SumRows(l1.db, dh)
				h := adam
				h.Step = i + 1
				dev.Adam(params, grads, m, v, h)
			}
		},
	}
}
