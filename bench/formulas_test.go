package main

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/benchcase"
)

// The derived numbers are checked on fake timings with exact values, so a
// factor of two or an inverted ratio fails here rather than in a report.

func TestGEMMResult(t *testing.T) {
	g := benchcase.GEMM{M: 1000, N: 500, K: 2000, TA: backend.NoTrans, TB: backend.Trans}
	r := newGEMMResult(g, 0.25, 7)
	if r.GFLOPS != 8 {
		t.Errorf("2·1000·500·2000 flops in 0.25 s: %v GFLOP/s, want 8", r.GFLOPS)
	}
	if r.Shape != "NT/m=1000/n=500/k=2000" || r.M != 1000 || r.N != 500 || r.K != 2000 || r.TransA || !r.TransB || r.Seconds != 0.25 || r.Iterations != 7 {
		t.Errorf("result %+v", r)
	}
}

func TestTrainAndInferenceResults(t *testing.T) {
	tr := newTrainResult(32, 3000, 3, 1.5)
	if tr.SamplesPerSecond != 2000 || tr.FullEpochSeconds != 30 || tr.Batch != 32 || tr.Samples != 3000 || tr.Epochs != 3 || tr.Seconds != 1.5 {
		t.Errorf("3000 samples in 1.5 s: %+v, want 2000 samples/s and 30 s per 60000", tr)
	}
	in := newInferenceResult(1000, 10000, 5, 0.5)
	if in.SamplesPerSecond != 20000 || in.Batch != 1000 || in.Samples != 10000 || in.Reps != 5 {
		t.Errorf("10000 samples in 0.5 s: %+v, want 20000 samples/s", in)
	}
}

// fakeReport has a cpu, a gpu three times as fast at batch 32 in training
// and half as fast in inference, and a gonum row; GEMM GFLOP/s 10, 40
// and 20.
func fakeReport() *Report {
	cpuInfo, glInfo, gonumInfo := backend.Info{Backend: "cpu", Kernel: "go-2x4"}, backend.Info{Backend: "gl"}, backend.Info{Backend: "gonum"}
	shape := "NN/m=80/n=80/k=80"
	return &Report{
		Reps: 3, Shapes: []string{shape}, Batches: []int{32, 8}, InferBatch: 1000,
		Devices: []*DeviceResult{
			{
				Device: "cpu", Available: true, Info: &cpuInfo, TrainSamples: 3000,
				GEMM:      []GEMMResult{{Shape: shape, GFLOPS: 10}},
				Ops:       []OpResult{{Op: benchcase.Ops()[0].Name, Microseconds: 4.5}},
				Train:     []TrainResult{newTrainResult(32, 3000, 3, 3)},
				Inference: []InferenceResult{newInferenceResult(1000, 10000, 3, 5)},
			},
			{
				Device: "gpu", Available: true, Info: &glInfo, TrainSamples: 3000,
				GEMM:      []GEMMResult{{Shape: shape, GFLOPS: 40}},
				Ops:       []OpResult{{Op: benchcase.Ops()[0].Name, Microseconds: 80, TimerMicroseconds: 12.5}},
				Train:     []TrainResult{newTrainResult(32, 3000, 3, 1), newTrainResult(8, 3000, 3, 6)},
				Inference: []InferenceResult{newInferenceResult(1000, 10000, 3, 10)},
			},
			{Device: "gonum", Available: true, Info: &gonumInfo, GEMM: []GEMMResult{{Shape: shape, GFLOPS: 20}}},
		},
	}
}

func TestCompare(t *testing.T) {
	r := fakeReport()
	r.compare()
	if r.Baseline != "cpu" {
		t.Errorf("baseline %q, want cpu", r.Baseline)
	}
	for i, want := range []float64{0.25, 1, 0.5} {
		if got := r.Devices[i].GEMM[0].RatioToFastest; got != want {
			t.Errorf("%s: GEMM ratio to the fastest %v, want %v", r.Devices[i].Device, got, want)
		}
	}
	cpu, gpu := r.Devices[0], r.Devices[1]
	if cpu.Train[0].RatioVsCPU != nil || cpu.Inference[0].RatioVsCPU != nil {
		t.Error("the baseline has a ratio to itself")
	}
	if v := gpu.Train[0].RatioVsCPU; v == nil || *v != 3 {
		t.Errorf("gpu training ratio at batch 32: %v, want 3 (gpu samples/s ÷ cpu samples/s)", v)
	}
	if v := gpu.Train[1].RatioVsCPU; v != nil {
		t.Errorf("gpu training ratio at batch 8, which the cpu did not run: %v, want none", *v)
	}
	if v := gpu.Inference[0].RatioVsCPU; v == nil || *v != 0.5 {
		t.Errorf("gpu inference ratio: %v, want 0.5", v)
	}

	// Without a plain cpu row the first cpu row is the baseline.
	r = fakeReport()
	r.Devices[0].Device = "cpu/avx2"
	other := *r.Devices[0]
	other.Device = "cpu/go"
	other.Train = []TrainResult{{Batch: 32, SamplesPerSecond: 250}}
	other.Inference = nil
	r.Devices = append(r.Devices, &other)
	r.compare()
	if r.Baseline != "cpu/avx2" {
		t.Errorf("baseline %q, want cpu/avx2", r.Baseline)
	}
	if v := other.Train[0].RatioVsCPU; v == nil || *v != 0.25 {
		t.Errorf("cpu/go ratio %v, want 0.25", v)
	}
}

// TestMarkdownTables renders the fake report and looks for the cells the
// formulas give.
func TestMarkdownTables(t *testing.T) {
	r := fakeReport()
	r.compare()
	text := markdown(r, nil)
	for _, want := range []string{
		"| shape | where | MFLOP | cpu, GFLOP/s | gpu, GFLOP/s | gonum, GFLOP/s |",
		"| NN/m=80/n=80/k=80 | — | 1.02 | 10.0 (0.25×) | **40.0** (fastest) | 20.0 (0.50×) |",
		"| op | shape | cpu, µs | gpu, µs | gpu, device µs |",
		"| AddBias+ReLU | 32×128 | 4.50 | 80.0 | 12.5 |",
		"| ActivationGrad ReLU | 32×128 | — | — | — |",
		"| 32 | cpu | 3000 | 3.00 | 1000 | 60.0 | — |",
		"| 32 | gpu | 3000 | 1.00 | 3000 | 20.0 | 3 |",
		"| 8 | cpu | — | — | — | — | — |",
		"| 8 | gpu | 3000 | 6.00 | 500 | 120.0 | — |",
		"| cpu | 1000 | 10000 | 5.00 s | 2000 | — |",
		"| gpu | 1000 | 10000 | 10.0 s | 1000 | 0.5 |",
		"| go-2x4 |",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if strings.Contains(text, "| gonum, µs") || strings.Contains(text, "| 32 | gonum |") || strings.Contains(text, "| gonum | 1000 |") {
		t.Error("gonum appears outside the GEMM table")
	}
	if t.Failed() {
		t.Log(text)
	}
}

// counting is a device timer that says every call took 2 µs, and a sync
// that counts.
type counting struct{ calls, syncs int }

func (c *counting) Timed(f func()) (gpu, wall time.Duration, err error) {
	n := c.calls
	f()
	d := time.Duration(c.calls-n) * 2 * time.Microsecond
	return d, d, nil
}

func TestTimeOp(t *testing.T) {
	c := &counting{}
	sync := func() error { c.syncs++; return nil }
	got, err := timeOp(context.Background(), sync, c, 3, time.Millisecond, func(k int) {
		if k != c.calls {
			t.Fatalf("call %d received counter %d", c.calls, k)
		}
		c.calls++
		time.Sleep(20 * time.Microsecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.timer-2e-6) > 1e-18 {
		t.Errorf("device time per call %v, want 2 µs", got.timer)
	}
	if !(got.seconds >= 20e-6) || got.iters < 1 {
		t.Errorf("wall time per call %v over %d calls; each slept 20 µs", got.seconds, got.iters)
	}
	if c.calls < 1+6*got.iters || c.syncs < 1+3+3 {
		t.Errorf("%d calls and %d syncs for loops of %d: want a warm-up, 3 timed and 3 device-timed loops", c.calls, c.syncs, got.iters)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := timeOp(ctx, sync, nil, 1, time.Millisecond, func(int) {}); err == nil {
		t.Error("timeOp ran with a cancelled context")
	}
}

func TestKernelIs(t *testing.T) {
	for _, c := range []struct {
		got, want string
		ok        bool
	}{
		{"avx2", "avx2", true}, {"go-2x4", "go", true}, {"AVX512", "avx512", true},
		{"go-2x4", "avx2", false}, {"avx2", "avx", false}, {"avx2", "avx2-8x8", false}, {"", "go", false},
	} {
		if kernelIs(c.got, c.want) != c.ok {
			t.Errorf("kernelIs(%q, %q) = %v", c.got, c.want, !c.ok)
		}
	}
}

func TestParseDevices(t *testing.T) {
	names := func(specs []spec) string {
		var s []string
		for _, sp := range specs {
			s = append(s, sp.name)
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct{ devices, kernel, kernels, want string }{
		{"cpu,gpu,gonum", "", "", "cpu,gpu,gonum"},
		{"gl,cpu,gpu", "avx2", "", "gpu,cpu"},
		{"cpu,gonum", "", "all", "cpu/avx512,cpu/avx2,cpu/go,gonum"},
		{"cpu", "", "go, avx2,go", "cpu/go,cpu/avx2"},
	} {
		specs, err := parseDevices(c.devices, c.kernel, c.kernels)
		if err != nil || names(specs) != c.want {
			t.Errorf("parseDevices(%q, %q, %q) = %s, %v; want %s", c.devices, c.kernel, c.kernels, names(specs), err, c.want)
		}
	}
	specs, _ := parseDevices("cpu", "", "all")
	if specs[0].strict || specs[0].kernel != "avx512" || specs[0].backend != "cpu" {
		t.Errorf("-kernels all: %+v, want non-strict avx512 on the cpu backend", specs[0])
	}
	specs, _ = parseDevices("cpu", "avx2", "")
	if !specs[0].strict || specs[0].kernel != "avx2" || specs[0].name != "cpu" {
		t.Errorf("-kernel avx2: %+v, want a strict cpu row", specs[0])
	}
}

// TestBadKernel checks that a kernel the cpu backend does not run stops
// the run with one line and exit 1, before anything is measured (the
// context is already cancelled, so a measurement would say so instead).
func TestBadKernel(t *testing.T) {
	for _, args := range [][]string{{"-kernel=nosuch"}, {"-kernels=go,nosuch"}} {
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if code := run(ctx, append(args, "-devices=cpu"), &stdout, &stderr); code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "bench: ") || !strings.Contains(msg, "nosuch") {
			t.Errorf("%v: stderr %q, want one line naming the kernel", args, msg)
		}
		if stdout.Len() > 0 {
			t.Errorf("%v: stdout %q", args, stdout.String())
		}
	}
}

// TestGonumProduct checks that the gonum row multiplies what MatMul
// multiplies, in every transpose.
func TestGonumProduct(t *testing.T) {
	dev, err := backend.Open("cpu", backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	for _, op := range []string{"NN", "TN", "NT", "TT"} {
		g, err := benchcase.ParseGEMM(op + "/m=5/n=3/k=4")
		if err != nil {
			t.Fatal(err)
		}
		ar, ac := g.StoredA()
		br, bc := g.StoredB()
		a, b := make([]float32, ar*ac), make([]float32, br*bc)
		for i := range a {
			a[i] = float32(i%7) - 3
		}
		for i := range b {
			b[i] = float32(i%5) - 2
		}
		out := make([]float32, g.M*g.N)
		gonumProduct(g, a, b, out)()

		arena := benchcase.NewArena(dev)
		ta, tb, tc := arena.Values(ar, ac, a), arena.Values(br, bc, b), arena.Zeros(g.M, g.N)
		if err := arena.Err(); err != nil {
			t.Fatal(err)
		}
		dev.MatMul(tc, ta, tb, g.TA, g.TB)
		want := make([]float32, g.M*g.N)
		if err := dev.Download(want, tc); err != nil {
			t.Fatal(err)
		}
		arena.Release()
		for i := range want {
			if out[i] != want[i] { // small integers: exact in float32
				t.Errorf("%s: gonum gives %v, MatMul %v", g, out, want)
				break
			}
		}
	}
}
