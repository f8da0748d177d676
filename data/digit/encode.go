package digit

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
)

// EncodeOptions change how EncodeWith and ToImage draw a digit.
type EncodeOptions struct {
	// Invert draws dark ink on a light background (0 → white, 1 → black)
	// instead of MNIST's white ink on black.
	Invert bool
	// Scale enlarges the 28×28 digit Scale times, each value becoming a
	// Scale×Scale block of pixels (nearest neighbour); 0 means 1.
	Scale int
}

// Encode writes Pixels values (row-major, in [0,1], as a mnist.Set holds
// them) as a 28×28 8-bit grey PNG, white ink on black. Values outside
// [0,1] are clamped.
func Encode(w io.Writer, pixels []float32) error {
	return EncodeWith(w, pixels, EncodeOptions{})
}

// EncodeWith is Encode with options: dark ink on light, or enlarged.
func EncodeWith(w io.Writer, pixels []float32, o EncodeOptions) error {
	img, err := ToImage(pixels, o)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// ToImage draws Pixels values (row-major, in [0,1]) as a grey image of
// 28·Scale pixels a side, each value rounded to the nearest of 256 levels.
// It refuses a slice of the wrong length, a value that is not a number,
// and a Scale below 0 or above 100.
func ToImage(pixels []float32, o EncodeOptions) (*image.Gray, error) {
	if len(pixels) != Pixels {
		return nil, fmt.Errorf("digit: %d pixel values, want %d (28×28)", len(pixels), Pixels)
	}
	k := o.Scale
	if k == 0 {
		k = 1
	}
	if k < 1 || k > 100 {
		return nil, fmt.Errorf("digit: scale %d out of range 1..100", o.Scale)
	}
	img := image.NewGray(image.Rect(0, 0, Side*k, Side*k))
	for i, v := range pixels {
		if math.IsNaN(float64(v)) {
			return nil, fmt.Errorf("digit: pixel %d (row %d, column %d) is NaN", i, i/Side, i%Side)
		}
		v = min(max(v, 0), 1)
		if o.Invert {
			v = 1 - v
		}
		g := uint8(math.Round(float64(v) * 255))
		x, y := (i%Side)*k, (i/Side)*k
		for dy := 0; dy < k; dy++ {
			row := img.Pix[img.PixOffset(x, y+dy):]
			for dx := 0; dx < k; dx++ {
				row[dx] = g
			}
		}
	}
	return img, nil
}
