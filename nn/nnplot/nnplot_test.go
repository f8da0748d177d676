package nnplot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/glnn/glnn/nn"
)

// history fabricates n epochs of a run that learns, with validation and
// test results when asked.
func history(n int, val, test bool) *nn.History {
	h := &nn.History{}
	for i := 1; i <= n; i++ {
		f := float64(i)
		e := nn.Epoch{Epoch: i, Loss: 2.3*math.Exp(-f/2) + 0.05, Accuracy: 1 - 0.9*math.Exp(-f/1.5)}
		if val {
			e.ValLoss, e.ValAccuracy, e.HasValidation = e.Loss+0.1, e.Accuracy-0.03, true
		}
		if test {
			e.TestLoss, e.TestAccuracy, e.HasTest = e.Loss+0.15, e.Accuracy-0.04, true
		}
		h.Epochs = append(h.Epochs, e)
	}
	return h
}

// checkPNG decodes a PNG image and checks its size.
func checkPNG(t *testing.T, data []byte, w, h int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("PNG is %d×%d pixels, want %d×%d", b.Dx(), b.Dy(), w, h)
	}
}

// svgTexts parses an SVG image as XML and returns its text elements'
// contents.
func svgTexts(t *testing.T, data []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	var texts []string
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(tok)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return texts
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestSaveFormats(t *testing.T) {
	dir := t.TempDir()
	h := history(5, true, true)
	for _, ext := range []string{".png", ".svg", ".pdf", ".PNG"} {
		path := filepath.Join(dir, "curves"+ext)
		if err := Save(path, h, Options{}); err != nil {
			t.Fatalf("Save(%s): %v", ext, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch strings.ToLower(ext) {
		case ".png":
			checkPNG(t, data, 1200, 480)
		case ".svg":
			texts := svgTexts(t, data)
			for _, want := range []string{DefaultTitle, "epoch", "loss", "accuracy", "train", "validation", "test"} {
				if !contains(texts, want) {
					t.Errorf("SVG has no text %q; it has %q", want, texts)
				}
			}
		case ".pdf":
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Errorf("PDF starts with %q", data[:min(len(data), 8)])
			}
			if !bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")) {
				t.Errorf("PDF does not end with %s", "%%EOF")
			}
		}
	}
	// Nothing but the images is left in the directory.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want the 4 images alone", names)
	}
}

func TestOptions(t *testing.T) {
	h := history(3, true, false)
	var buf bytes.Buffer
	opts := Options{Title: "MNIST <MLP> & co", Width: 8 * vg.Inch, Height: 4 * vg.Inch, DPI: 150}
	if err := Write(&buf, "png", h, opts); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, buf.Bytes(), 1200, 600)

	buf.Reset()
	if err := Write(&buf, ".SVG", h, opts); err != nil {
		t.Fatal(err)
	}
	texts := svgTexts(t, buf.Bytes())
	if !contains(texts, opts.Title) {
		t.Errorf("SVG has no title %q; it has %q", opts.Title, texts)
	}
	if contains(texts, DefaultTitle) {
		t.Errorf("SVG has the default title beside %q", opts.Title)
	}
	// A history without test results has no test series.
	if contains(texts, "test") || !contains(texts, "validation") {
		t.Errorf("legend texts %q: want train and validation only", texts)
	}
	if s := strings.ToLower(buf.String()); !strings.Contains(s, "#1f77b4") || !strings.Contains(s, "#ff7f0e") {
		t.Error("SVG lacks the train and validation colours")
	}

	for _, bad := range []Options{
		{Width: vg.Inch, Height: vg.Inch},
		{Width: -5 * vg.Inch},
		{DPI: -1},
		{Width: 500 * vg.Inch, Height: 500 * vg.Inch},
	} {
		if err := Write(io.Discard, "png", h, bad); err == nil {
			t.Errorf("Write with %+v: no error", bad)
		}
	}
}

func TestNonFinite(t *testing.T) {
	h := history(7, true, true)
	h.Epochs[3].Loss = math.NaN()
	h.Epochs[3].Accuracy = math.NaN()
	h.Epochs[4].ValLoss = math.Inf(1)
	h.Epochs[2].TestAccuracy = math.Inf(-1)
	path := filepath.Join(t.TempDir(), "nan.png")
	if err := Save(path, h, Options{}); err != nil {
		t.Fatalf("a history with NaN in the middle: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 1200, 480)

	// Nothing finite at all still draws (empty panels).
	for i := range h.Epochs {
		e := &h.Epochs[i]
		e.Loss, e.Accuracy = math.NaN(), math.NaN()
		e.ValLoss, e.ValAccuracy = math.Inf(1), math.NaN()
		e.TestLoss, e.TestAccuracy = math.NaN(), math.Inf(-1)
	}
	for _, f := range Formats {
		if err := Write(io.Discard, f, h, Options{}); err != nil {
			t.Errorf("%s, all values non-finite: %v", f, err)
		}
	}
}

func TestOneEpoch(t *testing.T) {
	for _, f := range Formats {
		if err := Write(io.Discard, f, history(1, true, true), Options{}); err != nil {
			t.Errorf("%s, one epoch: %v", f, err)
		}
	}
}

func TestBadFormat(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"curves.jpg", "curves", "curves.png.txt"} {
		path := filepath.Join(dir, name)
		err := Save(path, history(3, false, false), Options{})
		if err == nil {
			t.Fatalf("Save(%s): no error", name)
		}
		ext := filepath.Ext(name)
		if ext == "" {
			ext = "no extension"
		}
		for _, want := range []string{ext, ".png", ".svg", ".pdf"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Save(%s): error %q does not name %q", name, err, want)
			}
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Save(%s) failed but left a file", name)
		}
	}
	err := Write(io.Discard, "gif", history(3, false, false), Options{})
	if err == nil || !strings.Contains(err.Error(), `"gif"`) || !strings.Contains(err.Error(), "png, svg, pdf") {
		t.Errorf(`Write("gif"): error %v, want one naming gif and the supported formats`, err)
	}
}

func TestEmptyHistory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "curves.png")
	for _, h := range []*nn.History{nil, {}} {
		err := Save(path, h, Options{})
		if err == nil || !strings.Contains(err.Error(), "no epochs to plot") {
			t.Errorf("Save(%v): error %v, want no epochs to plot", h, err)
		}
		if err := Write(io.Discard, "svg", h, Options{}); err == nil {
			t.Errorf("Write(%v): no error", h)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed Save left a file")
	}

	// A failed Save leaves the file already there as it was.
	old := []byte("the previous image")
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, &nn.History{}, Options{}); err == nil {
		t.Fatal("no error")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Errorf("a failed Save changed the file to %q", got)
	}
	// A successful one replaces it, keeping its permissions.
	if err := Save(path, history(2, false, false), Options{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file has mode %v, want -rw-------", fi.Mode().Perm())
	}
}

func TestSaveThroughLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.svg")
	link := filepath.Join(dir, "link.svg")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := Save(link, history(3, true, false), Options{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("Save replaced the link instead of the file it points to")
	}
	if data, _ := os.ReadFile(target); len(data) == 0 {
		t.Error("the linked file is still empty")
	}
}

func TestWriteErrors(t *testing.T) {
	h := history(3, true, true)
	// A full disk: /dev/full, through a link that gives it an extension
	// (a device is written to directly, not replaced).
	if _, err := os.Stat("/dev/full"); err == nil {
		link := filepath.Join(t.TempDir(), "full.png")
		if err := os.Symlink("/dev/full", link); err == nil {
			err := Save(link, h, Options{})
			if err == nil || !strings.Contains(err.Error(), "no space") {
				t.Errorf("Save to /dev/full: error %v, want no space left", err)
			}
		}
	}
	if err := Save(filepath.Join(t.TempDir(), "missing", "curves.png"), h, Options{}); err == nil {
		t.Error("Save into a missing directory: no error")
	}
	want := errors.New("disk full")
	err := Write(failingWriter{want}, "png", h, Options{})
	if !errors.Is(err, want) {
		t.Errorf("Write to a failing writer: error %v, want it to wrap %v", err, want)
	}
	if err := Write(shortWriter{}, "svg", h, Options{}); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("Write to a short writer: error %v, want io.ErrShortWrite", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestTicks(t *testing.T) {
	for _, r := range [][2]float64{{1, 5}, {11, 18}, {1, 12}, {1, 60}, {1, 200}, {3, 3000}, {0.5, 1.5}} {
		labels := 0
		for _, tk := range epochTicks(r[0], r[1]) {
			if tk.Value != math.Trunc(tk.Value) || tk.Value < r[0] || tk.Value > r[1] {
				t.Errorf("epochTicks(%v): tick at %v", r, tk.Value)
			}
			if !tk.IsMinor() {
				labels++
			}
		}
		if labels < 1 || labels > 10 {
			t.Errorf("epochTicks(%v): %d labels", r, labels)
		}
	}
	for _, r := range [][2]float64{{0.17, 1.65}, {0.48, 1}, {0, 1e6}, {0.001234, 0.001236}, {-3, 2}} {
		ticks := valueTicks(r[0], r[1])
		if len(ticks) < 3 || len(ticks) > 9 {
			t.Errorf("valueTicks(%v): %d ticks", r, len(ticks))
		}
		seen := map[string]bool{}
		for _, tk := range ticks {
			if tk.Value < r[0] || tk.Value > r[1]*(1+1e-9) || seen[tk.Label] {
				t.Errorf("valueTicks(%v): tick %v %q", r, tk.Value, tk.Label)
			}
			seen[tk.Label] = true
		}
	}
	for _, r := range [][2]float64{{0.5, 0.99}, {0, 1}, {0.1, 0.1}, {0.97, 0.99}} {
		lo, hi := accuracyRange(r[0], r[1], true)
		if lo < 0 || hi > 1 || lo > r[0] || hi < r[1] || hi-lo < 0.04 {
			t.Errorf("accuracyRange(%v) = %v, %v", r, lo, hi)
		}
	}
}
