package digit

import (
	"image"
	"image/color"
	"math"
)

// workPixels bounds the size of the grey working image: larger images are
// reduced by an integer factor, by area-averaging, while being converted.
const workPixels = 2_000_000

// Rec. 601 luma weights, the ones JPEG (JFIF) uses for its Y channel and
// Go's color.GrayModel uses.
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// field is a grey image in float32, row-major, w×h.
type field struct {
	w, h int
	v    []float32
}

func (f *field) at(x, y int) float32 { return f.v[y*f.w+x] }

// greyField converts img to grey levels in [0,1] (0 black, 1 white),
// compositing transparent pixels over the grey level over, and reduces it
// by area-averaging over k×k blocks (k ≥ 1, the smallest factor that
// brings it to at most about workPixels). It does not hold a full-size
// grey copy: one source row is converted at a time.
func greyField(img image.Image, over float32) field {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	k := 1
	if n := float64(w) * float64(h); n > workPixels {
		k = int(math.Ceil(math.Sqrt(n / workPixels)))
	}
	f := field{w: (w + k - 1) / k, h: (h + k - 1) / k}
	f.v = make([]float32, f.w*f.h)
	row := make([]float32, w)
	fill := rowFiller(img, over)
	for y := 0; y < h; y++ {
		fill(b.Min.Y+y, row)
		dst := f.v[(y/k)*f.w : (y/k+1)*f.w]
		if k == 1 {
			copy(dst, row)
			continue
		}
		for x, g := range row {
			dst[x/k] += g
		}
	}
	if k > 1 {
		for cy := 0; cy < f.h; cy++ {
			ch := min(k, h-cy*k)
			for cx := 0; cx < f.w; cx++ {
				cw := min(k, w-cx*k)
				f.v[cy*f.w+cx] /= float32(cw * ch)
			}
		}
	}
	return f
}

// rowFiller returns a function that writes the grey levels of source row y
// (an absolute coordinate within img.Bounds()) into dst, which has one
// element per column. The common decoded types have fast paths; anything
// else goes through color.Color.
func rowFiller(img image.Image, over float32) func(y int, dst []float32) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return func(y int, dst []float32) {
			p := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range dst {
				dst[x] = float32(p[x]) / 255
			}
		}
	case *image.YCbCr: // JPEG: Y is the luma
		return func(y int, dst []float32) {
			p := m.Y[m.YOffset(b.Min.X, y):]
			for x := range dst {
				dst[x] = float32(p[x]) / 255
			}
		}
	case *image.NRGBA: // PNG with alpha: not premultiplied
		return func(y int, dst []float32) {
			p := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range dst {
				q := p[4*x : 4*x+4 : 4*x+4]
				a := float32(q[3]) / 255
				dst[x] = luma8(q[0], q[1], q[2])*a + over*(1-a)
			}
		}
	case *image.RGBA: // premultiplied
		return func(y int, dst []float32) {
			p := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range dst {
				q := p[4*x : 4*x+4 : 4*x+4]
				dst[x] = luma8(q[0], q[1], q[2]) + over*(1-float32(q[3])/255)
			}
		}
	case *image.Paletted: // GIF, palette PNG
		lut := make([]float32, 256)
		for i := range lut {
			c := color.Color(color.Black)
			if i < len(m.Palette) {
				c = m.Palette[i]
			}
			lut[i] = greyOf(c, over)
		}
		return func(y int, dst []float32) {
			p := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range dst {
				dst[x] = lut[p[x]]
			}
		}
	}
	return func(y int, dst []float32) {
		for x := range dst {
			dst[x] = greyOf(img.At(b.Min.X+x, y), over)
		}
	}
}

// luma8 is the luma of 8-bit R, G, B, scaled to [0,1].
func luma8(r, g, b uint8) float32 {
	return (lumaR*float32(r) + lumaG*float32(g) + lumaB*float32(b)) / 255
}

// greyOf is the grey level of c composited over the grey level over.
func greyOf(c color.Color, over float32) float32 {
	r, g, b, a := c.RGBA() // premultiplied, 16-bit
	l := (lumaR*float32(r) + lumaG*float32(g) + lumaB*float32(b)) / 0xffff
	return l + over*(1-float32(a)/0xffff)
}

// opaque reports whether every pixel of img is fully opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}
