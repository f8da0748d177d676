package cpu_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// mustPanic runs f and checks that it panics with a message containing
// every one of want.
func mustPanic(t *testing.T, what string, f func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: did not panic", what)
			return
		}
		msg := fmt.Sprint(r)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: panic %q does not mention %q", what, msg, w)
			}
		}
	}()
	f()
}

func TestRegistered(t *testing.T) {
	d, err := backend.Open("cpu", backend.Options{Threads: 3})
	if err != nil {
		t.Fatalf("backend.Open(cpu): %v", err)
	}
	defer d.Close()
	info := d.Info()
	if info.Backend != "cpu" || info.Threads != 3 || info.Version != runtime.Version() || info.Software {
		t.Errorf("Info: %+v", info)
	}
	kernel := cpu.Kernels()[0] // the fastest
	if env := os.Getenv("GLNN_CPU_KERNEL"); env != "" {
		kernel = env
	}
	if want := "cpu (3 threads, " + runtime.GOARCH + ", " + kernel + ")"; info.Name != want {
		t.Errorf("Info().Name = %q, want %q", info.Name, want)
	}
	t.Logf("Info: %+v", info)
}

func TestNewOptions(t *testing.T) {
	d, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Info().Threads; got != runtime.GOMAXPROCS(0) {
		t.Errorf("default Threads = %d, want GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
	d.Close()
	if _, err := cpu.New(backend.Options{Threads: -1}); err == nil {
		t.Errorf("New with Threads -1: no error")
	}
}

func TestAllocRelease(t *testing.T) {
	d := open(t, 2)
	if _, err := d.Alloc(-1, 3); err == nil {
		t.Errorf("Alloc(-1, 3): no error")
	}
	x := backendtest.Upload(t, d, 4, 5, nil)
	v := x.View(2, 5)
	mustPanic(t, "Release of a view", func() { d.Release(v) }, "Release", "view")
	if d.LiveBuffers() != 1 {
		t.Errorf("LiveBuffers = %d after the failed Release of a view, want 1", d.LiveBuffers())
	}
	d.Release(x)
	mustPanic(t, "Release twice", func() { d.Release(x) }, "Release", "released")
	mustPanic(t, "Fill of a released tensor", func() { d.Fill(x, 1) }, "Fill", "released")
	mustPanic(t, "Fill of a view of a released tensor", func() { d.Fill(v, 1) }, "Fill", "released")
	mustPanic(t, "Release(nil)", func() { d.Release(nil) }, "Release")

	// A tensor of another device is refused.
	other := open(t, 1)
	y := backendtest.Upload(t, other, 2, 2, nil)
	z := backendtest.Upload(t, d, 2, 2, nil)
	mustPanic(t, "Copy from another device's tensor", func() { d.Copy(z, y) }, "Copy", "not allocated by this")
	mustPanic(t, "Release of another device's tensor", func() { d.Release(y) }, "Release", "not allocated by this")
	other.Release(y)
	d.Release(z)

	// Zero-sized tensors and views work.
	e := backendtest.Upload(t, d, 0, 7, nil)
	d.Fill(e, 1)
	d.Activate(backend.Softmax, e, e)
	d.Release(e)
}

func TestAliasing(t *testing.T) {
	d := open(t, 1)
	x := backendtest.Upload(t, d, 4, 4, nil)
	one := backendtest.Upload(t, d, 1, 1, nil)
	row := backendtest.Upload(t, d, 1, 4, nil)
	mustPanic(t, "Copy onto itself", func() { d.Copy(x, x) }, "Copy", "aliases")
	mustPanic(t, "SumRows into a view of src", func() { d.SumRows(x.View(1, 4), x, false) }, "SumRows", "aliases")
	mustPanic(t, "ActivationGrad dx = y", func() { d.ActivationGrad(backend.ReLU, x, x, x) }, "ActivationGrad", "aliases")
	y, m := backendtest.Upload(t, d, 4, 4, nil), backendtest.Upload(t, d, 4, 4, nil)
	mustPanic(t, "SoftmaxCrossEntropy dLogits = targets", func() { d.SoftmaxCrossEntropy(x, one, y, x) }, "SoftmaxCrossEntropy", "aliases")
	mustPanic(t, "SoftmaxCrossEntropy lossSum in logits", func() { d.SoftmaxCrossEntropy(x, y.View(1, 1), y, x) }, "SoftmaxCrossEntropy", "aliases")
	mustPanic(t, "Adam m = v", func() { d.Adam(x, y, m, m, 0.1, 0.9, 0.999, 1e-7, 1) }, "Adam", "aliases")
	mustPanic(t, "Gather index out of range", func() {
		idx := backendtest.Upload(t, d, 1, 1, []float32{4})
		defer d.Release(idx)
		d.Gather(row, x, idx, 0)
	}, "Gather", "indices[0]")
	mustPanic(t, "Gather index not whole", func() {
		idx := backendtest.Upload(t, d, 1, 1, []float32{1.5})
		defer d.Release(idx)
		d.Gather(row, x, idx, 0)
	}, "Gather", "1.5")
	release(d, x, y, m, one, row)
}

func TestClose(t *testing.T) {
	before := runtime.NumGoroutine()
	d, err := cpu.New(backend.Options{Threads: 4})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := d.Alloc(3, 3)
	v := x.View(1, 3)
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d.LiveBuffers() != 0 {
		t.Errorf("LiveBuffers after Close = %d", d.LiveBuffers())
	}
	mustPanic(t, "Fill after Close", func() { d.Fill(x, 1) }, "Fill")
	mustPanic(t, "Fill of a view after Close", func() { d.Fill(v, 1) }, "Fill", "released")
	if _, err := d.Alloc(1, 1); !errors.Is(err, cpu.ErrClosed) {
		t.Errorf("Alloc after Close: %v, want ErrClosed", err)
	}
	if err := d.Sync(); !errors.Is(err, cpu.ErrClosed) {
		t.Errorf("Sync after Close: %v, want ErrClosed", err)
	}
	if err := d.Close(); !errors.Is(err, cpu.ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	// The workers are gone.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before New", n, before)
	}
}
