package cpu

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"
)

// kernelEnv names the environment variable that selects the GEMM kernel
// when Options.Kernel is empty.
const kernelEnv = "GLNN_CPU_KERNEL"

// cpuFeatures are the instruction-set extensions the kernels use, as the
// CPU and the operating system (which must save the wider registers)
// support them.
type cpuFeatures struct {
	AVX, AVX2, FMA, AVX512F bool
}

// hostFeatures reports the features of the CPU the program runs on; they
// are all false on other architectures than amd64.
func hostFeatures() cpuFeatures {
	return cpuFeatures{AVX: cpu.X86.HasAVX, AVX2: cpu.X86.HasAVX2, FMA: cpu.X86.HasFMA, AVX512F: cpu.X86.HasAVX512F}
}

// kernelEntry is a kernel that can be selected and what it needs.
type kernelEntry struct {
	kern microKernel
	// missing returns the first feature the kernel needs that has lacks,
	// or "" when it can run.
	missing func(has cpuFeatures) string
}

// selectKernel returns the kernel called name among table (fastest first),
// or, when name is "", the first one that has supports. It is a pure
// function of its arguments so that the choice can be tested for any CPU.
func selectKernel(table []kernelEntry, name string, has cpuFeatures) (microKernel, error) {
	var names []string
	for _, e := range table {
		names = append(names, e.kern.name)
	}
	for _, e := range table {
		if name != "" && e.kern.name != name {
			continue
		}
		if f := e.missing(has); f != "" {
			if name == "" {
				continue
			}
			return microKernel{}, fmt.Errorf("cpu: kernel %q needs %s, which this CPU does not support", name, f)
		}
		return e.kern, nil
	}
	if name == "" {
		return microKernel{}, fmt.Errorf("cpu: no GEMM kernel runs on this CPU (kernels: %s)", strings.Join(names, ", "))
	}
	return microKernel{}, fmt.Errorf("cpu: unknown kernel %q on %s (available: %s)", name, runtime.GOARCH, strings.Join(names, ", "))
}

// kernelFor returns the kernel New uses for opts: opts.Kernel, else the
// environment variable GLNN_CPU_KERNEL, else the fastest this CPU runs.
func kernelFor(opts string) (microKernel, error) {
	name := opts
	if name == "" {
		name = os.Getenv(kernelEnv)
	}
	k, err := selectKernel(kernelTable, strings.ToLower(strings.TrimSpace(name)), hostFeatures())
	if err != nil && opts == "" && name != "" {
		err = fmt.Errorf("%w (from $%s)", err, kernelEnv)
	}
	return k, err
}

// goKernel is the table entry of the portable kernel, which runs anywhere.
var goKernel = kernelEntry{kern: kernelGo2x4, missing: func(cpuFeatures) string { return "" }}
