package cpu

import (
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
)

// TestKernelChoice checks the choice of the real kernel table for CPUs with
// various features: the fastest supported kernel by default, the named one
// when forced, and a clear error naming the kernel and the missing feature
// when the CPU lacks it.
func TestKernelChoice(t *testing.T) {
	all := cpuFeatures{AVX: true, AVX2: true, FMA: true, AVX512F: true}
	avx2 := cpuFeatures{AVX: true, AVX2: true, FMA: true}
	noFMA := cpuFeatures{AVX: true, AVX2: true}
	var none cpuFeatures
	defaults := []struct {
		has  cpuFeatures
		want string
	}{{all, "avx512"}, {avx2, "avx2"}, {noFMA, "go"}, {none, "go"}}
	forced := []struct {
		name    string
		has     cpuFeatures
		missing string // "" if it must succeed
	}{
		{"go", none, ""}, {"go", all, ""}, {"avx2", all, ""}, {"avx512", all, ""}, {"avx2", avx2, ""},
		{"avx512", avx2, "AVX-512F"}, {"avx2", noFMA, "FMA"}, {"avx2", none, "AVX2"}, {"avx512", none, "AVX-512F"},
	}
	if !hasAsmKernels {
		// Only the portable kernel exists here.
		defaults = defaults[3:]
		for i := range defaults {
			defaults[i].want = "go"
		}
		forced = forced[:2]
	}
	for _, c := range defaults {
		k, err := selectKernel(kernelTable, "", c.has)
		if err != nil || k.name != c.want {
			t.Errorf("default kernel for %+v: %q, %v; want %q", c.has, k.name, err, c.want)
		}
	}
	for _, c := range forced {
		k, err := selectKernel(kernelTable, c.name, c.has)
		switch {
		case c.missing == "" && (err != nil || k.name != c.name):
			t.Errorf("kernel %q on %+v: %q, %v", c.name, c.has, k.name, err)
		case c.missing != "" && err == nil:
			t.Errorf("kernel %q on %+v: no error", c.name, c.has)
		case c.missing != "" && !(strings.Contains(err.Error(), c.name) && strings.Contains(err.Error(), c.missing)):
			t.Errorf("kernel %q on %+v: error %q does not name the kernel and %s", c.name, c.has, err, c.missing)
		}
	}
	if _, err := selectKernel(kernelTable, "sse9", all); err == nil || !strings.Contains(err.Error(), `"sse9"`) {
		t.Errorf("unknown kernel: error %v", err)
	}
}

// TestKernelOption checks that Options.Kernel and GLNN_CPU_KERNEL select
// the kernel, that the option wins over the variable, and that New fails
// for a kernel this CPU cannot run or an unknown name.
func TestKernelOption(t *testing.T) {
	t.Setenv(kernelEnv, "")
	for _, name := range Kernels() {
		d, err := New(backend.Options{Threads: 1, Kernel: name})
		if err != nil {
			t.Fatalf("Kernel %q: %v", name, err)
		}
		if d.kern.name != name || !strings.HasSuffix(d.Info().Name, ", "+name+")") {
			t.Errorf("Kernel %q: got kernel %q, Info().Name %q", name, d.kern.name, d.Info().Name)
		}
		d.Close()
	}
	t.Setenv(kernelEnv, "go")
	d, err := New(backend.Options{Threads: 1})
	if err != nil || d.kern.name != "go" {
		t.Fatalf("%s=go: kernel %v, %v", kernelEnv, d, err)
	}
	d.Close()
	best := Kernels()[0]
	d, err = New(backend.Options{Threads: 1, Kernel: best})
	if err != nil || d.kern.name != best {
		t.Fatalf("Kernel %q with %s=go: %v", best, kernelEnv, err)
	}
	d.Close()
	t.Setenv(kernelEnv, "nope")
	if _, err := New(backend.Options{Threads: 1}); err == nil || !strings.Contains(err.Error(), kernelEnv) {
		t.Errorf("%s=nope: error %v, want one naming the variable", kernelEnv, err)
	}
	t.Setenv(kernelEnv, "")
	if _, err := New(backend.Options{Kernel: "nope"}); err == nil {
		t.Errorf("Kernel nope: no error")
	}
	if hasAsmKernels && !hostFeatures().AVX512F {
		if _, err := New(backend.Options{Kernel: "avx512"}); err == nil || !strings.Contains(err.Error(), "AVX-512F") {
			t.Errorf("Kernel avx512 on a CPU without AVX-512F: error %v", err)
		}
	}
}
