//go:build unix

package mnist

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f does not return within a few seconds; a
// reader that opened a FIFO would wait for a writer forever. On timeout it
// opens the FIFO for writing to release the reader.
func within(t *testing.T, fifo string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatal("blocked on a FIFO")
		return nil
	}
}

func TestFIFO(t *testing.T) {
	opts := isolate(t)
	dir := t.TempDir()
	writeSynth(t, dir, 3, 2)
	fifo := filepath.Join(dir, TrainLabelsFile)
	os.Remove(fifo)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("cannot make a FIFO here:", err)
	}
	opts.Dir = dir
	err := within(t, fifo, func() error { _, _, err := Load(opts); return err })
	checkErr(t, err, TrainLabelsFile+" is a named pipe (FIFO), not a file")

	err = within(t, fifo, func() error { _, err := ReadLabels(fifo); return err })
	checkErr(t, err, fifo+": is a named pipe (FIFO), not an IDX file")

	// -data naming a FIFO instead of a directory.
	opts.Dir = fifo
	err = within(t, fifo, func() error { _, _, err := Load(opts); return err })
	checkErr(t, err, "-data "+fifo+": is a named pipe (FIFO), not a directory")

	// $GLNN_DATA naming a FIFO is as much an error.
	t.Setenv(EnvVar, fifo)
	opts.Dir = ""
	err = within(t, fifo, func() error { _, _, err := Load(opts); return err })
	checkErr(t, err, "$GLNN_DATA="+fifo+": is a named pipe (FIFO), not a directory")
}

// A FIFO that replaces the file between the check and the open is still
// not waited on: the open does not block and the type is checked again.
func TestOpenFlagsDoNotBlock(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "p")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("cannot make a FIFO here:", err)
	}
	err := within(t, fifo, func() error {
		f, err := os.OpenFile(fifo, os.O_RDONLY|openFlags, 0)
		if err == nil {
			f.Close()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
