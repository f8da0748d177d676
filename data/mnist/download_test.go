package mnist

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A download cut short is blamed on the download; a cache that cannot take
// the file is blamed on the cache. Neither leaves a file behind.
func TestDownloadFailures(t *testing.T) {
	opts := isolate(t)
	files := synthFiles(7, 3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/mnist/")
		b := files[name]
		if name == TrainLabelsFile { // promise more than is sent
			w.Header().Set("Content-Length", "100000")
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	opts.NoDownload = false
	opts.Mirrors = []string{srv.URL + "/mnist/"}
	opts.SHA256 = sums(files)
	opts.Client = srv.Client()
	// Where one file should go there is a directory.
	if err := os.MkdirAll(filepath.Join(opts.CacheDir, TestImagesFile), 0o755); err != nil {
		t.Fatal(err)
	}

	_, _, err := Load(opts)
	checkErr(t, err,
		TrainLabelsFile+": download interrupted after "+strconv.Itoa(len(files[TrainLabelsFile]))+" bytes: unexpected EOF",
		TestImagesFile+": cannot write to the cache: atomicfile: "+filepath.Join(opts.CacheDir, TestImagesFile)+": checking the target: is a directory",
	)
	entries, _ := os.ReadDir(opts.CacheDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 3 || strings.Contains(strings.Join(names, " "), ".tmp") {
		t.Errorf("cache holds %v, want the two good files and the directory", names)
	}
}
