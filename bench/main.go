// Command bench compares glnn's compute backends side by side: the pure-Go
// CPU backend ("cpu"), the OpenGL compute-shader backend ("gpu"), and, for
// matrix products, gonum's pure-Go float32 GEMM ("gonum"), which is what Go
// programs use today.
//
// Usage:
//
//	go run ./bench                       # cpu, gpu and gonum, Markdown on stdout
//	go run ./bench -kernels all          # one cpu row per GEMM micro-kernel
//	go run ./bench -chart bench.png      # plus bar charts (bench.png, bench-gemm.png)
//	go run ./bench -out BENCH.md -json   # Markdown to a file, JSON on stdout
//
// The workloads and their names come from package backend/benchcase, which
// the go test benchmarks (backendtest.BenchmarkGEMM and its siblings) run
// too, so the numbers of both can be compared name by name.
//
// For every row it measures, in this order:
//
//  1. GEMM: MatMul on each -gemm shape, named as in benchcase
//     ("TN/m=784/n=128/k=32": C = op(A)·op(B), op(A) m×k, op(B) k×n, T
//     marking a transposed operand): by default the three products of both
//     Dense layers of the reference model (forward X·W, weight gradient
//     Xᵀ·dY, input gradient dY·Wᵀ) at batch 32 and 128, then 256³, 512³ and
//     1024³ (NN, TN, NT). It reports the median time per product, GFLOP/s =
//     2·m·n·k / time, and each device's ratio to the fastest on the shape.
//     The gonum row runs gonum.org/v1/gonum/blas/gonum's
//     Implementation.Sgemm on the same shapes and transposes, timed the
//     same way, and nothing else;
//  2. per-op timings, in µs per call, of benchcase.Ops at the reference
//     model's sizes (batch 32): AddBias+ReLU, ActivationGrad ReLU, Activate
//     softmax, SoftmaxCrossEntropy, CountCorrect, SumRows, Gather of 32
//     rows from a 60000×784 source, and Adam over all 101,770 parameters
//     in one tensor;
//  3. end-to-end training: the reference model (Flatten(28×28) →
//     Dense(128, ReLU) → Dense(10, softmax), Adam 0.001, categorical
//     cross-entropy) trained for one epoch on the first -train-samples MNIST
//     training images at each -batches size, as seconds per epoch, samples/s,
//     the projected time of a full 60000-sample epoch and the throughput
//     ratio to the cpu;
//  4. inference: Predict of the reference model on the first
//     -infer-samples MNIST test images (all 10,000 by default) at batch
//     -infer-batch (1000 by default), uploads and downloads included, as
//     samples/s (the median of -reps runs) and the ratio to the cpu.
//
// Every measurement is warmed up first (a GL driver may compile shaders on
// first use), then repeated -reps times; the report gives the median. Ops are
// timed as a loop of calls followed by one Device.Sync, so an asynchronous
// backend is charged for all the work it queued, and the loop is long enough
// (about 0.1 s for GEMM, 30 ms for the other ops) to hide the timer's
// resolution. An end-to-end measurement is the median of min(reps, 3) epochs
// (nn.Epoch.Seconds, which leaves out evaluation and the data upload).
//
// # Device timer
//
// A device that implements benchcase.Timer,
//
//	interface{ Timed(f func()) (gpu, wall time.Duration, err error) }
//
// (the GL backend, through GL_TIME_ELAPSED queries) has each per-op loop
// timed a second time by its own clock: the "device µs" column beside the
// wall-clock one, which leaves out launch and synchronisation costs. For a
// device without the method the column is empty (and timer_microseconds
// absent from the JSON).
//
// # CPU kernels
//
// -kernel NAME opens the cpu with backend.Options{Kernel: NAME} ("avx512",
// "avx2" or "go"; by default the fastest the CPU has, or
// $GLNN_CPU_KERNEL), and the report names the kernel the device says it
// runs (backend.Info.Kernel). -kernels all measures every kernel, each as
// its own row (cpu/avx512, cpu/avx2, cpu/go) through all four sections;
// -kernels avx2,go measures the ones named. A kernel named by -kernel or
// in a -kernels list that the cpu backend rejects (unknown, or not
// supported by this CPU), or that it does not actually select, stops the
// run before anything is measured; under -kernels all such a kernel is
// reported as unavailable. The ratio columns then divide by the first cpu
// row.
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
// # Output
//
// Markdown (the default): a devices table (with each cpu's kernel); a GEMM
// table with one row per shape and one column per device, each cell the
// GFLOP/s and its ratio to the fastest; a per-op table with a µs column
// per device and a device-timer column per GL device; an end-to-end table
// and an inference table, both with the ratio to the cpu. -json writes the
// same results as one document: devices[] each with gemm[] (shape, m, n,
// k, trans_a, trans_b, seconds, gflops, ratio_to_fastest), ops[],
// train[] (batch, seconds, samples_per_second, full_epoch_seconds,
// ratio_vs_cpu…) and inference[] (batch, samples, samples_per_second,
// ratio_vs_cpu); the gonum row is a device entry with gemm[] only.
//
// Flags:
//
//	-devices cpu,gpu,gonum  rows to measure (cpu, gpu, gonum; gl is an alias
//	                        of gpu)
//	-kernel NAME            the cpu's GEMM micro-kernel: avx512, avx2, go
//	-kernels LIST|all       one cpu row per kernel (not with -kernel)
//	-reps 5                 repetitions per measurement (the median is
//	                        reported)
//	-gemm all|NAMES         GEMM shapes: all (the benchcase table), or
//	                        comma-separated names like NN/m=32/n=128/k=784
//	-train-samples N        training samples per end-to-end epoch (default
//	                        60000, or 3000 on a software-renderer GL device)
//	-batches 32,128,1024    batch sizes for the end-to-end runs
//	-infer-batch 1000       batch size of the inference runs
//	-infer-samples 10000    MNIST test images per inference run
//	-out FILE               also write the Markdown report to FILE
//	-chart FILE.png         write a bar chart of end-to-end samples/s to
//	                        FILE.png and one of GEMM GFLOP/s to FILE-gemm.png
//	-json                   write the results as JSON to stdout instead of
//	                        Markdown
//	-data DIR               directory with the MNIST IDX files (default:
//	                        found automatically, as by cmd/train)
//
// Progress goes to stderr. Exit status: 0 on success, 1 on an error (one
// line on stderr: no device could be opened, a named cpu kernel could not
// be had, a measurement failed, an output file could not be written), 2 on
// bad flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
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

	if err := probeKernels(c.specs); err != nil {
		return err
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
