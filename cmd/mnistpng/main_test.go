package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/glnn/glnn/data/digit"
	"github.com/glnn/glnn/data/mnist"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// writeData writes a small MNIST-shaped data set into a new directory:
// 3 training and nTest test images of deterministic pixels.
func writeData(t *testing.T, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	idx := func(name string, magic uint32, dims []uint32, payload []byte) {
		var b bytes.Buffer
		binary.Write(&b, binary.BigEndian, magic)
		for _, d := range dims {
			binary.Write(&b, binary.BigEndian, d)
		}
		b.Write(payload)
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(b.Bytes())
		w.Close()
		if err := os.WriteFile(filepath.Join(dir, name), z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	images := func(n int) []byte {
		p := make([]byte, n*784)
		for i := range p {
			p[i] = byte(i * 7)
		}
		return p
	}
	labels := func(n int) []byte {
		l := make([]byte, n)
		for i := range l {
			l[i] = byte((i*3 + 1) % 10)
		}
		return l
	}
	idx(mnist.TrainImagesFile, 0x803, []uint32{3, 28, 28}, images(3))
	idx(mnist.TrainLabelsFile, 0x801, []uint32{3}, labels(3))
	idx(mnist.TestImagesFile, 0x803, []uint32{uint32(nTest), 28, 28}, images(nTest))
	idx(mnist.TestLabelsFile, 0x801, []uint32{uint32(nTest)}, labels(nTest))
	return dir
}

// readGray decodes a PNG file that must be an 8-bit grey image.
func readGray(t *testing.T, path string) *image.Gray {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s: %T, want *image.Gray", path, img)
	}
	return g
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestWrites checks names and pixels against the data set, for each style.
func TestWrites(t *testing.T) {
	data := writeData(t, 12)
	_, test, err := mnist.Load(mnist.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags  []string
		invert bool
		scale  int
		style  string
	}{
		{nil, false, 1, "28×28 PNG, white on black"},
		{[]string{"-invert"}, true, 1, "28×28 PNG, dark on light"},
		{[]string{"-scale", "2"}, false, 2, "56×56 PNG, white on black"},
		{[]string{"-invert", "-scale=3"}, true, 3, "84×84 PNG, dark on light"},
	} {
		out := filepath.Join(t.TempDir(), "new", "dir")
		code, stdout, stderr := runCmd(append([]string{"-n", "10", "-out", out, "-data", data}, tc.flags...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", tc.flags, code, stderr)
		}
		want := []string{"0000-label1.png", "0001-label4.png", "0002-label7.png", "0003-label0.png", "0004-label3.png",
			"0005-label6.png", "0006-label9.png", "0007-label2.png", "0008-label5.png", "0009-label8.png"}
		if got := listDir(t, out); !slices.Equal(got, want) {
			t.Fatalf("%v: files %v, want %v", tc.flags, got, want)
		}
		if wantOut := "wrote 10 MNIST test digits (" + tc.style + ") to " + out + ": 0000-label1.png … 0009-label8.png\n"; stdout != wantOut {
			t.Errorf("%v: stdout %q, want %q", tc.flags, stdout, wantOut)
		}
		for i, name := range want {
			g := readGray(t, filepath.Join(out, name))
			k := tc.scale
			if g.Bounds() != image.Rect(0, 0, 28*k, 28*k) {
				t.Fatalf("%s: bounds %v", name, g.Bounds())
			}
			px := test.Image(i)
			for y := 0; y < 28*k; y++ {
				for x := 0; x < 28*k; x++ {
					v := px[(y/k)*28+x/k]
					if tc.invert {
						v = 1 - v
					}
					if got, want := g.GrayAt(x, y).Y, uint8(math.Round(float64(v)*255)); got != want {
						t.Fatalf("%v %s: pixel (%d,%d) = %d, want %d", tc.flags, name, x, y, got, want)
					}
				}
			}
		}
	}
}

// TestRealDigits writes real MNIST test digits and reads them back
// through package digit, as predict will: each comes back as itself.
func TestRealDigits(t *testing.T) {
	t.Setenv(mnist.EnvVar, "")
	_, test, err := mnist.Load(mnist.Options{CacheDir: t.TempDir(), NoDownload: true})
	if errors.Is(err, mnist.ErrNotFound) {
		t.Skipf("MNIST is not in the Go module cache here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, flags := range [][]string{nil, {"-invert"}, {"-scale", "2"}} {
		out := t.TempDir()
		if code, _, stderr := runCmd(append([]string{"-n", "20", "-out", out, "-data", test.Dir}, flags...)...); code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", flags, code, stderr)
		}
		names := listDir(t, out)
		if len(names) != 20 || names[0] != "0000-label7.png" || names[3] != "0003-label0.png" {
			t.Fatalf("%v: files %v", flags, names)
		}
		var worst float64
		for i, name := range names {
			got, err := digit.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			var mad float64
			for j, v := range test.Image(i) {
				mad += math.Abs(float64(got[j]-v)) / digit.Pixels
			}
			worst = max(worst, mad)
			if mad > 0.002 {
				t.Errorf("%v %s: mean |Δ| %.4f from the test digit", flags, name, mad)
			}
		}
		t.Logf("%v: 20 files, mean |Δ| at most %.5f after digit.ReadFile", flags, worst)
	}
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "0"}, "mnistpng: -n=0: want 1 to 10000 digits\n"},
		{[]string{"-n", "10001"}, "mnistpng: -n=10001: want 1 to 10000 digits\n"},
		{[]string{"-scale", "0"}, "mnistpng: -scale=0: want 1 to 100\n"},
		{[]string{"-scale", "101"}, "mnistpng: -scale=101: want 1 to 100\n"},
		{[]string{"-out", ""}, "mnistpng: -out: want a directory\n"},
		{[]string{"extra"}, "mnistpng: unexpected argument \"extra\"\n"},
		{[]string{"-n", "x"}, "invalid value \"x\" for flag -n"},
		{[]string{"-bogus"}, "flag provided but not defined: -bogus"},
	} {
		code, stdout, stderr := runCmd(tc.args...)
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and stderr starting %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

func TestHelp(t *testing.T) {
	code, stdout, stderr := runCmd("-h")
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{
		"Usage: mnistpng [flags]",
		"-n int\n", "(default 20)",
		"-out string\n", `(default "mnist-png")`,
		"-data string\n", "found automatically",
		"-invert\n", "dark digits on a light background",
		"-scale int\n", "(default 1)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("help lacks %q:\n%s", want, stderr)
		}
	}
}

func TestFailures(t *testing.T) {
	data := writeData(t, 5)
	out := t.TempDir()
	file := filepath.Join(out, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", filepath.Join(out, "none"), "-out", out}, "mnistpng: mnist: -data "},
		{[]string{"-data", data, "-out", out, "-n", "6"}, "mnistpng: -n=6, but the test set in " + data + " has only 5 digits\n"},
		{[]string{"-data", data, "-out", file, "-n", "5"}, "mnistpng: cannot create the output directory: "},
	} {
		code, _, stderr := runCmd(tc.args...)
		if code != 1 || !strings.HasPrefix(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want exit 1 and one line starting %q", tc.args, code, stderr, tc.want)
		}
	}
}
