//go:build unix

package atomicfile

import (
	"path/filepath"
	"syscall"
	"testing"
)

// A named pipe at the target is refused before anything is opened, so
// Write cannot block on it.
func TestWriteRefusesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip("cannot make a FIFO here:", err)
	}
	err := Write(p, writeString("x"))
	checkErr(t, err, p, "is a named pipe (FIFO)", "not a regular file")
}
