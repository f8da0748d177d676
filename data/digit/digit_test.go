package digit

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"math"
	"math/rand/v2"
	"testing"
)

// digits is how many MNIST test digits the fidelity tests use.
func digits() int {
	if testing.Short() {
		return 20
	}
	return 100
}

// TestRoundTrip: an MNIST digit is already normalised, so writing it with
// Encode and reading it back with Decode must give (nearly) the same
// values, at the same place.
func TestRoundTrip(t *testing.T) {
	set := mnistTest(t)
	var worstMAD, worstMax, worstCOM, sumMAD float64
	exact := 0
	for i := 0; i < digits(); i++ {
		want := set.Image(i)
		var buf bytes.Buffer
		if err := Encode(&buf, want); err != nil {
			t.Fatal(err)
		}
		got, err := Decode(&buf)
		if err != nil {
			t.Fatalf("digit %d: %v", i, err)
		}
		if len(got) != Pixels {
			t.Fatalf("digit %d: %d values", i, len(got))
		}
		s := compare(want, got)
		sumMAD += s.mad
		worstMAD, worstMax = max(worstMAD, s.mad), max(worstMax, s.maxDiff)
		worstCOM = max(worstCOM, math.Hypot(s.dcx, s.dcy))
		if s.maxDiff < 0.5/255 {
			exact++
		}
		// The bound: 8-bit rounding, anti-aliasing fainter than 1% of the
		// ink dropped, and a digit whose brightest pixel is below 1
		// stretched to reach it.
		if s.mad > 0.002 || s.maxDiff > 0.05 || math.Hypot(s.dcx, s.dcy) > 0.01 {
			t.Errorf("digit %d (label %d): mean |Δ| %.4f, max |Δ| %.4f, centre of mass moved (%.3f, %.3f)",
				i, set.Labels[i], s.mad, s.maxDiff, s.dcx, s.dcy)
		}
	}
	t.Logf("%d digits: mean |Δ| %.5f on average, %.5f at worst; max |Δ| %.4f; centre of mass moved %.4f px at worst; %d identical to 8 bits",
		digits(), sumMAD/float64(digits()), worstMAD, worstMax, worstCOM, exact)
}

// rendering draws MNIST digit px some other way.
type rendering struct {
	name string
	// draw returns the encoded file.
	draw func(t *testing.T, px []float32, rng *rand.Rand) []byte
	// Bounds over the digits: the mean correlation with the original,
	// and for every digit its correlation after the best shift of at most
	// one pixel each way (the centring rounds the centre of mass to whole
	// pixels, so a digit whose centre sits near a half pixel may land one
	// pixel over; that is no change of shape).
	meanCorr, minAligned float64
	skipOnes             bool // a tight crop of a bare 1 is all ink: nothing tells ink from background
}

func pngOf(img func(px []float32) image.Image) func(*testing.T, []float32, *rand.Rand) []byte {
	return func(t *testing.T, px []float32, _ *rand.Rand) []byte { return pngBytes(t, img(px)) }
}

func encoded(t *testing.T, px []float32, o EncodeOptions) *image.Gray {
	img, err := ToImage(px, o)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

var renderings = []rendering{
	{name: "dark on light", meanCorr: 0.999, minAligned: 0.999,
		draw: func(t *testing.T, px []float32, _ *rand.Rand) []byte {
			return pngBytes(t, encoded(t, px, EncodeOptions{Invert: true}))
		}},
	{name: "2× blocks", meanCorr: 0.999, minAligned: 0.999,
		draw: func(t *testing.T, px []float32, _ *rand.Rand) []byte {
			return pngBytes(t, encoded(t, px, EncodeOptions{Scale: 2}))
		}},
	{name: "3× blocks, dark on light", meanCorr: 0.999, minAligned: 0.999,
		draw: func(t *testing.T, px []float32, _ *rand.Rand) []byte {
			return pngBytes(t, encoded(t, px, EncodeOptions{Scale: 3, Invert: true}))
		}},
	{name: "off-centre in 60×45", meanCorr: 0.999, minAligned: 0.999,
		draw: pngOf(func(px []float32) image.Image { return blocks(levels(px, 0, 1), 1, 60, 45, 30, 3, 0) })},
	{name: "light ink on grey 0.4", meanCorr: 0.99, minAligned: 0.99,
		draw: pngOf(func(px []float32) image.Image { return blocks(levels(px, 0.4, 1), 1, 28, 28, 0, 0, 0.4) })},
	{name: "dark ink on grey 0.7, 2×", meanCorr: 0.99, minAligned: 0.99,
		draw: pngOf(func(px []float32) image.Image { return blocks(levels(px, 0.7, 0.05), 2, 56, 56, 0, 0, 0.7) })},
	{name: "black ink, transparent background", meanCorr: 0.999, minAligned: 0.999,
		draw: pngOf(func(px []float32) image.Image { return alpha(px, 1, color.NRGBA{0, 0, 0, 0}) })},
	{name: "white ink, transparent background, 2×", meanCorr: 0.999, minAligned: 0.999,
		draw: pngOf(func(px []float32) image.Image { return alpha(px, 2, color.NRGBA{255, 255, 255, 0}) })},
	{name: "GIF", meanCorr: 0.999, minAligned: 0.999,
		draw: func(t *testing.T, px []float32, _ *rand.Rand) []byte {
			return gifBytes(t, encoded(t, px, EncodeOptions{}))
		}},
	{name: "JPEG quality 90", meanCorr: 0.99, minAligned: 0.99,
		draw: func(t *testing.T, px []float32, _ *rand.Rand) []byte {
			return jpegBytes(t, encoded(t, px, EncodeOptions{}), 90)
		}},
	{name: "JPEG quality 75, dark on light", meanCorr: 0.97, minAligned: 0.75,
		draw: func(t *testing.T, px []float32, _ *rand.Rand) []byte {
			return jpegBytes(t, encoded(t, px, EncodeOptions{Invert: true}), 75)
		}},
	{name: "3× bilinear", meanCorr: 0.94, minAligned: 0.9,
		draw: pngOf(func(px []float32) image.Image { return smooth(levels(px, 0, 1), 3, 84, 84, 0, 0, 0) })},
	{name: "2.5× bilinear, dark on light", meanCorr: 0.9, minAligned: 0.8,
		draw: pngOf(func(px []float32) image.Image { return smooth(levels(px, 1, 0), 2.5, 70, 70, 0, 0, 1) })},
	{name: "7× bilinear, grey on grey, off-centre in 300×220, JPEG", meanCorr: 0.92, minAligned: 0.8,
		draw: func(t *testing.T, px []float32, _ *rand.Rand) []byte {
			return jpegBytes(t, smooth(levels(px, 0.9, 0.1), 7, 300, 220, 40, 10, 0.9), 85)
		}},
	{name: "10× binary pen on paper (like NIST's scans)", meanCorr: 0.93, minAligned: 0.75,
		draw: pngOf(func(px []float32) image.Image {
			g := smooth(levels(px, 1, 0), 10, 320, 300, 20, 10, 1)
			for i, v := range g.Pix {
				g.Pix[i] = 255 * (v / 128)
			}
			return g
		})},
	{name: "4× bilinear on a noisy page (σ = 8/255)", meanCorr: 0.9, minAligned: 0.8,
		draw: func(t *testing.T, px []float32, rng *rand.Rand) []byte {
			g := smooth(levels(px, 0.85, 0.15), 4, 140, 120, 10, 5, 0.85)
			for i, v := range g.Pix {
				g.Pix[i] = uint8(min(max(float64(v)+8*rng.NormFloat64(), 0), 255))
			}
			return pngBytes(t, g)
		}},
	{name: "4× cropped tight to the ink, dark on light", meanCorr: 0.99, minAligned: 0.99, skipOnes: true,
		draw: func(t *testing.T, px []float32, _ *rand.Rand) []byte {
			x0, y0, x1, y1, _ := bounds(nonZero(px), Side, Side)
			img := encoded(t, px, EncodeOptions{Scale: 4, Invert: true})
			return pngBytes(t, img.SubImage(image.Rect(4*x0, 4*y0, 4*x1, 4*y1)))
		}},
}

// TestRenderings draws MNIST digits in other ways — dark on light,
// enlarged, off-centre, on grey, transparent, as GIF and JPEG, smoothly
// enlarged, as a high-resolution binary pen stroke, on a noisy page, cropped
// tight — and checks that Decode gives back nearly the original values.
func TestRenderings(t *testing.T) {
	set := mnistTest(t)
	for _, r := range renderings {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, 2))
			var sum, worst float64
			worst = 1
			n, worstAt, over09 := 0, -1, 0
			for i := 0; i < digits(); i++ {
				if r.skipOnes && set.Labels[i] == 1 {
					continue
				}
				want := set.Image(i)
				got, err := Decode(bytes.NewReader(r.draw(t, want, rng)))
				if err != nil {
					t.Fatalf("digit %d (label %d): %v", i, set.Labels[i], err)
				}
				c := compare(want, got).corr
				a := alignedCorr(want, got)
				sum += c
				n++
				if c > 0.9 {
					over09++
				}
				if a < worst {
					worst, worstAt = a, i
				}
				if a < r.minAligned {
					t.Errorf("digit %d (label %d): correlation %.4f, %.4f after the best one-pixel shift; want at least %.2f",
						i, set.Labels[i], c, a, r.minAligned)
				}
			}
			mean := sum / float64(n)
			t.Logf("%d digits: correlation %.4f on average, over 0.9 for %d; after a one-pixel shift %.4f at worst (digit %d)",
				n, mean, over09, worst, worstAt)
			if mean < r.meanCorr {
				t.Errorf("mean correlation %.4f, want at least %.3f", mean, r.meanCorr)
			}
		})
	}
}

// gifBytes encodes a grey image as a GIF with a 256-level grey palette.
func gifBytes(t testing.TB, g *image.Gray) []byte {
	t.Helper()
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.Gray{uint8(i)}
	}
	p := image.NewPaletted(g.Bounds(), pal)
	copy(p.Pix, g.Pix)
	var b bytes.Buffer
	if err := gif.Encode(&b, p, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
