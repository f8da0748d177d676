package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shortTargets makes the timed loops short for the duration of a test.
func shortTargets(t *testing.T) {
	g, o := gemmTarget, opTarget
	gemmTarget, opTarget = 5*time.Millisecond, 2*time.Millisecond
	t.Cleanup(func() { gemmTarget, opTarget = g, o })
}

// TestReport runs the whole benchmark in a tiny configuration on the cpu and
// on the gpu (when one opens; GLNN_REQUIRE_GPU=1 requires it), writing the
// Markdown to a file, the charts, and JSON to stdout, and checks all three.
func TestReport(t *testing.T) {
	shortTargets(t)
	dir := t.TempDir()
	md, chart := filepath.Join(dir, "bench.md"), filepath.Join(dir, "bench.png")
	args := []string{"-reps=1", "-train-samples=256", "-batches=32,8", "-gemm=7x5x3,16x16x16,9x4x6T",
		"-devices=cpu,gpu", "-out=" + md, "-chart=" + chart, "-json"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}

	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("-json output does not parse: %v\n%s", err, stdout.String())
	}
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
	if len(rep.Devices) != 2 || rep.Reps != 1 || len(rep.Shapes) != 3 || len(rep.Batches) != 2 {
		t.Errorf("report header: %d devices, reps %d, shapes %v, batches %v", len(rep.Devices), rep.Reps, rep.Shapes, rep.Batches)
	}
	for _, name := range devices {
		d := rep.device(name)
		if d.Error != "" {
			t.Errorf("%s: %s", name, d.Error)
		}
		if d.Info == nil || d.Info.Backend == "" {
			t.Errorf("%s: no device info", name)
		}
		if len(d.GEMM) != 3 || len(d.Ops) != len(opCases(nil)) || len(d.Train) != 2 {
			t.Fatalf("%s: %d GEMM, %d op, %d training results", name, len(d.GEMM), len(d.Ops), len(d.Train))
		}
		for _, g := range d.GEMM {
			if !(g.Seconds > 0 && g.GFLOPS > 0 && g.Iterations > 0) {
				t.Errorf("%s: GEMM %+v", name, g)
			}
		}
		if g := d.GEMM[2]; g.M != 9 || g.N != 4 || g.K != 6 || !g.TransA || g.TransB {
			t.Errorf("%s: GEMM 9x4x6T parsed as %+v", name, g)
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
	}

	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"# glnn backend benchmark", headDevices, headGEMM, headOps, headTrain, "GOMAXPROCS"} {
		if !strings.Contains(text, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	for _, name := range devices {
		if !strings.Contains(text, "| "+name+" | "+rep.device(name).Info.Backend+" |") {
			t.Errorf("Markdown lacks the device row of %s", name)
		}
		for _, s := range []string{"7x5x3", "16x16x16", "9x4x6T"} {
			if !strings.Contains(text, "| "+s+" | "+name+" |") {
				t.Errorf("Markdown lacks the GEMM row %s/%s", s, name)
			}
		}
		for _, oc := range opCases(nil) {
			if !strings.Contains(text, fmt.Sprintf("| %s | %s | %s |", oc.name, oc.shape, name)) {
				t.Errorf("Markdown lacks the op row %s/%s", oc.name, name)
			}
		}
		for _, batch := range []int{32, 8} {
			if !strings.Contains(text, fmt.Sprintf("| %d | %s | 256 |", batch, name)) {
				t.Errorf("Markdown lacks the training row %d/%s", batch, name)
			}
		}
	}
	if len(devices) == 2 && !strings.Contains(text, "gpu ÷ cpu") {
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
	args := []string{"-devices=cpu,gl", "-reps=1", "-train-samples=64", "-batches=16", "-gemm=4x4x4"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	text := stdout.String()
	for _, want := range []string{"| gpu | — | unavailable: ", "| 4x4x4 | cpu |", "| 16 | cpu | 64 |"} {
		if !strings.Contains(text, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "gpu ÷ cpu") || strings.Contains(text, "| 4x4x4 | gpu |") {
		t.Errorf("Markdown has gpu results:\n%s", text)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-reps=0"},
		{"-reps=x"},
		{"-devices=tpu"},
		{"-devices=,"},
		{"-batches=0"},
		{"-batches=32,x"},
		{"-batches="},
		{"-gemm=3x3"},
		{"-gemm=3x3x0"},
		{"-gemm=4x4x4Q"},
		{"-gemm="},
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

func TestParseShape(t *testing.T) {
	for in, want := range map[string]shape{
		"32x128x784":  {m: 32, n: 128, k: 784},
		"784x128x32T": {m: 784, n: 128, k: 32, transA: true},
		"784X128X32t": {m: 784, n: 128, k: 32, transA: true},
		"2×3×4TA":     {m: 2, n: 3, k: 4, transA: true},
		"2x3x4TB":     {m: 2, n: 3, k: 4, transB: true},
		"2x3x4TAB":    {m: 2, n: 3, k: 4, transA: true, transB: true},
	} {
		got, err := parseShape(in)
		if err != nil || got != want {
			t.Errorf("parseShape(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if s := (shape{m: 784, n: 128, k: 32, transA: true}).String(); s != "784x128x32T" {
		t.Errorf("String() = %q", s)
	}
	for _, in := range []string{"", "1x2", "1x2x3x4", "0x1x1", "-1x2x3", "axbxc", "1x2x3T T", "99999x1x1"} {
		if _, err := parseShape(in); err == nil {
			t.Errorf("parseShape(%q) accepted", in)
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
