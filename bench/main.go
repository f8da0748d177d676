// Command bench compares glnn's compute backends side by side: the pure-Go
// CPU backend and the OpenGL compute-shader backend ("gpu").
//
// Usage:
//
//	go run ./bench                       # cpu and gpu, Markdown on stdout
//	go run ./bench -chart bench.png      # plus bar charts (bench.png, bench-gemm.png)
//	go run ./bench -out BENCH.md -json   # Markdown to a file, JSON on stdout
//
// For every device named by -devices it measures, in this order:
//
//  1. GEMM: MatMul on each -gemm shape (m×n×k; a T suffix transposes A, as
//     in the weight gradient Xᵀ·dY; TB transposes B, as in dY·Wᵀ), as the
//     median time per product and GFLOP/s = 2·m·n·k / t;
//  2. per-op timings, in µs: AddBias+ReLU, ActivationGrad(ReLU),
//     SoftmaxCrossEntropy, SumRows, Gather from a 60000×784 source and Adam,
//     at the sizes of the reference MNIST model at batch 32;
//  3. end-to-end training: the reference model (Flatten(28×28) →
//     Dense(128, ReLU) → Dense(10, softmax), Adam 0.001, categorical
//     cross-entropy) trained for one epoch on the first -train-samples MNIST
//     training images at each -batches size, as seconds per epoch, samples/s,
//     the projected time of a full 60000-sample epoch and the gpu ÷ cpu
//     throughput ratio.
//
// Every measurement is warmed up first (a GL driver may compile shaders on
// first use), then repeated -reps times; the report gives the median. Ops are
// timed as a loop of calls followed by one Device.Sync, so an asynchronous
// backend is charged for all the work it queued, and the loop is long enough
// (about 0.1 s for GEMM, 30 ms for the other ops) to hide the timer's
// resolution. An end-to-end measurement is the median of min(reps, 3) epochs
// (nn.Epoch.Seconds, which leaves out evaluation and the data upload).
//
// A device that cannot be opened (no GL driver, a cgo-free build) is
// reported as unavailable with the reason; that is not a failure unless no
// device at all could be opened. On a software renderer (Mesa llvmpipe) the
// GL end-to-end runs default to 3000 samples, since each dispatch costs tens
// of microseconds there.
//
// Timings on shared or virtual machines are noisy: compare devices within
// one run, look at medians rather than single numbers, and repeat a run
// before trusting a difference of a few percent.
//
// Flags:
//
//	-devices cpu,gpu    devices to compare (cpu, gpu; gl is an alias of gpu)
//	-reps 5             repetitions per measurement (the median is reported)
//	-train-samples N    training samples per end-to-end epoch (default 60000,
//	                    or 3000 on a software-renderer GL device)
//	-batches 32,128     batch sizes for the end-to-end runs
//	-gemm SHAPES        GEMM shapes, comma-separated (default
//	                    32x128x784,784x128x32T,128x128x784,256x256x256,512x512x512)
//	-out FILE           also write the Markdown report to FILE
//	-chart FILE.png     write a bar chart of end-to-end samples/s to FILE.png
//	                    and one of GEMM GFLOP/s to FILE-gemm.png
//	-json               write the results as JSON to stdout instead of Markdown
//	-data DIR           directory with the MNIST IDX files (default: found
//	                    automatically, as by cmd/train)
//
// Progress goes to stderr. Exit status: 0 on success, 1 on an error (one
// line on stderr: no device could be opened, a measurement failed, an output
// file could not be written), 2 on bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/glnn/glnn/backend/cpu" // registers "cpu"
	_ "github.com/glnn/glnn/backend/gl"  // registers "gl" (an error without cgo)
	"github.com/glnn/glnn/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Defaults of the flags.
const (
	defaultDevices = "cpu,gpu"
	defaultBatches = "32,128"
	defaultGEMM    = "32x128x784,784x128x32T,128x128x784,256x256x256,512x512x512"
	// fullEpoch is the size of the MNIST training set, the default number of
	// end-to-end samples and the basis of the projected epoch time.
	fullEpoch = 60000
	// softwareSamples is the default for a software-renderer GL device.
	softwareSamples = 3000
)

// config is the parsed command line.
type config struct {
	devices      []string // "cpu", "gpu"
	reps         int
	trainSamples int // 0: per-device default
	batches      []int
	shapes       []shape
	out          string
	chart        string
	json         bool
	data         string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	devices := fs.String("devices", defaultDevices, "devices to compare, comma-separated: cpu, gpu (gl is an alias of gpu)")
	fs.IntVar(&c.reps, "reps", 5, "repetitions per measurement; the median is reported")
	fs.IntVar(&c.trainSamples, "train-samples", 0, fmt.Sprintf("MNIST training samples per end-to-end epoch (0: %d, or %d on a software-renderer GL device)", fullEpoch, softwareSamples))
	batches := fs.String("batches", defaultBatches, "batch sizes for the end-to-end runs, comma-separated")
	gemm := fs.String("gemm", defaultGEMM, "GEMM shapes m×n×k, comma-separated; suffix T transposes A, TB transposes B, TAB both")
	fs.StringVar(&c.out, "out", "", "also write the Markdown report to this file")
	fs.StringVar(&c.chart, "chart", "", "write a bar chart of end-to-end samples/s to this image file (.png, .svg, .pdf, .jpg…), and one of GEMM GFLOP/s beside it (NAME-gemm.EXT)")
	fs.BoolVar(&c.json, "json", false, "write the results as JSON to stdout instead of Markdown")
	fs.StringVar(&c.data, "data", "", "directory holding the MNIST IDX files (default: found automatically)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench [flags]\n\nCompares glnn's backends: GEMM GFLOP/s, per-op timings and end-to-end MNIST training.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, cli.Usagef("unexpected argument %q", fs.Arg(0))
	}

	seen := map[string]bool{}
	for _, f := range strings.Split(*devices, ",") {
		name := strings.ToLower(strings.TrimSpace(f))
		switch name {
		case "":
			continue
		case "gl":
			name = "gpu"
		case "cpu", "gpu":
		default:
			return nil, cli.Usagef("-devices=%s: unknown device %q (want cpu, gpu)", *devices, f)
		}
		if !seen[name] {
			seen[name] = true
			c.devices = append(c.devices, name)
		}
	}
	if len(c.devices) == 0 {
		return nil, cli.Usagef("-devices=%s: name at least one device (cpu, gpu)", *devices)
	}
	if c.reps < 1 {
		return nil, cli.Usagef("-reps=%d: want at least 1", c.reps)
	}
	if c.trainSamples < 0 || c.trainSamples > fullEpoch {
		return nil, cli.Usagef("-train-samples=%d: want 1 to %d (0 for the default)", c.trainSamples, fullEpoch)
	}
	for _, f := range strings.Split(*batches, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > fullEpoch {
			return nil, cli.Usagef("-batches=%s: want batch sizes from 1 to %d separated by commas, like 32,128", *batches, fullEpoch)
		}
		c.batches = append(c.batches, n)
	}
	if len(c.batches) == 0 {
		return nil, cli.Usagef("-batches=%s: name at least one batch size", *batches)
	}
	for _, f := range strings.Split(*gemm, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		s, err := parseShape(f)
		if err != nil {
			return nil, cli.Usagef("-gemm=%s: %v", *gemm, err)
		}
		c.shapes = append(c.shapes, s)
	}
	if len(c.shapes) == 0 {
		return nil, cli.Usagef("-gemm=%s: name at least one shape, like 256x256x256", *gemm)
	}
	if c.chart != "" && !chartFormat(c.chart) {
		return nil, cli.Usagef("-chart=%s: want a file name ending in .png, .svg, .pdf, .jpg, .jpeg, .eps, .tif or .tiff", c.chart)
	}
	if c.out != "" && c.chart != "" {
		if same(c.out, c.chart) || same(c.out, gemmChartPath(c.chart)) {
			return nil, cli.Usagef("-out=%s and -chart=%s would write the same file", c.out, c.chart)
		}
	}
	return c, nil
}

// same reports whether two paths name the same file, as far as their text
// says.
func same(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// parseShape reads "MxNxK" with an optional suffix: T or TA (transpose A),
// TB (transpose B) or TAB (both). × may stand for x.
func parseShape(s string) (shape, error) {
	spec := strings.ReplaceAll(strings.ToLower(s), "×", "x")
	var sh shape
	switch {
	case strings.HasSuffix(spec, "tab"):
		sh.transA, sh.transB, spec = true, true, strings.TrimSuffix(spec, "tab")
	case strings.HasSuffix(spec, "tb"):
		sh.transB, spec = true, strings.TrimSuffix(spec, "tb")
	case strings.HasSuffix(spec, "ta"):
		sh.transA, spec = true, strings.TrimSuffix(spec, "ta")
	case strings.HasSuffix(spec, "t"):
		sh.transA, spec = true, strings.TrimSuffix(spec, "t")
	}
	parts := strings.Split(spec, "x")
	if len(parts) != 3 {
		return shape{}, fmt.Errorf("shape %q: want MxNxK (op(A) is M×K, op(B) K×N), optionally followed by T (transpose A), TB or TAB", s)
	}
	var dims [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1<<15 {
			return shape{}, fmt.Errorf("shape %q: dimension %q is not a whole number from 1 to 32768", s, p)
		}
		dims[i] = n
	}
	sh.m, sh.n, sh.k = dims[0], dims[1], dims[2]
	return sh, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if code, ok := cli.FlagExit("bench", err, stderr); !ok {
		return code
	}
	if err := bench(ctx, c, stdout, stderr); err != nil {
		return cli.Fail("bench", err, stderr)
	}
	return cli.ExitOK
}

// bench measures, reports and writes the output files.
func bench(ctx context.Context, c *config, stdout, stderr io.Writer) error {
	// Find out before the long measurements whether the outputs can be
	// written at all.
	outputs := []string{c.out}
	if c.chart != "" {
		outputs = append(outputs, c.chart, gemmChartPath(c.chart))
	}
	for _, p := range outputs {
		if err := checkWritable(p); err != nil {
			return err
		}
	}

	rep, err := measureAll(ctx, c, stderr)
	if err != nil {
		return err
	}
	md := markdown(rep, c)
	if c.json {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else if _, err := io.WriteString(stdout, md); err != nil {
		return err
	}
	if c.out != "" {
		if err := writeFile(c.out, []byte(md)); err != nil {
			return err
		}
	}
	if c.chart != "" {
		if err := writeCharts(rep, c.chart); err != nil {
			return err
		}
	}
	if failed := rep.failures(); len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// checkWritable fails early when path cannot be created: its directory does
// not exist, or path is a directory.
func checkWritable(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot write %s: it is a directory", path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("cannot write %s: %s is not a directory", path, dir)
	}
	f, err := os.CreateTemp(dir, ".bench-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// writeFile writes data to path through a temporary file in the same
// directory, so a reader never sees half a report.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".bench-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	return nil
}
