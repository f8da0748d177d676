package cpu

import "math"

// softmaxConsts is the constants block of softmaxRowsAVX512 (the offsets
// in internal/asmgen's softmax.go): expNeg32's range reduction, its floor,
// its polynomial's coefficients from the highest, and −∞.
var softmaxConsts = [11]float32{log2e32, ln2hi32, ln2lo32, -87,
	1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1, float32(math.Inf(-1))}

// softmaxRow writes the max-subtracted softmax of x into y (y may be x),
// in float32 with expNeg32: each value within a few ulp.
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
	var s float32
	for i, v := range x {
		e := expNeg32(v - m)
		s += e
		y[i] = e
	}
	inv := 1 / s
	for i := range y {
		y[i] *= inv
	}
}

// softmaxGradRow writes dx = y ⊙ (dy − Σ_j dy_j·y_j) for one row (dx may
// be dy).
func softmaxGradRow(dx, dy, y []float32) {
	dx, dy = dx[:len(y)], dy[:len(y)]
	var s float64
	for j, v := range y {
		s += float64(v) * float64(dy[j])
	}
	for j, v := range y {
		dx[j] = float32(float64(v) * (float64(dy[j]) - s))
	}
}
