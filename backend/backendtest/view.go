package backendtest

import (
	"github.com/glnn/glnn/backend"
)

// viewOf uploads a parentRows×cols tensor whose first rows·cols values
// are head and whose remaining rows hold junk (values near 1000, which
// would visibly change any result they leaked into), and returns the parent,
// its rows×cols view and the full contents uploaded.
func (e *env) viewOf(parentRows, rows, cols int, head []float32) (parent, view *backend.Tensor, all []float32) {
	e.t.Helper()
	all = append(append([]float32(nil), head...), e.uniform((parentRows-rows)*cols, 1000, 1001)...)
	parent = e.upload(parentRows, cols, all)
	return parent, parent.View(rows, cols), all
}

// checkView checks that parent holds want in its first len(want) values
// and untouched junk after them.
func (e *env) checkView(what string, parent *backend.Tensor, all []float32, want, scale []float64, tl tol) {
	e.t.Helper()
	got := e.get(parent)
	n := len(want)
	e.near(what+": view", parent.Cols(), got[:n], want, scale, tl)
	e.exact(what+": rows of the parent past the view are untouched", parent.Cols(), got[n:], all[n:])
}

// testView runs ops on views with fewer rows than their parents (the last,
// short batch of an epoch): results must depend only on the view's rows,
// and outputs must leave the rest of the parent alone.
func testView(e *env) {
	const pr, r = 10, 6 // parent rows, view rows

	e.run("reshape", func(e *env) {
		pd := e.uniform(pr*7, -1, 1)
		p := e.upload(pr, 7, pd)
		for _, s := range [][2]int{{r, 7}, {7, 6}, {1, 70}, {70, 1}, {0, 7}} {
			v := p.View(s[0], s[1])
			if !v.IsView() || v.Rows() != s[0] || v.Cols() != s[1] || v.Len() != s[0]*s[1] {
				e.t.Errorf("View(%d, %d) of %s: got %s, IsView %v", s[0], s[1], p.Shape(), v.Shape(), v.IsView())
			}
			if s[0]*s[1] > 0 {
				e.exact("Download of View "+shape(s[0], s[1])+" of 10x7", s[1], e.get(v), pd[:s[0]*s[1]])
			}
		}
		e.expectPanic("View", "View 8x9 of a 10x7 tensor (too large)", func() { p.View(8, 9) })
		head := e.uniform(r*7, -1, 1)
		e.dev.Upload(p.View(r, 7), head)
		e.exact("Upload into a 6x7 view of 10x7", 7, e.get(p), append(head, pd[r*7:]...))
	})

	e.run("MatMul", func(e *env) {
		ad, bd, dyd := e.uniform(r*7, -1, 1), e.uniform(7*3, -1, 1), e.uniform(r*3, -1, 1)
		_, a, _ := e.viewOf(pr, r, 7, ad)
		_, dy, _ := e.viewOf(pr, r, 3, dyd)
		b := e.upload(7, 3, bd)

		cp, c, call := e.viewOf(pr, r, 3, make([]float32, r*3))
		e.dev.MatMul(c, a, b, backend.NoTrans, backend.NoTrans)
		want, scale := matMulRef(ad, r, 7, bd, 7, 3, backend.NoTrans, backend.NoTrans)
		e.checkView("MatMul c(6x3 view of 10x3) = a(6x7 view of 10x7)·b", cp, call, want, scale, matMulTol(7))

		dw := e.garbage(7, 3)
		e.dev.MatMul(dw, a, dy, backend.Trans, backend.NoTrans)
		want, scale = matMulRef(ad, r, 7, dyd, r, 3, backend.Trans, backend.NoTrans)
		e.near("MatMul dW(7x3) = aᵀ·dy with a, dy 6-row views of 10-row tensors", 3, e.get(dw), want, scale, matMulTol(r))

		dxp, dx, dxall := e.viewOf(pr, r, 7, make([]float32, r*7))
		e.dev.MatMul(dx, dy, b, backend.NoTrans, backend.Trans)
		want, scale = matMulRef(dyd, r, 3, bd, 7, 3, backend.NoTrans, backend.Trans)
		e.checkView("MatMul dx(6x7 view of 10x7) = dy(6x3 view)·bᵀ", dxp, dxall, want, scale, matMulTol(3))
	})

	e.run("AddBias-SumRows", func(e *env) {
		xd, bd := e.uniform(r*7, -2, 2), e.uniform(7, -1, 1)
		_, x, _ := e.viewOf(pr, r, 7, xd)
		bias := e.upload(1, 7, bd)
		yp, y, yall := e.viewOf(pr, r, 7, make([]float32, r*7))
		e.dev.AddBias(y, x, bias, backend.ReLU)
		want := make([]float64, r*7)
		for i := range want {
			want[i] = act64(backend.ReLU, float64(xd[i])+float64(bd[i%7]))
		}
		e.checkView("AddBias relu y(6x7 view of 10x7) = x(6x7 view) + bias", yp, yall, want, nil, tolElem)

		db := e.garbage(1, 7)
		e.dev.SumRows(db, x)
		sum, scale := make([]float64, 7), make([]float64, 7)
		for i, v := range xd {
			sum[i%7] += float64(v)
			scale[i%7] += max(float64(v), -float64(v))
		}
		e.near("SumRows of a 6x7 view of 10x7 (only the view's rows)", 7, e.get(db), sum, scale, matMulTol(r))
	})

	e.run("Activate-ActivationGrad", func(e *env) {
		xd := e.uniform(r*5, -3, 3)
		xp, x, xall := e.viewOf(pr, r, 5, xd)
		e.dev.Activate(x, x, backend.Softmax)
		y64 := activate64(backend.Softmax, to64(xd), 5)
		e.checkView("Activate softmax in place on a 6x5 view of 10x5", xp, xall, y64, nil, tolElem)

		yd, dyd := to32(y64), e.uniform(r*5, -1, 1)
		_, y, _ := e.viewOf(pr, r, 5, yd)
		_, dy, _ := e.viewOf(pr, r, 5, dyd)
		dxp, dx, dxall := e.viewOf(pr, r, 5, make([]float32, r*5))
		e.dev.ActivationGrad(dx, dy, nil, y, backend.Softmax)
		e.checkView("ActivationGrad softmax dx(6x5 view of 10x5) from y, dy views", dxp, dxall, actGrad64(backend.Softmax, nil, to64(yd), to64(dyd), 5), nil, tolElem)
	})

	e.run("losses-metrics", func(e *env) {
		const c = 3
		zd, td := e.uniform(r*c, -3, 3), e.oneHot(r, c)
		_, logits, _ := e.viewOf(pr, r, c, zd)
		_, targets, _ := e.viewOf(pr, r, c, td)
		lossSum := e.alloc(1, 1)
		dlp, dl, dlall := e.viewOf(pr, r, c, make([]float32, r*c))
		e.dev.SoftmaxCrossEntropy(dl, lossSum, logits, targets)
		l, want, scale := sce64(to64(zd), to64(td), r, c)
		e.checkView("SoftmaxCrossEntropy on 6x3 views of 10x3 (dLogits divided by 6)", dlp, dlall, want, scale, tolElem)
		e.scalar("SoftmaxCrossEntropy on 6x3 views of 10x3: lossSum over the view's rows only", e.get(lossSum)[0], l, tolSum)

		mseSum := e.alloc(1, 1)
		dpp, dp, dpall := e.viewOf(pr, r, c, make([]float32, r*c))
		e.dev.MeanSquaredError(dp, mseSum, logits, targets)
		l, want, scale = mse64(to64(zd), to64(td), r, c)
		e.checkView("MeanSquaredError on 6x3 views of 10x3 (dPred divided by 6·3)", dpp, dpall, want, scale, tolElem)
		e.scalar("MeanSquaredError on 6x3 views of 10x3: lossSum over the view's rows only", e.get(mseSum)[0], l, tolSum)

		correct := e.alloc(1, 1)
		e.dev.CountCorrect(correct, logits, targets)
		n := 0
		pa, ta := argMax64(zd, c), argMax64(td, c)
		for i := range pa {
			if pa[i] == ta[i] {
				n++
			}
		}
		e.exact("CountCorrect on 6x3 views of 10x3", 1, e.get(correct), []float32{float32(n)})

		amp, am, amall := e.viewOf(pr, r, 1, make([]float32, r))
		e.dev.ArgMax(am, logits)
		wantIdx := make([]float64, r)
		for i, j := range pa {
			wantIdx[i] = float64(j)
		}
		e.checkView("ArgMax of a 6x3 view into a 6x1 view of 10x1", amp, amall, wantIdx, nil, tol{})
	})
}
