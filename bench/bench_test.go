package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glnn/glnn/backend/benchcase"
)

// shortTargets makes the timed loops short for the duration of a test.
func shortTargets(t *testing.T) {
	g, o := gemmTarget, opTarget
	gemmTarget, opTarget = 5*time.Millisecond, 2*time.Millisecond
	t.Cleanup(func() { gemmTarget, opTarget = g, o })
}

// TestReport runs the whole benchmark in a tiny configuration on the cpu,
// on the gpu (when one opens; GLNN_REQUIRE_GPU=1 requires it) and with
// gonum, writing the Markdown to a file, the charts, and JSON to stdout,
// and checks all three.
func TestReport(t *testing.T) {
	shortTargets(t)
	dir := t.TempDir()
	md, chart := filepath.Join(dir, "bench.md"), filepath.Join(dir, "bench.png")
	shapes := []string{"NN/m=7/n=5/k=3", "NN/m=16/n=16/k=16", "TN/m=9/n=4/k=6"}
	args := []string{"-reps=1", "-train-samples=256", "-batches=32,8", "-gemm=" + strings.Join(shapes, ","),
		"-infer-samples=300", "-infer-batch=100", "-devices=cpu,gpu,gonum", "-out=" + md, "-chart=" + chart, "-json"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}

	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("-json output does not parse: %v\n%s", err, stdout.String())
	}
	checkJSONShape(t, stdout.Bytes())
	devices := []string{"cpu"}
	if gpu := rep.device("gpu"); gpu != nil {
		devices = append(devices, "gpu")
	} else if os.Getenv("GLNN_REQUIRE_GPU") == "1" {
		for _, d := range rep.Devices {
			if d.Device == "gpu" {
				t.Fatalf("GLNN_REQUIRE_GPU=1 but the gpu did not open: %s", d.Reason)
			}
		}
		t.Fatal("GLNN_REQUIRE_GPU=1 but the gpu is missing from the report")
	} else {
		t.Logf("gpu not measured (unavailable)")
	}
	if len(rep.Devices) != 3 || rep.Reps != 1 || !slices.Equal(rep.Shapes, shapes) || len(rep.Batches) != 2 || rep.InferBatch != 100 || rep.Baseline != "cpu" {
		t.Errorf("report header: %d devices, reps %d, shapes %v, batches %v, inference batch %d, baseline %q",
			len(rep.Devices), rep.Reps, rep.Shapes, rep.Batches, rep.InferBatch, rep.Baseline)
	}
	for _, name := range append(slices.Clone(devices), "gonum") {
		d := rep.device(name)
		if d == nil {
			t.Fatalf("%s missing", name)
		}
		if d.Error != "" {
			t.Errorf("%s: %s", name, d.Error)
		}
		if d.Info == nil || d.Info.Backend == "" {
			t.Errorf("%s: no device info", name)
		}
		if len(d.GEMM) != 3 {
			t.Fatalf("%s: %d GEMM results", name, len(d.GEMM))
		}
		for _, g := range d.GEMM {
			if !(g.Seconds > 0 && g.GFLOPS > 0 && g.Iterations > 0 && g.RatioToFastest > 0 && g.RatioToFastest <= 1) {
				t.Errorf("%s: GEMM %+v", name, g)
			}
		}
		if g := d.GEMM[2]; g.Shape != shapes[2] || g.M != 9 || g.N != 4 || g.K != 6 || !g.TransA || g.TransB {
			t.Errorf("%s: GEMM %s reported as %+v", name, shapes[2], g)
		}
		if name == "gonum" {
			if len(d.Ops)+len(d.Train)+len(d.Inference) > 0 {
				t.Errorf("gonum has more than GEMM results: %+v", d)
			}
			continue
		}
		if len(d.Ops) != len(benchcase.Ops()) || len(d.Train) != 2 || len(d.Inference) != 1 {
			t.Fatalf("%s: %d op, %d training, %d inference results", name, len(d.Ops), len(d.Train), len(d.Inference))
		}
		for _, o := range d.Ops {
			if !(o.Microseconds > 0) {
				t.Errorf("%s: op %+v", name, o)
			}
		}
		for _, tr := range d.Train {
			if tr.Samples != 256 || tr.Epochs != 1 || !(tr.Seconds > 0 && tr.SamplesPerSecond > 0 && tr.FullEpochSeconds > 0) {
				t.Errorf("%s: training %+v", name, tr)
			}
			if (name == "gpu") != (tr.RatioVsCPU != nil) {
				t.Errorf("%s: ratio %v", name, tr.RatioVsCPU)
			}
		}
		if in := d.Inference[0]; in.Batch != 100 || in.Samples != 300 || !(in.SamplesPerSecond > 0) || (name == "gpu") != (in.RatioVsCPU != nil) {
			t.Errorf("%s: inference %+v", name, in)
		}
	}
	for i := range shapes {
		best := 0.0
		for _, d := range rep.available() {
			best = max(best, d.GEMM[i].RatioToFastest)
		}
		if best != 1 {
			t.Errorf("%s: no device has ratio 1 to the fastest", shapes[i])
		}
	}

	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"# glnn backend benchmark", headDevices, headGEMM, headOps, headTrain, headInference, "GOMAXPROCS",
		"| gonum | gonum |", "gonum, GFLOP/s |", "(fastest)"} {
		if !strings.Contains(text, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	for _, s := range shapes {
		if !strings.Contains(text, "| "+s+" |") {
			t.Errorf("Markdown lacks the GEMM row %s", s)
		}
	}
	for _, oc := range benchcase.Ops() {
		if !strings.Contains(text, fmt.Sprintf("| %s | %s |", oc.Label, oc.Shape)) {
			t.Errorf("Markdown lacks the op row %s", oc.Name)
		}
	}
	for _, name := range devices {
		d := rep.device(name)
		if !strings.Contains(text, "| "+name+" | "+d.Info.Backend+" |") {
			t.Errorf("Markdown lacks the device row of %s", name)
		}
		for _, col := range []string{" " + name + ", GFLOP/s |", " " + name + ", µs |"} {
			if !strings.Contains(text, col) {
				t.Errorf("Markdown lacks the column %q", col)
			}
		}
		for _, batch := range []int{32, 8} {
			if !strings.Contains(text, fmt.Sprintf("| %d | %s | 256 |", batch, name)) {
				t.Errorf("Markdown lacks the training row %d/%s", batch, name)
			}
		}
		if !strings.Contains(text, fmt.Sprintf("| %s | 100 | 300 |", name)) {
			t.Errorf("Markdown lacks the inference row of %s", name)
		}
	}
	if len(devices) == 2 && !strings.Contains(text, "| gpu, device µs |") {
		t.Error("Markdown lacks the gpu's device-timer column")
	}
	if !strings.Contains(text, "| ÷ cpu |") {
		t.Error("Markdown lacks the ratio column")
	}
	if t.Failed() {
		t.Logf("Markdown:\n%s", text)
	}

	for _, p := range []string{chart, filepath.Join(dir, "bench-gemm.png")} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if r := img.Bounds(); r.Dx() < 200 || r.Dy() < 100 {
			t.Errorf("%s is %v", p, r)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".bench-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// checkJSONShape checks the keys that consumers of -json read, on the raw
// document: they must not move when the Go types change.
func checkJSONShape(t *testing.T, doc []byte) {
	t.Helper()
	var raw struct {
		Devices []map[string]json.RawMessage `json:"devices"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"gemm":      {"m", "n", "k", "trans_a", "trans_b", "gflops"},
		"train":     {"batch", "seconds", "samples_per_second"},
		"inference": {"batch", "samples_per_second"},
	}
	for _, d := range raw.Devices {
		var name string
		json.Unmarshal(d["device"], &name)
		for section, keys := range want {
			if name == "gonum" && section != "gemm" || d[section] == nil {
				if name == "cpu" {
					t.Errorf("cpu: no %s[] in the JSON", section)
				}
				continue
			}
			var entries []map[string]any
			if err := json.Unmarshal(d[section], &entries); err != nil || len(entries) == 0 {
				t.Errorf("%s: %s is not a non-empty array: %v", name, section, err)
				continue
			}
			for _, k := range keys {
				if _, ok := entries[0][k]; !ok {
					t.Errorf("%s: %s[0] lacks %q", name, section, k)
				}
			}
		}
	}
}

// TestUnavailableDevice makes the gpu fail to open (an unknown GL context
// kind): with the cpu beside it that is a row in the report, alone it is an
// error.
func TestUnavailableDevice(t *testing.T) {
	shortTargets(t)
	t.Setenv("GLNN_GL_CONTEXT", "none")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-devices=gpu"}, &stdout, &stderr); code != 1 {
		t.Fatalf("-devices=gpu with no gpu: exit %d, want 1; stderr:\n%s", code, stderr.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "bench: no device could be opened") || !strings.HasSuffix(msg, ")\n") {
		t.Errorf("stderr: %q", msg)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %q", stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	args := []string{"-devices=cpu,gl", "-reps=1", "-train-samples=64", "-batches=16", "-gemm=NN/m=4/n=4/k=4", "-infer-samples=50", "-infer-batch=25"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	text := stdout.String()
	for _, want := range []string{"| gpu | — | unavailable: ", "| NN/m=4/n=4/k=4 |", "| cpu, GFLOP/s |", "| 16 | cpu | 64 |", "| cpu | 25 | 50 |"} {
		if !strings.Contains(text, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"gpu, GFLOP/s", "gpu, µs", "| 16 | gpu |", "| gpu | 25 |"} {
		if strings.Contains(text, bad) {
			t.Errorf("Markdown has gpu results (%q):\n%s", bad, text)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-reps=0"},
		{"-reps=x"},
		{"-devices=tpu"},
		{"-devices=cpu,blas"},
		{"-devices=,"},
		{"-batches=0"},
		{"-batches=32,x"},
		{"-batches="},
		{"-gemm=3x3"},
		{"-gemm=32x128x784"},
		{"-gemm=NN/m=1/n=1"},
		{"-gemm=NN/m=1/n=1/k=0"},
		{"-gemm=NQ/m=1/n=1/k=1"},
		{"-gemm="},
		{"-kernel=avx2", "-kernels=all"},
		{"-kernel=all"},
		{"-kernels=,"},
		{"-devices=gpu", "-kernel=go"},
		{"-devices=gonum", "-kernels=all"},
		{"-infer-batch=0"},
		{"-infer-batch=10001"},
		{"-infer-samples=0"},
		{"-infer-samples=10001"},
		{"-train-samples=-1"},
		{"-train-samples=60001"},
		{"-chart=bench.gif"},
		{"-chart=bench"},
		{"-out=b.png", "-chart=b.png"},
		{"-nosuchflag"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if stderr.Len() == 0 {
			t.Errorf("%v: nothing on stderr", args)
		}
		if strings.Contains(stderr.String(), "goroutine ") {
			t.Errorf("%v: panic trace:\n%s", args, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "-train-samples") {
		t.Errorf("-h does not list the flags:\n%s", stderr.String())
	}
}

// TestUnwritableOutput checks that an output that cannot be written fails
// with one line and exit 1 before anything is measured.
func TestUnwritableOutput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-out=" + filepath.Join(dir, "missing", "bench.md")},
		{"-out=" + filepath.Join(file, "bench.md")},
		{"-out=" + dir},
		{"-chart=" + filepath.Join(dir, "missing", "bench.png")},
	} {
		var stdout, stderr bytes.Buffer
		// With the context already cancelled, a measurement that ran
		// before the output check would fail with "context canceled"
		// instead of "cannot write".
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		code := run(ctx, args, &stdout, &stderr)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "bench: cannot write ") {
			t.Errorf("%v: stderr %q, want one line", args, msg)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{9, 1, 1, 1, 9}, 1},
	} {
		in := append([]float64(nil), c.in...)
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Errorf("median reordered its argument")
			}
		}
	}
}

func TestFormat(t *testing.T) {
	for in, want := range map[float64]string{
		2.5: "2.50 s", 0.0123: "12.3 ms", 4.12e-5: "41.2 µs", 6.15e-7: "615 ns", 1.5e-4: "150 µs",
	} {
		if got := formatDuration(in); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", in, got, want)
		}
	}
	if got := gemmChartPath("out/bench.png"); got != "out/bench-gemm.png" {
		t.Errorf("gemmChartPath = %q", got)
	}
}

// TestKernelsAll measures the cpu once per kernel in a tiny configuration:
// every kernel is a row, measured under its own kernel or unavailable with
// a reason, and the portable one is always there.
func TestKernelsAll(t *testing.T) {
	shortTargets(t)
	args := []string{"-kernels=all", "-devices=cpu", "-reps=1", "-train-samples=64", "-batches=16",
		"-gemm=NN/m=4/n=4/k=4", "-infer-samples=50", "-infer-batch=25", "-json"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Devices) != len(cpuKernels) {
		t.Fatalf("%d rows, want one per kernel %v", len(rep.Devices), cpuKernels)
	}
	first := ""
	for i, d := range rep.Devices {
		k := cpuKernels[i]
		switch {
		case d.Device != "cpu/"+k:
			t.Errorf("row %d is %q, want cpu/%s", i, d.Device, k)
		case !d.Available && (d.Reason == "" || k == "go"):
			t.Errorf("%s unavailable: %q", d.Device, d.Reason)
		case d.Available && (!kernelIs(d.Info.Kernel, k) || len(d.GEMM) != 1 || len(d.Train) != 1 || len(d.Inference) != 1):
			t.Errorf("%s: kernel %q, %d GEMM, %d training, %d inference results", d.Device, d.Info.Kernel, len(d.GEMM), len(d.Train), len(d.Inference))
		case d.Available && first == "":
			first = d.Device
		case d.Available && d.Train[0].RatioVsCPU == nil:
			t.Errorf("%s has no ratio to %s", d.Device, first)
		}
	}
	if rep.Baseline != first {
		t.Errorf("baseline %q, want the first available row %q", rep.Baseline, first)
	}
}
