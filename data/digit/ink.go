package digit

// removeSpecks clears from core, and zeroes in f, the specks: the
// 8-connected patches of core ink that hold less than SpeckFraction of the
// total mass (the sum of the values in f) and lie away from the digit.
// The digit is the patches with more, the heaviest patch at least, and
// every small patch within a twentieth of its size (the longer side of its
// bounding box: one output pixel), so that a stroke the threshold broke
// into pieces keeps them. It returns the number of pixels in the largest
// patch.
func removeSpecks(f field, core []bool) (largest int) {
	label := make([]int32, len(core)) // 0: not ink or not yet labelled; patch n is n+1
	var mass []float64
	var stack []int
	for start, c := range core {
		if !c || label[start] != 0 {
			continue
		}
		id := int32(len(mass) + 1)
		m, n := 0.0, 0
		label[start] = id
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			m += float64(f.v[i])
			n++
			x, y := i%f.w, i/f.w
			for ny := max(0, y-1); ny <= min(f.h-1, y+1); ny++ {
				for nx := max(0, x-1); nx <= min(f.w-1, x+1); nx++ {
					if j := ny*f.w + nx; core[j] && label[j] == 0 {
						label[j] = id
						stack = append(stack, j)
					}
				}
			}
		}
		mass = append(mass, m)
		largest = max(largest, n)
	}
	if len(mass) < 2 {
		return largest
	}
	total, heaviest := 0.0, 0
	for i, m := range mass {
		total += m
		if m > mass[heaviest] {
			heaviest = i
		}
	}
	digit := make([]bool, len(mass))
	small := 0
	for i, m := range mass {
		digit[i] = i == heaviest || m >= SpeckFraction*total
		if !digit[i] {
			small++
		}
	}
	if small > 0 {
		in := make([]bool, len(label))
		for i, l := range label {
			in[i] = l != 0 && digit[l-1]
		}
		x0, y0, x1, y1, _ := bounds(in, f.w, f.h)
		near := dilate(in, f.w, f.h, max(1, max(x1-x0, y1-y0)/Box))
		for i, l := range label {
			if l != 0 && near[i] {
				digit[l-1] = true
			}
		}
	}
	for i, l := range label {
		if l != 0 && !digit[l-1] {
			core[i] = false
			f.v[i] = 0
		}
	}
	return largest
}

// bounds returns the bounding box [x0,x1)×[y0,y1) of the set pixels of
// the w×h mask m, and false if there are none.
func bounds(m []bool, w, h int) (x0, y0, x1, y1 int, ok bool) {
	x0, y0 = w, h
	for y := 0; y < h; y++ {
		for x, set := range m[y*w : (y+1)*w] {
			if set {
				x0, x1 = min(x0, x), max(x1, x+1)
				y0, y1 = min(y0, y), max(y1, y+1)
			}
		}
	}
	return x0, y0, x1, y1, x1 > x0
}

// dilate returns the pixels of a w×h image within Chebyshev distance r of
// a set pixel of m (a (2r+1)×(2r+1) square), in time independent of r.
func dilate(m []bool, w, h, r int) []bool {
	rows := make([]bool, len(m))
	count := make([]int32, max(w, h)+1) // prefix counts of one line
	for y := 0; y < h; y++ {
		line := m[y*w : (y+1)*w]
		for x, set := range line {
			count[x+1] = count[x] + b2i(set)
		}
		for x := range line {
			rows[y*w+x] = count[min(w, x+r+1)] > count[max(0, x-r)]
		}
	}
	out := make([]bool, len(m))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			count[y+1] = count[y] + b2i(rows[y*w+x])
		}
		for y := 0; y < h; y++ {
			out[y*w+x] = count[min(h, y+r+1)] > count[max(0, y-r)]
		}
	}
	return out
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
