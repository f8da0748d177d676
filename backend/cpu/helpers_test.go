package cpu_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/cpu"
)

// open returns a CPU device with the given number of threads (0: default),
// closed when the test ends.
func open(t testing.TB, threads int) *cpu.Device {
	t.Helper()
	return openKernel(t, threads, "")
}

// openKernel is open with Options.Kernel set to kernel ("" for the
// default).
func openKernel(t testing.TB, threads int, kernel string) *cpu.Device {
	t.Helper()
	d, err := cpu.New(backend.Options{Threads: threads, Kernel: kernel})
	if err != nil {
		t.Fatalf("cpu.New: %v", err)
	}
	t.Cleanup(func() {
		if n := d.LiveBuffers(); n != 0 {
			t.Errorf("%d buffers still live at the end of the test", n)
		}
		d.Close()
	})
	return d
}

// threadCounts are the worker counts the tests run with: inline only, two
// workers, and an odd number that does not divide the work evenly.
var threadCounts = []int{1, 2, 3}

func uniform(rng *rand.Rand, n int, lo, hi float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return out
}

func filled(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// near reports the elements of got that differ from want by more than
// tol·scale[i] (tol·max(|want[i]|, 1) when scale is nil).
func near(t testing.TB, what string, got []float32, want []float64, scale []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		s := math.Max(math.Abs(want[i]), 1)
		if scale != nil {
			s = scale[i]
		}
		err := math.Abs(float64(got[i]) - want[i])
		if !(err <= tol*s) {
			if bad < 5 {
				t.Errorf("%s: element %d: got %.9g want %.9g (|err| %.3g, allowed %.3g)", what, i, got[i], want[i], err, tol*s)
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d elements off in all", what, bad)
	}
}

func oneHot(rng *rand.Rand, r, c int) []float32 {
	out := make([]float32, r*c)
	for i := 0; i < r; i++ {
		out[i*c+rng.IntN(c)] = 1
	}
	return out
}
