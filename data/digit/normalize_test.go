package digit

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"testing"
)

// page returns a w×h sheet of white paper.
func page(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(g, g.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	return g
}

// ink paints rectangle r of g black.
func ink(g *image.Gray, r image.Rectangle) {
	draw.Draw(g, r, image.NewUniform(color.Black), image.Point{}, draw.Src)
}

// inkBox returns the bounding box of the values of px at or above t.
func inkBox(px []float32, t float32) image.Rectangle {
	m := make([]bool, len(px))
	for i, v := range px {
		m[i] = v >= t
	}
	x0, y0, x1, y1, _ := bounds(m, Side, Side)
	return image.Rect(x0, y0, x1, y1)
}

// TestSizeNormalisation: a solid block of any size and aspect ratio,
// anywhere on the page, comes out with its longer side 20 pixels, its
// aspect ratio kept, and its centre of mass at (14, 14).
func TestSizeNormalisation(t *testing.T) {
	for _, tc := range []struct {
		page   image.Point
		block  image.Rectangle
		w, h   int // expected size of the block after normalisation
		bright bool
	}{
		{image.Pt(600, 400), image.Rect(100, 50, 300, 350), 13, 20, false},  // 200×300
		{image.Pt(600, 400), image.Rect(400, 300, 590, 395), 20, 10, false}, // 190×95, in a corner
		{image.Pt(50, 50), image.Rect(20, 5, 25, 45), 3, 20, true},          // 5×40, enlarged ×0.5
		{image.Pt(40, 40), image.Rect(10, 10, 20, 20), 20, 20, false},       // 10×10, enlarged ×2
		{image.Pt(3000, 2000), image.Rect(1000, 100, 1600, 1900), 7, 20, false},
	} {
		g := page(tc.page.X, tc.page.Y)
		ink(g, tc.block)
		if tc.bright {
			for i := range g.Pix {
				g.Pix[i] = 255 - g.Pix[i]
			}
		}
		px, err := FromImage(g)
		if err != nil {
			t.Fatalf("%v on %v: %v", tc.block, tc.page, err)
		}
		box := inkBox(px, 0.5)
		cx, cy := centreOfMass(px)
		if box.Dx() != tc.w || box.Dy() != tc.h || math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
			t.Errorf("%v on %v: block %d×%d with centre of mass (%.2f, %.2f); want %d×%d at (14, 14)",
				tc.block.Size(), tc.page, box.Dx(), box.Dy(), cx, cy, tc.w, tc.h)
		}
		if hi := maxOf(px); hi != 1 {
			t.Errorf("%v on %v: brightest value %v, want 1", tc.block, tc.page, hi)
		}
	}
}

func maxOf(px []float32) float32 {
	var m float32
	for _, v := range px {
		m = max(m, v)
	}
	return m
}

// TestNothingCutOff: a digit whose centre of mass lies far from the middle
// of its box is shifted as far as the field allows and no further.
func TestNothingCutOff(t *testing.T) {
	g := page(200, 200)
	ink(g, image.Rect(20, 20, 60, 60))    // a heavy block at the top left…
	ink(g, image.Rect(20, 178, 180, 180)) // …and a thin line along the bottom
	px, err := FromImage(g)
	if err != nil {
		t.Fatal(err)
	}
	box := inkBox(px, 0.01)
	if box.Min.X < 0 || box.Min.Y < 0 || box.Max.X > Side || box.Max.Y > Side || box.Dx() != 20 || box.Dy() != 20 {
		t.Fatalf("ink box %v, want 20×20 inside the field", box)
	}
	cx, cy := centreOfMass(px)
	if box.Max.X != Side || box.Max.Y != Side || cx >= 14 || cy >= 14 {
		t.Errorf("ink box %v, centre of mass (%.2f, %.2f): want the box against the bottom right, the centre short of (14, 14)", box, cx, cy)
	}
}

// TestSpecks: dust away from the digit is ignored; it does not move or
// shrink the digit.
func TestSpecks(t *testing.T) {
	clean := page(400, 400)
	ink(clean, image.Rect(180, 80, 220, 320))
	want, err := FromImage(clean)
	if err != nil {
		t.Fatal(err)
	}
	dusty := page(400, 400)
	ink(dusty, image.Rect(180, 80, 220, 320))
	ink(dusty, image.Rect(10, 10, 13, 13))
	ink(dusty, image.Rect(380, 390, 382, 392))
	ink(dusty, image.Rect(300, 200, 304, 203))
	got, err := FromImage(dusty)
	if err != nil {
		t.Fatal(err)
	}
	if s := compare(want, got); s.maxDiff > 1e-6 {
		t.Errorf("the dust changed the digit: max |Δ| %.4f", s.maxDiff)
	}
}

// TestThinStrokes: a ring drawn with a fine pen on a large page would fade
// to a faint trace when reduced 30 times; it is thickened to MinStroke.
func TestThinStrokes(t *testing.T) {
	g := page(700, 700)
	for y := 0; y < 700; y++ {
		for x := 0; x < 700; x++ {
			if r := math.Hypot(float64(x)-350, float64(y)-350); r >= 297 && r < 300 { // 3 pixels wide
				g.Pix[y*g.Stride+x] = 0
			}
		}
	}
	px, err := FromImage(g)
	if err != nil {
		t.Fatal(err)
	}
	m := make([]bool, Pixels)
	n := 0
	for i, v := range px {
		if m[i] = v >= 0.5; m[i] {
			n++
		}
	}
	w := strokeWidth(m, Side, Side)
	box := inkBox(px, 0.5)
	t.Logf("ring: %d pixels at half the ink level or above, stroke width %.2f, box %v", n, w, box)
	if w < 2 || w > 3.5 || box.Dx() < 19 || box.Dy() < 19 {
		t.Errorf("stroke width %.2f (want 2 to 3.5, like MNIST's), box %v (want about 20×20)", w, box)
	}
	// A ring 20 pixels across with strokes 2 pixels wide has about 110
	// pixels of ink; a faint trace 0.1 pixel wide would have far fewer at
	// half the ink level.
	if n < 80 {
		t.Errorf("only %d pixels at half the ink level", n)
	}
}
