package digit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strings"
)

// Geometry of an MNIST digit.
const (
	Side   = 28          // width and height of the field
	Pixels = Side * Side // values per digit, 784
	Box    = 20          // the longer side of the digit after size normalisation
)

// Limits on what an image header may claim. Larger images are refused
// before any pixel is decoded.
const (
	MaxPixels = 50_000_000 // width × height
	MaxSide   = 20_000     // width or height
)

// Errors that Decode, ReadFile and FromImage wrap; match them with
// errors.Is. The error text says more (the format found, the dimensions).
var (
	// ErrNotImage: the data is not a PNG, JPEG or GIF image, or it is
	// truncated or damaged.
	ErrNotImage = errors.New("not a readable PNG, JPEG or GIF image")
	// ErrTooLarge: the image is larger than MaxPixels or MaxSide.
	ErrTooLarge = errors.New("image too large")
	// ErrNoInk: the image is blank (nothing stands out from its
	// background) or empty (0 pixels wide or high).
	ErrNoInk = errors.New("no ink: the image is blank")
)

// Error is the error Decode and FromImage return. It wraps one of
// ErrNotImage, ErrTooLarge or ErrNoInk and, for ErrNotImage, the
// decoder's own error.
type Error struct {
	Kind   error  // ErrNotImage, ErrTooLarge or ErrNoInk
	Detail string // what exactly was wrong
	Err    error  // the underlying error, if any
}

func (e *Error) Error() string {
	return "digit: " + e.Detail
}

// Unwrap returns Kind and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Decode reads a PNG, JPEG or GIF image (the first frame of an animated
// GIF) from r and returns its digit as Pixels values in [0,1], row-major,
// white ink on black, normalised like MNIST (see the package
// documentation). The image's dimensions are checked against MaxPixels and
// MaxSide before its pixels are decoded.
func Decode(r io.Reader) ([]float32, error) {
	img, err := decodeImage(r)
	if err != nil {
		return nil, err
	}
	return FromImage(img)
}

// ReadFile is Decode for the file at path; its errors begin with the path.
func ReadFile(path string) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	defer f.Close()
	px, err := Decode(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return px, nil
}

// decodeImage checks the header's dimensions and then decodes the pixels.
// The bytes the header check consumes are replayed to the decoder, so r
// is read once and never seeked.
func decodeImage(r io.Reader) (image.Image, error) {
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		if head.Len() == 0 {
			return nil, &Error{Kind: ErrNotImage, Detail: "not an image: the data is empty", Err: err}
		}
		return nil, notImage(format, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	img, format, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		return nil, notImage(format, err)
	}
	return img, nil
}

// notImage describes a decoding failure.
func notImage(format string, err error) error {
	switch {
	case errors.Is(err, image.ErrFormat):
		return &Error{Kind: ErrNotImage, Detail: "not a PNG, JPEG or GIF image (unrecognised data)", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "unexpected EOF"): // image/gif formats the error with %v
		if format == "" {
			return &Error{Kind: ErrNotImage, Detail: "not an image: the data is too short", Err: err}
		}
		return &Error{Kind: ErrNotImage, Detail: fmt.Sprintf("truncated %s image: the data ends early", format), Err: err}
	case format == "":
		return &Error{Kind: ErrNotImage, Detail: fmt.Sprintf("cannot read the image: %v", err), Err: err}
	}
	return &Error{Kind: ErrNotImage, Detail: fmt.Sprintf("damaged %s image: %v", format, err), Err: err}
}

// checkSize refuses empty and absurdly large dimensions.
func checkSize(w, h int) error {
	switch {
	case w <= 0 || h <= 0:
		return &Error{Kind: ErrNoInk, Detail: fmt.Sprintf("image is %d×%d pixels: nothing to read", w, h)}
	case w > MaxSide || h > MaxSide:
		return &Error{Kind: ErrTooLarge, Detail: fmt.Sprintf("image is %d×%d pixels, more than the limit of %d pixels a side", w, h, MaxSide)}
	case int64(w)*int64(h) > MaxPixels:
		return &Error{Kind: ErrTooLarge, Detail: fmt.Sprintf("image is %d×%d pixels (%.1f megapixels), more than the limit of %d megapixels",
			w, h, float64(w)*float64(h)/1e6, MaxPixels/1_000_000)}
	}
	return nil
}
