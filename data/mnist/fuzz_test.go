package mnist

import (
	"bytes"
	"testing"
)

// FuzzReadIDX feeds arbitrary bytes to both readers: they must return an
// error or a result consistent with its header, and never panic or hang.
func FuzzReadIDX(f *testing.F) {
	img := idxImages(3, 2, 2, 5)
	lab := idxLabels(1, 9, 0)
	for _, s := range [][]byte{img, gz(img), lab, gz(lab), img[:10], gz(img)[:20], append(bytes.Clone(lab), 1), nil} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if im, err := DecodeImages(bytes.NewReader(data), "fuzz"); err == nil {
			if im.N < 1 || im.Rows < 1 || im.Cols < 1 || len(im.Pixels) != im.N*im.Rows*im.Cols {
				t.Fatalf("inconsistent images: N=%d %d×%d, %d pixels", im.N, im.Rows, im.Cols, len(im.Pixels))
			}
			if len(im.Pixels) > 1100*len(data)+16 {
				t.Fatalf("%d pixels from %d input bytes", len(im.Pixels), len(data))
			}
		}
		if l, err := DecodeLabels(bytes.NewReader(data), "fuzz"); err == nil && len(l) < 1 {
			t.Fatal("no labels and no error")
		}
	})
}
