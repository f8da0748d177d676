package backendtest

import (
	"flag"
	"math"
	"testing"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/benchcase"
	"github.com/glnn/glnn/backend/cpu"
)

// benchtime sets -test.benchtime for the rest of the test, so that
// testing.Benchmark runs a fixed, small number of calls.
func benchtime(t *testing.T, v string) {
	f := flag.Lookup("test.benchtime")
	if f == nil {
		t.Skip("no -test.benchtime flag")
	}
	old := f.Value.String()
	if err := f.Value.Set(v); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Value.Set(old) })
}

// timed is a cpu device with a fake benchcase.Timer that says every
// MatMul took exactly 1 µs of device time.
type timed struct {
	backend.Device
	matmuls int
}

func (d *timed) MatMul(c, a, b *backend.Tensor, tA, tB backend.Transpose) {
	d.matmuls++
	d.Device.MatMul(c, a, b, tA, tB)
}

func (d *timed) Timed(f func()) (gpu, wall time.Duration, err error) {
	n := d.matmuls
	f()
	t := time.Duration(d.matmuls-n) * time.Microsecond
	return t, t, nil
}

func openBenchCPU(t *testing.T) backend.Device {
	t.Helper()
	dev, err := cpu.New(backend.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := dev.LiveBuffers(); n != 0 {
			t.Errorf("%d buffers live after the benchmarks", n)
		}
		dev.Close()
	})
	return dev
}

// TestBenchmarkMetrics runs one round of a GEMM and a training step case
// and checks the reported metrics against the round's own count and time.
func TestBenchmarkMetrics(t *testing.T) {
	benchtime(t, "20x")
	dev := &timed{Device: openBenchCPU(t)}
	g := benchcase.GEMM{M: 16, N: 8, K: 4, TA: backend.Trans, TB: backend.NoTrans}
	s := &caseState{dev: dev}
	r := testing.Benchmark(func(b *testing.B) { s.measure(b, g.Case(), gemmMetric(g)) })
	s.release()
	if r.N != 20 {
		t.Fatalf("N = %d, want 20 (the benchmark failed?)", r.N)
	}
	want := g.Flops() * float64(r.N) / r.T.Seconds() / 1e9
	if got := r.Extra["GFLOP/s"]; math.Abs(got-want) > 1e-9*want {
		t.Errorf("GFLOP/s = %v, want 2·m·n·k·N/T = %v", got, want)
	}
	if got := r.Extra["device-ns/op"]; got != 1000 {
		t.Errorf("device-ns/op = %v, want 1000 (the fake timer's 1 µs per MatMul)", got)
	}
	if s.calls < 1+20+20 {
		t.Errorf("%d calls, want at least a warm-up, 20 timed and 20 device-timed", s.calls)
	}

	s = &caseState{dev: dev.Device}
	r = testing.Benchmark(func(b *testing.B) { s.measure(b, benchcase.TrainStep(128), trainMetric(128)) })
	s.release()
	perStep := r.T.Seconds() / float64(r.N)
	if got, want := r.Extra["s/epoch"], perStep*469; math.Abs(got-want) > 1e-9*want {
		t.Errorf("s/epoch = %v, want 469 steps × %v s", got, perStep)
	}
	if got, want := r.Extra["samples/s"], 128/perStep; math.Abs(got-want) > 1e-9*want {
		t.Errorf("samples/s = %v, want %v", got, want)
	}
	if _, ok := r.Extra["device-ns/op"]; ok {
		t.Error("device-ns/op reported for a device without a timer")
	}
}

// TestBenchmarkDrivers runs the drivers once per case on the cpu (GEMM and
// the training step on small sizes; benchcase's tests run all its cases)
// and checks that every sub-benchmark passes and gives its buffers back,
// and that a case that cannot be set up fails its sub-benchmark.
func TestBenchmarkDrivers(t *testing.T) {
	benchtime(t, "1x")
	dev := openBenchCPU(t)
	for name, f := range map[string]func(*testing.B) bool{
		"GEMM":      func(b *testing.B) bool { return benchGEMM(b, dev, benchcase.DenseGEMMs(4, 9, 5)) },
		"Ops":       func(b *testing.B) bool { return benchOps(b, dev) },
		"TrainStep": func(b *testing.B) bool { return benchTrainStep(b, dev, []int{8, 2000}) },
		"failing": func(b *testing.B) bool {
			bad := benchcase.Case{Name: "bad", Setup: func(a *benchcase.Arena) func(int) {
				a.Values(2, 2, nil) // the wrong number of values
				return func(int) { t.Error("the op of a case whose setup failed was called") }
			}}
			return !runCase(b, dev, bad, nil)
		},
	} {
		ok := false
		testing.Benchmark(func(b *testing.B) { ok = f(b) })
		if !ok {
			t.Errorf("%s: a sub-benchmark failed, or the failing case passed", name)
		}
	}
}
