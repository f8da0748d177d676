package backendtest

import (
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/benchcase"
)

// The go test benchmarks every backend shares. Each is one line in a
// backend's bench_test.go:
//
//	func BenchmarkGEMM(b *testing.B)      { backendtest.BenchmarkGEMM(b, open(b)) }
//	func BenchmarkOps(b *testing.B)       { backendtest.BenchmarkOps(b, open(b)) }
//	func BenchmarkTrainStep(b *testing.B) { backendtest.BenchmarkTrainStep(b, open(b)) }
//
// They run the cases of package benchcase under its names, one
// sub-benchmark per case ("BenchmarkGEMM/TN/m=784/n=128/k=32"), so that
// -bench patterns select them and benchstat compares them across backends
// and commits. Each sub-benchmark sets its case up once, calls the op once
// to warm it (a GL driver compiles shaders on first use), then times b.N
// calls followed by one Device.Sync: an asynchronous device is charged for
// all the work it queued, and the per-call time is that of an op inside a
// queued training step. A device that implements benchcase.Timer also
// reports device-ns/op, its own clock's time per call, from a second loop
// outside the timer.

// BenchmarkGEMM times MatMul on every shape of benchcase.GEMMs and reports
// GFLOP/s (2·m·n·k per product).
func BenchmarkGEMM(b *testing.B, dev backend.Device) { benchGEMM(b, dev, benchcase.GEMMs()) }

// benchGEMM runs the GEMM sub-benchmarks of shapes and reports whether all
// of them passed.
func benchGEMM(b *testing.B, dev backend.Device, shapes []benchcase.GEMM) bool {
	ok := true
	for _, g := range shapes {
		ok = runCase(b, dev, g.Case(), gemmMetric(g)) && ok
	}
	return ok
}

// BenchmarkOps times the per-op cases of benchcase.Ops: the other ops of a
// training step at the reference model's sizes.
func BenchmarkOps(b *testing.B, dev backend.Device) { benchOps(b, dev) }

// benchOps runs the per-op sub-benchmarks and reports whether all of them
// passed.
func benchOps(b *testing.B, dev backend.Device) bool {
	ok := true
	for _, c := range benchcase.Ops() {
		ok = runCase(b, dev, c, nil) && ok
	}
	return ok
}

// TrainBatches are the batch sizes of BenchmarkTrainStep.
var TrainBatches = []int{32, 128, 1024}

// BenchmarkTrainStep times benchcase.TrainStep, one training step of the
// reference MLP from raw device ops, at each of TrainBatches, and reports
// s/epoch, the time of a 60,000-sample epoch it implies, and samples/s.
func BenchmarkTrainStep(b *testing.B, dev backend.Device) { benchTrainStep(b, dev, TrainBatches) }

// benchTrainStep runs the training-step sub-benchmarks at batches and
// reports whether all of them passed.
func benchTrainStep(b *testing.B, dev backend.Device, batches []int) bool {
	ok := true
	for _, batch := range batches {
		ok = runCase(b, dev, benchcase.TrainStep(batch), trainMetric(batch)) && ok
	}
	return ok
}

// metric reports derived metrics from the mean seconds per call of a
// round of b.N calls.
type metric func(b *testing.B, secondsPerCall float64)

func gemmMetric(g benchcase.GEMM) metric {
	return func(b *testing.B, s float64) {
		b.ReportMetric(benchcase.GFLOPS(g.Flops(), s), "GFLOP/s")
	}
}

func trainMetric(batch int) metric {
	return func(b *testing.B, s float64) {
		b.ReportMetric(benchcase.EpochSeconds(s, batch), "s/epoch")
		b.ReportMetric(float64(batch)/s, "samples/s")
	}
}

// caseState is a case set up once for all the rounds go test runs it
// with growing b.N.
type caseState struct {
	dev   backend.Device
	arena *benchcase.Arena
	op    func(int)
	calls int // calls so far, so that Adam's step keeps counting
}

// runCase runs c as a sub-benchmark of b, setting it up on the first round
// only and releasing its tensors after the last. It reports whether the
// sub-benchmark passed.
func runCase(b *testing.B, dev backend.Device, c benchcase.Case, m metric) bool {
	b.Helper()
	s := &caseState{dev: dev}
	defer s.release()
	return b.Run(c.Name, func(b *testing.B) { s.measure(b, c, m) })
}

func (s *caseState) release() {
	if s.arena != nil {
		s.arena.Release()
	}
}

// measure is one round of a case: b.N calls and a Sync, timed.
func (s *caseState) measure(b *testing.B, c benchcase.Case, m metric) {
	b.Helper()
	if s.op == nil {
		s.arena = benchcase.NewArena(s.dev)
		op := c.Setup(s.arena)
		if err := s.arena.Err(); err != nil {
			b.Fatalf("%s: setting up: %v", c.Name, err)
		}
		s.op = op
		s.loop(1) // warm-up: shader compilation, first touch
		if err := s.dev.Sync(); err != nil {
			b.Fatalf("%s: warm-up: %v", c.Name, err)
		}
	}
	b.ResetTimer()
	s.loop(b.N)
	err := s.dev.Sync()
	b.StopTimer()
	if err != nil {
		b.Fatalf("%s: %v", c.Name, err)
	}
	perCall := b.Elapsed().Seconds() / float64(b.N)
	if m != nil {
		m(b, perCall)
	}
	if t, ok := s.dev.(benchcase.Timer); ok {
		d, _, err := t.Timed(func() { s.loop(b.N) })
		if err == nil {
			err = s.dev.Sync()
		}
		if err != nil {
			b.Fatalf("%s: timed by the device: %v", c.Name, err)
		}
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "device-ns/op")
	}
}

// loop queues n calls of the op.
func (s *caseState) loop(n int) {
	for range n {
		s.op(s.calls)
		s.calls++
	}
}
