package mnist

import (
	"bytes"
	"testing"
)

// FuzzReadIDX feeds arbitrary bytes to both readers: they must return an
// error or a result consistent with its header, and never panic or hang.
// Seeds: testdata/fuzz/FuzzReadIDX (see TestSeedCorpus).
func FuzzReadIDX(f *testing.F) {
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

// FuzzReadSet reads an image file and a label file from disk with
// ReadSet, which sizes its buffers from the file size or the gzip
// trailer, and checks it against the in-memory readers: the same files
// must be accepted or rejected alike and give the same content, and an
// accepted set must be consistent. Seeds: testdata/fuzz/FuzzReadSet.
func FuzzReadSet(f *testing.F) {
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		dir := t.TempDir()
		s, err := readSetBytes(t, dir, images, labels)
		im, ierr := ReadImages(dir + "/images")
		l, lerr := ReadLabels(dir + "/labels")
		mim, mierr := DecodeImages(bytes.NewReader(images), "mem")
		ml, mlerr := DecodeLabels(bytes.NewReader(labels), "mem")
		if (ierr == nil) != (mierr == nil) || (lerr == nil) != (mlerr == nil) {
			t.Fatalf("file and memory readers disagree: images %v / %v, labels %v / %v", ierr, mierr, lerr, mlerr)
		}
		if ierr == nil && (im.N != mim.N || im.Rows != mim.Rows || im.Cols != mim.Cols || !bytes.Equal(im.Pixels, mim.Pixels)) {
			t.Fatal("file and memory readers read different images")
		}
		if lerr == nil && !bytes.Equal(l, ml) {
			t.Fatal("file and memory readers read different labels")
		}
		if err != nil {
			if ierr == nil && lerr == nil && im.N == len(l) && bytes.IndexFunc(l, func(r rune) bool { return r >= Classes }) < 0 {
				t.Fatalf("ReadSet failed on files both readers accept: %v", err)
			}
			return
		}
		if ierr != nil || lerr != nil {
			t.Fatalf("ReadSet accepted what a reader rejects: %v, %v", ierr, lerr)
		}
		if s.N != len(s.Labels) || len(s.Images) != s.N*s.Features() || s.N != im.N {
			t.Fatalf("inconsistent set: N=%d, %d labels, %d pixels of %d", s.N, len(s.Labels), len(s.Images), s.Features())
		}
		for i, p := range s.Images {
			if p != scale255[im.Pixels[i]] {
				t.Fatalf("pixel %d is %v, want %v", i, p, scale255[im.Pixels[i]])
			}
		}
		for _, c := range s.Labels {
			if c >= Classes {
				t.Fatalf("label %d accepted", c)
			}
		}
	})
}
