package backendtest

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
)

// sceRow64 is one row's categorical cross-entropy −Σ_j t_j·log softmax(z)_j,
// computed as Σ_j t_j·(logsumexp(z) − z_j) so that it stays finite.
func sceRow64(z, t []float64) float64 {
	lse := logSumExp64(z)
	s := 0.0
	for j := range z {
		if t[j] != 0 {
			s += t[j] * (lse - z[j])
		}
	}
	return s
}

// sce64 returns Σ_rows of the cross-entropy, dLogits = (softmax − t)/rows,
// and the magnitude (p + |t|)/rows that dLogits' rounding error scales
// with (p − t may cancel).
func sce64(z, t []float64, rows, cols int) (loss float64, dl, scale []float64) {
	dl, scale = make([]float64, len(z)), make([]float64, len(z))
	for r := 0; r < rows*cols; r += cols {
		loss += sceRow64(z[r:r+cols], t[r:r+cols])
		for j, p := range softmax64(z[r : r+cols]) {
			dl[r+j] = (p - t[r+j]) / float64(rows)
			scale[r+j] = (p + math.Abs(t[r+j])) / float64(rows)
		}
	}
	return loss, dl, scale
}

// sceFD is the gradient of the batch-mean cross-entropy by central finite
// differences (each logit only enters its own row's loss).
func sceFD(z, t []float64, rows, cols int) []float64 {
	g := make([]float64, len(z))
	for r := 0; r < rows*cols; r += cols {
		row := append([]float64(nil), z[r:r+cols]...)
		tr := t[r : r+cols]
		for j := range row {
			v := row[j]
			row[j] = v + fdStep
			plus := sceRow64(row, tr)
			row[j] = v - fdStep
			minus := sceRow64(row, tr)
			row[j] = v
			g[r+j] = (plus - minus) / (2 * fdStep) / float64(rows)
		}
	}
	return g
}

// rowLoss is a fused loss op with its float64 reference, for the checks
// both losses share.
type rowLoss struct {
	in, target, grad string // the names of the op's operands in messages
	op               func(d backend.Device, grad, lossSum, in, target *backend.Tensor)
	// ref returns the summed loss, the gradient and the gradient's
	// rounding scale; fd the gradient by finite differences.
	ref func(x, t []float64, rows, cols int) (loss float64, grad, scale []float64)
	fd  func(x, t []float64, rows, cols int) []float64
}

var (
	sceLoss = rowLoss{"logits", "targets", "dLogits", backend.Device.SoftmaxCrossEntropy, sce64, sceFD}
	mseLoss = rowLoss{"pred", "target", "dPred", backend.Device.MeanSquaredError, mse64, mseFD}
)

// lossRun is what rowLoss.twoCalls leaves for further checks.
type lossRun struct {
	in, target, lossSum, grad *backend.Tensor
	l1, l2                    float64   // the reference losses of the two calls
	want, scale               []float64 // the second call's reference gradient
}

// twoCalls runs the loss on x1 and then on x2 (rows×cols, targets t)
// with lossSum starting at loss0. It checks the gradient against the
// float64 reference and finite differences, that the inputs are left
// alone, and that lossSum accumulates over both calls.
func (l rowLoss) twoCalls(e *env, what string, rows, cols int, loss0 float32, x1, x2, t []float32) lossRun {
	e.t.Helper()
	r := lossRun{
		in: e.upload(rows, cols, x1), target: e.upload(rows, cols, t),
		lossSum: e.upload(1, 1, []float32{loss0}), grad: e.garbage(rows, cols),
	}
	l.op(e.dev, r.grad, r.lossSum, r.in, r.target)
	l1, want, scale := l.ref(to64(x1), to64(t), rows, cols)
	got := e.get(r.grad)
	e.near(what+": "+l.grad+" vs float64 reference", cols, got, want, scale, tolElem)
	e.near(what+": "+l.grad+" vs finite differences of the mean loss", cols, got, l.fd(to64(x1), to64(t), rows, cols), scale, tolElem)
	e.scalar(what+fmt.Sprintf(": lossSum (was %g before the call)", loss0), e.get(r.lossSum)[0], float64(loss0)+l1, tolSum)
	e.exact(what+" leaves "+l.in, cols, e.get(r.in), x1)
	e.exact(what+" leaves "+l.target, cols, e.get(r.target), t)

	// A second batch adds to the same lossSum.
	e.dev.Upload(r.in, x2)
	l.op(e.dev, r.grad, r.lossSum, r.in, r.target)
	l2, want, scale := l.ref(to64(x2), to64(t), rows, cols)
	e.near(what+", second call: "+l.grad, cols, e.get(r.grad), want, scale, tolElem)
	e.scalar(what+", second call: lossSum accumulates over both calls", e.get(r.lossSum)[0], float64(loss0)+l1+l2, tolSum)
	r.l1, r.l2, r.want, r.scale = l1, l2, want, scale
	return r
}

func testSoftmaxCrossEntropy(e *env) {
	const loss0 = 0.75 // lossSum's value before the first call
	// {2000, 10}, like the largest shapes of the other losses and metrics,
	// is large enough for a CPU device with several workers to split.
	for _, s := range [][2]int{{1, 1}, {3, 2}, {1, 65}, {7, 33}, {129, 10}, {129, 65}, {2000, 10}} {
		r, c := s[0], s[1]
		e.run("onehot-"+shape(r, c), func(e *env) {
			sceLoss.twoCalls(e, fmt.Sprintf("SoftmaxCrossEntropy %s one-hot targets", shape(r, c)), r, c, loss0,
				e.uniform(r*c, -4, 4), e.uniform(r*c, -4, 4), e.oneHot(r, c))
		})
	}

	e.run("soft-targets", func(e *env) {
		for _, s := range [][2]int{{7, 5}, {33, 10}} {
			r, c := s[0], s[1]
			z, td := e.uniform(r*c, -4, 4), e.softTargets(r, c)
			logits, targets := e.upload(r, c, z), e.upload(r, c, td)
			lossSum, dl := e.alloc(1, 1), e.garbage(r, c)
			e.dev.SoftmaxCrossEntropy(dl, lossSum, logits, targets)
			l, want, scale := sce64(to64(z), to64(td), r, c)
			what := fmt.Sprintf("SoftmaxCrossEntropy %s soft (probability) targets", shape(r, c))
			got := e.get(dl)
			e.near(what+": dLogits vs float64 reference", c, got, want, scale, tolElem)
			e.near(what+": dLogits vs finite differences of the mean loss", c, got, sceFD(to64(z), to64(td), r, c), scale, tolElem)
			e.scalar(what+": lossSum", e.get(lossSum)[0], l, tolSum)
		}
	})

	e.run("in-place", func(e *env) {
		const r, c = 7, 5
		z, td := e.uniform(r*c, -4, 4), e.oneHot(r, c)
		logits, targets := e.upload(r, c, z), e.upload(r, c, td)
		lossSum := e.alloc(1, 1)
		e.dev.SoftmaxCrossEntropy(logits, lossSum, logits, targets)
		l, want, scale := sce64(to64(z), to64(td), r, c)
		what := "SoftmaxCrossEntropy 7x5 with dLogits == logits"
		e.near(what+": dLogits", c, e.get(logits), want, scale, tolElem)
		e.scalar(what+": lossSum", e.get(lossSum)[0], l, tolSum)
	})

	e.run("extreme", func(e *env) {
		const r, c = 5, 3
		z := []float32{
			1000, 0, -1000,
			1000, 0, -1000,
			-1000, -1000, -1000,
			88.7, -88.7, 0,
			1000, 999, -1000,
		}
		td := []float32{
			1, 0, 0, // p ≈ 1: loss ≈ 0
			0, 0, 1, // p = e^-2000 underflows: loss 2000
			0, 1, 0, // uniform: log 3
			0, 1, 0,
			0.5, 0.25, 0.25, // soft target on an underflowing class
		}
		logits, targets := e.upload(r, c, z), e.upload(r, c, td)
		lossSum, dl := e.alloc(1, 1), e.garbage(r, c)
		e.dev.SoftmaxCrossEntropy(dl, lossSum, logits, targets)
		l, want, scale := sce64(to64(z), to64(td), r, c)
		what := "SoftmaxCrossEntropy 5x3 extreme logits (±1000, ±88.7)"
		got, loss := e.get(dl), e.get(lossSum)
		if !isFinite(got) || !isFinite(loss) {
			e.t.Errorf("%s: non-finite results: dLogits %v, lossSum %v", what, got, loss)
		}
		e.near(what+": dLogits", c, got, want, scale, tolExtreme)
		e.scalar(what+": lossSum (log-sum-exp form, no clipping)", loss[0], l, tolSum)
	})
}

// mse64 returns Σ_rows of each row's mean squared error,
// dPred = 2(pred − target)/(rows·cols), and the magnitude
// 2(|pred| + |target|)/(rows·cols) that dPred's rounding error scales with.
func mse64(p, t []float64, rows, cols int) (loss float64, dp, scale []float64) {
	dp, scale = make([]float64, len(p)), make([]float64, len(p))
	for i := range p {
		d := p[i] - t[i]
		loss += d * d / float64(cols)
		dp[i] = 2 * d / float64(rows*cols)
		scale[i] = 2 * (math.Abs(p[i]) + math.Abs(t[i])) / float64(rows*cols)
	}
	return loss, dp, scale
}

// mseFD is the gradient of the mean over all elements of (p − t)² by
// central finite differences.
func mseFD(p, t []float64, rows, cols int) []float64 {
	g := make([]float64, len(p))
	n := float64(rows * cols)
	for i := range p {
		plus, minus := p[i]+fdStep-t[i], p[i]-fdStep-t[i]
		g[i] = (plus*plus/n - minus*minus/n) / (2 * fdStep)
	}
	return g
}

func testMeanSquaredError(e *env) {
	const loss0 = 1.25
	for _, s := range [][2]int{{1, 1}, {4, 3}, {7, 33}, {129, 65}, {300, 301}} {
		r, c := s[0], s[1]
		what := fmt.Sprintf("MeanSquaredError %s", shape(r, c))
		run := mseLoss.twoCalls(e, what, r, c, loss0,
			e.uniform(r*c, -2, 2), e.uniform(r*c, -2, 2), e.uniform(r*c, -2, 2))
		pred, target, lossSum, dp := run.in, run.target, run.lossSum, run.grad

		// dPred may be pred.
		e.dev.MeanSquaredError(pred, lossSum, pred, target)
		e.near(what+" with dPred == pred: dPred", c, e.get(pred), run.want, run.scale, tolElem)
		e.scalar(what+" with dPred == pred: lossSum", e.get(lossSum)[0], loss0+run.l1+2*run.l2, tolSum)
		for _, x := range []*backend.Tensor{pred, target, lossSum, dp} {
			e.release(x)
		}
	}
}

// argMax64 is the first index of each row's maximum.
func argMax64(x []float32, cols int) []int {
	idx := make([]int, len(x)/cols)
	for r := range idx {
		best := 0
		for j := 1; j < cols; j++ {
			if x[r*cols+j] > x[r*cols+best] {
				best = j
			}
		}
		idx[r] = best
	}
	return idx
}

// Crafted rows for CountCorrect: ties (first index wins), negative rows,
// all-equal rows, soft targets.
var (
	ccPred = []float32{
		0.2, 0.2, 0.1, // argmax 0 (tie)
		0.2, 0.2, 0.1, // argmax 0 (tie)
		0.1, 0.3, 0.3, // argmax 1 (tie)
		0.1, 0.9, 0, // argmax 1
		1, 1, 1, // argmax 0
		-3, -1, -2, // argmax 1
		-5, -5, -4, // argmax 2
		0, 0, 0, // argmax 0
	}
	ccTarget = []float32{
		1, 0, 0, // correct
		0, 1, 0, // wrong
		0, 0, 1, // wrong
		0.5, 0.5, 0, // argmax 0 (tie): wrong
		1, 0, 0, // correct
		0, 1, 0, // correct
		0, 0, 1, // correct
		0, 0, 0, // argmax 0: correct
	}
)

// ccWant is the number of correct rows in ccPred/ccTarget.
const ccWant = 5

func testCountCorrect(e *env) {
	e.run("ties", func(e *env) {
		pred, target := e.upload(8, 3, ccPred), e.upload(8, 3, ccTarget)
		correct := e.upload(1, 1, []float32{2})
		e.dev.CountCorrect(correct, pred, target)
		e.exact("CountCorrect 8x3 crafted ties (first index wins), starting from 2", 1, e.get(correct), []float32{2 + ccWant})
		e.dev.CountCorrect(correct, pred, target)
		e.exact("CountCorrect 8x3 called twice: accumulates", 1, e.get(correct), []float32{2 + 2*ccWant})
		e.exact("CountCorrect leaves pred", 3, e.get(pred), ccPred)
		e.exact("CountCorrect leaves targets", 3, e.get(target), ccTarget)
	})
	for _, s := range [][2]int{{1, 1}, {129, 10}, {7, 33}, {13, 1}, {8000, 10}} {
		r, c := s[0], s[1]
		e.run("random-"+shape(r, c), func(e *env) {
			pd, td := e.uniform(r*c, -1, 1), e.oneHot(r, c)
			want := 0
			pa, ta := argMax64(pd, c), argMax64(td, c)
			for i := range pa {
				if pa[i] == ta[i] {
					want++
				}
			}
			pred, target, correct := e.upload(r, c, pd), e.upload(r, c, td), e.alloc(1, 1)
			e.dev.CountCorrect(correct, pred, target)
			what := "CountCorrect " + shape(r, c)
			e.exact(what, 1, e.get(correct), []float32{float32(want)})
			// Targets equal to the predictions' arg-max: every row counts.
			perfect := make([]float32, r*c)
			for i, j := range pa {
				perfect[i*c+j] = 1
			}
			e.dev.Upload(target, perfect)
			e.dev.CountCorrect(correct, pred, target)
			e.exact(what+" then all rows correct: accumulates", 1, e.get(correct), []float32{float32(want + r)})
		})
	}
}

func testArgMax(e *env) {
	crafted := []float32{
		1, 3, 3, 2, // 1: first of a tie
		-5, -3, -4, -6, // 1: all negative
		0, 0, 0, 0, // 0
		-1e30, -1e30, -1e30, 5, // 3: last
		2, 1, 0, 2, // 0: tie first and last
		float32(math.Copysign(0, -1)), 0, -1, -1, // 0: −0 == 0
		7, 8, 9, 10, // 3
	}
	cases := []struct {
		r, c int
		data []float32
	}{
		{7, 4, crafted},
		{1, 1, nil},
		{13, 1, nil},
		{7, 33, nil},
		{129, 65, nil},
		{3, 200, nil},
	}
	for _, cs := range cases {
		r, c, data := cs.r, cs.c, cs.data
		if data == nil {
			data = e.uniform(r*c, -1, 1)
		}
		src, dst := e.upload(r, c, data), e.garbage(r, 1)
		e.dev.ArgMax(dst, src)
		idx := argMax64(data, c)
		want := make([]float32, r)
		for i, j := range idx {
			want[i] = float32(j)
		}
		what := fmt.Sprintf("ArgMax %s", shape(r, c))
		e.exact(what, 1, e.get(dst), want)
		e.exact(what+" leaves src", c, e.get(src), data)
		e.release(src)
		e.release(dst)
	}
}

func testGather(e *env) {
	const sr, sc = 20, 7
	srcData := e.uniform(sr*sc, -1, 1)
	src := e.upload(sr, sc, srcData)
	idxData := []float32{3, 3, 0, 19, 7, 7, 7, 1, 19, 2, 5, 5}
	idxRow := e.upload(1, len(idxData), idxData)
	idxCol := e.upload(len(idxData), 1, idxData)
	gathered := func(data []float32, cols int, idx []float32) []float32 {
		var out []float32
		for _, i := range idx {
			out = append(out, data[int(i)*cols:int(i+1)*cols]...)
		}
		return out
	}

	for _, cs := range []struct {
		rows, offset int
		indices      *backend.Tensor
	}{
		{12, 0, idxRow},
		{5, 4, idxRow},
		{1, 11, idxRow},
		{3, 2, idxCol},
		{12, 0, idxCol},
	} {
		dst := e.garbage(cs.rows, sc)
		e.dev.Gather(dst, src, cs.indices, cs.offset)
		what := fmt.Sprintf("Gather %d rows of src %s with indices %s (repeats) from offset %d", cs.rows, shape(sr, sc), cs.indices.Shape(), cs.offset)
		e.exact(what, sc, e.get(dst), gathered(srcData, sc, idxData[cs.offset:cs.offset+cs.rows]))
		e.release(dst)
	}
	e.exact("Gather leaves src", sc, e.get(src), srcData)
	e.exact("Gather leaves indices", 1, e.get(idxRow), idxData)

	// Into a view: only the prefix of the parent changes.
	parentData := e.uniform(9*sc, 10, 11)
	parent := e.upload(9, sc, parentData)
	e.dev.Gather(parent.View(5, sc), src, idxRow, 7)
	want := append(gathered(srcData, sc, idxData[7:12]), parentData[5*sc:]...)
	e.exact("Gather into a 5x7 view of a 9x7 tensor, offset 7", sc, e.get(parent), want)

	// A tall source (large row numbers) and a single column.
	tallData := e.uniform(300*3, -1, 1)
	tall := e.upload(300, 3, tallData)
	tallIdx := []float32{299, 0, 150, 299, 256}
	ti := e.upload(len(tallIdx), 1, tallIdx)
	dst := e.garbage(4, 3)
	e.dev.Gather(dst, tall, ti, 1)
	e.exact("Gather 4 rows of src 300x3 from offset 1", 3, e.get(dst), gathered(tallData, 3, tallIdx[1:]))
	one := e.upload(1, 1, []float32{-2.5})
	zeros := e.upload(1, 3, []float32{0, 0, 0})
	col := e.garbage(3, 1)
	e.dev.Gather(col, one, zeros, 0)
	e.exact("Gather 3 rows of src 1x1", 1, e.get(col), []float32{-2.5, -2.5, -2.5})

	// Enough rows for a CPU device with several workers to split them.
	wideData := e.uniform(50*64, -1, 1)
	wide := e.upload(50, 64, wideData)
	manyIdx := make([]float32, 1000)
	for i := range manyIdx {
		manyIdx[i] = float32(e.rng.IntN(50))
	}
	many := e.upload(len(manyIdx), 1, manyIdx)
	dst = e.garbage(len(manyIdx), 64)
	e.dev.Gather(dst, wide, many, 0)
	e.exact("Gather 1000 rows of src 50x64", 64, e.get(dst), gathered(wideData, 64, manyIdx))
}
