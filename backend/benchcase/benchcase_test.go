package benchcase_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/benchcase"
	"github.com/glnn/glnn/backend/cpu"
)

func TestParams(t *testing.T) {
	if benchcase.Params != 101770 {
		t.Errorf("Params = %d, want 101770 (784·128 + 128 + 128·10 + 10)", benchcase.Params)
	}
}

func TestGEMMNames(t *testing.T) {
	g := benchcase.GEMM{M: 784, N: 128, K: 32, TA: backend.Trans, TB: backend.NoTrans}
	if got := g.Name(); got != "TN/m=784/n=128/k=32" {
		t.Errorf("Name = %q", got)
	}
	if got := g.Flops(); got != 2*784*128*32 {
		t.Errorf("Flops = %v, want %v", got, 2*784*128*32)
	}
	if r, c := g.StoredA(); r != 32 || c != 784 {
		t.Errorf("StoredA = %d×%d, want 32×784", r, c)
	}
	if r, c := g.StoredB(); r != 32 || c != 128 {
		t.Errorf("StoredB = %d×%d, want 32×128", r, c)
	}
	nt := benchcase.GEMM{M: 32, N: 784, K: 128, TA: backend.NoTrans, TB: backend.Trans}
	if r, c := nt.StoredB(); r != 784 || c != 128 {
		t.Errorf("NT StoredB = %d×%d, want 784×128", r, c)
	}
	if r, c := nt.StoredA(); r != 32 || c != 128 {
		t.Errorf("NT StoredA = %d×%d, want 32×128", r, c)
	}
}

// TestGEMMTable checks the table: unique names that parse back to
// themselves, the headline shapes present, and each Dense layer's three
// products doing the same work.
func TestGEMMTable(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range benchcase.GEMMs() {
		name := g.Name()
		if seen[name] {
			t.Errorf("%s twice", name)
		}
		seen[name] = true
		if g.Role == "" {
			t.Errorf("%s has no role", name)
		}
		p, err := benchcase.ParseGEMM(name)
		if err != nil || p != g {
			t.Errorf("ParseGEMM(%q) = %+v, %v", name, p, err)
		}
	}
	for _, want := range []string{
		"NN/m=32/n=128/k=784", "TN/m=784/n=128/k=32", "NT/m=32/n=784/k=128",
		"NN/m=128/n=128/k=784", "TN/m=784/n=128/k=128", "NT/m=128/n=784/k=128",
		"NN/m=32/n=10/k=128", "TN/m=128/n=10/k=32", "NT/m=32/n=128/k=10",
		"NN/m=256/n=256/k=256", "NN/m=512/n=512/k=512",
		"NN/m=1024/n=1024/k=1024", "TN/m=1024/n=1024/k=1024", "NT/m=1024/n=1024/k=1024",
	} {
		if !seen[want] {
			t.Errorf("the table lacks %s", want)
		}
	}
	d := benchcase.DenseGEMMs(32, 784, 128)
	if len(d) != 3 || d[0].Op() != "NN" || d[1].Op() != "TN" || d[2].Op() != "NT" {
		t.Fatalf("DenseGEMMs = %+v", d)
	}
	for _, g := range d {
		if g.Flops() != 2*32*784*128 {
			t.Errorf("%s: %v flops, want %v", g, g.Flops(), 2*32*784*128)
		}
	}
}

func TestParseGEMM(t *testing.T) {
	for in, want := range map[string]benchcase.GEMM{
		"NN/m=7/n=5/k=3":  {M: 7, N: 5, K: 3, TA: 'N', TB: 'N'},
		"tt/k=3/m=7/n=5":  {M: 7, N: 5, K: 3, TA: 'T', TB: 'T'},
		" NT/M=2/N=3/K=4": {M: 2, N: 3, K: 4, TA: 'N', TB: 'T'},
	} {
		got, err := benchcase.ParseGEMM(in)
		if err != nil || got != want {
			t.Errorf("ParseGEMM(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "NN", "NX/m=1/n=1/k=1", "NNN/m=1/n=1/k=1", "NN/m=1/n=1", "NN/m=1/n=1/k=1/k=1",
		"NN/m=1/n=1/q=1", "NN/m=0/n=1/k=1", "NN/m=-1/n=1/k=1", "NN/m=1/n=1/k=32769",
		"NN/m=a/n=1/k=1", "NN/m1/n=1/k=1", "32x128x784",
	} {
		if _, err := benchcase.ParseGEMM(in); err == nil {
			t.Errorf("ParseGEMM(%q) accepted", in)
		}
	}
}

// TestFormulas checks the derived metrics on exact values.
func TestFormulas(t *testing.T) {
	g := benchcase.GEMM{M: 1000, N: 1000, K: 1000, TA: 'N', TB: 'N'}
	if got := benchcase.GFLOPS(g.Flops(), 0.5); got != 4 {
		t.Errorf("GFLOPS(2e9 flops, 0.5 s) = %v, want 4", got)
	}
	for batch, want := range map[int]int{32: 1875, 128: 469, 1024: 59, 60000: 1, 70000: 1} {
		if got := benchcase.StepsPerEpoch(batch); got != want {
			t.Errorf("StepsPerEpoch(%d) = %d, want %d", batch, got, want)
		}
	}
	if got := benchcase.EpochSeconds(0.5, 128); got != 234.5 {
		t.Errorf("EpochSeconds(0.5 s, 128) = %v, want 234.5", got)
	}
}

func TestOpNames(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range append(benchcase.Ops(), benchcase.TrainStep(32)) {
		if c.Name == "" || c.Label == "" || c.Shape == "" || c.Setup == nil || strings.ContainsAny(c.Name, " ×") {
			t.Errorf("case %+v", c)
		}
		if seen[c.Name] {
			t.Errorf("%s twice", c.Name)
		}
		seen[c.Name] = true
	}
	for _, want := range []string{"AddBias-ReLU/rows=32/cols=128", "Gather/rows=32/cols=784/src=60000", "Adam/params=101770", "SoftmaxCrossEntropy/rows=32/cols=10"} {
		if !seen[want] {
			t.Errorf("no case %s", want)
		}
	}
}

func openCPU(t *testing.T) backend.Device {
	t.Helper()
	dev, err := cpu.New(backend.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	return dev
}

// TestCasesRun sets up every case on the cpu, runs its op a few times and
// checks that the arena gives every buffer back.
func TestCasesRun(t *testing.T) {
	dev := openCPU(t)
	cases := append(benchcase.Ops(), benchcase.TrainStep(32), benchcase.TrainStep(1500))
	for _, g := range benchcase.DenseGEMMs(3, 7, 5) {
		cases = append(cases, g.Case())
	}
	cases = append(cases, benchcase.GEMM{M: 4, N: 3, K: 2, TA: 'T', TB: 'T'}.Case())
	for _, c := range cases {
		a := benchcase.NewArena(dev)
		op := c.Setup(a)
		if err := a.Err(); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for i := range 3 {
			op(i)
		}
		if err := dev.Sync(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
		a.Release()
		if n := dev.LiveBuffers(); n != 0 {
			t.Errorf("%s: %d buffers live after Release", c.Name, n)
		}
	}
}

// failing is a device whose Alloc fails after a number of tensors.
type failing struct {
	backend.Device
	left int
}

func (f *failing) Alloc(rows, cols int) (*backend.Tensor, error) {
	if f.left == 0 {
		return nil, errors.New("out of memory")
	}
	f.left--
	return f.Device.Alloc(rows, cols)
}

// TestArena checks the arena's values and its sticky first error.
func TestArena(t *testing.T) {
	dev := openCPU(t)
	a := benchcase.NewArena(dev)
	x := a.Func(2, 3, func(i int) float32 { return float32(i) })
	r := a.Random(4, 5, 2, 3)
	p := a.Perm(6)
	if err := a.Err(); err != nil {
		t.Fatal(err)
	}
	got := make([]float32, 6)
	if err := dev.Download(got, x); err != nil || got[5] != 5 || got[0] != 0 {
		t.Errorf("Func: %v, %v", got, err)
	}
	rv := make([]float32, 20)
	if err := dev.Download(rv, r); err != nil {
		t.Fatal(err)
	}
	for _, v := range rv {
		if v < 2 || v >= 3 {
			t.Errorf("Random(…, 2, 3) gave %v", v)
		}
	}
	if err := dev.Download(got, p); err != nil {
		t.Fatal(err)
	}
	sum := float32(0)
	for _, v := range got {
		sum += v
	}
	if sum != 15 {
		t.Errorf("Perm(6) = %v", got)
	}
	if a.Values(2, 2, make([]float32, 3)) != nil || a.Err() == nil {
		t.Error("Values with the wrong length: no error")
	}
	a.Release()
	if n := dev.LiveBuffers(); n != 0 || a.Err() != nil {
		t.Errorf("after Release: %d live, err %v", n, a.Err())
	}

	f := &failing{Device: dev, left: 1}
	a = benchcase.NewArena(f)
	first, second, third := a.Zeros(1, 1), a.Zeros(1, 1), a.Zeros(1, 1)
	if first == nil || second != nil || third != nil {
		t.Errorf("allocations after the failure: %v %v %v", first, second, third)
	}
	if err := a.Err(); err == nil || !strings.Contains(err.Error(), "out of memory") || !strings.Contains(err.Error(), "1×1") {
		t.Errorf("Err = %v", err)
	}
	a.Release()
	if n := dev.LiveBuffers(); n != 0 {
		t.Errorf("%d buffers live after Release", n)
	}
}
