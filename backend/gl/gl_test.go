//go:build cgo

package gl

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/go-gl/gl/v4.5-core/gl"
)

func TestInfo(t *testing.T) {
	d := device(t)
	info := d.Info()
	t.Logf("%+v (max storage block %d MiB, offset alignment %d)", info, d.limits.maxSSBO>>20, d.limits.align)
	if info.Backend != "gl" || !strings.HasPrefix(info.Name, "gl: ") || info.Renderer == "" || info.Vendor == "" {
		t.Errorf("incomplete Info: %+v", info)
	}
	switch info.Context {
	case "egl-device", "egl-surfaceless", "egl-default", "glfw":
	default:
		t.Errorf("Info().Context = %q", info.Context)
	}
	major, minor, ok := parseGLVersion(info.Version)
	var has, hasNot bool
	d.onThread(func() error {
		has, hasNot = hasGLExtension("GL_ARB_shader_storage_buffer_object"), hasGLExtension("GL_glnn_no_such_extension")
		return nil
	})
	if _, err := checkVersion(major, minor, func(e string) bool {
		var ok bool
		d.onThread(func() error { ok = hasGLExtension(e); return nil })
		return ok
	}); !ok || err != nil {
		t.Errorf("Info().Version = %q: %v", info.Version, err)
	}
	if !has || hasNot {
		t.Errorf("GL_EXTENSIONS: GL_ARB_shader_storage_buffer_object listed %v, GL_glnn_no_such_extension listed %v", has, hasNot)
	}
	for _, n := range info.Notes {
		t.Logf("note: %s", n)
		if strings.Contains(n, "no lose-context-on-reset") && strings.Contains(info.Renderer, "llvmpipe") && strings.HasPrefix(info.Context, "egl") {
			t.Errorf("Mesa's EGL offers robust contexts, but the device has none: %s", n)
		}
	}
	if info.MaxOpBytes != d.limits.maxSSBO {
		t.Errorf("Info().MaxOpBytes = %d, want GL_MAX_SHADER_STORAGE_BLOCK_SIZE = %d", info.MaxOpBytes, d.limits.maxSSBO)
	}
	if strings.Contains(strings.ToLower(info.Renderer), "llvmpipe") && !info.Software {
		t.Errorf("llvmpipe reported as hardware: %+v", info)
	}
}

func parseGLVersion(v string) (major, minor int, ok bool) {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0, 0, false
	}
	a, b, found := strings.Cut(f[0], ".")
	if !found {
		return 0, 0, false
	}
	b, _, _ = strings.Cut(b, ".")
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	return major, minor, err1 == nil && err2 == nil
}

func TestRegistered(t *testing.T) {
	found := false
	for _, n := range backend.Backends() {
		found = found || n == "gl"
	}
	if !found {
		t.Fatalf("gl not registered: %v", backend.Backends())
	}
}

// The child process of TestNoEGL: New with no EGL vendor library must
// return an error, neither panic nor hang.
const childEnv = "GLNN_GL_TEST_CHILD"

func childMain() int {
	d, err := New(backend.Options{Context: "egl"})
	if err == nil {
		d.Close()
		fmt.Println("CHILD: opened a device")
		return 0
	}
	fmt.Println("CHILD ERROR:", err)
	return 0
}

func TestNoEGL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "__EGL_VENDOR_LIBRARY_FILENAMES=/nonexistent")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("New hung without an EGL vendor library:\n%s", out)
	}
	if err != nil {
		t.Fatalf("child failed (%v):\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "CHILD ERROR: gl: no EGL context") {
		t.Fatalf("want New to fail with a clear error, got:\n%s", s)
	}
	line := s[strings.Index(s, "CHILD ERROR"):]
	t.Log(strings.TrimSpace(line))
	if strings.Count(strings.TrimSpace(line), "\n") > 0 {
		t.Errorf("error spans several lines:\n%s", line)
	}
}

func TestUnknownContext(t *testing.T) {
	_, err := New(backend.Options{Context: "vulkan"})
	if err == nil || !strings.Contains(err.Error(), "unknown GL context") {
		t.Fatalf("got %v", err)
	}
	if !glfwBuilt {
		_, err := New(backend.Options{Context: "glfw"})
		if err == nil || !strings.Contains(err.Error(), "-tags glfw") {
			t.Fatalf("Context glfw without the tag: got %v", err)
		}
	}
}

func TestShaderCompileError(t *testing.T) {
	d := device(t)
	var err error
	d.onThread(func() error {
		_, err = compileProgram("broken.comp", "MODE 7", "#version 430\nlayout(local_size_x = 1) in;\nvoid main() { undeclared = 1.0; }\n", nil, nil)
		return nil
	})
	if err == nil {
		t.Fatal("a broken shader compiled")
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{"broken.comp", "MODE 7", "undeclared"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines: %q", msg)
	}
}

// TestAllProgramsBuild builds every program of the table on the device's
// driver (the device itself builds each only when first needed).
func TestAllProgramsBuild(t *testing.T) {
	d := device(t)
	keys, specs := sortedSpecs()
	var slowest time.Duration
	var slow progKey
	d.onThread(func() error {
		for _, k := range keys {
			start := time.Now()
			p, err := buildProgram(specs[k])
			if err != nil {
				t.Errorf("%+v: %v", k, err)
				continue
			}
			gl.DeleteProgram(p.id)
			if e := time.Since(start); e > slowest {
				slowest, slow = e, k
			}
		}
		return nil
	})
	t.Logf("%d programs built; the slowest, %+v, in %v", len(keys), slow, slowest)
}

// TestDeferredError checks that a GL error raised by a queued command is
// reported by the next Sync, once.
func TestDeferredError(t *testing.T) {
	d := device(t)
	if err := d.Sync(); err != nil {
		t.Fatalf("Sync before: %v", err)
	}
	// No program (name 0) is bound: glDispatchCompute fails with
	// GL_INVALID_OPERATION.
	d.onThread(func() error {
		gl.UseProgram(0)
		gl.DispatchCompute(1, 1, 1)
		return nil
	})
	err := d.Sync()
	if err == nil || !strings.Contains(err.Error(), "INVALID_OPERATION") {
		t.Fatalf("Sync after a bad dispatch: %v", err)
	}
	t.Log(err)
	if err := d.Sync(); err != nil {
		t.Fatalf("the error was reported twice: %v", err)
	}
}

func upload(t *testing.T, d *Device, rows, cols int, v []float32) *backend.Tensor {
	t.Helper()
	x, err := d.Alloc(rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		d.Upload(x, v)
	}
	return x
}

func download(t *testing.T, d *Device, x *backend.Tensor) []float32 {
	t.Helper()
	out := make([]float32, x.Len())
	if err := d.Download(out, x); err != nil {
		t.Fatal(err)
	}
	return out
}

func randn(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// TestGatherBlocks lowers the storage-block limit so that Gather has to
// spread src over several blocks, for rows copied as floats (7 columns) and
// as vec4s (8); backendtest covers bad row numbers.
func TestGatherBlocks(t *testing.T) {
	d := device(t)
	saved := d.limits.maxSSBO
	defer func() { d.limits.maxSSBO = saved }()
	for _, cols := range []int{7, 8} {
		rows := 50
		src := make([]float32, rows*cols)
		for i := range src {
			src[i] = float32(i)
		}
		s := upload(t, d, rows, cols, src)
		idxv := []float32{0, 49, 16, 15, 33, 32, 48, 1, 17, 31}
		idx := upload(t, d, 1, len(idxv), idxv)
		dst := upload(t, d, 4, cols, nil)
		d.limits.maxSSBO = int64(max(16*cols*4, 4*d.limits.align)) // a few rows per block
		for off := 0; off+4 <= len(idxv); off += 3 {
			d.Gather(dst, s, idx, off)
			got := download(t, d, dst)
			for i := 0; i < 4; i++ {
				for j := 0; j < cols; j++ {
					if want := src[int(idxv[off+i])*cols+j]; got[i*cols+j] != want {
						t.Fatalf("%d columns, offset %d: dst[%d,%d] = %g, want %g", cols, off, i, j, got[i*cols+j], want)
					}
				}
			}
		}
		d.limits.maxSSBO = saved
		for _, x := range []*backend.Tensor{s, idx, dst} {
			d.Release(x)
		}
	}
}

// TestUploadReuse checks that Upload copies the caller's slice (small and
// large) before it returns.
func TestUploadReuse(t *testing.T) {
	d := device(t)
	for _, n := range []int{5, maxPooled + 3} {
		x := upload(t, d, 1, n, nil)
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(i % 1000)
		}
		d.Upload(x, src)
		for i := range src {
			src[i] = -1
		}
		got := download(t, d, x)
		for i := range got {
			if got[i] != float32(i%1000) {
				t.Fatalf("n=%d: element %d = %g after the caller reused its slice", n, i, got[i])
			}
		}
		d.Release(x)
	}
}

// TestSecondDevice checks that a second context, next to the shared
// test device, compiles its own programs and runs them (backendtest
// covers what Close frees and the rest of the lifecycle).
func TestSecondDevice(t *testing.T) {
	device(t)
	d, err := New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a := upload(t, d, 3, 3, []float32{1, -2, 3, -4, 5, -6, 7, -8, 9})
	b := upload(t, d, 3, 3, nil)
	d.Copy(b, a)
	d.Activate(b, b, backend.ReLU)
	want := []float32{1, 0, 3, 0, 5, 0, 7, 0, 9}
	if got := download(t, d, b); !slices.Equal(got, want) {
		t.Fatalf("second device computed %v, want %v", got, want)
	}
}

// TestEnqueueAllocs checks that enqueueing ops allocates nothing.
func TestEnqueueAllocs(t *testing.T) {
	d := device(t)
	x := upload(t, d, 8, 10, nil)
	y := upload(t, d, 8, 10, nil)
	b := upload(t, d, 1, 10, nil)
	w := upload(t, d, 10, 10, nil)
	s := upload(t, d, 1, 1, nil)
	u := upload(t, d, 8, 10, nil)
	g, m, v := upload(t, d, 10, 10, nil), upload(t, d, 10, 10, nil), upload(t, d, 10, 10, nil)
	defer func() {
		for _, t := range []*backend.Tensor{x, y, b, w, s, u, g, m, v} {
			d.Release(t)
		}
	}()
	allocs := testing.AllocsPerRun(20, func() {
		d.MatMul(y, x, w, backend.NoTrans, backend.NoTrans)
		d.AddBias(y, y, b, backend.ReLU)
		d.ActivationGrad(x, x, nil, y, backend.ReLU)
		d.SumRows(b, x)
		d.SoftmaxCrossEntropy(x, s, y, u)
		d.Adam(w, g, m, v, backend.AdamParams{LearningRate: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 3})
	})
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("enqueueing six ops allocates %v times", allocs)
	}
}
