package cpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSoftmaxVector checks the AVX-512 Softmax rows against a float64
// softmax (within 8e-7 relative, plus what rounding x − max to float32
// costs, ulp(x − max)/2 in the exponent, plus 1e-37 for values that
// underflow) and
// against softmaxRow for NaN: on row lengths around the vector width,
// rows with spreads wide enough that some terms underflow, NaN and
// infinities, in place and not.
func TestSoftmaxVector(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512: softmaxVector does nothing here, and softmaxRow is what the conformance suite tests")
	}
	rng := rand.New(rand.NewPCG(8, 1))
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	for _, cols := range []int{1, 2, 9, 10, 15, 16, 17, 31, 32, 33, 100, 128} {
		const rows = 9
		x := make([]float32, rows*cols)
		for r := range rows {
			row := x[r*cols : (r+1)*cols]
			spread := []float64{1, 10, 60, 200, 1, 1, 1, 1, 1}[r]
			for i := range row {
				row[i] = float32(rng.NormFloat64() * spread)
			}
			j := rng.IntN(cols)
			switch r {
			case 4:
				row[j] = nan
			case 5:
				row[j] = -inf
			case 6:
				row[j] = inf
			case 7:
				for i := range row {
					row[i] = -inf
				}
			case 8:
				row[j] = 3e38 // a large finite maximum
			}
		}
		for _, inPlace := range []bool{false, true} {
			y := make([]float32, len(x))
			if inPlace {
				copy(y, x)
				if !softmaxVector(y, y, rows, cols) {
					t.Fatal("softmaxVector did nothing")
				}
			} else if !softmaxVector(y, x, rows, cols) {
				t.Fatal("softmaxVector did nothing")
			}
			for r := range rows {
				xr, yr := x[r*cols:(r+1)*cols], y[r*cols:(r+1)*cols]
				want := make([]float32, cols)
				softmaxRow(want, xr)
				ref := softmax64(xr)
				m := float64(slices.Max(xr))
				for i := range yr {
					w, g := want[i], yr[i]
					if math.IsNaN(float64(w)) != math.IsNaN(float64(g)) {
						t.Fatalf("cols=%d row %d [%d]: %g, softmaxRow gives %g (x %v)", cols, r, i, g, w, xr)
					}
					if math.IsNaN(float64(w)) {
						continue
					}
					if d := math.Abs(float64(g) - ref[i]); d > ref[i]*(8e-7+6e-8*math.Abs(float64(xr[i])-m))+1e-37 {
						t.Fatalf("cols=%d row %d [%d] (in place %v): %g, float64 gives %g (softmaxRow %g)", cols, r, i, inPlace, g, ref[i], w)
					}
				}
			}
		}
	}
}

// softmax64 is the softmax of x in float64, NaN everywhere if the row
// holds a NaN or its maximum is infinite (as softmaxRow gives).
func softmax64(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	out := make([]float64, len(x))
	s := 0.0
	for i, v := range x {
		out[i] = math.Exp(float64(v) - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}
