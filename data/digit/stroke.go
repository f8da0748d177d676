package digit

import "math"

// MinStroke is the thinnest stroke, in final pixels, that the
// normalisation leaves alone; thinner ink is thickened to it before the
// digit is scaled. Widths are estimated as by strokeWidth, which gives
// 2 for a line one or two pixels wide. On that measure MNIST's strokes are
// 2.7 pixels wide (the median at half the ink level) and none is below
// 2.0, while a pen photographed or scanned at high resolution can shrink
// to a faint fraction of a pixel.
const MinStroke = 2.0

// strokeWidth estimates the mean width, in pixels, of the strokes of the
// w×h mask m from the mean distance d of its pixels to the nearest unset
// pixel: across a stroke W pixels wide the distances run 1, 2, …, 2, 1,
// whose mean is about W/4 + 1/2. Unlike area over perimeter, this is
// hardly affected by ragged, noisy edges.
func strokeWidth(m []bool, w, h int) float64 {
	out := make([]bool, len(m))
	for i, set := range m {
		out[i] = !set
	}
	d2 := distance2(out, w, h)
	var sum float64
	n := 0
	for i, set := range m {
		if set {
			sum += math.Sqrt(d2[i])
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return 4 * (sum/float64(n) - 0.5)
}

// thicken makes every pixel of f within Euclidean distance r of the core
// ink full ink, with a one-pixel anti-aliased edge, and adds those at
// floor or above to core.
func thicken(f field, core []bool, r float64, floor float32) {
	d2 := distance2(core, f.w, f.h)
	for i, d := range d2 {
		g := float32(min(max(r+0.5-math.Sqrt(d), 0), 1))
		if g > f.v[i] {
			f.v[i] = g
		}
		if g >= floor {
			core[i] = true
		}
	}
}

// distance2 returns, for each pixel of a w×h image, the squared Euclidean
// distance to the nearest set pixel of m (Felzenszwalb and Huttenlocher's
// linear-time transform, by rows and then by columns).
func distance2(m []bool, w, h int) []float64 {
	const far = 1e20
	d := make([]float64, w*h)
	for i, set := range m {
		if !set {
			d[i] = far
		}
	}
	n := max(w, h)
	line, out := make([]float64, n), make([]float64, n)
	v, z := make([]int, n), make([]float64, n+1)
	for y := 0; y < h; y++ {
		row := d[y*w : (y+1)*w]
		copy(line, row)
		edt1(line[:w], out[:w], v, z)
		copy(row, out[:w])
	}
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			line[y] = d[y*w+x]
		}
		edt1(line[:h], out[:h], v, z)
		for y := 0; y < h; y++ {
			d[y*w+x] = out[y]
		}
	}
	return d
}

// edt1 is the one-dimensional squared distance transform of f into d: the
// lower envelope of the parabolas (q-p)² + f[p]. v and z are scratch of
// len(f) and len(f)+1.
func edt1(f, d []float64, v []int, z []float64) {
	parabola := func(q, p int) float64 {
		return ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*(q-p))
	}
	k := 0
	v[0], z[0], z[1] = 0, math.Inf(-1), math.Inf(1)
	for q := 1; q < len(f); q++ {
		s := parabola(q, v[k])
		for s <= z[k] {
			k--
			s = parabola(q, v[k])
		}
		k++
		v[k], z[k], z[k+1] = q, s, math.Inf(1)
	}
	k = 0
	for q := range f {
		for z[k+1] < float64(q) {
			k++
		}
		p := v[k]
		d[q] = float64((q-p)*(q-p)) + f[p]
	}
}
