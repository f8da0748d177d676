package mnist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glnn/glnn/internal/atomicfile"
)

const (
	maxDownload     = 256 << 20 // bytes per file
	downloadTimeout = 5 * time.Minute
)

// defaultClient returns a client that gives up on unreachable mirrors
// quickly but allows a slow link to finish a 10 MB file.
func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Transport: t, Timeout: downloadTimeout}
}

// download fetches every file that the cache lacks (or holds with the wrong
// hash) from the mirrors into cacheDir. It returns one Attempt per mirror
// that failed for some file, and an error unless every file is in place.
func download(ctx context.Context, opts *Options, cacheDir string) ([]Attempt, error) {
	mirrors := opts.Mirrors
	if mirrors == nil {
		mirrors = DefaultMirrors
	}
	sums := opts.SHA256
	if sums == nil {
		sums = StandardSHA256
	}
	client := opts.Client
	if client == nil {
		client = defaultClient()
	}
	if len(mirrors) == 0 {
		err := errors.New("no mirrors configured")
		return []Attempt{{"download from mirrors", err}}, err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		err = fmt.Errorf("cannot create the cache directory: %v", err)
		return []Attempt{{"download into " + cacheDir, err}}, err
	}

	failures := make([][]error, len(mirrors))
	unreachable := make([]bool, len(mirrors))
	var missing []string
	for _, name := range Files {
		want, ok := sums[name]
		if !ok {
			missing = append(missing, name)
			for i := range mirrors {
				failures[i] = append(failures[i], fmt.Errorf("%s: no SHA-256 known, not downloaded", name))
			}
			continue
		}
		dst := filepath.Join(cacheDir, name)
		if got, err := fileSHA256(dst); err == nil && strings.EqualFold(got, want) {
			continue // already there from an earlier, partial run
		}
		done := false
		for i, m := range mirrors {
			if unreachable[i] {
				continue
			}
			url := strings.TrimSuffix(m, "/") + "/" + name
			opts.logf("mnist: downloading %s", url)
			err := fetch(ctx, client, url, dst, want)
			if err == nil {
				opts.logf("mnist: saved %s", dst)
				done = true
				break
			}
			opts.logf("mnist: %s: %v", url, err)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ne netError
			if errors.As(err, &ne) {
				// Unreachable: do not make the user wait for it again.
				unreachable[i] = true
				err = fmt.Errorf("%w (mirror not tried for the other files)", err)
			}
			failures[i] = append(failures[i], fmt.Errorf("%s: %w", name, err))
		}
		if !done {
			missing = append(missing, name)
		}
	}

	var attempts []Attempt
	for i, errs := range failures {
		if len(errs) > 0 {
			attempts = append(attempts, Attempt{"download from " + mirrors[i], joinLines(errs)})
		}
	}
	if len(missing) > 0 {
		return attempts, fmt.Errorf("could not download %s", strings.Join(missing, ", "))
	}
	return attempts, nil
}

// netError marks a failure to reach a mirror at all (DNS, connection,
// TLS, response timeout), as opposed to a bad answer from it.
type netError struct{ err error }

func (e netError) Error() string { return e.err.Error() }
func (e netError) Unwrap() error { return e.err }

// joinLines joins errors into one error whose text lists them with "; ".
func joinLines(errs []error) error {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return errors.New(strings.Join(s, "; "))
}

// fetch downloads url into dst atomically (see package atomicfile): dst is
// replaced only once the download is complete and its SHA-256 is wantHex.
// Nothing is left behind on failure.
func fetch(ctx context.Context, client *http.Client, url, dst, wantHex string) error {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return netError{err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}

	body := &errReader{r: io.LimitReader(resp.Body, maxDownload+1)}
	err = atomicfile.Write(dst, func(w io.Writer) error {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), body)
		switch {
		case err != nil && err == body.err:
			return badDownload{fmt.Errorf("download interrupted after %d bytes: %v", n, err)}
		case err != nil:
			return err // writing to the cache failed
		case n > maxDownload:
			return badDownload{fmt.Errorf("larger than %d bytes: not an MNIST file", maxDownload)}
		}
		if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, wantHex) {
			return badDownload{fmt.Errorf("SHA-256 mismatch: got %s (%d bytes), expected %s; discarded", got, n, wantHex)}
		}
		return nil
	})
	var bad badDownload
	if errors.As(err, &bad) {
		return bad.err
	}
	if err != nil {
		return fmt.Errorf("cannot write to the cache: %w", err)
	}
	return nil
}

// badDownload marks a failure of the download itself, as opposed to a
// failure to write it to the cache.
type badDownload struct{ err error }

func (e badDownload) Error() string { return e.err.Error() }

// errReader remembers the error its reader returned, so that a failed
// copy can be blamed on the network or on the disk.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
