package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSmallFilesystem fills a real small file system, such as a tmpfs
// mounted with "mount -t tmpfs -o size=64k tmpfs DIR", named by
// GLNN_SMALL_FS: the write must fail with ENOSPC, the old file must stay
// and the temporary file must go. Skipped when GLNN_SMALL_FS is unset.
func TestSmallFilesystem(t *testing.T) {
	dir := os.Getenv("GLNN_SMALL_FS")
	if dir == "" {
		t.Skip("GLNN_SMALL_FS unset; point it at a small (e.g. 64 KiB tmpfs) directory to run this")
	}
	dir, err := os.MkdirTemp(dir, "atomicfile-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := filepath.Join(dir, "ckpt")
	if err := Write(p, writeString("old")); err != nil {
		t.Fatal(err)
	}
	// Write up to 256 MiB, far more than a small file system holds.
	chunk := []byte(strings.Repeat("x", 1<<20))
	err = Write(p, func(w io.Writer) error {
		for range 256 {
			if _, err := w.Write(chunk); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		t.Fatalf("256 MiB fitted in GLNN_SMALL_FS=%s: it is not a small file system", os.Getenv("GLNN_SMALL_FS"))
	}
	checkErr(t, err, p, "no space left on device", "not changed")
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("not ENOSPC: %v", err)
	}
	t.Log(err)
	checkOnly(t, dir, "ckpt", "old")
}
