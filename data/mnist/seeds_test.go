package mnist

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the named seed files under testdata/fuzz")

// strokes draws digits for the seeds: polylines in a 20×20 box, the size
// of the box MNIST centres its digits in.
var strokes = map[int][][][2]float64{
	0: {{{10, 2}, {5, 5}, {4, 10}, {5, 15}, {10, 18}, {15, 15}, {16, 10}, {15, 5}, {10, 2}}},
	1: {{{11, 2}, {9, 18}}},
	2: {{{5, 6}, {9, 2}, {14, 4}, {14, 8}, {5, 18}, {16, 18}}},
	4: {{{13, 2}, {4, 13}, {17, 13}}, {{13, 7}, {12, 18}}},
	5: {{{15, 2}, {7, 2}, {6, 9}, {12, 8}, {15, 12}, {13, 17}, {6, 17}}},
	7: {{{4, 3}, {16, 3}, {9, 18}}},
}

// digit renders digit d as a 28×28 MNIST-like image: anti-aliased strokes
// about 3 pixels wide, ink 255 on background 0.
func digit(d int) []byte {
	img := make([]byte, 28*28)
	for y := range 28 {
		for x := range 28 {
			px, py := float64(x)-4+0.5, float64(y)-4+0.5
			dist := math.Inf(1)
			for _, line := range strokes[d] {
				for i := 1; i < len(line); i++ {
					dist = min(dist, segDist(px, py, line[i-1], line[i]))
				}
			}
			ink := 1 - (dist - 1.2)
			img[y*28+x] = byte(255 * max(0, min(1, ink)))
		}
	}
	return img
}

func segDist(px, py float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := max(0, min(1, ((px-a[0])*dx+(py-a[1])*dy)/(dx*dx+dy*dy)))
	return math.Hypot(px-a[0]-t*dx, py-a[1]-t*dy)
}

// mnistImages builds a raw IDX image file of 28×28 digits.
func mnistImages(digits ...int) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint32(b, imagesMagic)
	binary.BigEndian.PutUint32(b[4:], uint32(len(digits)))
	binary.BigEndian.PutUint32(b[8:], 28)
	binary.BigEndian.PutUint32(b[12:], 28)
	for _, d := range digits {
		b = append(b, digit(d)...)
	}
	return b
}

func setU32(b []byte, off int, v uint32) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint32(b[off:], v)
	return b
}

// idxSeeds are the seeds of FuzzReadIDX. The name says which reader must
// accept ("images-ok", "labels-ok") or reject ("-bad-") it.
func idxSeeds() map[string][]byte {
	train := mnistImages(5, 0, 4) // the first three MNIST training digits
	trainGz := gz(train)
	labels := idxLabels(5, 0, 4)
	crc := bytes.Clone(trainGz)
	crc[len(crc)-8] ^= 1
	isize := bytes.Clone(trainGz)
	binary.LittleEndian.PutUint32(isize[len(isize)-4:], 60000*784+16)
	return map[string][]byte{
		"images-ok-train-3-raw":            train,
		"images-ok-train-3-gz":             trainGz,
		"images-ok-two-gzip-members":       append(gz(train[:1000]), gz(train[1000:])...),
		"images-ok-one-1x1":                idxImages(1, 1, 1, 0),
		"labels-ok-train-3-raw":            labels,
		"labels-ok-train-3-gz":             gz(labels),
		"labels-ok-one":                    idxLabels(7),
		"images-bad-empty":                 nil,
		"images-bad-header-only":           train[:16],
		"images-bad-truncated-raw":         train[:16+784*2+100],
		"images-bad-truncated-gz":          trainGz[:len(trainGz)/2],
		"images-bad-gz-trailer-cut":        trainGz[:len(trainGz)-3],
		"images-bad-claims-60000":          setU32(train, 4, 60000),
		"images-bad-claims-60000-gz":       gz(setU32(train, 4, 60000)),
		"images-bad-trailing-raw":          append(bytes.Clone(train), 0, 0, 0),
		"images-bad-trailing-after-gz":     append(bytes.Clone(trainGz), "<html>"...),
		"images-bad-crc":                   crc,
		"images-bad-isize-lies":            isize,
		"images-bad-zero-rows":             setU32(train, 8, 0),
		"images-bad-side-4097":             setU32(train, 12, 4097),
		"images-bad-count-10000001":        setU32(train, 4, 10_000_001),
		"images-bad-float32-magic":         setU32(train, 0, 0x00000D03),
		"images-bad-four-dims":             setU32(train, 0, 0x00000804),
		"images-bad-html":                  []byte("<html><body>404 Not Found</body></html>\n"),
		"images-bad-gzip-magic-then-junk":  []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3},
		"images-bad-gzip-of-text":          gz([]byte("not an IDX file at all")),
		"labels-bad-truncated":             labels[:10],
		"labels-bad-claims-60000":          setU32(labels, 4, 60000),
		"labels-bad-trailing":              append(bytes.Clone(labels), 1),
		"labels-bad-zero-count":            idxLabels(),
		"labels-bad-count-over-limit":      setU32(labels, 4, 10_000_001),
		"labels-bad-images-magic-swapped":  setU32(labels, 0, imagesMagic),
		"labels-bad-gz-trailing-gz-header": append(gz(labels), 0x1f, 0x8b),
	}
}

// setSeeds are the seeds of FuzzReadSet: an image file and a label file.
func setSeeds() map[string][2][]byte {
	images := mnistImages(7, 2, 1) // the first three MNIST test digits
	labels := idxLabels(7, 2, 1)
	isize := gz(images)
	binary.LittleEndian.PutUint32(isize[len(isize)-4:], uint32(len(images)+784))
	return map[string][2][]byte{
		"set-ok-raw":              {images, labels},
		"set-ok-gz":               {gz(images), gz(labels)},
		"set-ok-mixed":            {gz(images), labels},
		"set-bad-count-mismatch":  {images, idxLabels(7, 2)},
		"set-bad-label-10":        {images, idxLabels(7, 10, 1)},
		"set-bad-swapped":         {labels, images},
		"set-bad-isize-lies":      {isize, labels},
		"set-bad-truncated-gz":    {gz(images)[:300], gz(labels)},
		"set-bad-empty-label-gz":  {images, gz(nil)},
		"set-bad-claims-10000000": {setU32(images, 4, 10_000_000), labels},
	}
}

func corpusFile(values ...[]byte) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, v := range values {
		b.WriteString("[]byte(" + strconv.Quote(string(v)) + ")\n")
	}
	return []byte(b.String())
}

// readCorpusFile reads a corpus file of []byte values.
func readCorpusFile(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0] != "go test fuzz v1" {
		return nil, fmt.Errorf("not a fuzz corpus file")
	}
	var out [][]byte
	for _, l := range lines[1:] {
		s, ok := strings.CutPrefix(l, "[]byte(")
		s, ok2 := strings.CutSuffix(s, ")")
		v, err := strconv.Unquote(s)
		if !ok || !ok2 || err != nil {
			return nil, fmt.Errorf("line %q is not a []byte value", l)
		}
		out = append(out, []byte(v))
	}
	return out, nil
}

// TestSeedCorpus checks each named seed file against what its name says
// (gzip output may change between Go releases, so the files are checked
// by behaviour, not compared with a fresh encoding); with -update-corpus
// it first writes them.
func TestSeedCorpus(t *testing.T) {
	write := func(target, name string, values ...[]byte) string {
		dir := filepath.Join("testdata", "fuzz", target)
		path := filepath.Join(dir, name)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, corpusFile(values...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	load := func(path string, n int) [][]byte {
		v, err := readCorpusFile(path)
		if err != nil || len(v) != n {
			t.Errorf("%s: %v, %d values (run go test . -run TestSeedCorpus -update-corpus)", path, err, len(v))
			return nil
		}
		return v
	}
	for name, b := range idxSeeds() {
		v := load(write("FuzzReadIDX", name, b), 1)
		if v == nil {
			continue
		}
		var err error
		if strings.HasPrefix(name, "images-") {
			_, err = DecodeImages(bytes.NewReader(v[0]), name)
		} else {
			_, err = DecodeLabels(bytes.NewReader(v[0]), name)
		}
		if ok := strings.Contains(name, "-ok-"); ok != (err == nil) {
			t.Errorf("%s: %v", name, err)
		}
	}
	dir := t.TempDir()
	for name, pair := range setSeeds() {
		v := load(write("FuzzReadSet", name, pair[0], pair[1]), 2)
		if v == nil {
			continue
		}
		_, err := readSetBytes(t, dir, v[0], v[1])
		if ok := strings.Contains(name, "-ok-"); ok != (err == nil) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// readSetBytes writes the two files into dir and reads them with ReadSet.
func readSetBytes(t *testing.T, dir string, images, labels []byte) (*Set, error) {
	ip, lp := filepath.Join(dir, "images"), filepath.Join(dir, "labels")
	writeFile(t, ip, images)
	writeFile(t, lp, labels)
	return ReadSet(ip, lp)
}
