package digit

import (
	"math"
	"slices"
)

// background describes what a digit is drawn on.
type background struct {
	level   float32 // grey level of the background
	sigma   float32 // standard deviation of the noise around it
	ink     float32 // the grey level furthest from it on the ink's side
	darkInk bool    // the ink is darker than the background
}

// findBackground tells the background from the ink. Otsu's threshold
// splits the grey levels into a dark and a light class; the background is
// the class that holds more of the border ring and of the whole image
// together (the mean of the two fractions), so that a digit touching the
// edges of a tight crop, or a background that is not the majority of the
// image, is still recognised. Its level is the median of its pixels on the
// border (or in the whole image when the border holds few of them), and
// the noise is measured on the side of that level away from the ink,
// where no anti-aliased ink can inflate it.
func findBackground(f field) background {
	lo, hi := slices.Min(f.v), slices.Max(f.v)
	t := otsu(f.v, lo, hi)
	ring := borderRing(f)
	lightFrac := func(s []float32) float64 {
		n := 0
		for _, g := range s {
			if g >= t {
				n++
			}
		}
		return float64(n) / float64(len(s))
	}
	light := lightFrac(ring)+lightFrac(f.v) > 1
	class := func(s []float32) []float32 {
		var c []float32
		for _, g := range s {
			if (g >= t) == light {
				c = append(c, g)
			}
		}
		return c
	}
	sample := class(ring)
	if len(sample) < max(1, len(ring)/10) {
		sample = class(f.v)
	}
	level := medianOf(sample) // sorts sample
	b := background{level: level, ink: hi}
	if light {
		b.sigma, b.ink, b.darkInk = spread(sample[len(sample)/2:], level), lo, true
	} else {
		b.sigma = spread(sample[:(len(sample)+1)/2], level)
	}
	// On a blank, noisy picture the two classes split the noise itself,
	// and the spread of one class understates it; the differences between
	// neighbours along the border do not.
	b.sigma = max(b.sigma, borderNoise(f))
	return b
}

// borderNoise estimates the standard deviation of white noise on the
// border ring from the differences between neighbouring pixels along it:
// 1.4826 × their median absolute value / √2. Flat areas, smooth shading
// and solid ink touching the border add little to it.
func borderNoise(f field) float32 {
	bw := ringWidth(f)
	var d []float32
	for y := 0; y < f.h; y++ {
		row := f.v[y*f.w : (y+1)*f.w]
		if y < bw || y >= f.h-bw {
			for x := 1; x < f.w; x++ {
				d = append(d, float32(math.Abs(float64(row[x]-row[x-1]))))
			}
		} else if y > bw {
			prev := f.v[(y-1)*f.w : y*f.w]
			for x := 0; x < f.w; x++ {
				if x == bw {
					x = max(bw, f.w-bw) // skip to the right band
				}
				d = append(d, float32(math.Abs(float64(row[x]-prev[x]))))
			}
		}
	}
	if len(d) == 0 {
		return 0
	}
	return 1.4826 / math.Sqrt2 * medianOf(d)
}

// otsu returns the threshold between lo and hi that best splits v into
// two classes (g < t and g ≥ t), maximising the between-class variance
// over a 256-bin histogram. It returns lo when all values are equal.
func otsu(v []float32, lo, hi float32) float32 {
	if hi <= lo {
		return lo
	}
	const bins = 256
	var hist [bins]float64
	scale := float32(bins-1) / (hi - lo)
	for _, g := range v {
		hist[int((g-lo)*scale)]++
	}
	var total, sum float64
	for i, n := range hist {
		total += n
		sum += float64(i) * n
	}
	var w0, sum0, best float64
	cut := 1
	for i := 0; i < bins-1; i++ {
		w0 += hist[i]
		sum0 += float64(i) * hist[i]
		w1 := total - w0
		if w0 == 0 || w1 == 0 {
			continue
		}
		m0, m1 := sum0/w0, (sum-sum0)/w1
		if between := w0 * w1 * (m0 - m1) * (m0 - m1); between > best {
			best, cut = between, i+1
		}
	}
	return lo + float32(cut)/scale
}

// borderRing returns the grey levels of a ring around the edge of f, 1/32
// of the shorter side wide (at least one pixel).
func borderRing(f field) []float32 {
	bw := ringWidth(f)
	var ring []float32
	for y := 0; y < f.h; y++ {
		if y < bw || y >= f.h-bw {
			ring = append(ring, f.v[y*f.w:(y+1)*f.w]...)
			continue
		}
		ring = append(ring, f.v[y*f.w:y*f.w+bw]...)
		ring = append(ring, f.v[(y+1)*f.w-bw:(y+1)*f.w]...)
	}
	return ring
}

// ringWidth is the width of the border ring: 1/32 of the shorter side, at
// least one pixel.
func ringWidth(f field) int { return max(1, min(f.w, f.h)/32) }

// spread estimates the standard deviation of noise around level bg from
// samples s on one side of it: 1.4826 × their median distance from bg
// (for a normal distribution, half of it lies on each side and the
// median distance is 0.674σ either way).
func spread(s []float32, bg float32) float32 {
	d := make([]float32, len(s))
	for i, g := range s {
		d[i] = float32(math.Abs(float64(g - bg)))
	}
	return 1.4826 * medianOf(d)
}

// medianOf returns the median of s, reordering s.
func medianOf(s []float32) float32 {
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
