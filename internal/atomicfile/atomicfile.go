// Package atomicfile writes files so that a reader, a crash or a full disk
// never leaves a half-written file behind: the new content goes to a
// temporary file in the same directory, which is flushed, synced to disk and
// then renamed over the target, and finally the directory itself is synced
// so that the rename survives a power cut.
//
// Either the target holds the complete new content, or (on any error) it is
// untouched and the temporary file is gone. Every error names the path and
// the step that failed.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/glnn/glnn/internal/filekind"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultMode is the permission bits of a file that did not exist before.
// A file that is replaced keeps its own permission bits.
const DefaultMode fs.FileMode = 0o644

// bufferSize is the size of the write buffer in front of the file.
const bufferSize = 1 << 20

// Error reports a failed atomic write: the target path, the step that
// failed ("writing", "syncing", "renaming" …) and the underlying error.
type Error struct {
	Path string
	Step string
	Err  error
	// Replaced is true when the failure came after the rename: the target
	// already holds the new content, but it may not survive a crash.
	Replaced bool
}

func (e *Error) Error() string {
	s := "atomicfile: " + e.Path + ": " + e.Step + ": " + e.Err.Error()
	if e.Replaced {
		s += " (the new content is in place but may not survive a crash)"
	} else {
		s += " (the file was not changed)"
	}
	return s
}

// Unwrap returns the underlying error, so that errors.Is(err,
// syscall.ENOSPC) works.
func (e *Error) Unwrap() error { return e.Err }

// Write writes the file at path atomically with the bytes that write
// produces. write receives a buffered writer; its error, or a panic, leaves
// path untouched. A new file gets DefaultMode; an existing regular file
// keeps its permission bits. If path is a symbolic link, the link itself is
// replaced by the new file. A path that names a directory or another
// non-regular file (a named pipe, a device …) is refused.
func Write(path string, write func(io.Writer) error) error {
	return writeWith(osOps, path, write)
}

// tempFile is what Write needs of the temporary file; *os.File has it.
type tempFile interface {
	io.Writer
	Name() string
	Chmod(fs.FileMode) error
	Sync() error
	Close() error
}

// ops are the file-system operations Write performs, replaceable in tests
// to exercise every failure branch.
type ops struct {
	lstat      func(string) (fs.FileInfo, error)
	createTemp func(dir, pattern string) (tempFile, error)
	rename     func(oldpath, newpath string) error
	remove     func(string) error
	syncDir    func(string) error
}

var osOps = ops{
	lstat:      os.Lstat,
	createTemp: func(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) },
	rename:     os.Rename,
	remove:     os.Remove,
	syncDir:    syncDir,
}

func writeWith(o ops, path string, write func(io.Writer) error) (err error) {
	fail := func(step string, e error) error { return &Error{Path: path, Step: step, Err: e} }

	mode := DefaultMode
	switch st, err := o.lstat(path); {
	case err == nil && st.Mode().IsRegular():
		mode = st.Mode().Perm()
	case err == nil && st.Mode()&fs.ModeSymlink != 0:
		// The link is replaced; the new file gets the default mode.
	case err == nil:
		return fail("checking the target", fmt.Errorf("%s, not a regular file", filekind.Of(st.Mode())))
	case !errors.Is(err, fs.ErrNotExist):
		return fail("checking the target", err)
	}

	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := o.createTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fail("creating a temporary file", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			// Reached on every error before the rename and on a panic in
			// write: the target is untouched and the temporary file goes.
			tmp.Close()
			o.remove(tmp.Name())
		}
	}()

	bw := bufio.NewWriterSize(tmp, bufferSize)
	if err := write(bw); err != nil {
		return fail("writing", err)
	}
	if err := bw.Flush(); err != nil {
		return fail("writing", err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fail("setting the mode", err)
	}
	if err := tmp.Sync(); err != nil {
		return fail("syncing", err)
	}
	if err := tmp.Close(); err != nil {
		return fail("closing", err)
	}
	if err := o.rename(tmp.Name(), path); err != nil {
		return fail("renaming", err)
	}
	renamed = true
	if err := o.syncDir(dir); err != nil {
		return &Error{Path: path, Step: "syncing the directory", Err: err, Replaced: true}
	}
	return nil
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory
// (and does not need to).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
