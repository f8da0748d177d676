package cpu_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/glnn/glnn/backend"
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
	mustPanic(t, "Fill of a view after Close", func() { d.Fill(v, 1) }, "Fill", "closed")
	// The workers are gone (the rest of Close's contract is checked by
	// backendtest).
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before New", n, before)
	}
}
