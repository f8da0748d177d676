package mnist

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	raw := idxImages(5, 7, 3, 9)
	labels := []uint8{3, 1, 4, 1, 5}
	for _, c := range []struct {
		name string
		enc  func([]byte) []byte
	}{{"raw", func(b []byte) []byte { return b }}, {"gzip", gz}} {
		t.Run(c.name, func(t *testing.T) {
			// Deliberately misleading extensions: detection is by content.
			ip := filepath.Join(dir, c.name+"-images.bin")
			lp := filepath.Join(dir, c.name+"-labels.gz")
			if c.name == "gzip" {
				lp = filepath.Join(dir, c.name+"-labels.raw")
			}
			writeFile(t, ip, c.enc(raw))
			writeFile(t, lp, c.enc(idxLabels(labels...)))

			im, err := ReadImages(ip)
			if err != nil {
				t.Fatal(err)
			}
			if im.N != 5 || im.Rows != 7 || im.Cols != 3 || !bytes.Equal(im.Pixels, raw[16:]) {
				t.Fatalf("images: got N=%d %d×%d, pixels equal %v", im.N, im.Rows, im.Cols, bytes.Equal(im.Pixels, raw[16:]))
			}
			got, err := ReadLabels(lp)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, labels) {
				t.Fatalf("labels: got %v, want %v", got, labels)
			}
			im2, err := DecodeImages(bytes.NewReader(c.enc(raw)), "mem")
			if err != nil || !bytes.Equal(im2.Pixels, im.Pixels) {
				t.Fatalf("DecodeImages: %v", err)
			}
			l2, err := DecodeLabels(bytes.NewReader(c.enc(idxLabels(labels...))), "mem")
			if err != nil || !bytes.Equal(l2, labels) {
				t.Fatalf("DecodeLabels: %v", err)
			}

			s, err := ReadSet(ip, lp)
			if err != nil {
				t.Fatal(err)
			}
			if s.N != 5 || s.Features() != 21 || len(s.Images) != 5*21 {
				t.Fatalf("set: N=%d features=%d len=%d", s.N, s.Features(), len(s.Images))
			}
			for i, b := range raw[16:] {
				if want := float32(float64(b) / 255); s.Images[i] != want {
					t.Fatalf("pixel %d: got %v, want %v", i, s.Images[i], want)
				}
			}
		})
	}
}

func TestScale(t *testing.T) {
	im := &Images{N: 1, Rows: 1, Cols: 3, Pixels: []uint8{0, 128, 255}}
	got := im.Float32()
	if got[0] != 0 || got[2] != 1 || got[1] != float32(128.0/255) {
		t.Fatalf("got %v", got)
	}
}

// TestReadErrors checks that each kind of damage gives an error naming the
// file, the problem, and the fix.
func TestReadErrors(t *testing.T) {
	good := idxImages(10, 4, 4, 0)
	goodGz := gz(good)
	corrupt := bytes.Clone(goodGz)
	corrupt[len(corrupt)/2] ^= 0xff
	corrupt[len(corrupt)/2+1] ^= 0x55
	zero := idxImages(2, 4, 4, 0)
	zero[11] = 0 // rows = 0
	huge := idxImages(1, 1, 1, 0)
	copy(huge[8:], []byte{0, 1, 0, 0}) // rows = 65536
	badCrc := bytes.Clone(goodGz)
	badCrc[len(badCrc)-8] ^= 1 // CRC-32 in the trailer

	cases := []struct {
		name   string
		data   []byte
		labels bool
		want   string
	}{
		{"wrong-magic", idxLabels(1, 2, 3), false, "bad magic number 0x00000801"},
		{"wrong-magic-labels", good, true, "bad magic number 0x00000803"},
		{"not-idx", []byte("<html>404 not found</html>"), false, "not an IDX file"},
		{"empty", nil, false, "empty file"},
		{"short-header", good[:9], false, "truncated: the IDX header needs 16 bytes"},
		{"short-header-gz", gz(good[:9]), false, "truncated: the IDX header needs 16 bytes"},
		{"truncated-raw", good[:100], false, "truncated: the header says 10 images of 4×4, 160 bytes of data, but the file holds only 84"},
		{"truncated-gz-content", gz(good[:100]), false, "truncated: the header says 10 images of 4×4, 160 bytes of data, but the gzip stream holds only 84"},
		{"truncated-gzip", goodGz[:len(goodGz)/2], false, "truncated gzip stream"},
		{"truncated-gzip-trailer", goodGz[:len(goodGz)-3], false, "truncated gzip stream"},
		{"truncated-labels", idxLabels(1, 2, 3)[:9], true, "truncated"},
		{"trailing-raw", append(bytes.Clone(good), 1, 2, 3), false, "trailing data: 3 bytes"},
		{"trailing-in-gz", gz(append(bytes.Clone(good), 7)), false, "trailing data: 1 byte follows"},
		{"trailing-after-gz", append(bytes.Clone(goodGz), "junk"...), false, "trailing data"},
		{"trailing-labels", append(idxLabels(1, 2), 9), true, "trailing data"},
		{"zero-dims", zero, false, "zero dimension: the header says 2 images of 0×4"},
		{"zero-labels", idxLabels(), true, "zero dimension: the header says 0 labels"},
		{"huge-dims", huge, false, "implausible dimensions"},
		{"corrupt-gzip", corrupt, false, "gzip"},
		{"bad-crc", badCrc, false, "corrupt gzip data"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".gz")
			writeFile(t, path, c.data)
			var err error
			if c.labels {
				_, err = ReadLabels(path)
			} else {
				_, err = ReadImages(path)
			}
			checkErr(t, err, path, c.want, "delete it and let glnn fetch a fresh copy")
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Errorf("not a *FormatError for %s: %#v", path, err)
			}
			// The reader variant must agree.
			if c.labels {
				_, err = DecodeLabels(bytes.NewReader(c.data), "mem:"+c.name)
			} else {
				_, err = DecodeImages(bytes.NewReader(c.data), "mem:"+c.name)
			}
			if c.name != "corrupt-gzip" { // may fail at a different spot
				checkErr(t, err, "mem:"+c.name, c.want)
			} else if err == nil {
				t.Error("DecodeImages accepted corrupt gzip")
			}
		})
	}
}

func checkErr(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
}

func TestOneHot(t *testing.T) {
	got := OneHot([]uint8{2, 0}, 3)
	want := []float32{0, 0, 1, 1, 0, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for a label out of range")
		}
	}()
	OneHot([]uint8{3}, 3)
}

func TestSlice(t *testing.T) {
	s := &Set{Images: make([]float32, 5*6), Labels: []uint8{0, 1, 2, 3, 4}, N: 5, Rows: 2, Cols: 3}
	for i := range s.Images {
		s.Images[i] = float32(i)
	}
	sub := s.Slice(1, 3)
	if sub.N != 2 || len(sub.Images) != 12 || sub.Images[0] != 6 || sub.Labels[1] != 2 {
		t.Fatalf("bad slice %+v", sub)
	}
	if img := s.Image(4); len(img) != 6 || img[0] != 24 {
		t.Fatalf("Image(4) = %v", img)
	}
}
