package filekind

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	for m, want := range map[fs.FileMode]string{
		fs.ModeDir | 0o755:                "is a directory",
		fs.ModeNamedPipe:                  "is a named pipe (FIFO)",
		fs.ModeSocket:                     "is a socket",
		fs.ModeDevice | fs.ModeCharDevice: "is a character device",
		fs.ModeDevice:                     "is a block device",
		0o644:                             "is a regular file",
		fs.ModeSymlink:                    "is not a regular file",
	} {
		if got := Of(m); !strings.HasPrefix(got, want) {
			t.Errorf("Of(%v) = %q, want %q", m, got, want)
		}
	}
}

func TestStatProblem(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop")
	os.Symlink(loop, loop)
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "nowhere"), dangling)
	for path, want := range map[string]string{
		loop:                          "is a symlink loop",
		dangling:                      "is a symbolic link to " + filepath.Join(dir, "nowhere") + ", which does not exist",
		filepath.Join(dir, "missing"): "does not exist",
	} {
		_, err := os.Stat(path)
		if got := StatProblem(path, err); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}
