package digit

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"strings"
	"testing"
)

func TestEncode(t *testing.T) {
	px := make([]float32, Pixels)
	for i := range px {
		px[i] = float32(i%256) / 255
	}
	px[0], px[1] = -0.5, 2 // clamped
	for _, o := range []EncodeOptions{{}, {Invert: true}, {Scale: 2}, {Scale: 3, Invert: true}} {
		var buf bytes.Buffer
		if err := EncodeWith(&buf, px, o); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		g, ok := img.(*image.Gray)
		k := max(o.Scale, 1)
		if !ok || g.Bounds() != image.Rect(0, 0, Side*k, Side*k) {
			t.Fatalf("%+v: decoded %T with bounds %v, want a %d×%d *image.Gray", o, img, img.Bounds(), Side*k, Side*k)
		}
		for y := 0; y < Side*k; y++ {
			for x := 0; x < Side*k; x++ {
				v := min(max(px[(y/k)*Side+x/k], 0), 1)
				if o.Invert {
					v = 1 - v
				}
				if got, want := g.GrayAt(x, y).Y, uint8(math.Round(float64(v)*255)); got != want {
					t.Fatalf("%+v: pixel (%d,%d) = %d, want %d", o, x, y, got, want)
				}
			}
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	nan := make([]float32, Pixels)
	nan[30] = float32(math.NaN())
	for _, tc := range []struct {
		px   []float32
		o    EncodeOptions
		want string
	}{
		{make([]float32, 100), EncodeOptions{}, "100 pixel values, want 784"},
		{nan, EncodeOptions{}, "pixel 30 (row 1, column 2) is NaN"},
		{make([]float32, Pixels), EncodeOptions{Scale: -1}, "scale -1 out of range"},
		{make([]float32, Pixels), EncodeOptions{Scale: 101}, "scale 101 out of range"},
	} {
		var buf bytes.Buffer
		err := EncodeWith(&buf, tc.px, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%d bytes written despite the error", buf.Len())
		}
	}
}
