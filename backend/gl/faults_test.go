//go:build cgo

package gl

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/nn"
	"github.com/go-gl/gl/v4.5-core/gl"
)

// faultDevice opens a device of its own for a fault test (a fault leaves
// a device unusable, so the shared one is not used), closing it at the
// end of the test if the test did not.
func faultDevice(t *testing.T, opts backend.Options) *Device {
	t.Helper()
	device(t)
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !d.tr.Closed() {
			d.Close()
		}
	})
	return d
}

// inject makes the device's driver report a fault from now on (see
// injected).
func inject(t *testing.T, d *Device, set func(*injected)) {
	t.Helper()
	if err := d.onThread(func() error { set(&d.w.inject); return nil }); err != nil {
		t.Fatal(err)
	}
}

// wantFault checks that err reports the device unusable, on one line,
// starting with prefix.
func wantFault(t *testing.T, what string, err error, prefix string) {
	t.Helper()
	switch {
	case !errors.Is(err, backend.ErrDeviceLost):
		t.Fatalf("%s: got %v, want an error wrapping backend.ErrDeviceLost", what, err)
	case !strings.HasPrefix(err.Error(), prefix):
		t.Errorf("%s: got %q, want it to start with %q", what, err, prefix)
	case strings.Contains(err.Error(), "\n"):
		t.Errorf("%s: the error spans several lines: %q", what, err)
	}
}

// checkUnusable checks a faulted device: Sync, Download and Alloc report
// the fault again, naming themselves; ops neither panic nor reach the GL
// (the trace sees no dispatch, barrier or buffer command); Close frees everything
// and returns nil, the fault having been reported.
func checkUnusable(t *testing.T, d *Device, x, y *backend.Tensor) {
	t.Helper()
	var traced int
	trace := func(e event) {
		if e.kind != evDelete { // Release still deletes
			traced++
		}
	}
	if err := d.onThread(func() error { d.w.trace = trace; return nil }); err != nil {
		t.Fatal(err)
	}
	d.Upload(x, make([]float32, x.Len()))
	d.Fill(x, 1)
	d.Activate(x, x, backend.ReLU)
	d.MatMul(y, x, x, backend.NoTrans, backend.NoTrans)
	d.Release(x)
	wantFault(t, "Sync after the fault", d.Sync(), "gl: Sync: after an earlier fault: ")
	if _, err := d.Alloc(2, 2); err == nil {
		t.Fatal("Alloc on a faulted device succeeded")
	} else {
		wantFault(t, "Alloc after the fault", err, "gl: Alloc: after an earlier fault: ")
	}
	if traced != 0 {
		t.Errorf("a faulted device issued %d GL commands", traced)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close of a faulted device: %v", err)
	}
	if n := d.LiveBuffers(); n != 0 {
		t.Errorf("%d tensors live after Close", n)
	}
}

// TestLostContext makes the driver report a GPU reset: Sync reports it
// once as the fault, and the device is unusable but safe.
func TestLostContext(t *testing.T) {
	d := faultDevice(t, backend.Options{})
	x, y := upload(t, d, 2, 2, []float32{1, 2, 3, 4}), upload(t, d, 2, 2, nil)
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	inject(t, d, func(f *injected) { f.reset = gl.GUILTY_CONTEXT_RESET })
	err := d.Sync()
	wantFault(t, "Sync", err, "gl: Sync: the GPU was reset and the OpenGL context lost (GL_GUILTY_CONTEXT_RESET")
	t.Log(err)
	got := []float32{-1, -1, -1, -1}
	wantFault(t, "Download", d.Download(got, x), "gl: Download: after an earlier fault: Sync: the GPU was reset")
	if got[0] != -1 {
		t.Errorf("Download on a lost context wrote %v", got)
	}
	checkUnusable(t, d, x, y)
}

// TestOutOfMemory makes the driver report GL_OUT_OF_MEMORY for a queued
// op: the next Download reports it as a fault.
func TestOutOfMemory(t *testing.T) {
	d := faultDevice(t, backend.Options{})
	x, y := upload(t, d, 2, 2, []float32{1, 2, 3, 4}), upload(t, d, 2, 2, nil)
	d.Activate(x, x, backend.Sigmoid)
	inject(t, d, func(f *injected) { f.glError = gl.OUT_OF_MEMORY })
	err := d.Download(make([]float32, 4), x)
	wantFault(t, "Download", err, "gl: Download: the GPU ran out of memory while running queued ops (GL_OUT_OF_MEMORY)")
	t.Log(err)
	checkUnusable(t, d, x, y)
}

// TestFenceTimeout gives the device a tiny time limit and a fence that
// never signals: Sync returns an error naming it in about that time, not
// an endless wait, and the device is unusable but safe.
func TestFenceTimeout(t *testing.T) {
	d := faultDevice(t, backend.Options{Timeout: 50 * time.Millisecond})
	x, y := upload(t, d, 2, 2, []float32{1, 2, 3, 4}), upload(t, d, 2, 2, nil)
	inject(t, d, func(f *injected) { f.slowFence = true })
	start := time.Now()
	err := d.Sync()
	took := time.Since(start)
	wantFault(t, "Sync", err, "gl: Sync: the GPU did not finish within 50ms")
	t.Logf("%v after %v", err, took)
	if took > 5*time.Second {
		t.Errorf("Sync took %v with a 50ms limit", took)
	}
	checkUnusable(t, d, x, y)
}

// TestStuckDriver makes a driver call block past the time limit (the
// worker stalls inside the fence): the caller stops waiting, Sync reports
// it, later calls return at once, ops are dropped instead of filling the
// queue, and Close returns; the worker closes the context once the call
// returns.
func TestStuckDriver(t *testing.T) {
	d := faultDevice(t, backend.Options{Timeout: 50 * time.Millisecond})
	x := upload(t, d, 2, 2, []float32{1, 2, 3, 4})
	const stall = 3 * time.Second
	inject(t, d, func(f *injected) { f.stall = stall })
	start := time.Now()
	err := d.Sync()
	wantFault(t, "Sync", err, "gl: Sync: the GPU did not finish within 50ms (the OpenGL driver has not returned for ")
	t.Logf("%v after %v", err, time.Since(start))
	for range 2000 { // more than the queue holds
		d.Fill(x, 2)
	}
	wantFault(t, "Download", d.Download(make([]float32, 4), x), "gl: Download: after an earlier fault: Sync: the GPU did not finish")
	if _, err := d.Alloc(1, 1); !errors.Is(err, backend.ErrDeviceLost) {
		t.Errorf("Alloc: %v", err)
	}
	closeErr := d.Close()
	if took := time.Since(start); took >= stall {
		t.Errorf("Sync, 2000 ops, Download, Alloc and Close took %v: they waited for the stuck driver", took)
	}
	t.Logf("Close: %v", closeErr)
	if closeErr == nil || !strings.Contains(closeErr.Error(), "left to it") {
		t.Errorf("Close while the driver is stuck: %v", closeErr)
	}
	select {
	case <-d.done:
	case <-time.After(stall + 10*time.Second):
		t.Fatal("the context's goroutine did not end once the driver returned")
	}
}

// TestStuckDriverReturns lets the stalled driver call return after the
// caller gave up on it: the late answer is not taken for a later call's,
// which still report the fault, and Close then closes normally.
func TestStuckDriverReturns(t *testing.T) {
	d := faultDevice(t, backend.Options{Timeout: 50 * time.Millisecond})
	x := upload(t, d, 2, 2, []float32{1, 2, 3, 4})
	const stall = 1300 * time.Millisecond
	inject(t, d, func(f *injected) { f.stall = stall })
	start := time.Now()
	wantFault(t, "Sync", d.Sync(), "gl: Sync: the GPU did not finish within 50ms")
	time.Sleep(stall + 200*time.Millisecond - time.Since(start)) // the Sync's late answer arrives
	got := []float32{-1, -1, -1, -1}
	wantFault(t, "Download after the late answer", d.Download(got, x), "gl: Download: after an earlier fault: ")
	if got[0] != -1 {
		t.Errorf("Download on a stuck device wrote %v", got)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close once the driver returned: %v", err)
	}
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the context's goroutine did not end")
	}
}

// TestFitFault injects a lost context and an out-of-memory error in the
// middle of nn.Fit on a GL device: Fit returns the device's error.
func TestFitFault(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault func(*injected)
		want  string
	}{
		{"lost context", func(f *injected) { f.reset = gl.INNOCENT_CONTEXT_RESET }, "GPU was reset"},
		{"out of memory", func(f *injected) { f.glError = gl.OUT_OF_MEMORY }, "GL_OUT_OF_MEMORY"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := faultDevice(t, backend.Options{})
			x, y := teacherData(256)
			m := nn.NewSequential(nn.Input(20), nn.Dense(16, "relu"), nn.Dense(5, "softmax"))
			if err := m.Compile(d, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
				t.Fatal(err)
			}
			defer m.Release()
			_, err := m.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 3, BatchSize: 32, OnBatch: func(p nn.Progress) {
				if p.Epoch == 2 && p.Step == 3 {
					inject(t, d, c.fault)
				}
			}})
			if !errors.Is(err, backend.ErrDeviceLost) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Fit: %v; want the device's fault", err)
			}
			t.Log(err)
		})
	}
}
