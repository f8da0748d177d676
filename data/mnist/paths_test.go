package mnist

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A set-but-unusable $GLNN_DATA is an error that says which variable,
// which path and what is wrong, never a silent fallback to a good cache.
func TestEnvVarStrict(t *testing.T) {
	opts := isolate(t)
	writeSynth(t, opts.CacheDir, 5, 2) // a good set that must not be used

	tmp := t.TempDir()
	file := filepath.Join(tmp, "a-file")
	writeFile(t, file, []byte("x"))
	partial := filepath.Join(tmp, "partial")
	writeSynth(t, partial, 3, 2)
	os.Remove(filepath.Join(partial, TestLabelsFile))
	empty := filepath.Join(tmp, "empty")
	os.Mkdir(empty, 0o755)

	for _, c := range []struct{ dir, want string }{
		{"/nonexistent-glnn-data", "no such directory"},
		{filepath.Join(tmp, "nope"), "no such directory"},
		{file, "is a regular file, not a directory"},
		{empty, "missing " + strings.Join(Files, ", ")},
		{partial, "missing " + TestLabelsFile},
	} {
		t.Setenv(EnvVar, c.dir)
		train, _, err := Load(opts)
		checkErr(t, err, "mnist: $GLNN_DATA="+c.dir+": "+c.want, "unset GLNN_DATA")
		if errors.Is(err, ErrNotFound) || train != nil {
			t.Errorf("%s: fell back or returned data: %v", c.dir, err)
		}
	}

	// Unset (empty) it is skipped and the cache is used.
	t.Setenv(EnvVar, "")
	train, test, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 5 || train.Dir != opts.CacheDir || train.Source != "cache "+opts.CacheDir || test.Source != train.Source {
		t.Errorf("loaded %d from %s (%s)", train.N, train.Dir, train.Source)
	}
}

// Each set says where it came from and how that place was found.
func TestDirAndSource(t *testing.T) {
	opts := isolate(t)
	dataDir, envDir := t.TempDir(), t.TempDir()
	writeSynth(t, dataDir, 3, 2)
	writeSynth(t, envDir, 4, 2)

	o := opts
	o.Dir = dataDir
	train, test, err := Load(o)
	if err != nil {
		t.Fatal(err)
	}
	if train.Dir != dataDir || test.Dir != dataDir || train.Source != "-data "+dataDir || test.Source != train.Source {
		t.Errorf("-data: Dir %s, Source %q", train.Dir, train.Source)
	}
	if s := train.Slice(1, 2); s.Source != train.Source || s.Dir != train.Dir {
		t.Errorf("Slice lost Dir or Source: %+v", s)
	}

	t.Setenv(EnvVar, envDir)
	train, _, err = Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if train.Dir != envDir || train.Source != "$GLNN_DATA="+envDir {
		t.Errorf("$GLNN_DATA: Dir %s, Source %q", train.Dir, train.Source)
	}

	s, err := ReadSet(filepath.Join(envDir, TrainImagesFile), filepath.Join(envDir, TrainLabelsFile))
	if err != nil || s.Dir != envDir || s.Source != "" {
		t.Errorf("ReadSet: %v, Dir %s, Source %q", err, s.Dir, s.Source)
	}
}

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
