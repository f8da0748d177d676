package mnist

import (
	"errors"
	"fmt"
	"github.com/glnn/glnn/internal/filekind"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkDir returns nil if dir is a directory (following symbolic links),
// or an error that says what it is instead.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist) && !isLink(dir):
		return errors.New("no such directory")
	case err != nil:
		return errors.New(filekind.StatProblem(dir, err))
	case !st.IsDir():
		return errors.New(filekind.Of(st.Mode()) + ", not a directory")
	}
	return nil
}

func isLink(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode()&fs.ModeSymlink != 0
}

// findFiles returns the paths of the four files in dir, accepting for each
// the .gz name, the raw name without .gz, and the dotted raw name some
// distributions use ("train-images.idx3-ubyte"). A name that exists but is
// not a usable regular file (a directory, a named pipe, a device, a broken
// or looping symbolic link) is reported as what it is, unless another of
// the names is a regular file.
func findFiles(dir string) ([]string, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	var paths, missing, problems []string
	for _, f := range Files {
		raw := strings.TrimSuffix(f, ".gz")
		found, problem := "", ""
		for _, name := range []string{f, raw, strings.Replace(raw, "-idx", ".idx", 1)} {
			p := filepath.Join(dir, name)
			st, err := os.Stat(p)
			if err == nil && st.Mode().IsRegular() {
				found = p
				break
			}
			if problem != "" {
				continue
			}
			switch {
			case err == nil:
				problem = name + " " + filekind.Of(st.Mode()) + ", not a file"
			case errors.Is(err, fs.ErrNotExist) && !isLink(p):
			default:
				problem = name + " " + filekind.StatProblem(p, err)
			}
		}
		switch {
		case found != "":
		case problem != "":
			problems = append(problems, problem)
		default:
			missing = append(missing, f)
		}
		paths = append(paths, found)
	}
	if len(missing) > 0 {
		problems = append(problems, "missing "+strings.Join(missing, ", "))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return paths, nil
}

// readFile reads one IDX file. The path must be a regular file: a
// directory, a named pipe, a device or a symlink loop is reported as what
// it is, and is never opened (opening a named pipe would wait for a
// writer).
func readFile(path string, magic uint32) ([]int, []byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !isLink(path) {
			return nil, nil, fmt.Errorf("mnist: %w", err)
		}
		return nil, nil, &FormatError{Path: path, Problem: filekind.StatProblem(path, err), Err: err}
	}
	if !st.Mode().IsRegular() {
		return nil, nil, notAFile(path, st.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, nil, notAFile(path, st.Mode()) // replaced since the Stat above
	}
	return decode(f, path, magic, sizeHint(f))
}

func notAFile(path string, m fs.FileMode) error {
	return &FormatError{Path: path, Problem: filekind.Of(m) + ", not an IDX file"}
}
