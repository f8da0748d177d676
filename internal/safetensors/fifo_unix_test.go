//go:build unix

package safetensors

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A named pipe is refused without being opened: opening it would block
// until a writer came.
func TestReadFileFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe.safetensors")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip("cannot make a FIFO here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadFile(p); done <- err }()
	select {
	case err := <-done:
		checkErr(t, err, p+": is a named pipe (FIFO), not a safetensors file")
	case <-time.After(10 * time.Second):
		// Unblock the reader so that the test can end.
		if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("ReadFile blocked on a FIFO")
	}
}

func TestReadFileDevice(t *testing.T) {
	if _, err := os.Stat("/dev/null"); err != nil {
		t.Skip(err)
	}
	_, err := ReadFile("/dev/null")
	checkErr(t, err, "/dev/null: is a character device, not a safetensors file")
}
