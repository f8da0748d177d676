package digit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// pngHeader returns the start of a PNG file, signature and IHDR chunk,
// claiming a w×h 8-bit grey image.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	chunk := []byte("IHDR")
	chunk = binary.BigEndian.AppendUint32(chunk, w)
	chunk = binary.BigEndian.AppendUint32(chunk, h)
	chunk = append(chunk, 8, 0, 0, 0, 0) // bit depth, grey, compression, filter, interlace
	b = binary.BigEndian.AppendUint32(b, uint32(len(chunk)-4))
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

// jpegHeader returns the markers of a baseline grey JPEG up to the start
// of its scan, claiming w×h pixels.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8}
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	b = append(b, 1, 1, 0x11, 0)                   // one component: id 1, 1×1 sampling, table 0
	return append(b, 0xff, 0xda, 0, 8, 1, 1, 0, 0) // start of scan
}

// gifHeader returns a GIF header and logical screen descriptor claiming
// w×h pixels.
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0)
}

func TestHugeHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"PNG 60000×60000", pngHeader(60000, 60000), "image is 60000×60000 pixels, more than the limit of 20000 pixels a side"},
		{"PNG 20001×1", pngHeader(20001, 1), "image is 20001×1 pixels, more than the limit of 20000 pixels a side"},
		{"PNG 10000×10000", pngHeader(10000, 10000), "image is 10000×10000 pixels (100.0 megapixels), more than the limit of 50 megapixels"},
		{"JPEG 60000×60000", jpegHeader(60000, 60000), "image is 60000×60000 pixels, more than the limit of 20000 pixels a side"},
		{"GIF 60000×60000", gifHeader(60000, 60000), "image is 60000×60000 pixels, more than the limit of 20000 pixels a side"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			px, err := Decode(bytes.NewReader(tc.data))
			runtime.ReadMemStats(&after)
			if px != nil || !errors.Is(err, ErrTooLarge) {
				t.Fatalf("got %d values, error %v; want ErrTooLarge", len(px), err)
			}
			if want := "digit: " + tc.want; err.Error() != want {
				t.Errorf("error %q\nwant     %q", err, want)
			}
			// Refused from the header alone: nothing near the size of the
			// pixels was allocated (other goroutines may allocate a little).
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("allocated %d bytes before refusing", n)
			}
		})
	}
}

func TestNotAnImage(t *testing.T) {
	var full bytes.Buffer
	if err := Encode(&full, make([]float32, Pixels)); err != nil {
		t.Fatal(err)
	}
	png := full.Bytes()
	corrupt := bytes.Clone(png)
	corrupt[len(corrupt)-20] ^= 0xff // inside the image data: its checksum fails
	g := image.NewGray(image.Rect(0, 0, 40, 40))
	jpg := jpegBytes(t, g, 90)

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"text", []byte("this is a text file, not a picture\n"), "not a PNG, JPEG or GIF image (unrecognised data)"},
		{"empty", nil, "not an image: the data is empty"},
		{"PNG signature only", png[:8], "truncated png image: the data ends early"},
		{"PNG cut in half", png[:len(png)/2], "truncated png image: the data ends early"},
		{"PNG with damaged data", corrupt, "damaged png image: "},
		{"JPEG cut in half", jpg[:len(jpg)/2], "truncated jpeg image: the data ends early"},
		{"GIF header only", gifHeader(10, 10), "truncated gif image: the data ends early"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			px, err := Decode(bytes.NewReader(tc.data))
			if px != nil || !errors.Is(err, ErrNotImage) {
				t.Fatalf("got %d values, error %v; want ErrNotImage", len(px), err)
			}
			if want := "digit: " + tc.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q\nwant     %q…", err, want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != ErrNotImage {
				t.Errorf("error %T, want *Error of kind ErrNotImage", err)
			}
		})
	}
}

func TestBlank(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	gray := func(w, h int, level uint8, noise float64) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = uint8(min(max(float64(level)+noise*rng.NormFloat64(), 0), 255))
		}
		return g
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"white", pngBytes(t, gray(100, 80, 255, 0))},
		{"black", pngBytes(t, gray(28, 28, 0, 0))},
		{"grey JPEG", jpegBytes(t, gray(300, 200, 128, 0), 75)},
		{"faint mark", pngBytes(t, func() *image.Gray { g := gray(50, 50, 200, 0); g.Pix[1000] = 180; return g }())},
		{"paper with noise σ=2/255", pngBytes(t, gray(200, 200, 220, 2))},
		{"paper with noise σ=8/255", pngBytes(t, gray(1000, 1000, 220, 8))},
		{"paper with noise σ=8/255, JPEG", jpegBytes(t, gray(1000, 1000, 220, 8), 80)},
		{"paper with noise σ=25/255", pngBytes(t, gray(500, 500, 200, 25))},
		{"transparent", pngBytes(t, image.NewNRGBA(image.Rect(0, 0, 30, 30)))},
		{"1×1", pngBytes(t, gray(1, 1, 0, 0))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			px, err := Decode(bytes.NewReader(tc.data))
			if px != nil || !errors.Is(err, ErrNoInk) {
				t.Fatalf("got %d values, error %v; want ErrNoInk", len(px), err)
			}
			if !strings.HasPrefix(err.Error(), "digit: no ink: ") {
				t.Errorf("error %q does not start with %q", err, "digit: no ink: ")
			}
		})
	}
	if _, err := FromImage(image.NewGray(image.Rect(0, 0, 0, 5))); !errors.Is(err, ErrNoInk) {
		t.Errorf("0×5 image: error %v, want ErrNoInk", err)
	}
	if _, err := FromImage(nil); !errors.Is(err, ErrNoInk) {
		t.Errorf("nil image: error %v, want ErrNoInk", err)
	}
}

// TestFromImageTooLarge: FromImage checks the bounds of an image that is
// already in memory (or, like image.Uniform, not in memory at all).
func TestFromImageTooLarge(t *testing.T) {
	_, err := FromImage(image.NewUniform(color.Black))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("image.Uniform: error %v, want ErrTooLarge", err)
	}
	t.Log(err)
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "notes.png")
	if err := os.WriteFile(bad, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(bad)
	if !errors.Is(err, ErrNotImage) || !strings.HasPrefix(err.Error(), bad+": digit: not a PNG") {
		t.Errorf("error %v, want one naming %s and matching ErrNotImage", err, bad)
	}
	missing := filepath.Join(dir, "missing.png")
	if _, err := ReadFile(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("error %v, want fs.ErrNotExist naming %s", err, missing)
	}

	good := filepath.Join(dir, "seven.png")
	var buf bytes.Buffer
	if err := Encode(&buf, bar()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	px, err := ReadFile(good)
	if err != nil || len(px) != Pixels {
		t.Fatalf("got %d values, error %v", len(px), err)
	}
}

// bar is a normalised synthetic digit: a vertical bar 4 pixels wide and
// 20 high, centred.
func bar() []float32 {
	px := make([]float32, Pixels)
	for y := 4; y < 24; y++ {
		for x := 12; x < 16; x++ {
			px[y*Side+x] = 1
		}
	}
	return px
}
