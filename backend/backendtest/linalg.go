package backendtest

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
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

// MatMulReference returns op(a)·op(b) in float64, computed by gonum's
// BLAS, for op(a) m×k and op(b) k×n (a and b stored as tA and tB say:
// a is k×m when transposed), and for each element the magnitude Σ|a||b|
// that its rounding error scales with: the reference for every GEMM test.
func MatMulReference(a, b []float32, m, n, k int, tA, tB backend.Transpose) (want, scale []float64) {
	ar, ac := stored(m, k, tA)
	br, bc := stored(k, n, tB)
	return matMulRef(a, ar, ac, b, br, bc, tA, tB)
}

// matMulRef is MatMulReference for a stored ar×ac and b stored br×bc.
func matMulRef(a []float32, ar, ac int, b []float32, br, bc int, tA, tB backend.Transpose) (want, scale []float64) {
	m := ar
	if tA == backend.Trans {
		m = ac
	}
	n := bc
	if tB == backend.Trans {
		n = br
	}
	gemm := func(a, b []float64) []float64 {
		c := blas64.General{Rows: m, Cols: n, Stride: max(n, 1), Data: make([]float64, m*n)}
		if m > 0 && n > 0 {
			blas64.Gemm(blasT(tA), blasT(tB), 1,
				blas64.General{Rows: ar, Cols: ac, Stride: max(ac, 1), Data: a},
				blas64.General{Rows: br, Cols: bc, Stride: max(bc, 1), Data: b}, 0, c)
		}
		return c.Data
	}
	a64, b64 := to64(a), to64(b)
	want = gemm(a64, b64)
	for i := range a64 {
		a64[i] = math.Abs(a64[i])
	}
	for i := range b64 {
		b64[i] = math.Abs(b64[i])
	}
	return want, gemm(a64, b64)
}

func blasT(t backend.Transpose) blas.Transpose {
	if t == backend.Trans {
		return blas.Trans
	}
	return blas.NoTrans
}

// stored returns the stored shape of an operand whose op(x) is rows×cols.
func stored(rows, cols int, t backend.Transpose) (int, int) {
	if t == backend.Trans {
		return cols, rows
	}
	return rows, cols
}

// matMulTol allows a float32 dot product of length k an error of
// 2e-6·√k relative to Σ|a||b|: well above the √k·u growth of any
// reasonable summation order, far below the error of a wrong element.
func matMulTol(k int) tol {
	return tol{2e-6 * math.Sqrt(float64(k)), 1e-30}
}

var transposes = []backend.Transpose{backend.NoTrans, backend.Trans}

func testMatMul(e *env) {
	for _, s := range matMulShapes {
		m, k, n := s[0], s[1], s[2]
		e.run(fmt.Sprintf("%dx%dx%d", m, k, n), func(e *env) {
			for _, tA := range transposes {
				for _, tB := range transposes {
					ar, ac := stored(m, k, tA)
					br, bc := stored(k, n, tB)
					ad := e.uniform(ar*ac, -1, 1)
					bd := e.uniform(br*bc, -1, 1)
					a := e.upload(ar, ac, ad)
					b := e.upload(br, bc, bd)
					c := e.garbage(m, n) // must be overwritten, NaN or not
					e.dev.MatMul(c, a, b, tA, tB)
					want, scale := matMulRef(ad, ar, ac, bd, br, bc, tA, tB)
					what := fmt.Sprintf("MatMul m×k×n=%d×%d×%d (a %s, b %s) %v%v: c", m, k, n, shape(ar, ac), shape(br, bc), tA, tB)
					e.near(what, n, e.get(c), want, scale, matMulTol(k))
					e.exact(what+" leaves a", ac, e.get(a), ad)
					e.exact(what+" leaves b", bc, e.get(b), bd)
					e.release(a)
					e.release(b)
					e.release(c)
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
		e.dev.MatMul(g, a, a, backend.NoTrans, backend.Trans)
		want, scale := matMulRef(ad, r, c, ad, r, c, backend.NoTrans, backend.Trans)
		e.near("MatMul c = a·aᵀ with a 9x13 passed twice", r, e.get(g), want, scale, matMulTol(c))
		g2 := e.garbage(c, c)
		e.dev.MatMul(g2, a, a, backend.Trans, backend.NoTrans)
		want, scale = matMulRef(ad, r, c, ad, r, c, backend.Trans, backend.NoTrans)
		e.near("MatMul c = aᵀ·a with a 9x13 passed twice", c, e.get(g2), want, scale, matMulTol(r))
	})

	// k = 0: c is all zeros.
	e.run("k=0", func(e *env) {
		a, b := e.alloc(3, 0), e.alloc(0, 4)
		c := e.garbage(3, 4)
		e.dev.MatMul(c, a, b, backend.NoTrans, backend.NoTrans)
		e.exact("MatMul 3×0 · 0×4", 4, e.get(c), make([]float32, 12))
	})
}

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
		xd := e.uniform(r*c, -1, 1)
		x := e.upload(r, c, xd)
		dst := e.garbage(1, c)
		e.dev.SumRows(dst, x)
		want, scale := make([]float64, c), make([]float64, c)
		for i, v := range xd {
			want[i%c] += float64(v)
			scale[i%c] += math.Abs(float64(v))
		}
		what := fmt.Sprintf("SumRows %s: dst", shape(r, c))
		e.near(what, c, e.get(dst), want, scale, matMulTol(r))
		e.exact(what+" leaves src", c, e.get(x), xd)
		e.release(x)
		e.release(dst)
	}
}
