package digit

import "math"

// resize scales the crop [x0,x1)×[y0,y1) of f by s, and rescales the
// values so the largest is 1. The result has the crop's top-left corner at
// its own.
func resize(f field, x0, y0, x1, y1 int, s float64) field {
	cw, ch := x1-x0, y1-y0
	wx, wy := axisWeights(cw, s), axisWeights(ch, s)
	// Horizontally: each crop row becomes len(wx) values.
	tmp := make([]float32, ch*len(wx))
	for y := 0; y < ch; y++ {
		src := f.v[(y0+y)*f.w+x0 : (y0+y)*f.w+x1]
		for o, taps := range wx {
			var sum float32
			for _, t := range taps {
				sum += t.w * src[t.i]
			}
			tmp[y*len(wx)+o] = sum
		}
	}
	// Vertically.
	out := field{w: len(wx), h: len(wy)}
	out.v = make([]float32, out.w*out.h)
	for o, taps := range wy {
		dst := out.v[o*out.w : (o+1)*out.w]
		for _, t := range taps {
			for x, g := range tmp[t.i*out.w : (t.i+1)*out.w] {
				dst[x] += t.w * g
			}
		}
	}
	var top float32
	for i, g := range out.v {
		g = min(max(g, 0), 1)
		out.v[i] = g
		top = max(top, g)
	}
	if top > 0 && top < 1 {
		for i := range out.v {
			out.v[i] /= top
		}
	}
	return out
}

// tap is one source index and its weight in an output value.
type tap struct {
	i int
	w float32
}

// axisWeights returns, for each output index along an axis of n source
// pixels scaled by s, the source pixels it draws on. Reducing (s ≤ 1) is
// area-averaging: output pixel o covers the source interval
// [o/s, (o+1)/s), and each source pixel is weighted by its overlap with
// it. Enlarging (s > 1) is bilinear interpolation between pixel centres.
// Either way the last output pixel, which the scaled source may only
// partly cover, is weighted by that coverage.
func axisWeights(n int, s float64) [][]tap {
	size := float64(n) * s
	outN := int(math.Ceil(size - 1e-9))
	w := make([][]tap, outN)
	for o := range w {
		cover := min(1, size-float64(o))
		if s <= 1 {
			lo, hi := float64(o)/s, math.Min(float64(o+1)/s, float64(n))
			for i := int(lo); i < n && float64(i) < hi; i++ {
				ov := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
				if ov > 0 {
					w[o] = append(w[o], tap{i, float32(ov * s)})
				}
			}
			continue
		}
		t := (float64(o)+0.5*cover)/s - 0.5
		i0 := int(math.Floor(t))
		fr := t - float64(i0)
		a, b := min(max(i0, 0), n-1), min(max(i0+1, 0), n-1)
		w[o] = append(w[o], tap{a, float32((1 - fr) * cover)}, tap{b, float32(fr * cover)})
	}
	return w
}

// centre pastes box into a Side×Side field so that its centre of mass (in
// pixel index coordinates) lands as near (Side/2, Side/2) as whole-pixel
// shifts allow without cutting anything off.
func centre(box field) []float32 {
	var m, mx, my float64
	for y := 0; y < box.h; y++ {
		for x := 0; x < box.w; x++ {
			g := float64(box.at(x, y))
			m += g
			mx += g * float64(x)
			my += g * float64(y)
		}
	}
	dx, dy := (Side-box.w)/2, (Side-box.h)/2
	if m > 0 {
		dx = int(math.Round(Side/2 - mx/m))
		dy = int(math.Round(Side/2 - my/m))
	}
	dx = min(max(dx, 0), Side-box.w)
	dy = min(max(dy, 0), Side-box.h)
	out := make([]float32, Pixels)
	for y := 0; y < box.h; y++ {
		copy(out[(y+dy)*Side+dx:], box.v[y*box.w:(y+1)*box.w])
	}
	return out
}
