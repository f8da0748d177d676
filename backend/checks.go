package backend

import (
	"fmt"
	"math"
)

// The functions in this file validate op arguments for Device
// implementations, so that every backend panics with the same message on
// the same misuse.

func misuse(op string, format string, args ...any) {
	panic(fmt.Sprintf("%s: %s", op, fmt.Sprintf(format, args...)))
}

func nonNil(op string, ts ...*Tensor) {
	for _, t := range ts {
		if t == nil {
			misuse(op, "nil tensor")
		}
		if t.buf == nil {
			misuse(op, "tensor %s was released or never allocated", t.Shape())
		}
	}
}

// CheckMatMul validates MatMul's shapes and returns m, n, k, where op(a) is
// m×k, op(b) is k×n and c is m×n.
func CheckMatMul(c, a, b *Tensor, transA, transB bool) (m, n, k int) {
	nonNil("MatMul", c, a, b)
	m, k = a.rows, a.cols
	if transA {
		m, k = k, m
	}
	kb, n := b.rows, b.cols
	if transB {
		kb, n = n, kb
	}
	if k != kb || c.rows != m || c.cols != n {
		misuse("MatMul", "c %s = op(a) · op(b) with a %s (transA=%v), b %s (transB=%v): shapes do not chain",
			c.Shape(), a.Shape(), transA, b.Shape(), transB)
	}
	if c.buf == a.buf || c.buf == b.buf {
		misuse("MatMul", "output c %s aliases an input", c.Shape())
	}
	return m, n, k
}

// CheckSameShape panics unless every tensor has the shape of the first.
func CheckSameShape(op string, ts ...*Tensor) {
	nonNil(op, ts...)
	for _, t := range ts[1:] {
		if t.rows != ts[0].rows || t.cols != ts[0].cols {
			misuse(op, "shapes differ: %s and %s", ts[0].Shape(), t.Shape())
		}
	}
}

// CheckSameLen panics unless dst and src hold the same number of elements.
func CheckSameLen(op string, dst, src *Tensor) {
	nonNil(op, dst, src)
	if dst.Len() != src.Len() {
		misuse(op, "element counts differ: dst %s, src %s", dst.Shape(), src.Shape())
	}
}

// CheckRowVector panics unless v is 1×cols.
func CheckRowVector(op string, v *Tensor, cols int) {
	nonNil(op, v)
	if v.rows != 1 || v.cols != cols {
		misuse(op, "want a 1×%d row vector, got %s", cols, v.Shape())
	}
}

// CheckScalar panics unless s is 1×1.
func CheckScalar(op string, s *Tensor) {
	nonNil(op, s)
	if s.rows != 1 || s.cols != 1 {
		misuse(op, "want a 1×1 accumulator, got %s", s.Shape())
	}
}

// CheckElementwise panics unless act acts element-wise.
func CheckElementwise(op string, act Activation) {
	if !act.Elementwise() || act < 0 || act > Softmax {
		misuse(op, "activation %v is not element-wise", act)
	}
}

// CheckActivation panics on an unknown activation.
func CheckActivation(op string, act Activation) {
	if act < 0 || act > Softmax {
		misuse(op, "unknown activation %d", int(act))
	}
}

// CheckUpload panics unless len(src) == t.Len().
func CheckUpload(op string, t *Tensor, n int) {
	nonNil(op, t)
	if n != t.Len() {
		misuse(op, "tensor %s holds %d values, host slice has %d", t.Shape(), t.Len(), n)
	}
}

// CheckGather validates Gather's arguments.
func CheckGather(dst, src, indices *Tensor, offset int) {
	nonNil("Gather", dst, src, indices)
	if dst.cols != src.cols {
		misuse("Gather", "dst %s and src %s differ in columns", dst.Shape(), src.Shape())
	}
	if offset < 0 || offset+dst.rows > indices.Len() {
		misuse("Gather", "rows %d..%d of indices %s out of range", offset, offset+dst.rows, indices.Shape())
	}
	if src.rows > 1<<24 {
		misuse("Gather", "src %s has more rows than float32 indices can address (2^24)", src.Shape())
	}
}

// CheckArgMax validates ArgMax's shapes.
func CheckArgMax(dst, src *Tensor) {
	nonNil("ArgMax", dst, src)
	if dst.rows != src.rows || dst.cols != 1 {
		misuse("ArgMax", "dst %s must be %d×1 for src %s", dst.Shape(), src.rows, src.Shape())
	}
}

// CheckOptimizer validates the tensors of an optimizer step (nil entries in
// state are allowed only where the caller says so beforehand).
func CheckOptimizer(op string, param, grad *Tensor, state ...*Tensor) {
	CheckSameShape(op, param, grad)
	for _, s := range state {
		CheckSameShape(op, param, s)
	}
}

// AdamStepSize returns Keras's bias-corrected step size
// lr·√(1−β2^t)/(1−β1^t) for step t ≥ 1, computed in float64.
func AdamStepSize(lr, beta1, beta2 float32, t int) float64 {
	if t < 1 {
		misuse("Adam", "step %d < 1", t)
	}
	b1t := math.Pow(float64(beta1), float64(t))
	b2t := math.Pow(float64(beta2), float64(t))
	return float64(lr) * math.Sqrt(1-b2t) / (1 - b1t)
}
