package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/glnn/glnn/backend/benchcase"
	"github.com/glnn/glnn/internal/cli"
)

// Defaults of the flags.
const (
	defaultDevices = "cpu,gpu,gonum"
	defaultBatches = "32,128,1024"
	defaultInfer   = 1000
	// softwareSamples is the default number of end-to-end training samples
	// on a software-renderer GL device.
	softwareSamples = 3000
)

// cpuKernels are the CPU backend's GEMM micro-kernels that -kernels all
// measures, fastest first.
var cpuKernels = []string{"avx512", "avx2", "go"}

// spec is one row of the report, as the flags ask for it.
type spec struct {
	name    string // "cpu", "cpu/avx2", "gpu" or "gonum"
	backend string // registry name, "cpu" or "gl"; "gonum" for gonum's Sgemm
	kernel  string // the cpu's backend.Options.Kernel
	// strict: the kernel was named, so failing to get it is an error;
	// otherwise (-kernels all) it makes the row unavailable.
	strict bool
}

// config is the parsed command line.
type config struct {
	specs        []spec
	reps         int
	trainSamples int // 0: per-device default
	batches      []int
	shapes       []benchcase.GEMM
	inferBatch   int
	inferSamples int
	out          string
	chart        string
	json         bool
	data         string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	devices := fs.String("devices", defaultDevices, "devices to compare, comma-separated: cpu, gpu (gl is an alias), gonum (GEMM only)")
	kernel := fs.String("kernel", "", "the cpu's GEMM micro-kernel: avx512, avx2 or go (default: the fastest the CPU has, or $GLNN_CPU_KERNEL)")
	kernels := fs.String("kernels", "", "measure the cpu once per GEMM micro-kernel, as rows cpu/NAME: a comma-separated list, or all (avx512,avx2,go; those the CPU lacks are reported unavailable)")
	fs.IntVar(&c.reps, "reps", 5, "repetitions per measurement; the median is reported")
	fs.IntVar(&c.trainSamples, "train-samples", 0, fmt.Sprintf("MNIST training samples per end-to-end epoch (0: %d, or %d on a software-renderer GL device)", benchcase.TrainSamples, softwareSamples))
	batches := fs.String("batches", defaultBatches, "batch sizes for the end-to-end runs, comma-separated")
	gemm := fs.String("gemm", "all", "GEMM shapes: all (the table), or names like NN/m=32/n=128/k=784, comma-separated")
	fs.IntVar(&c.inferBatch, "infer-batch", defaultInfer, "batch size of the inference runs")
	fs.IntVar(&c.inferSamples, "infer-samples", benchcase.TestSamples, "MNIST test images per inference run")
	fs.StringVar(&c.out, "out", "", "also write the Markdown report to this file")
	fs.StringVar(&c.chart, "chart", "", "write a bar chart of end-to-end samples/s to this image file (.png, .svg, .pdf, .jpg…), and one of GEMM GFLOP/s beside it (NAME-gemm.EXT)")
	fs.BoolVar(&c.json, "json", false, "write the results as JSON to stdout instead of Markdown")
	fs.StringVar(&c.data, "data", "", "directory holding the MNIST IDX files (default: found automatically)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench [flags]\n\nCompares glnn's backends and gonum: GEMM GFLOP/s, per-op timings, end-to-end MNIST training and inference.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.specs, err = parseDevices(*devices, *kernel, *kernels); err != nil {
		return nil, err
	}
	if c.reps < 1 {
		return nil, cli.Usagef("-reps=%d: want at least 1", c.reps)
	}
	if c.trainSamples < 0 || c.trainSamples > benchcase.TrainSamples {
		return nil, cli.Usagef("-train-samples=%d: want 1 to %d (0 for the default)", c.trainSamples, benchcase.TrainSamples)
	}
	if c.batches, err = parseBatches(*batches); err != nil {
		return nil, err
	}
	if c.shapes, err = parseGEMMs(*gemm); err != nil {
		return nil, err
	}
	if c.inferBatch < 1 || c.inferBatch > benchcase.TestSamples {
		return nil, cli.Usagef("-infer-batch=%d: want 1 to %d", c.inferBatch, benchcase.TestSamples)
	}
	if c.inferSamples < 1 || c.inferSamples > benchcase.TestSamples {
		return nil, cli.Usagef("-infer-samples=%d: want 1 to %d", c.inferSamples, benchcase.TestSamples)
	}
	if c.chart != "" && !chartFormat(c.chart) {
		return nil, cli.Usagef("-chart=%s: want a file name ending in .png, .svg, .pdf, .jpg, .jpeg, .eps, .tif or .tiff", c.chart)
	}
	if c.out != "" && c.chart != "" {
		if samePath(c.out, c.chart) || samePath(c.out, gemmChartPath(c.chart)) {
			return nil, cli.Usagef("-out=%s and -chart=%s would write the same file", c.out, c.chart)
		}
	}
	return c, nil
}

// parseDevices turns -devices, -kernel and -kernels into the report's
// rows.
func parseDevices(devices, kernel, kernels string) ([]spec, error) {
	var names []string
	for _, f := range strings.Split(devices, ",") {
		name := strings.ToLower(strings.TrimSpace(f))
		switch name {
		case "":
			continue
		case "gl":
			name = "gpu"
		case "cpu", "gpu", "gonum":
		default:
			return nil, cli.Usagef("-devices=%s: unknown device %q (want cpu, gpu, gonum)", devices, f)
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, cli.Usagef("-devices=%s: name at least one device (cpu, gpu, gonum)", devices)
	}
	kernel = strings.TrimSpace(kernel)
	var list []string
	strict := true
	switch k := strings.ToLower(strings.TrimSpace(kernels)); {
	case k != "" && kernel != "":
		return nil, cli.Usagef("-kernel=%s and -kernels=%s: give one or the other", kernel, kernels)
	case strings.EqualFold(kernel, "all"):
		return nil, cli.Usagef("-kernel=all: -kernel takes one kernel; use -kernels all to measure each")
	case k == "all":
		list, strict = cpuKernels, false
	case k != "":
		for _, f := range strings.Split(k, ",") {
			if f = strings.TrimSpace(f); f != "" && !slices.Contains(list, f) {
				list = append(list, f)
			}
		}
		if len(list) == 0 {
			return nil, cli.Usagef("-kernels=%s: name at least one kernel, or all", kernels)
		}
	}
	if (kernel != "" || list != nil) && !slices.Contains(names, "cpu") {
		return nil, cli.Usagef("-kernel and -kernels choose the cpu's kernel, but -devices=%s leaves out the cpu", devices)
	}
	var specs []spec
	for _, name := range names {
		switch {
		case name == "gpu":
			specs = append(specs, spec{name: "gpu", backend: "gl"})
		case name == "gonum":
			specs = append(specs, spec{name: "gonum", backend: "gonum"})
		case list != nil:
			for _, k := range list {
				specs = append(specs, spec{name: "cpu/" + k, backend: "cpu", kernel: k, strict: strict})
			}
		default:
			specs = append(specs, spec{name: "cpu", backend: "cpu", kernel: kernel, strict: kernel != ""})
		}
	}
	return specs, nil
}

func parseBatches(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > benchcase.TrainSamples {
			return nil, cli.Usagef("-batches=%s: want batch sizes from 1 to %d separated by commas, like 32,128", s, benchcase.TrainSamples)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, cli.Usagef("-batches=%s: name at least one batch size", s)
	}
	return out, nil
}

// parseGEMMs reads -gemm: all, or a comma-separated list of names.
func parseGEMMs(s string) ([]benchcase.GEMM, error) {
	if strings.EqualFold(strings.TrimSpace(s), "all") {
		return benchcase.GEMMs(), nil
	}
	var out []benchcase.GEMM
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		g, err := benchcase.ParseGEMM(f)
		if err != nil {
			return nil, cli.Usagef("-gemm=%s: %v", s, err)
		}
		if !slices.ContainsFunc(out, func(o benchcase.GEMM) bool { return o.Name() == g.Name() }) {
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		return nil, cli.Usagef("-gemm=%s: name at least one shape, like NN/m=256/n=256/k=256, or all", s)
	}
	return out, nil
}

// samePath reports whether two paths name the same file, as far as their
// text says.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
