package digit

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// Thresholds of the normalisation, in units where the background is 0
// and the brightest ink is 1.
const (
	// NoiseFloor is the least level counted as ink. On a noisy
	// background it is raised to four standard deviations of the noise
	// (at most 0.5). Fainter values survive only as the anti-aliased edge
	// of the ink.
	NoiseFloor = 0.1
	// SpeckFraction: a connected patch of ink holding less than this
	// fraction of all the ink (dust, JPEG ringing, a stray dot) is
	// removed, unless it lies within one final pixel of the rest of the
	// digit (a stroke broken into pieces) or is the heaviest patch.
	SpeckFraction = 0.01
	// minContrast is the least difference between the background and the
	// ink for an image not to count as blank; noise on the background
	// raises it to six standard deviations of that noise.
	minContrast = 0.1
	// haloFloor is the least level of the anti-aliased edge kept next to
	// the ink; noise raises it to three standard deviations, at most to
	// the floor itself.
	haloFloor = 0.01
	// minPatch is the least number of pixels in the largest connected
	// patch of ink: anything smaller is noise, not a digit.
	minPatch = 10
)

// FromImage returns the digit in img as Pixels values in [0,1], row-major,
// white ink on black, normalised like MNIST (see the package
// documentation). It returns an error matching ErrTooLarge for an image
// beyond MaxPixels or MaxSide and one matching ErrNoInk for a blank one.
func FromImage(img image.Image) ([]float32, error) {
	if img == nil {
		return nil, &Error{Kind: ErrNoInk, Detail: "no image (nil)"}
	}
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return nil, err
	}
	px, err := normalise(greyField(img, 1))
	if errors.Is(err, ErrNoInk) && !opaque(img) {
		// Blank over white, yet transparent somewhere: perhaps a light
		// digit on a transparent canvas. Over black it would show.
		if px2, err2 := normalise(greyField(img, 0)); err2 == nil {
			return px2, nil
		}
	}
	return px, err
}

// normalise runs steps 3 to 8 of the package documentation on a grey
// image (0 black, 1 white). It modifies f.
func normalise(f field) ([]float32, error) {
	b := findBackground(f)
	bg, hi, sigma := b.level, b.ink, b.sigma
	if b.darkInk {
		for i, g := range f.v {
			f.v[i] = 1 - g
		}
		bg, hi = 1-bg, 1-hi
	}
	contrast := hi - bg
	switch {
	case contrast < minContrast:
		return nil, &Error{Kind: ErrNoInk, Detail: fmt.Sprintf(
			"no ink: the image is blank (nothing differs from the background by more than %.3f; at least %.2f is needed)", contrast, minContrast)}
	case contrast < 6*sigma:
		return nil, &Error{Kind: ErrNoInk, Detail: fmt.Sprintf(
			"no ink: nothing stands out from the background, which varies too much (contrast %.3f, noise %.3f); "+
				"if the digit fills the picture, leave a margin of background around it", contrast, sigma)}
	}
	floor := min(max(NoiseFloor, 4*sigma/contrast), 0.5)
	halo := min(max(haloFloor, 3*sigma/contrast), floor)
	for i, g := range f.v {
		f.v[i] = min(max((g-bg)/contrast, 0), 1)
	}

	// The ink proper, less specks, gives the bounding box; faint values
	// within one output pixel of it are its anti-aliased edge and stay.
	core := make([]bool, len(f.v))
	for i, u := range f.v {
		core[i] = u >= floor
	}
	if n := removeSpecks(f, core); n < minPatch {
		return nil, &Error{Kind: ErrNoInk, Detail: fmt.Sprintf(
			"no ink: only specks of noise stand out from the background (the largest is %d pixels)", n)}
	}
	x0, y0, x1, y1, _ := bounds(core, f.w, f.h)
	scale := float64(Box) / float64(max(x1-x0, y1-y0))
	// Thin strokes (a pen at high resolution) are thickened, when that
	// adds at least a pixel, and the box measured again.
	if sw := strokeWidth(core, f.w, f.h); sw*scale < MinStroke {
		if r := (MinStroke/scale - sw) / 2; r >= 0.5 {
			thicken(f, core, r, floor)
			x0, y0, x1, y1, _ = bounds(core, f.w, f.h)
			scale = float64(Box) / float64(max(x1-x0, y1-y0))
		}
	}
	r := max(1, int(math.Round(1/scale)))
	near := dilate(core, f.w, f.h, r)
	for i, u := range f.v {
		if !core[i] && !(near[i] && u >= halo) {
			f.v[i] = 0
		}
	}
	// The crop takes in the faint edge too, up to 2 output pixels beyond
	// the ink proper on each side, but the scale comes from the ink alone.
	m := int(2 / scale)
	kx0, ky0, kx1, ky1, _ := bounds(nonZero(f.v), f.w, f.h)
	x0, y0 = max(kx0, x0-m), max(ky0, y0-m)
	x1, y1 = min(kx1, x1+m), min(ky1, y1+m)
	return centre(resize(f, x0, y0, x1, y1, scale)), nil
}

// nonZero returns which values of v are not 0.
func nonZero(v []float32) []bool {
	m := make([]bool, len(v))
	for i, u := range v {
		m[i] = u != 0
	}
	return m
}
