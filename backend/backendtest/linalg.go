package backendtest

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
)

// matMulShapes are m×k×n: op(a) is m×k, op(b) is k×n. They include 1×1×1,
// vectors, k = 1, sizes that are no multiple of 4, 8, 16 or 64 next to a
// few that are, and k and n larger than typical cache blocks.
var matMulShapes = [][3]int{
	{1, 1, 1},
	{7, 33, 5},
	{33, 7, 129},
	{129, 65, 31},
	{65, 129, 1},
	{1, 130, 67},
	{3, 1, 4},
	{17, 9, 1},
	{2, 3, 4},
	{16, 16, 16},
	{64, 64, 64},
	{31, 63, 17},
	{5, 300, 260}, // k and n beyond a 256-wide cache block
	{70, 520, 3},  // several k blocks, 2 row tiles of 64
}

// matMulRef returns op(a)·op(b) (plus c0 if not nil) in float64, and for
// each element the magnitude Σ|a||b| (+|c0|) that its rounding error
// scales with. a is stored ar×ac and b is stored br×bc.
func matMulRef(a []float32, ar, ac int, b []float32, br, bc int, transA, transB bool, c0 []float32) (want, scale []float64) {
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	n := bc
	if transB {
		n = br
	}
	opA := func(i, p int) float64 {
		if transA {
			return float64(a[p*ac+i])
		}
		return float64(a[i*ac+p])
	}
	opB := func(p, j int) float64 {
		if transB {
			return float64(b[j*bc+p])
		}
		return float64(b[p*bc+j])
	}
	want = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := range m {
		for j := range n {
			s, mag := 0.0, 0.0
			for p := range k {
				x := opA(i, p) * opB(p, j)
				s += x
				mag += math.Abs(x)
			}
			if c0 != nil {
				s += float64(c0[i*n+j])
				mag += math.Abs(float64(c0[i*n+j]))
			}
			want[i*n+j], scale[i*n+j] = s, mag
		}
	}
	return want, scale
}

// matMulTol allows a float32 dot product of length k an error of
// 2e-6·√k relative to Σ|a||b|: well above the √k·u growth of any
// reasonable summation order, far below the error of a wrong element.
func matMulTol(k int) tol {
	return tol{2e-6 * math.Sqrt(float64(k)), 1e-30}
}

func testMatMul(e *env) {
	for _, s := range matMulShapes {
		m, k, n := s[0], s[1], s[2]
		e.run(fmt.Sprintf("%dx%dx%d", m, k, n), func(e *env) {
			for _, transA := range []bool{false, true} {
				for _, transB := range []bool{false, true} {
					ar, ac := m, k
					if transA {
						ar, ac = k, m
					}
					br, bc := k, n
					if transB {
						br, bc = n, k
					}
					ad := e.uniform(ar*ac, -1, 1)
					bd := e.uniform(br*bc, -1, 1)
					a := e.upload(ar, ac, ad)
					b := e.upload(br, bc, bd)
					for _, acc := range []bool{false, true} {
						var c *backend.Tensor
						var c0 []float32
						if acc {
							c0 = e.uniform(m*n, -2, 2)
							c = e.upload(m, n, c0)
						} else {
							c = e.garbage(m, n) // must be overwritten, NaN or not
						}
						e.dev.MatMul(c, a, b, transA, transB, acc)
						want, scale := matMulRef(ad, ar, ac, bd, br, bc, transA, transB, c0)
						what := fmt.Sprintf("MatMul m×k×n=%d×%d×%d (a %s, b %s) transA=%v transB=%v accumulate=%v: c",
							m, k, n, shape(ar, ac), shape(br, bc), transA, transB, acc)
						e.near(what, n, e.get(c), want, scale, matMulTol(k))
						e.release(c)
					}
					what := fmt.Sprintf("MatMul m×k×n=%d×%d×%d transA=%v transB=%v", m, k, n, transA, transB)
					e.exact(what+" leaves a", ac, e.get(a), ad)
					e.exact(what+" leaves b", bc, e.get(b), bd)
					e.release(a)
					e.release(b)
				}
			}
		})
	}

	// The same tensor as both inputs (a Gram matrix): inputs may alias
	// each other, only the output may not.
	e.run("gram", func(e *env) {
		const r, c = 9, 13
		ad := e.uniform(r*c, -1, 1)
		a := e.upload(r, c, ad)
		g := e.garbage(r, r)
		e.dev.MatMul(g, a, a, false, true, false)
		want, scale := matMulRef(ad, r, c, ad, r, c, false, true, nil)
		e.near("MatMul c = a·aᵀ with a 9x13 passed twice", r, e.get(g), want, scale, matMulTol(c))
		g2 := e.garbage(c, c)
		e.dev.MatMul(g2, a, a, true, false, false)
		want, scale = matMulRef(ad, r, c, ad, r, c, true, false, nil)
		e.near("MatMul c = aᵀ·a with a 9x13 passed twice", c, e.get(g2), want, scale, matMulTol(r))
	})

	// Accumulating twice into the same output, as gradient accumulation does.
	e.run("accumulate twice", func(e *env) {
		const m, k, n = 5, 11, 6
		ad, bd := e.uniform(m*k, -1, 1), e.uniform(k*n, -1, 1)
		a, b := e.upload(m, k, ad), e.upload(k, n, bd)
		c := e.garbage(m, n)
		e.dev.MatMul(c, a, b, false, false, false)
		e.dev.MatMul(c, a, b, false, false, true)
		want, scale := matMulRef(ad, m, k, bd, k, n, false, false, nil)
		for i := range want {
			want[i] *= 2
			scale[i] *= 2
		}
		e.near("MatMul 5×11×6 then the same with accumulate (= 2·a·b)", n, e.get(c), want, scale, matMulTol(k))
	})
}

// act64 is the float64 reference of an element-wise activation.
func act64(act backend.Activation, x float64) float64 {
	switch act {
	case backend.Identity:
		return x
	case backend.ReLU:
		return math.Max(0, x)
	case backend.Sigmoid:
		return 1 / (1 + math.Exp(-x))
	case backend.Tanh:
		return math.Tanh(x)
	}
	panic("act64: not element-wise: " + act.String())
}

// activate64 applies act to a rows×cols matrix in float64 (row-wise for
// Softmax).
func activate64(act backend.Activation, x []float64, cols int) []float64 {
	y := make([]float64, len(x))
	if act != backend.Softmax {
		for i, v := range x {
			y[i] = act64(act, v)
		}
		return y
	}
	for r := 0; r < len(x); r += cols {
		copy(y[r:r+cols], softmax64(x[r:r+cols]))
	}
	return y
}

func softmax64(z []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, v)
	}
	p := make([]float64, len(z))
	s := 0.0
	for j, v := range z {
		p[j] = math.Exp(v - m)
		s += p[j]
	}
	for j := range p {
		p[j] /= s
	}
	return p
}

// logSumExp64 is log Σ e^z, computed without overflow.
func logSumExp64(z []float64) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, v)
	}
	s := 0.0
	for _, v := range z {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

var elementwiseActs = []backend.Activation{backend.Identity, backend.ReLU, backend.Sigmoid, backend.Tanh}

func testAddBias(e *env) {
	for _, s := range elemShapes {
		r, c := s[0], s[1]
		for _, act := range elementwiseActs {
			for _, inPlace := range []bool{false, true} {
				xd := e.uniform(r*c, -3, 3)
				bd := e.uniform(c, -1, 1)
				x := e.upload(r, c, xd)
				bias := e.upload(1, c, bd)
				y := x
				if !inPlace {
					y = e.garbage(r, c)
				}
				e.dev.AddBias(y, x, bias, act)
				want := make([]float64, r*c)
				for i := range want {
					want[i] = act64(act, float64(xd[i])+float64(bd[i%c]))
				}
				what := fmt.Sprintf("AddBias %s act=%v in-place=%v: y", shape(r, c), act, inPlace)
				e.near(what, c, e.get(y), want, nil, tolElem)
				e.exact(what+" leaves bias", c, e.get(bias), bd)
				if !inPlace {
					e.exact(what+" leaves x", c, e.get(x), xd)
					e.release(y)
				}
				e.release(x)
				e.release(bias)
			}
		}
	}
}

func testSumRows(e *env) {
	for _, s := range append(elemShapes, [2]int{1000, 3}) {
		r, c := s[0], s[1]
		for _, acc := range []bool{false, true} {
			xd := e.uniform(r*c, -1, 1)
			x := e.upload(r, c, xd)
			var d0 []float32
			var dst *backend.Tensor
			if acc {
				d0 = e.uniform(c, -2, 2)
				dst = e.upload(1, c, d0)
			} else {
				dst = e.garbage(1, c)
			}
			e.dev.SumRows(dst, x, acc)
			want, scale := make([]float64, c), make([]float64, c)
			for i, v := range xd {
				want[i%c] += float64(v)
				scale[i%c] += math.Abs(float64(v))
			}
			for j := range d0 {
				want[j] += float64(d0[j])
				scale[j] += math.Abs(float64(d0[j]))
			}
			what := fmt.Sprintf("SumRows %s accumulate=%v: dst", shape(r, c), acc)
			e.near(what, c, e.get(dst), want, scale, matMulTol(r))
			e.exact(what+" leaves src", c, e.get(x), xd)
			e.release(x)
			e.release(dst)
		}
	}
}
