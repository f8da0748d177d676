// Package nnplot draws the training curves of an nn.History: the loss and
// the accuracy per epoch, for the training data and, where the history
// has them, for the validation and test data, as two panels side by side
// in one PNG, SVG or PDF image.
//
//	hist, err := model.Fit(x, y, opts)
//	...
//	err = nnplot.Save("curves.png", hist, nnplot.Options{Title: "MNIST MLP"})
package nnplot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/glnn/glnn/nn"
)

// Default image size and resolution: 1200×480 pixels as PNG.
const (
	DefaultWidth  = 12 * vg.Inch
	DefaultHeight = 4.8 * vg.Inch
	DefaultDPI    = 100
)

// DefaultTitle is the title drawn when Options.Title is empty.
const DefaultTitle = "Training curves"

// Formats are the image formats Write accepts, and (with a leading dot)
// the file extensions Save accepts.
var Formats = []string{"png", "svg", "pdf"}

// Smallest image drawn, and the most pixels a PNG may have.
const (
	minWidth, minHeight = 3 * vg.Inch, 2 * vg.Inch
	maxPixels           = 100 << 20
)

// Options control the image.
type Options struct {
	// Title is drawn above the two panels; empty means DefaultTitle.
	// PDF files can show only the characters of code page 1252.
	Title string
	// Width and Height are the size of the whole image (vg.Inch,
	// vg.Centimeter, vg.Points); zero means DefaultWidth and
	// DefaultHeight. The image must be at least 3×2 inches.
	Width, Height vg.Length
	// DPI is the resolution of a PNG image, in pixels per inch; zero
	// means DefaultDPI. A PNG image may have up to 100 megapixels. SVG
	// and PDF images do not use it.
	DPI int
}

// withDefaults fills in the zero fields of o and checks the others.
func (o Options) withDefaults() (Options, error) {
	if o.Title == "" {
		o.Title = DefaultTitle
	}
	if o.Width == 0 {
		o.Width = DefaultWidth
	}
	if o.Height == 0 {
		o.Height = DefaultHeight
	}
	if o.DPI == 0 {
		o.DPI = DefaultDPI
	}
	if o.Width < minWidth || o.Height < minHeight {
		return o, fmt.Errorf("nnplot: image size %.3g×%.3g in is too small (at least %.3g×%.3g in)",
			o.Width/vg.Inch, o.Height/vg.Inch, minWidth/vg.Inch, minHeight/vg.Inch)
	}
	if o.DPI < 0 {
		return o, fmt.Errorf("nnplot: DPI %d is negative", o.DPI)
	}
	return o, nil
}

// Save draws the training curves of h (see Write) and writes them to path
// as a PNG, SVG or PDF image, chosen by the extension of path (.png, .svg
// or .pdf, in any case). The image is rendered in memory first, then
// written to a temporary file beside path and renamed over it, so that a
// failed render or write leaves no partial file at path (nor disturbs the
// file already there). Where path names something other than a regular
// file or nothing (a device, a pipe), it is written to directly.
func Save(path string, h *nn.History, opts Options) error {
	ext := filepath.Ext(path)
	format := strings.ToLower(strings.TrimPrefix(ext, "."))
	if !supported(format) {
		what := fmt.Sprintf("extension %q", ext)
		if ext == "" {
			what = "no extension"
		}
		return fmt.Errorf("nnplot: cannot save %s: %s is not supported (use .%s)",
			path, what, strings.Join(Formats, ", ."))
	}
	data, err := render(format, h, opts)
	if err != nil {
		return err
	}
	if err := writeFile(path, data); err != nil {
		return fmt.Errorf("nnplot: %w", err)
	}
	return nil
}

// Write draws the training curves of h and writes them to w as an image
// in format: "png", "svg" or "pdf" (in any case, with or without a
// leading dot).
//
// The image has two panels side by side under the title: the loss per
// epoch on the left, the accuracy on the right. Each panel has a line,
// with a marker at every epoch, for the training data (solid), and for
// the validation data (dashed) and the test data (dash-dotted) where the
// history has them; a series keeps its colour in both panels. The epoch
// axis has whole-number ticks; the accuracy axis spans [0, 1], or a
// tighter range around the values when they keep to a part of it.
//
// Values that are not finite (NaN or ±Inf, as a diverged loss gives) are
// left out: the line breaks where they were. An empty (or nil) history is
// an error. The image is rendered in memory before anything is written
// to w.
func Write(w io.Writer, format string, h *nn.History, opts Options) error {
	f := strings.ToLower(strings.TrimPrefix(format, "."))
	if !supported(f) {
		return fmt.Errorf("nnplot: format %q is not supported (use %s)", format, strings.Join(Formats, ", "))
	}
	data, err := render(f, h, opts)
	if err != nil {
		return err
	}
	n, err := w.Write(data)
	if err == nil && n < len(data) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("nnplot: writing the %s image: %w", f, err)
	}
	return nil
}

// supported reports whether format (lower case, no dot) is one of Formats.
func supported(format string) bool {
	switch format {
	case "png", "svg", "pdf":
		return true
	}
	return false
}

// errEmpty is returned for a history without epochs.
var errEmpty = errors.New("nnplot: no epochs to plot")

// render draws h into an image in format (one of Formats) and returns its
// bytes.
func render(format string, h *nn.History, opts Options) (data []byte, err error) {
	if h == nil || len(h.Epochs) == 0 {
		return nil, errEmpty
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		wpx := float64(o.Width/vg.Inch) * float64(o.DPI)
		hpx := float64(o.Height/vg.Inch) * float64(o.DPI)
		if wpx*hpx > maxPixels {
			return nil, fmt.Errorf("nnplot: a %.0f×%.0f pixel image is too large (at most %d megapixels)",
				wpx, hpx, maxPixels>>20)
		}
		img := vgimg.NewWith(vgimg.UseWH(o.Width, o.Height), vgimg.UseDPI(o.DPI))
		c = vgimg.PngCanvas{Canvas: img}
	case "svg":
		c = vgsvg.New(o.Width, o.Height)
	case "pdf":
		c = vgpdf.New(o.Width, o.Height)
	default:
		return nil, fmt.Errorf("nnplot: format %q is not supported", format)
	}
	// gonum/plot panics on some failures (vgpdf when it cannot prepare a
	// font): report them as errors.
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("nnplot: rendering the %s image: %v", format, r)
		}
	}()
	drawFigure(draw.New(c), h, o.Title, format)
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("nnplot: rendering the %s image: %w", format, err)
	}
	data = buf.Bytes()
	if format == "svg" {
		// Arial and Helvetica have the metrics of Liberation Sans, which
		// the text was laid out with, and which viewers may not have.
		data = bytes.ReplaceAll(data, []byte("font-family:Liberation Sans;"),
			[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	}
	return data, nil
}

// writeFile writes data to path: through a temporary file renamed over it
// when path is a regular file or does not exist, directly otherwise.
func writeFile(path string, data []byte) error {
	target := path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t // replace the file a link points to, not the link
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(target); err == nil {
		if !fi.Mode().IsRegular() {
			return writeDirect(target, data)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, target)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// writeDirect writes data to the existing non-regular file path.
func writeDirect(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
