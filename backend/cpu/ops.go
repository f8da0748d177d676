package cpu

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
)

// Minimum work per chunk before an op is split over workers, in elements:
// cheap loops (a few flops per element, bound by memory) need more of them
// to pay for waking a worker than loops that call exp or tanh.
const (
	minCheap     = 1 << 15
	minExpensive = 1 << 12
)

func minItems(act backend.Activation) int {
	if act == backend.Identity || act == backend.ReLU {
		return minCheap
	}
	return minExpensive
}

// rowGrain returns the chunk size, in rows of cols elements, for a row-wise
// op with at least minElems elements per chunk.
func (d *Device) rowGrain(rows, cols, minElems int) int {
	return d.pool.grainFor(rows, max(1, minElems/max(cols, 1)))
}

// Fill sets every element of t to v.
func (d *Device) Fill(t *backend.Tensor, v float32) {
	backend.CheckSameShape("Fill", t)
	x := d.mem("Fill", t)
	f := &d.fill
	f.x, f.v = x, v
	d.pool.parallelFor(f, len(x), d.pool.grainFor(len(x), minCheap*2))
	f.x = nil
}

type fillTask struct {
	x []float32
	v float32
}

func (f *fillTask) run(_, lo, hi int) {
	x := f.x[lo:hi]
	if f.v == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] = f.v
	}
}

// Copy copies src into dst, which must have the same number of elements.
func (d *Device) Copy(dst, src *backend.Tensor) {
	backend.CheckSameLen("Copy", dst, src)
	noAlias("Copy", dst, src)
	copy(d.mem("Copy", dst), d.mem("Copy", src))
}

// MatMul computes c = op(a)·op(b), or c += op(a)·op(b) with accumulate,
// where op(x) is xᵀ when the matching trans flag is set, with the blocked,
// packed GEMM.
func (d *Device) MatMul(c, a, b *backend.Tensor, transA, transB, accumulate bool) {
	m, n, k := backend.CheckMatMul(c, a, b, transA, transB)
	d.gemm(d.mem("MatMul", c), d.mem("MatMul", a), d.mem("MatMul", b), m, n, k, transA, transB, accumulate)
}

// AddBias computes y = act(x + bias), bias (1×cols) broadcast over rows,
// for an element-wise act. y may be x.
func (d *Device) AddBias(y, x, bias *backend.Tensor, act backend.Activation) {
	backend.CheckSameShape("AddBias", y, x)
	backend.CheckRowVector("AddBias", bias, x.Cols())
	backend.CheckElementwise("AddBias", act)
	noAlias("AddBias", y, bias)
	t := &d.addBias
	t.y, t.x, t.b = d.mem("AddBias", y), d.mem("AddBias", x), d.mem("AddBias", bias)
	t.cols, t.act = x.Cols(), act
	d.pool.parallelFor(t, x.Rows(), d.rowGrain(x.Rows(), x.Cols(), minItems(act)))
	t.y, t.x, t.b = nil, nil, nil
}

type addBiasTask struct {
	y, x, b []float32
	cols    int
	act     backend.Activation
}

func (t *addBiasTask) run(_, lo, hi int) {
	n := t.cols
	for r := lo; r < hi; r++ {
		y := t.y[r*n : r*n+n]
		x := t.x[r*n : r*n+n]
		b := t.b[:n]
		switch t.act {
		case backend.Identity:
			for j, v := range x {
				y[j] = v + b[j]
			}
		case backend.ReLU:
			for j, v := range x {
				y[j] = max(v+b[j], 0) // branch-free: signs are unpredictable
			}
		case backend.Sigmoid:
			for j, v := range x {
				y[j] = sigmoid(v + b[j])
			}
		case backend.Tanh:
			for j, v := range x {
				y[j] = float32(math.Tanh(float64(v + b[j])))
			}
		}
	}
}

// positiveMask returns all ones if v > 0 (or v is a NaN with the sign bit
// clear) and zero otherwise, without a branch: ReLU outputs are zero about
// half the time, in no predictable pattern.
func positiveMask(v float32) uint32 {
	s := int32(math.Float32bits(v))
	return ^uint32(s>>31 | (s-1)>>31)
}

func sigmoid(x float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(x))))
}

// SumRows computes dst (1×cols) = Σ over rows of src, or adds it to dst
// with accumulate. Sums are accumulated in float64.
func (d *Device) SumRows(dst, src *backend.Tensor, accumulate bool) {
	backend.CheckSameShape("SumRows", src)
	backend.CheckRowVector("SumRows", dst, src.Cols())
	noAlias("SumRows", dst, src)
	cols := src.Cols()
	if cap(d.colAcc) < cols {
		d.colAcc = make([]float64, cols)
	}
	t := &d.sumRows
	t.dst, t.src, t.acc = d.mem("SumRows", dst), d.mem("SumRows", src), d.colAcc[:cols]
	t.rows, t.cols, t.accumulate = src.Rows(), cols, accumulate
	minCols := max(1, minCheap/max(src.Rows(), 1))
	d.pool.parallelFor(t, cols, d.pool.grainFor(cols, minCols))
	t.dst, t.src = nil, nil
}

type sumRowsTask struct {
	dst, src   []float32
	acc        []float64
	rows, cols int
	accumulate bool
}

func (t *sumRowsTask) run(_, lo, hi int) {
	acc := t.acc[lo:hi]
	clear(acc)
	for r := 0; r < t.rows; r++ {
		row := t.src[r*t.cols+lo : r*t.cols+hi]
		for j, v := range row {
			acc[j] += float64(v)
		}
	}
	dst := t.dst[lo:hi]
	for j, s := range acc {
		if t.accumulate {
			s += float64(dst[j])
		}
		dst[j] = float32(s)
	}
}

// Activate computes y = act(x); Softmax is row-wise and max-subtracted.
// y may be x.
func (d *Device) Activate(act backend.Activation, y, x *backend.Tensor) {
	backend.CheckActivation("Activate", act)
	backend.CheckSameShape("Activate", y, x)
	t := &d.act
	t.y, t.x, t.act, t.cols = d.mem("Activate", y), d.mem("Activate", x), act, x.Cols()
	if act == backend.Softmax {
		d.pool.parallelFor(t, x.Rows(), d.rowGrain(x.Rows(), x.Cols(), minExpensive))
	} else {
		t.cols = 0
		d.pool.parallelFor(t, len(t.x), d.pool.grainFor(len(t.x), minItems(act)))
	}
	t.y, t.x = nil, nil
}

// actTask runs Activate over elements [lo, hi), or rows for Softmax (cols
// is then the row length).
type actTask struct {
	y, x []float32
	act  backend.Activation
	cols int
}

func (t *actTask) run(_, lo, hi int) {
	if t.act == backend.Softmax {
		n := t.cols
		for r := lo; r < hi; r++ {
			softmaxRow(t.y[r*n:r*n+n], t.x[r*n:r*n+n])
		}
		return
	}
	y, x := t.y[lo:hi], t.x[lo:hi]
	switch t.act {
	case backend.Identity:
		copy(y, x)
	case backend.ReLU:
		for i, v := range x {
			y[i] = max(v, 0)
		}
	case backend.Sigmoid:
		for i, v := range x {
			y[i] = sigmoid(v)
		}
	case backend.Tanh:
		for i, v := range x {
			y[i] = float32(math.Tanh(float64(v)))
		}
	}
}

// softmaxRow writes the max-subtracted softmax of x into y (y may be x).
func softmaxRow(y, x []float32) {
	if len(x) == 0 {
		return
	}
	y = y[:len(x)]
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	var s float64
	for i, v := range x {
		e := math.Exp(float64(v) - float64(m))
		s += e
		y[i] = float32(e)
	}
	inv := 1 / s
	for i, v := range y {
		y[i] = float32(float64(v) * inv)
	}
}

// ActivationGrad computes dx = dy·∂act/∂x from y = act(x) and dy; for
// Softmax the row-wise product dx = y ⊙ (dy − Σ_j dy_j·y_j). dx may be dy.
func (d *Device) ActivationGrad(act backend.Activation, dx, y, dy *backend.Tensor) {
	backend.CheckActivation("ActivationGrad", act)
	backend.CheckSameShape("ActivationGrad", dx, y, dy)
	noAlias("ActivationGrad", dx, y)
	t := &d.actGrad
	t.dx, t.y, t.dy, t.act, t.cols = d.mem("ActivationGrad", dx), d.mem("ActivationGrad", y), d.mem("ActivationGrad", dy), act, y.Cols()
	if act == backend.Softmax {
		d.pool.parallelFor(t, y.Rows(), d.rowGrain(y.Rows(), y.Cols(), minCheap/4))
	} else {
		d.pool.parallelFor(t, len(t.y), d.pool.grainFor(len(t.y), minCheap))
	}
	t.dx, t.y, t.dy = nil, nil, nil
}

// actGradTask runs ActivationGrad over elements [lo, hi), or rows for
// Softmax.
type actGradTask struct {
	dx, y, dy []float32
	act       backend.Activation
	cols      int
}

func (t *actGradTask) run(_, lo, hi int) {
	if t.act == backend.Softmax {
		n := t.cols
		for r := lo; r < hi; r++ {
			y := t.y[r*n : r*n+n]
			dy := t.dy[r*n : r*n+n]
			dx := t.dx[r*n : r*n+n]
			var s float64
			for j, v := range y {
				s += float64(v) * float64(dy[j])
			}
			for j, v := range y {
				dx[j] = float32(float64(v) * (float64(dy[j]) - s))
			}
		}
		return
	}
	dx, y, dy := t.dx[lo:hi], t.y[lo:hi], t.dy[lo:hi]
	dy = dy[:len(y)]
	dx = dx[:len(y)]
	switch t.act {
	case backend.Identity:
		copy(dx, dy)
	case backend.ReLU:
		for i, v := range y {
			dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & positiveMask(v))
		}
	case backend.Sigmoid:
		for i, v := range y {
			dx[i] = dy[i] * v * (1 - v)
		}
	case backend.Tanh:
		for i, v := range y {
			dx[i] = dy[i] * (1 - v*v)
		}
	}
}

// SoftmaxCrossEntropy writes dLogits = (softmax(logits) − targets)/rows and
// adds Σ_rows −Σ_j t_ij·log p_ij to lossSum[0], with a max-subtracted
// log-sum-exp per row and the loss accumulated in float64. dLogits may be
// logits.
func (d *Device) SoftmaxCrossEntropy(dLogits, lossSum, logits, targets *backend.Tensor) {
	backend.CheckSameShape("SoftmaxCrossEntropy", dLogits, logits, targets)
	backend.CheckScalar("SoftmaxCrossEntropy", lossSum)
	noAlias("SoftmaxCrossEntropy", lossSum, dLogits, logits, targets)
	noAlias("SoftmaxCrossEntropy", dLogits, targets)
	rows, cols := logits.Rows(), logits.Cols()
	t := &d.sce
	t.dl, t.x, t.t = d.mem("SoftmaxCrossEntropy", dLogits), d.mem("SoftmaxCrossEntropy", logits), d.mem("SoftmaxCrossEntropy", targets)
	t.cols, t.invRows = cols, 1/float64(max(rows, 1))
	t.grain = d.rowGrain(rows, cols, minExpensive)
	t.part = d.partials
	clear(t.part)
	d.pool.parallelFor(t, rows, t.grain)
	loss := d.mem("SoftmaxCrossEntropy", lossSum)
	loss[0] = float32(float64(loss[0]) + sum(t.part))
	t.dl, t.x, t.t = nil, nil, nil
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

type sceTask struct {
	dl, x, t []float32
	cols     int
	invRows  float64
	grain    int
	part     []float64 // loss per chunk
}

func (t *sceTask) run(_, lo, hi int) {
	n := t.cols
	var loss float64
	for r := lo; r < hi; r++ {
		if n == 0 {
			break
		}
		x := t.x[r*n : r*n+n]
		tg := t.t[r*n : r*n+n]
		dl := t.dl[r*n : r*n+n]
		m := x[0]
		for _, v := range x[1:] {
			if v > m {
				m = v
			}
		}
		// log p_j = z_j − log s with z_j = x_j − m and s = Σ e^z.
		var s, tz, ts float64
		for j, v := range x {
			z := float64(v) - float64(m)
			e := math.Exp(z)
			s += e
			if tj := tg[j]; tj != 0 {
				tz += float64(tj) * z
				ts += float64(tj)
			}
			dl[j] = float32(e) // x[j] is read: dl may be x
		}
		loss += ts*math.Log(s) - tz
		inv := 1 / s
		for j, e := range dl {
			dl[j] = float32((float64(e)*inv - float64(tg[j])) * t.invRows)
		}
	}
	t.part[lo/t.grain] += loss
}

// MeanSquaredError writes dPred = 2(pred − target)/(rows·cols) and adds
// Σ_rows mean_j (pred − target)² to lossSum[0], accumulated in float64.
// dPred may be pred.
func (d *Device) MeanSquaredError(dPred, lossSum, pred, target *backend.Tensor) {
	backend.CheckSameShape("MeanSquaredError", dPred, pred, target)
	backend.CheckScalar("MeanSquaredError", lossSum)
	noAlias("MeanSquaredError", lossSum, dPred, pred, target)
	noAlias("MeanSquaredError", dPred, target)
	t := &d.mse
	t.d, t.p, t.t = d.mem("MeanSquaredError", dPred), d.mem("MeanSquaredError", pred), d.mem("MeanSquaredError", target)
	t.scale = 2 / float64(max(pred.Len(), 1))
	t.grain = d.pool.grainFor(len(t.p), minCheap)
	t.part = d.partials
	clear(t.part)
	d.pool.parallelFor(t, len(t.p), t.grain)
	if cols := pred.Cols(); cols > 0 {
		loss := d.mem("MeanSquaredError", lossSum)
		loss[0] = float32(float64(loss[0]) + sum(t.part)/float64(cols))
	}
	t.d, t.p, t.t = nil, nil, nil
}

type mseTask struct {
	d, p, t []float32
	scale   float64
	grain   int
	part    []float64 // Σ (p−t)² per chunk
}

func (t *mseTask) run(_, lo, hi int) {
	p, tg, d := t.p[lo:hi], t.t[lo:hi], t.d[lo:hi]
	tg = tg[:len(p)]
	d = d[:len(p)]
	var s float64
	for i, v := range p {
		diff := float64(v) - float64(tg[i])
		s += diff * diff
		d[i] = float32(t.scale * diff)
	}
	t.part[lo/t.grain] += s
}

// CountCorrect adds to correct[0] the number of rows whose arg-max in pred
// equals the arg-max in targets (first index on ties).
func (d *Device) CountCorrect(correct, pred, targets *backend.Tensor) {
	backend.CheckSameShape("CountCorrect", pred, targets)
	backend.CheckScalar("CountCorrect", correct)
	noAlias("CountCorrect", correct, pred, targets)
	t := &d.count
	t.p, t.t, t.cols = d.mem("CountCorrect", pred), d.mem("CountCorrect", targets), pred.Cols()
	t.grain = d.rowGrain(pred.Rows(), pred.Cols(), minCheap)
	t.cnt = d.counts
	clear(t.cnt)
	d.pool.parallelFor(t, pred.Rows(), t.grain)
	n := 0
	for _, c := range t.cnt {
		n += c
	}
	out := d.mem("CountCorrect", correct)
	out[0] += float32(n)
	t.p, t.t = nil, nil
}

type countTask struct {
	p, t  []float32
	cols  int
	grain int
	cnt   []int
}

func (t *countTask) run(_, lo, hi int) {
	n, c := t.cols, 0
	for r := lo; r < hi; r++ {
		if argMax(t.p[r*n:r*n+n]) == argMax(t.t[r*n:r*n+n]) {
			c++
		}
	}
	t.cnt[lo/t.grain] += c
}

// argMax returns the index of the first maximum of x (0 for an empty x;
// NaNs never win).
func argMax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// ArgMax writes into dst (rows×1) the column index of each row's first
// maximum in src, as a float32.
func (d *Device) ArgMax(dst, src *backend.Tensor) {
	backend.CheckArgMax(dst, src)
	noAlias("ArgMax", dst, src)
	out, x, n := d.mem("ArgMax", dst), d.mem("ArgMax", src), src.Cols()
	for r := range out {
		out[r] = float32(argMax(x[r*n : r*n+n]))
	}
}

// Gather copies rows of src into dst: dst row i = src row
// indices[offset+i]. It panics on an index that is not a whole number in
// [0, src.Rows()).
func (d *Device) Gather(dst, src, indices *backend.Tensor, offset int) {
	backend.CheckGather(dst, src, indices, offset)
	noAlias("Gather", dst, src, indices)
	out, x := d.mem("Gather", dst), d.mem("Gather", src)
	idx := d.mem("Gather", indices)[offset : offset+dst.Rows()]
	n, rows := src.Cols(), src.Rows()
	for i, f := range idx {
		r := int(f)
		if float32(r) != f || r < 0 || r >= rows {
			panic(fmt.Sprintf("Gather: indices[%d] = %g is not a row of src %s", offset+i, f, src.Shape()))
		}
		copy(out[i*n:i*n+n], x[r*n:r*n+n])
	}
}

// SGD updates param with grad (Keras form): param −= lr·grad when momentum
// is 0 (velocity may then be nil and is not used); otherwise
// velocity = momentum·velocity − lr·grad and param += velocity.
func (d *Device) SGD(param, grad, velocity *backend.Tensor, lr, momentum float32) {
	t := &d.opt
	if momentum != 0 {
		if velocity == nil {
			panic(fmt.Sprintf("SGD: momentum %g needs a velocity tensor, got nil", momentum))
		}
		backend.CheckOptimizer("SGD", param, grad, velocity)
		noAlias("SGD", param, grad, velocity)
		noAlias("SGD", velocity, grad)
		t.m = d.mem("SGD", velocity)
	} else {
		backend.CheckOptimizer("SGD", param, grad)
		noAlias("SGD", param, grad)
		t.m = nil
	}
	t.adam = false
	t.p, t.g = d.mem("SGD", param), d.mem("SGD", grad)
	t.lr, t.momentum = lr, momentum
	d.pool.parallelFor(t, len(t.p), d.pool.grainFor(len(t.p), minCheap))
	t.p, t.g, t.m = nil, nil, nil
}

// Adam updates param with grad in the Keras form for step ≥ 1:
// m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
// param −= lr·√(1−β2^step)/(1−β1^step) · m/(√v + ε).
func (d *Device) Adam(param, grad, m, v *backend.Tensor, lr, beta1, beta2, eps float32, step int) {
	stepSize := backend.AdamStepSize(lr, beta1, beta2, step)
	backend.CheckOptimizer("Adam", param, grad, m, v)
	noAlias("Adam", param, grad, m, v)
	noAlias("Adam", m, grad, v)
	noAlias("Adam", v, grad)
	t := &d.opt
	t.adam = true
	t.p, t.g, t.m, t.v = d.mem("Adam", param), d.mem("Adam", grad), d.mem("Adam", m), d.mem("Adam", v)
	t.lr, t.beta1, t.beta2, t.eps = float32(stepSize), beta1, beta2, eps
	d.pool.parallelFor(t, len(t.p), d.pool.grainFor(len(t.p), minExpensive*2))
	t.p, t.g, t.m, t.v = nil, nil, nil, nil
}

// optTask runs an SGD or Adam step over elements [lo, hi). For SGD, m is
// the velocity (nil without momentum); for Adam, lr is the bias-corrected
// step size.
type optTask struct {
	adam              bool
	p, g, m, v        []float32
	lr, momentum      float32
	beta1, beta2, eps float32
}

func (t *optTask) run(_, lo, hi int) {
	p := t.p[lo:hi]
	g := t.g[lo:hi]
	g = g[:len(p)]
	lr := t.lr
	if !t.adam {
		if t.m == nil {
			for i, gi := range g {
				p[i] -= lr * gi
			}
			return
		}
		vel := t.m[lo:hi]
		vel = vel[:len(p)]
		mom := t.momentum
		for i, gi := range g {
			vi := mom*vel[i] - lr*gi
			vel[i] = vi
			p[i] += vi
		}
		return
	}
	m, v := t.m[lo:hi], t.v[lo:hi]
	m = m[:len(p)]
	v = v[:len(p)]
	b1, b2, eps := t.beta1, t.beta2, t.eps
	c1, c2 := 1-b1, 1-b2
	for i, gi := range g {
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= lr * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}
