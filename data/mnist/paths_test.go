package mnist

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A name where a file should be that is something else is reported as
// what it is, not as missing.
func TestNotAFile(t *testing.T) {
	opts := isolate(t)
	dir := t.TempDir()
	writeSynth(t, dir, 3, 2)
	opts.Dir = dir
	load := func() error { _, _, err := Load(opts); return err }
	put := func(name string, make func(p string) error) {
		t.Helper()
		p := filepath.Join(dir, name)
		os.Remove(p)
		if err := make(p); err != nil {
			t.Skip("cannot make", name, err)
		}
	}
	restore := func() { writeSynth(t, dir, 3, 2) }
	mkdir := func(p string) error { return os.Mkdir(p, 0o755) }

	put(TrainImagesFile, mkdir)
	checkErr(t, load(), "-data "+dir+": "+TrainImagesFile+" is a directory, not a file")
	if err := load(); strings.Contains(err.Error(), "missing") {
		t.Errorf("reported as missing: %v", err)
	}
	// Another accepted name that is a regular file wins.
	writeFile(t, filepath.Join(dir, "train-images-idx3-ubyte"), idxImages(3, 4, 3, 0))
	if err := load(); err != nil {
		t.Errorf("the raw name should be used: %v", err)
	}
	os.Remove(filepath.Join(dir, "train-images-idx3-ubyte"))
	os.Remove(filepath.Join(dir, TrainImagesFile))
	restore()

	put(TestLabelsFile, func(p string) error { return os.Symlink(p, p) })
	checkErr(t, load(), TestLabelsFile+" is a symlink loop")
	put(TestLabelsFile, func(p string) error { return os.Symlink(filepath.Join(dir, "gone"), p) })
	checkErr(t, load(), TestLabelsFile+" is a symbolic link to "+filepath.Join(dir, "gone")+", which does not exist")
	put(TestLabelsFile, func(p string) error { return os.Symlink(os.DevNull, p) })
	checkErr(t, load(), TestLabelsFile+" is a character device, not a file")
	os.Remove(filepath.Join(dir, TestLabelsFile))
	restore()

	// The -data directory itself.
	loop := filepath.Join(t.TempDir(), "loop")
	if os.Symlink(loop, loop) == nil {
		opts.Dir = loop
		checkErr(t, load(), "-data "+loop+": is a symlink loop")
	}
	opts.Dir = filepath.Join(dir, TrainLabelsFile)
	checkErr(t, load(), "is a regular file, not a directory")
}

// ReadImages and ReadLabels refuse what is not a regular file before
// opening it, and keep fs.ErrNotExist for a missing file.
func TestReadNotAFile(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadImages(dir)
	checkErr(t, err, "mnist: "+dir+": is a directory, not an IDX file")
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Errorf("not a FormatError: %v", err)
	}
	loop := filepath.Join(dir, "loop")
	if os.Symlink(loop, loop) == nil {
		_, err = ReadLabels(loop)
		checkErr(t, err, loop+": is a symlink loop")
	}
	_, err = ReadLabels(filepath.Join(dir, "none"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
