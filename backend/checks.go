package backend

// The Tracker's per-op checks validate every argument of an op on the
// calling goroutine, so that every backend panics with the same message
// on the same misuse. Each begins the op: when it returns normally, the
// device calls Exit once the op is done (usually with defer).

// Upload checks Upload.
func (k *Tracker) Upload(dst *Tensor, n int) {
	k.begin("Upload")
	defer k.exitOnPanic()
	k.own("Upload", "dst", dst)
	if n != dst.Len() {
		misuse("Upload", "dst %s holds %d values, the host slice %d", dst.Shape(), dst.Len(), n)
	}
}

// Download checks Download: ErrClosed once the device is closed, a panic
// on misuse. When it returns nil the op has begun.
func (k *Tracker) Download(n int, src *Tensor) error {
	if err := k.CheckOpen("Download"); err != nil {
		return err
	}
	k.enter("Download")
	defer k.exitOnPanic()
	k.own("Download", "src", src)
	if n != src.Len() {
		misuse("Download", "src %s holds %d values, the host slice %d", src.Shape(), src.Len(), n)
	}
	return nil
}

// Fill checks Fill.
func (k *Tracker) Fill(dst *Tensor) {
	k.begin("Fill")
	defer k.exitOnPanic()
	k.own("Fill", "dst", dst)
}

// Copy checks Copy.
func (k *Tracker) Copy(dst, src *Tensor) {
	const op = "Copy"
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "dst", dst)
	k.own(op, "src", src)
	if dst.Len() != src.Len() {
		misuse(op, "dst %s and src %s differ in element count", dst.Shape(), src.Shape())
	}
	disjoint(op, "dst", dst, "src", src)
}

// Gather checks Gather.
func (k *Tracker) Gather(dst, src, indices *Tensor, offset int) {
	const op = "Gather"
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "dst", dst)
	k.own(op, "src", src)
	k.own(op, "indices", indices)
	switch {
	case dst.cols != src.cols:
		misuse(op, "dst %s and src %s differ in columns", dst.Shape(), src.Shape())
	case offset < 0 || offset > indices.Len()-dst.rows:
		misuse(op, "indices[%d:%d] for dst %s are out of range of indices %s", offset, offset+dst.rows, dst.Shape(), indices.Shape())
	case src.rows > 1<<24:
		misuse(op, "src %s has more rows than float32 indices can number (2^24)", src.Shape())
	}
	disjoint(op, "dst", dst, "src", src)
	disjoint(op, "dst", dst, "indices", indices)
}

// MatMul checks MatMul and returns m, n and k: op(a) is m×k, op(b) k×n.
func (k *Tracker) MatMul(c, a, b *Tensor, tA, tB Transpose) (m, n, kk int) {
	const op = "MatMul"
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "c", c)
	k.own(op, "a", a)
	k.own(op, "b", b)
	if tA != NoTrans && tA != Trans || tB != NoTrans && tB != Trans {
		misuse(op, "transposes %v, %v: want NoTrans or Trans", tA, tB)
	}
	m, kk = a.rows, a.cols
	if tA == Trans {
		m, kk = kk, m
	}
	kb, n := b.rows, b.cols
	if tB == Trans {
		kb, n = n, kb
	}
	if kk != kb || c.rows != m || c.cols != n {
		misuse(op, "c %s = op(a)·op(b) with a %s (%v), b %s (%v): shapes do not chain",
			c.Shape(), a.Shape(), tA, b.Shape(), tB)
	}
	disjoint(op, "c", c, "a", a)
	disjoint(op, "c", c, "b", b)
	return m, n, kk
}

// AddBias checks AddBias.
func (k *Tracker) AddBias(y, x, bias *Tensor, act Activation) {
	const op = "AddBias"
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "y", y)
	k.own(op, "x", x)
	k.own(op, "bias", bias)
	sameShape(op, "y", y, "x", x)
	rowVector(op, "bias", bias, x.cols)
	if !act.Valid() || !act.Elementwise() {
		misuse(op, "activation %v is not element-wise", act)
	}
	sameOrDisjoint(op, "y", y, "x", x)
	disjoint(op, "y", y, "bias", bias)
}

// SumRows checks SumRows.
func (k *Tracker) SumRows(dst, src *Tensor) {
	const op = "SumRows"
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "dst", dst)
	k.own(op, "src", src)
	rowVector(op, "dst", dst, src.cols)
	disjoint(op, "dst", dst, "src", src)
}

// Activate checks Activate.
func (k *Tracker) Activate(y, x *Tensor, act Activation) {
	const op = "Activate"
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "y", y)
	k.own(op, "x", x)
	validActivation(op, act)
	sameShape(op, "y", y, "x", x)
	sameOrDisjoint(op, "y", y, "x", x)
}

// ActivationGrad checks ActivationGrad: the tensor act reads of x and y
// must be given; the other may be nil.
func (k *Tracker) ActivationGrad(dx, dy, x, y *Tensor, act Activation) {
	const op = "ActivationGrad"
	k.begin(op)
	defer k.exitOnPanic()
	validActivation(op, act)
	k.own(op, "dx", dx)
	k.own(op, "dy", dy)
	sameShape(op, "dx", dx, "dy", dy)
	sameOrDisjoint(op, "dx", dx, "dy", dy)
	for _, in := range [2]struct {
		name   string
		t      *Tensor
		needed bool
	}{{"x", x, act.GradNeedsInput()}, {"y", y, !act.GradNeedsInput()}} {
		if in.t == nil && !in.needed {
			continue
		}
		k.own(op, in.name, in.t)
		sameShape(op, "dx", dx, in.name, in.t)
		disjoint(op, "dx", dx, in.name, in.t)
	}
}

// Loss checks SoftmaxCrossEntropy and MeanSquaredError (op): grad and x
// (which grad may be) and target of one shape, a 1×1 loss sum.
func (k *Tracker) Loss(op string, grad, lossSum, x, target *Tensor) {
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "gradient", grad)
	k.own(op, "lossSum", lossSum)
	k.own(op, "input", x)
	k.own(op, "target", target)
	sameShape(op, "gradient", grad, "input", x)
	sameShape(op, "input", x, "target", target)
	scalar(op, "lossSum", lossSum)
	sameOrDisjoint(op, "gradient", grad, "input", x)
	disjoint(op, "gradient", grad, "target", target)
	disjoint(op, "lossSum", lossSum, "gradient", grad)
	disjoint(op, "lossSum", lossSum, "input", x)
	disjoint(op, "lossSum", lossSum, "target", target)
}

// CountCorrect checks CountCorrect.
func (k *Tracker) CountCorrect(correct, pred, targets *Tensor) {
	const op = "CountCorrect"
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "correct", correct)
	k.own(op, "pred", pred)
	k.own(op, "targets", targets)
	sameShape(op, "pred", pred, "targets", targets)
	scalar(op, "correct", correct)
	disjoint(op, "correct", correct, "pred", pred)
	disjoint(op, "correct", correct, "targets", targets)
}

// ArgMax checks ArgMax.
func (k *Tracker) ArgMax(dst, src *Tensor) {
	const op = "ArgMax"
	k.begin(op)
	defer k.exitOnPanic()
	k.own(op, "dst", dst)
	k.own(op, "src", src)
	if dst.rows != src.rows || dst.cols != 1 {
		misuse(op, "dst %s must be %d×1 for src %s", dst.Shape(), src.rows, src.Shape())
	}
	disjoint(op, "dst", dst, "src", src)
}

// SGD checks SGD.
func (k *Tracker) SGD(param, grad, velocity *Tensor, h SGDParams) {
	const op = "SGD"
	k.begin(op)
	defer k.exitOnPanic()
	if !finite32(h.LearningRate, h.Momentum) {
		misuse(op, "learning rate %g and momentum %g must be finite", h.LearningRate, h.Momentum)
	}
	if h.Momentum != 0 && velocity == nil {
		misuse(op, "momentum %g needs a velocity tensor, got nil (param %s)", h.Momentum, param.Shape())
	}
	k.optimizer(op, param, grad, "velocity", velocity, "", nil)
}

// Adam checks Adam.
func (k *Tracker) Adam(param, grad, m, v *Tensor, h AdamParams) {
	const op = "Adam"
	k.begin(op)
	defer k.exitOnPanic()
	if !finite32(h.LearningRate, h.Beta1, h.Beta2, h.Epsilon) {
		misuse(op, "settings %+v must be finite", h)
	}
	if h.Step < 1 {
		misuse(op, "step %d < 1 (steps count from 1)", h.Step)
	}
	if m == nil || v == nil {
		misuse(op, "needs both moment tensors m and v")
	}
	k.optimizer(op, param, grad, "m", m, "v", v)
}

// optimizer checks an optimizer step's tensors: one shape, no two sharing
// storage. Nil state tensors are skipped.
func (k *Tracker) optimizer(op string, param, grad *Tensor, n1 string, s1 *Tensor, n2 string, s2 *Tensor) {
	names := [4]string{"param", "grad", n1, n2}
	ts := [4]*Tensor{param, grad, s1, s2}
	for i, t := range ts {
		if t == nil && i >= 2 {
			continue
		}
		k.own(op, names[i], t)
		sameShape(op, "param", param, names[i], t)
		for j := 0; j < i; j++ {
			if ts[j] != nil {
				disjoint(op, names[i], t, names[j], ts[j])
			}
		}
	}
}

func validActivation(op string, act Activation) {
	if !act.Valid() {
		misuse(op, "unknown activation %v (alpha %g)", act.Kind, act.Alpha)
	}
}

func sameShape(op, an string, a *Tensor, bn string, b *Tensor) {
	if a.rows != b.rows || a.cols != b.cols {
		misuse(op, "%s %s and %s %s differ in shape", an, a.Shape(), bn, b.Shape())
	}
}

func rowVector(op, name string, v *Tensor, cols int) {
	if v.rows != 1 || v.cols != cols {
		misuse(op, "%s must be a 1×%d row vector, got %s", name, cols, v.Shape())
	}
}

func scalar(op, name string, s *Tensor) {
	if s.rows != 1 || s.cols != 1 {
		misuse(op, "%s must be a 1×1 accumulator, got %s", name, s.Shape())
	}
}

// disjoint panics if output out shares any element with in.
func disjoint(op, outName string, out *Tensor, inName string, in *Tensor) {
	if overlaps(out, in) {
		misuse(op, "%s %s shares storage with %s %s (an output may not alias another argument)", outName, out.Shape(), inName, in.Shape())
	}
}

// sameOrDisjoint panics if out overlaps in without being exactly in.
func sameOrDisjoint(op, outName string, out *Tensor, inName string, in *Tensor) {
	if overlaps(out, in) && !same(out, in) {
		misuse(op, "%s %s partly overlaps %s %s (it may be %s itself, or apart from it)", outName, out.Shape(), inName, in.Shape(), inName)
	}
}
