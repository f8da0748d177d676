// Package filekind says in words what a path is when it is not the regular
// file a program wanted ("is a directory", "is a named pipe (FIFO)", "is a
// symlink loop"), so that glnn's file errors name the problem instead of
// calling everything missing.
package filekind

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// Of describes a file mode, as in "x is a directory".
func Of(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "is a directory"
	case m&fs.ModeNamedPipe != 0:
		return "is a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "is a socket"
	case m&fs.ModeCharDevice != 0:
		return "is a character device"
	case m&fs.ModeDevice != 0:
		return "is a block device"
	case m.IsRegular():
		return "is a regular file"
	}
	return "is not a regular file (mode " + m.String() + ")"
}

// StatProblem explains why os.Stat(path) failed, in words that say what
// the path is: "is a symlink loop", "is a symbolic link to X, which does
// not exist", "does not exist", or "cannot be examined: " and the
// system's reason.
func StatProblem(path string, err error) string {
	switch {
	case errors.Is(err, syscall.ELOOP):
		return "is a symlink loop"
	case errors.Is(err, fs.ErrNotExist):
		if target, lerr := os.Readlink(path); lerr == nil {
			return "is a symbolic link to " + target + ", which does not exist"
		}
		return "does not exist"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "cannot be examined: " + err.Error()
}
