package cpu

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
		e := expNeg(float64(v) - float64(m))
		s += e
		y[i] = float32(e)
	}
	inv := 1 / s
	for i, v := range y {
		y[i] = float32(float64(v) * inv)
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
