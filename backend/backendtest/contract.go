package backendtest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/glnn/glnn/backend"
)

// testMisuse checks that misuse seen on the calling goroutine panics with
// the op's name in the message (shapes, nil tensors, bad transposes and
// activations, bad settings), and that the device still works afterwards.
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
	N, T := backend.NoTrans, backend.Trans
	adam := backend.AdamParams{LearningRate: 0.01, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 1}
	adam0 := adam
	adam0.Step = 0
	adamNaN := adam
	adamNaN.LearningRate = float32(nan())

	cases := []struct {
		op, what string
		f        func()
	}{
		{"MatMul", "MatMul c 4x5 = a 4x3 · a 4x3 (k does not chain)", func() { d.MatMul(c, a, a, N, N) }},
		{"MatMul", "MatMul c 4x5 = a 4x3 · b 3x5 with a transposed", func() { d.MatMul(c, a, b, T, N) }},
		{"MatMul", "MatMul c 4x5 = a 4x3 · b 3x5 with b transposed", func() { d.MatMul(c, a, b, N, T) }},
		{"MatMul", "MatMul c 4x4 = a 4x3 · b 3x5 (wrong c)", func() { d.MatMul(sq, a, b, N, N) }},
		{"MatMul", "MatMul with a nil tensor", func() { d.MatMul(c, nil, b, N, N) }},
		{"MatMul", "MatMul with transpose 'C'", func() { d.MatMul(c, a, b, 'C', N) }},
		{"AddBias", "AddBias with a 1x3 bias for 4x5", func() { d.AddBias(c, c, row3, backend.Identity) }},
		{"AddBias", "AddBias y 4x3 from x 4x5", func() { d.AddBias(a, c, row5, backend.ReLU) }},
		{"AddBias", "AddBias with softmax (not element-wise)", func() { d.AddBias(c, c, row5, backend.Softmax) }},
		{"SumRows", "SumRows dst 1x3 for src 4x5", func() { d.SumRows(row3, c) }},
		{"Activate", "Activate y 4x3 from x 4x5", func() { d.Activate(a, c, backend.Tanh) }},
		{"Activate", "Activate with an unknown activation", func() { d.Activate(c, c, backend.Activation{Kind: 99}) }},
		{"Activate", "Activate leaky_relu(NaN)", func() { d.Activate(c, c, backend.LeakyReLU(float32(nan()))) }},
		{"ActivationGrad", "ActivationGrad dx 4x5, dy 4x5, y 4x3", func() { d.ActivationGrad(c, x45, nil, a, backend.Sigmoid) }},
		{"ActivationGrad", "ActivationGrad sigmoid with y nil (it reads y)", func() { d.ActivationGrad(c, x45, p, nil, backend.Sigmoid) }},
		{"ActivationGrad", "ActivationGrad gelu with x nil (it reads x)", func() { d.ActivationGrad(c, x45, nil, p, backend.GELU) }},
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
		{"Download", "Download 4x5 into 3 values", func() { d.Download(make([]float32, 3), c) }},
		{"SGD", "SGD grad 4x3 for param 4x5", func() { d.SGD(c, a, nil, backend.SGDParams{LearningRate: 0.1}) }},
		{"SGD", "SGD with momentum and a nil velocity", func() { d.SGD(c, p, nil, backend.SGDParams{LearningRate: 0.1, Momentum: 0.9}) }},
		{"SGD", "SGD velocity 4x3 for param 4x5", func() { d.SGD(c, p, a, backend.SGDParams{LearningRate: 0.1, Momentum: 0.9}) }},
		{"SGD", "SGD with an infinite learning rate", func() { d.SGD(c, p, nil, backend.SGDParams{LearningRate: float32(inf())}) }},
		{"Adam", "Adam m 4x3 for param 4x5", func() { d.Adam(c, p, a, x45, adam) }},
		{"Adam", "Adam at step 0", func() { d.Adam(c, p, x45, v45, adam0) }},
		{"Adam", "Adam with a NaN learning rate", func() { d.Adam(c, p, x45, v45, adamNaN) }},
		{"Adam", "Adam with v nil", func() { d.Adam(c, p, x45, nil, adam) }},
	}
	for _, cs := range cases {
		e.expectPanic(cs.op, cs.what, cs.f)
	}
	e.stillWorks("after the misuse panics")
}

// stillWorks checks that the device runs ops correctly after a test
// provoked panics.
func (e *env) stillWorks(when string) {
	e.t.Helper()
	want := e.uniform(4*5, -1, 1)
	c, p := e.upload(4, 5, want), e.alloc(4, 5)
	e.dev.Copy(p, c)
	if err := e.dev.Sync(); err != nil {
		e.t.Errorf("Sync %s: %v", when, err)
	}
	e.exact("Copy "+when, 5, e.get(p), want)
}

// testAliasing checks the aliasing rule: an output may share storage with
// an input only where the op says "may be", and then only as the very
// same elements; every other overlap (the same tensor, a view of it, a
// slice overlapping part of it) panics naming the op.
func testAliasing(e *env) {
	d := e.dev
	N := backend.NoTrans
	const r, c = 16, 5    // 80 elements: slices 64 apart overlap by 16
	big := e.alloc(56, c) // 280 elements: slices at 0, 64 and 192
	s0 := big.Slice(0, r, c)
	shifted := big.Slice(backend.SliceAlign, r, c) // overlaps the end of s0
	s1 := big.Slice(3*backend.SliceAlign, r, c)    // apart from both
	tgt := e.alloc(r, c)
	sq := e.alloc(4, 4)
	row := e.alloc(1, c)
	one := e.alloc(1, 1)
	idx := e.upload(r, 1, make([]float32, r))
	adam := backend.AdamParams{LearningRate: 0.01, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 1}
	sgd := backend.SGDParams{LearningRate: 0.1, Momentum: 0.9}

	bad := []struct {
		op, what string
		f        func()
	}{
		{"Copy", "Copy onto itself", func() { d.Copy(s0, s0) }},
		{"Copy", "Copy onto a partly overlapping slice", func() { d.Copy(shifted, s0) }},
		{"MatMul", "MatMul c = c·c", func() { d.MatMul(sq, sq, sq, N, N) }},
		{"MatMul", "MatMul with c a view of b", func() { d.MatMul(sq.View(1, 4), e.alloc(1, 4), sq, N, N) }},
		{"AddBias", "AddBias with y partly overlapping x", func() { d.AddBias(shifted, s0, row, backend.ReLU) }},
		{"AddBias", "AddBias with y = bias", func() { d.AddBias(row, row, row, backend.ReLU) }},
		{"SumRows", "SumRows with dst inside src", func() { d.SumRows(big.View(1, c), s0) }},
		{"Activate", "Activate with y partly overlapping x", func() { d.Activate(shifted, s0, backend.Tanh) }},
		{"ActivationGrad", "ActivationGrad with dx = y", func() { d.ActivationGrad(s0, s1, nil, s0, backend.Tanh) }},
		{"ActivationGrad", "ActivationGrad with dx = x", func() { d.ActivationGrad(s0, s1, s0, nil, backend.GELU) }},
		{"ActivationGrad", "ActivationGrad with dx partly overlapping dy", func() { d.ActivationGrad(shifted, s0, nil, s1, backend.Tanh) }},
		{"SoftmaxCrossEntropy", "SoftmaxCrossEntropy with dLogits = targets", func() { d.SoftmaxCrossEntropy(s0, one, s1, s0) }},
		{"SoftmaxCrossEntropy", "SoftmaxCrossEntropy with lossSum inside logits", func() { d.SoftmaxCrossEntropy(s1, big.View(1, 1), s0, tgt) }},
		{"MeanSquaredError", "MeanSquaredError with dPred = target", func() { d.MeanSquaredError(s0, one, s1, s0) }},
		{"CountCorrect", "CountCorrect with correct inside pred", func() { d.CountCorrect(big.View(1, 1), s0, s1) }},
		{"ArgMax", "ArgMax with dst inside src", func() { d.ArgMax(big.View(r, 1), s0) }},
		{"Gather", "Gather with dst = src", func() { d.Gather(s0, s0, idx, 0) }},
		{"SGD", "SGD with param = grad", func() { d.SGD(s0, s0, s1, sgd) }},
		{"SGD", "SGD with velocity = grad", func() { d.SGD(s0, s1, s1, sgd) }},
		{"Adam", "Adam with m = v", func() { d.Adam(s0, s1, tgt, tgt, adam) }},
	}
	for _, cs := range bad {
		e.expectPanic(cs.op, cs.what, cs.f)
	}

	// What is allowed: an output that is exactly the input where the op
	// says "may be", and disjoint slices of one allocation.
	xd := e.uniform(r*c, -2, 2)
	e.dev.Upload(s0, xd)
	e.dev.Upload(s1, xd)
	e.dev.Activate(s0, s0, backend.Tanh)
	e.near("Activate with y == x (allowed)", c, e.get(s0), activate64(backend.Tanh, to64(xd), c), nil, tolElem)
	e.dev.Copy(s0, s1)
	e.exact("Copy between disjoint slices of one tensor (allowed)", c, e.get(s0), xd)
	e.stillWorks("after the aliasing panics")
}

// testOwnership checks that tensors of another device, and released
// tensors, are refused by every kind of op.
func testOwnership(e *env, open Opener) {
	other, err := open()
	if err != nil {
		e.t.Fatalf("opening a second device: %v", err)
	}
	defer func() {
		if err := other.Close(); err != nil {
			e.t.Errorf("closing the second device: %v", err)
		}
	}()
	foreign, err := other.Alloc(4, 5)
	if err != nil {
		e.t.Fatalf("Alloc on the second device: %v", err)
	}
	mine := e.alloc(4, 5)
	gone := e.alloc(4, 5)
	e.release(gone)
	for _, cs := range []struct {
		name string
		t    *backend.Tensor
		want string
	}{{"a tensor of another device", foreign, "not allocated by this"}, {"a released tensor", gone, "released"}} {
		ops := []struct {
			op string
			f  func()
		}{
			{"Upload", func() { e.dev.Upload(cs.t, make([]float32, 20)) }},
			{"Download", func() { e.dev.Download(make([]float32, 20), cs.t) }},
			{"Fill", func() { e.dev.Fill(cs.t, 1) }},
			{"Copy", func() { e.dev.Copy(mine, cs.t) }},
			{"Activate", func() { e.dev.Activate(mine, cs.t, backend.ReLU) }},
			{"MatMul", func() { e.dev.MatMul(e.alloc(4, 4), mine, cs.t, backend.NoTrans, backend.Trans) }},
		}
		for _, o := range ops {
			msg, panicked := catch(o.f)
			switch {
			case !panicked:
				e.t.Errorf("%s with %s: did not panic", o.op, cs.name)
			case !strings.Contains(msg, o.op) || !strings.Contains(msg, cs.want):
				e.t.Errorf("%s with %s: panic %q does not name the op and say %q", o.op, cs.name, msg, cs.want)
			}
		}
	}
	e.expectPanic("Release", "Release of a tensor of another device", func() { e.dev.Release(foreign) })
	e.expectPanic("Release", "Release twice", func() { e.dev.Release(gone) })
	e.stillWorks("after the ownership panics")
}

// testLifecycle checks Close on a fresh device: what Close frees, and how
// every kind of call behaves afterwards.
func testLifecycle(e *env, open Opener) {
	dev, err := open()
	if err != nil {
		e.t.Fatalf("opening a device: %v", err)
	}
	x, err := dev.Alloc(3, 4)
	if err != nil {
		e.t.Fatalf("Alloc: %v", err)
	}
	y, _ := dev.Alloc(3, 4)
	dev.Release(y)
	if err := dev.Close(); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
	if n := dev.LiveBuffers(); n != 0 {
		e.t.Errorf("LiveBuffers after Close: %d, want 0", n)
	}
	if err := dev.Close(); !errors.Is(err, backend.ErrClosed) {
		e.t.Errorf("second Close: got %v, want an error wrapping backend.ErrClosed", err)
	}
	if _, err := dev.Alloc(2, 2); !errors.Is(err, backend.ErrClosed) {
		e.t.Errorf("Alloc after Close: got %v, want ErrClosed", err)
	}
	if err := dev.Sync(); !errors.Is(err, backend.ErrClosed) {
		e.t.Errorf("Sync after Close: got %v, want ErrClosed", err)
	}
	if err := dev.Download(make([]float32, 12), x); !errors.Is(err, backend.ErrClosed) {
		e.t.Errorf("Download after Close: got %v, want ErrClosed", err)
	}
	if msg, panicked := catch(func() { dev.Release(x) }); panicked {
		e.t.Errorf("Release after Close (Close freed it): panicked %q, want nothing", msg)
	}
	for _, o := range []struct {
		op string
		f  func()
	}{
		{"Fill", func() { dev.Fill(x, 1) }},
		{"Upload", func() { dev.Upload(x, make([]float32, 12)) }},
		{"Activate", func() { dev.Activate(x, x, backend.ReLU) }},
	} {
		msg, panicked := catch(o.f)
		if !panicked || !strings.Contains(msg, o.op) || !strings.Contains(msg, "closed") {
			e.t.Errorf("%s after Close: got panic %v %q, want a panic naming the op and saying the device is closed", o.op, panicked, msg)
		}
	}
}

// testBadIndex checks Gather's bad row numbers: the rows are zeroed, the
// other rows gathered, and the next Sync (or Download) reports
// ErrBadIndex, once.
func testBadIndex(e *env) {
	const rows, cols = 5, 3
	srcData := e.uniform(rows*cols, 1, 2)
	src := e.upload(rows, cols, srcData)
	for i, bad := range []float32{-1, 5, 2.5, float32(nan()), 1e9} {
		idx := e.upload(3, 1, []float32{1, bad, 4})
		dst := e.garbage(3, cols)
		e.dev.Gather(dst, src, idx, 0)
		var err error
		if i%2 == 0 {
			err = e.dev.Sync()
		} else {
			err = e.dev.Download(make([]float32, 3*cols), dst)
		}
		what := fmt.Sprintf("Gather with row index %g of src %s", bad, src.Shape())
		if !errors.Is(err, backend.ErrBadIndex) {
			e.t.Errorf("%s: next Sync/Download returned %v, want an error wrapping backend.ErrBadIndex", what, err)
		}
		if err := e.dev.Sync(); err != nil {
			e.t.Errorf("%s: the error is reported again: %v", what, err)
		}
		want := append(append(append([]float32(nil), srcData[cols:2*cols]...), make([]float32, cols)...), srcData[4*cols:]...)
		e.exact(what+": the bad row is zeroed, the others gathered", cols, e.get(dst), want)
		e.release(idx)
		e.release(dst)
	}

	// Bad rows in several chunks of a gather a CPU device with several
	// workers splits: reported once, and every one is zeroed.
	const n, wide = 1000, 16
	wideData := e.uniform(rows*wide, 1, 2)
	wideSrc := e.upload(rows, wide, wideData)
	idxData := make([]float32, n)
	for i := range idxData {
		idxData[i] = float32(i % rows)
	}
	idxData[400], idxData[700], idxData[999] = -3, 7.5, rows
	idx := e.upload(n, 1, idxData)
	dst := e.garbage(n, wide)
	e.dev.Gather(dst, wideSrc, idx, 0)
	err := e.dev.Sync()
	what := fmt.Sprintf("Gather %d rows of src %s with bad indices at 400, 700 and 999", n, wideSrc.Shape())
	if !errors.Is(err, backend.ErrBadIndex) {
		e.t.Errorf("%s: Sync returned %v, want an error wrapping backend.ErrBadIndex", what, err)
	}
	if err := e.dev.Sync(); err != nil {
		e.t.Errorf("%s: the error is reported again: %v", what, err)
	}
	var want []float32
	for i, f := range idxData {
		if i == 400 || i == 700 || i == 999 {
			want = append(want, make([]float32, wide)...)
		} else {
			want = append(want, wideData[int(f)*wide:int(f+1)*wide]...)
		}
	}
	e.exact(what+": the bad rows are zeroed, the others gathered", wide, e.get(dst), want)
}
