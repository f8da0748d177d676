package backendtest

import (
	"github.com/glnn/glnn/backend"
)

// testMisuse checks that shape misuse panics with the op's name in the
// message, and that the device still works afterwards.
func testMisuse(e *env) {
	d := e.dev
	a := e.alloc(4, 3)
	b := e.alloc(3, 5)
	c := e.alloc(4, 5)
	sq := e.alloc(4, 4)
	row3 := e.alloc(1, 3)
	row5 := e.alloc(1, 5)
	one := e.alloc(1, 1)
	col4 := e.alloc(4, 1)
	p := e.alloc(4, 5)
	x45 := e.alloc(4, 5)
	v45 := e.alloc(4, 5)

	cases := []struct {
		op, what string
		f        func()
	}{
		{"MatMul", "MatMul c 4x5 = a 4x3 · a 4x3 (k does not chain)", func() { d.MatMul(c, a, a, false, false, false) }},
		{"MatMul", "MatMul c 4x5 = a 4x3 · b 3x5 with transA", func() { d.MatMul(c, a, b, true, false, false) }},
		{"MatMul", "MatMul c 4x5 = a 4x3 · b 3x5 with transB", func() { d.MatMul(c, a, b, false, true, false) }},
		{"MatMul", "MatMul c 4x4 = a 4x3 · b 3x5 (wrong c)", func() { d.MatMul(sq, a, b, false, false, false) }},
		{"MatMul", "MatMul c = c·c (output aliases an input)", func() { d.MatMul(sq, sq, sq, false, false, false) }},
		{"MatMul", "MatMul with a nil tensor", func() { d.MatMul(c, nil, b, false, false, false) }},
		{"AddBias", "AddBias with a 1x3 bias for 4x5", func() { d.AddBias(c, c, row3, backend.Identity) }},
		{"AddBias", "AddBias y 4x3 from x 4x5", func() { d.AddBias(a, c, row5, backend.ReLU) }},
		{"AddBias", "AddBias with softmax (not element-wise)", func() { d.AddBias(c, c, row5, backend.Softmax) }},
		{"SumRows", "SumRows dst 1x3 for src 4x5", func() { d.SumRows(row3, c, false) }},
		{"Activate", "Activate y 4x3 from x 4x5", func() { d.Activate(backend.Tanh, a, c) }},
		{"Activate", "Activate with an unknown activation", func() { d.Activate(backend.Activation(99), c, c) }},
		{"ActivationGrad", "ActivationGrad dx 4x5, y 4x3, dy 4x5", func() { d.ActivationGrad(backend.Sigmoid, c, a, c) }},
		{"SoftmaxCrossEntropy", "SoftmaxCrossEntropy targets 4x3 for logits 4x5", func() { d.SoftmaxCrossEntropy(c, one, c, a) }},
		{"SoftmaxCrossEntropy", "SoftmaxCrossEntropy lossSum 1x3", func() { d.SoftmaxCrossEntropy(x45, row3, c, p) }},
		{"MeanSquaredError", "MeanSquaredError target 4x3 for pred 4x5", func() { d.MeanSquaredError(c, one, c, a) }},
		{"MeanSquaredError", "MeanSquaredError lossSum 1x5", func() { d.MeanSquaredError(x45, row5, c, p) }},
		{"CountCorrect", "CountCorrect targets 4x3 for pred 4x5", func() { d.CountCorrect(one, c, a) }},
		{"CountCorrect", "CountCorrect correct 1x3", func() { d.CountCorrect(row3, c, p) }},
		{"ArgMax", "ArgMax dst 1x5 for src 4x5", func() { d.ArgMax(row5, c) }},
		{"Gather", "Gather dst 4x3 from src 4x5 (columns differ)", func() { d.Gather(a, c, col4, 0) }},
		{"Gather", "Gather 4 rows from offset 1 of 4 indices", func() { d.Gather(c, p, col4, 1) }},
		{"Gather", "Gather with a negative offset", func() { d.Gather(c, p, col4, -1) }},
		{"Copy", "Copy 4x3 into 4x5", func() { d.Copy(c, a) }},
		{"Upload", "Upload 3 values into 4x5", func() { d.Upload(c, []float32{1, 2, 3}) }},
		{"SGD", "SGD grad 4x3 for param 4x5", func() { d.SGD(c, a, nil, 0.1, 0) }},
		{"SGD", "SGD with momentum and a nil velocity", func() { d.SGD(c, p, nil, 0.1, 0.9) }},
		{"SGD", "SGD velocity 4x3 for param 4x5", func() { d.SGD(c, p, a, 0.1, 0.9) }},
		{"Adam", "Adam m 4x3 for param 4x5", func() { d.Adam(c, p, a, x45, 0.01, 0.9, 0.999, 1e-7, 1) }},
		{"Adam", "Adam at step t = 0", func() { d.Adam(c, p, x45, v45, 0.01, 0.9, 0.999, 1e-7, 0) }},
	}
	for _, cs := range cases {
		e.expectPanic(cs.op, cs.what, cs.f)
	}

	// Download into a slice of the wrong length may panic or return an
	// error, but must not succeed.
	msg, panicked := catch(func() {
		if err := d.Download(c, make([]float32, 3)); err == nil {
			panic("no error")
		}
	})
	if panicked && msg == "no error" {
		e.t.Errorf("Download of 4x5 into 3 values: neither panicked nor returned an error")
	}

	// The device still works after the panics.
	want := e.uniform(4*5, -1, 1)
	e.dev.Upload(c, want)
	e.dev.Copy(p, c)
	if err := d.Sync(); err != nil {
		e.t.Errorf("Sync after the misuse panics: %v", err)
	}
	e.exact("Copy after the misuse panics", 5, e.get(p), want)
}
