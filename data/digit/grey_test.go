package digit

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// TestGrey checks the fast paths for the decoders' image types against the
// generic path through color.Color, and the luma and alpha arithmetic.
func TestGrey(t *testing.T) {
	colours := []color.NRGBA{
		{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255},
		{0, 0, 0, 0}, {0, 0, 0, 128}, {255, 255, 255, 64}, {200, 100, 50, 200},
	}
	want := []float32{0.299, 0.587, 0.114, 1, 1, 1 - 128.0/255, 1, 0}
	want[7] = (0.299*200+0.587*100+0.114*50)/255*200/255 + 55.0/255
	r := image.Rect(3, 5, 3+len(colours), 6) // bounds not at the origin
	nrgba, rgba := image.NewNRGBA(r), image.NewRGBA(r)
	rgba64 := image.NewRGBA64(r) // no fast path
	pal := image.NewPaletted(r, nil)
	for i, c := range colours {
		nrgba.SetNRGBA(r.Min.X+i, r.Min.Y, c)
		rgba.Set(r.Min.X+i, r.Min.Y, c)
		rgba64.Set(r.Min.X+i, r.Min.Y, c)
		pal.Palette = append(pal.Palette, c)
		pal.SetColorIndex(r.Min.X+i, r.Min.Y, uint8(i))
	}
	for _, img := range []image.Image{nrgba, rgba, rgba64, pal} {
		f := greyField(img, 1)
		if f.w != len(colours) || f.h != 1 {
			t.Fatalf("%T: %d×%d", img, f.w, f.h)
		}
		for i, g := range f.v {
			if math.Abs(float64(g-want[i])) > 0.004 { // premultiplication rounds to 8 bits
				t.Errorf("%T: colour %v: grey %.4f, want %.4f", img, colours[i], g, want[i])
			}
		}
	}

	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix[0], gray.Pix[1] = 0, 51
	ycc := image.NewYCbCr(image.Rect(0, 0, 2, 1), image.YCbCrSubsampleRatio420)
	ycc.Y[0], ycc.Y[1] = 0, 51
	for _, img := range []image.Image{gray, ycc} {
		if f := greyField(img, 1); f.v[0] != 0 || f.v[1] != 0.2 {
			t.Errorf("%T: grey %v, want [0 0.2]", img, f.v)
		}
	}
}

// TestGreyReduces: an image over workPixels is reduced by a whole factor,
// each value the mean of its block (the last row and column of blocks
// being partial).
func TestGreyReduces(t *testing.T) {
	w, h := 2001, 1201 // 2.4 megapixels: reduced by 2 to 1001×601
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g.Pix[y*g.Stride+x] = uint8((x + 3*y) % 251)
		}
	}
	f := greyField(g, 1)
	if f.w != 1001 || f.h != 601 {
		t.Fatalf("reduced to %d×%d, want 1001×601", f.w, f.h)
	}
	for _, c := range [][2]int{{0, 0}, {7, 9}, {1000, 3}, {5, 600}, {1000, 600}} {
		var sum, n float64
		for y := 2 * c[1]; y < min(h, 2*c[1]+2); y++ {
			for x := 2 * c[0]; x < min(w, 2*c[0]+2); x++ {
				sum += float64(g.Pix[y*g.Stride+x]) / 255
				n++
			}
		}
		if got := f.at(c[0], c[1]); math.Abs(float64(got)-sum/n) > 1e-6 {
			t.Errorf("block %v: %v, want %v", c, got, sum/n)
		}
	}
}
