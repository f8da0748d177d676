package digit

import (
	"bytes"
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// checkDigit fails unless px is a valid result: Pixels values in [0,1].
func checkDigit(t *testing.T, px []float32) {
	t.Helper()
	if len(px) != Pixels {
		t.Fatalf("%d values", len(px))
	}
	for i, v := range px {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("value %d is %v", i, v)
		}
	}
}

// FuzzDecode: arbitrary bytes give an error of one of the three kinds or
// a valid digit, and never a panic.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	if err := Encode(&buf, bar()); err != nil {
		f.Fatal(err)
	}
	png := buf.Bytes()
	g, _ := ToImage(bar(), EncodeOptions{Invert: true, Scale: 2})
	for _, seed := range [][]byte{png, png[:40], jpegBytes(f, g, 80), gifBytes(f, g), pngHeader(30, 30), gifHeader(5, 5), nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		px, err := Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrNotImage) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrNoInk) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		checkDigit(t, px)
	})
}

// TestRandomImages feeds FromImage small images of every shape with random
// blocks, lines and noise: it returns a valid digit or ErrNoInk.
func TestRandomImages(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	blank := 0
	for trial := 0; trial < 2000; trial++ {
		w, h := 1+rng.IntN(60), 1+rng.IntN(60)
		g := image.NewGray(image.Rect(0, 0, w, h))
		bg := uint8(rng.IntN(256))
		for i := range g.Pix {
			g.Pix[i] = bg
		}
		for k := rng.IntN(4); k > 0; k-- {
			x0, y0 := rng.IntN(w), rng.IntN(h)
			x1, y1 := x0+1+rng.IntN(w-x0), y0+1+rng.IntN(h-y0)
			c := uint8(rng.IntN(256))
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					g.Pix[y*g.Stride+x] = c
				}
			}
		}
		if noise := rng.Float64() * 20 * float64(rng.IntN(2)); noise > 0 {
			for i, v := range g.Pix {
				g.Pix[i] = uint8(min(max(float64(v)+noise*rng.NormFloat64(), 0), 255))
			}
		}
		px, err := FromImage(g)
		if err != nil {
			if !errors.Is(err, ErrNoInk) {
				t.Fatalf("%d×%d: %v", w, h, err)
			}
			blank++
			continue
		}
		checkDigit(t, px)
		if cx, cy := centreOfMass(px); math.IsNaN(cx) || math.IsNaN(cy) {
			t.Fatalf("%d×%d: no mass", w, h)
		}
	}
	t.Logf("2000 random images: %d blank", blank)
}
