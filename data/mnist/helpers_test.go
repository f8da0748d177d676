package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// idxImages builds a raw IDX image file of n images of rows×cols whose
// pixels are a deterministic function of seed.
func idxImages(n, rows, cols int, seed byte) []byte {
	b := make([]byte, 16, 16+n*rows*cols)
	binary.BigEndian.PutUint32(b[0:], imagesMagic)
	binary.BigEndian.PutUint32(b[4:], uint32(n))
	binary.BigEndian.PutUint32(b[8:], uint32(rows))
	binary.BigEndian.PutUint32(b[12:], uint32(cols))
	for i := 0; i < n*rows*cols; i++ {
		b = append(b, byte(i*37)+seed)
	}
	return b
}

// idxLabels builds a raw IDX label file.
func idxLabels(labels ...uint8) []byte {
	b := make([]byte, 8, 8+len(labels))
	binary.BigEndian.PutUint32(b[0:], labelsMagic)
	binary.BigEndian.PutUint32(b[4:], uint32(len(labels)))
	return append(b, labels...)
}

// seqLabels returns n labels 0,1,…,9,0,… offset by seed.
func seqLabels(n int, seed uint8) []uint8 {
	l := make([]uint8, n)
	for i := range l {
		l[i] = uint8((i + int(seed)) % 10)
	}
	return l
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// synthFiles returns the four files (by their .gz names, gzipped) of a
// small synthetic set with nTrain and nTest examples of 4×3.
func synthFiles(nTrain, nTest int) map[string][]byte {
	return map[string][]byte{
		TrainImagesFile: gz(idxImages(nTrain, 4, 3, 1)),
		TrainLabelsFile: gz(idxLabels(seqLabels(nTrain, 0)...)),
		TestImagesFile:  gz(idxImages(nTest, 4, 3, 2)),
		TestLabelsFile:  gz(idxLabels(seqLabels(nTest, 3)...)),
	}
}

// writeSynth writes a synthetic set into dir.
func writeSynth(t testing.TB, dir string, nTrain, nTest int) {
	t.Helper()
	for name, b := range synthFiles(nTrain, nTest) {
		writeFile(t, filepath.Join(dir, name), b)
	}
}

// isolate makes Load see nothing from the machine: no GLNN_DATA, an empty
// module cache, no go command on PATH, a fresh cache directory and no
// downloads. It returns the options to start from.
func isolate(t *testing.T) Options {
	t.Helper()
	t.Setenv(EnvVar, "")
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	return Options{CacheDir: filepath.Join(t.TempDir(), "cache"), NoDownload: true, Logf: t.Logf}
}
