package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// checkOnly fails unless dir holds exactly the file name with content want.
func checkOnly(t *testing.T, dir, name, want string) {
	t.Helper()
	if got := entries(t, dir); len(got) != 1 || got[0] != name {
		t.Errorf("directory holds %v, want only %s", got, name)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", name, b, want)
	}
}

func checkErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestWriteNewAndReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	if err := Write(p, writeString("first")); err != nil {
		t.Fatal(err)
	}
	checkOnly(t, dir, "model.safetensors", "first")
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != DefaultMode {
		t.Errorf("new file mode %v, want %v", st.Mode().Perm(), DefaultMode)
	}

	// Replacing keeps the existing file's mode.
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 3*bufferSize+17) // several buffer flushes
	if err := Write(p, writeString(big)); err != nil {
		t.Fatal(err)
	}
	checkOnly(t, dir, "model.safetensors", big)
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("replaced file mode %v, want 0600 kept", st.Mode().Perm())
	}
}

func TestWriteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := Write("rel.bin", writeString("r")); err != nil {
		t.Fatal(err)
	}
	checkOnly(t, dir, "rel.bin", "r")
}

func TestWriteReplacesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := Write(link, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != DefaultMode {
		t.Errorf("link not replaced by a %v regular file: %v, %v", DefaultMode, st.Mode(), err)
	}
	if b, _ := os.ReadFile(target); string(b) != "old" {
		t.Errorf("the link's old target was changed to %q", b)
	}
}

func TestWriteRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	err := Write(dir, writeString("x"))
	checkErr(t, err, dir, "checking the target", "is a directory", "not changed")
}

// The callback's error leaves the old file and no temporary file.
func TestWriteCallbackError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("y", 2*bufferSize)) // some of it reaches the file
		return boom
	})
	checkErr(t, err, p, "writing", "boom", "not changed")
	if !errors.Is(err, boom) {
		t.Errorf("errors.Is(err, boom) is false: %v", err)
	}
	var ae *Error
	if !errors.As(err, &ae) || ae.Step != "writing" || ae.Path != p || ae.Replaced {
		t.Errorf("error is %#v", err)
	}
	checkOnly(t, dir, "f", "old")
}

func TestWritePanic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic did not propagate")
			}
		}()
		Write(p, func(w io.Writer) error {
			io.WriteString(w, "partial")
			panic("in the callback")
		})
	}()
	if got := entries(t, dir); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
}

func TestWriteMissingDirectory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "f")
	err := Write(p, writeString("x"))
	checkErr(t, err, p, "creating a temporary file")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("not ErrNotExist: %v", err)
	}
}

// faultyFile is a real temporary file whose operations can be made to fail.
type faultyFile struct {
	*os.File
	write, chmod, sync, close error
	written                   int
}

func (f *faultyFile) Write(p []byte) (int, error) {
	if f.write != nil {
		return 0, f.write
	}
	n, err := f.File.Write(p)
	f.written += n
	return n, err
}

// WriteString hides os.File's, which bufio would otherwise call directly.
func (f *faultyFile) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

func (f *faultyFile) Chmod(m fs.FileMode) error {
	if f.chmod != nil {
		return f.chmod
	}
	return f.File.Chmod(m)
}

func (f *faultyFile) Sync() error {
	if f.sync != nil {
		return f.sync
	}
	return f.File.Sync()
}

func (f *faultyFile) Close() error {
	err := f.File.Close()
	if f.close != nil {
		return f.close
	}
	return err
}

// TestFailureBranches makes each step fail in turn and checks that the
// error names the path and the step, that the old content is intact (or,
// after the rename, the new one in place) and that no temporary file is
// left.
func TestFailureBranches(t *testing.T) {
	errX := errors.New("injected")
	cases := []struct {
		name     string
		file     faultyFile
		o        func(o *ops)
		content  string // what a successful write would put there
		step     string
		wantIs   error
		replaced bool
	}{
		{name: "lstat", o: func(o *ops) { o.lstat = func(string) (fs.FileInfo, error) { return nil, fs.ErrPermission } }, step: "checking the target", wantIs: fs.ErrPermission},
		{name: "create", o: func(o *ops) {
			o.createTemp = func(string, string) (tempFile, error) { return nil, syscall.ENOSPC }
		}, step: "creating a temporary file", wantIs: syscall.ENOSPC},
		{name: "enospc-in-callback", file: faultyFile{write: syscall.ENOSPC}, content: strings.Repeat("z", bufferSize+1), step: "writing", wantIs: syscall.ENOSPC},
		{name: "enospc-on-flush", file: faultyFile{write: syscall.ENOSPC}, content: "small", step: "writing", wantIs: syscall.ENOSPC},
		{name: "chmod", file: faultyFile{chmod: errX}, step: "setting the mode", wantIs: errX},
		{name: "sync", file: faultyFile{sync: syscall.EIO}, step: "syncing", wantIs: syscall.EIO},
		{name: "close", file: faultyFile{close: syscall.EDQUOT}, step: "closing", wantIs: syscall.EDQUOT},
		{name: "rename", o: func(o *ops) { o.rename = func(string, string) error { return syscall.EXDEV } }, step: "renaming", wantIs: syscall.EXDEV},
		{name: "syncdir", o: func(o *ops) { o.syncDir = func(string) error { return syscall.EIO } }, step: "syncing the directory", wantIs: syscall.EIO, replaced: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "ckpt")
			if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			o := osOps
			o.createTemp = func(dir, pattern string) (tempFile, error) {
				f, err := os.CreateTemp(dir, pattern)
				if err != nil {
					return nil, err
				}
				ff := c.file
				ff.File = f
				return &ff, nil
			}
			if c.o != nil {
				c.o(&o)
			}
			content := c.content
			if content == "" {
				content = "new"
			}
			err := writeWith(o, p, writeString(content))
			checkErr(t, err, p, c.step+": ")
			if !errors.Is(err, c.wantIs) {
				t.Errorf("errors.Is(err, %v) is false: %v", c.wantIs, err)
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Step != c.step || ae.Replaced != c.replaced {
				t.Errorf("error %#v, want step %q, replaced %v", err, c.step, c.replaced)
			}
			if c.replaced {
				checkErr(t, err, "may not survive a crash")
				checkOnly(t, dir, "ckpt", content)
			} else {
				checkErr(t, err, "not changed")
				checkOnly(t, dir, "ckpt", "old")
			}
		})
	}
}

// A full disk reported by the kernel itself: /dev/full fails every write
// with ENOSPC. It stands in for the temporary file.
func TestRealENOSPC(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "ckpt")
	o := osOps
	removed := ""
	o.createTemp = func(string, string) (tempFile, error) { return full, nil }
	o.remove = func(name string) error { removed = name; return nil }
	for _, size := range []int{10, 4 * bufferSize} {
		err = writeWith(o, p, writeString(strings.Repeat("a", size)))
		checkErr(t, err, p, "writing", "no space left on device")
		if !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("not ENOSPC: %v", err)
		}
		if removed != "/dev/full" {
			t.Errorf("temporary file %q removed, want /dev/full (the injected one)", removed)
		}
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("target created despite the failure: %v", err)
		}
		full, _ = os.OpenFile("/dev/full", os.O_WRONLY, 0)
	}
	full.Close()
}

func TestBytesExact(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "b")
	want := make([]byte, 1<<16)
	for i := range want {
		want[i] = byte(i * 7)
	}
	if err := Write(p, func(w io.Writer) error { _, err := w.Write(want); return err }); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, want) {
		t.Error("content differs")
	}
}

func TestSyncDirMissing(t *testing.T) {
	if err := syncDir(filepath.Join(t.TempDir(), "gone")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("syncDir of a missing directory: %v", err)
	}
}
