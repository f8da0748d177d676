package cpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// gemmShapes are (m, n, k) triples: degenerate sizes, sizes that are not
// multiples of the micro-tile or the cache blocks, sizes past one k block
// (256) and one n block (256), and the shapes of MNIST training.
var gemmShapes = [][3]int{
	{1, 1, 1}, {1, 1, 7}, {2, 4, 4}, {3, 5, 1}, {7, 33, 5}, {33, 1, 129}, {1, 129, 33},
	{129, 65, 31}, {64, 64, 64}, {65, 257, 300}, {300, 7, 513}, {5, 3, 1000},
	{32, 128, 784}, {784, 128, 32}, {32, 10, 128}, {128, 10, 32}, {32, 128, 10},
}

func matMulTol(k int) float64 { return 1e-5 * math.Sqrt(float64(max(k, 1))) }

// TestMatMul checks the GEMM's blocking and splitting over workers on
// shapes that cross its cache blocks, with every transpose, with each
// kernel this CPU runs and each worker count (the conformance suite
// covers the op's contract).
func TestMatMul(t *testing.T) {
	var devs []backend.Device
	var names []string
	for _, kernel := range cpu.Kernels() {
		for _, threads := range threadCounts {
			devs = append(devs, openKernel(t, threads, kernel))
			names = append(names, fmt.Sprintf("kernel=%s threads=%d", kernel, threads))
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range gemmShapes {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]backend.Transpose{{backend.NoTrans, backend.NoTrans}, {backend.Trans, backend.NoTrans}, {backend.NoTrans, backend.Trans}, {backend.Trans, backend.Trans}} {
			tA, tB := tr[0], tr[1]
			transA, transB := tA == backend.Trans, tB == backend.Trans
			ar, ac := m, k
			if transA {
				ar, ac = k, m
			}
			br, bc := k, n
			if transB {
				br, bc = n, k
			}
			ad, bd := uniform(rng, m*k, -1, 1), uniform(rng, k*n, -1, 1)
			want, scale := backendtest.MatMulReference(ad, bd, m, n, k, tA, tB)
			for i, d := range devs {
				name := fmt.Sprintf("%s %dx%dx%d %v%v", names[i], m, n, k, tA, tB)
				a, b := backendtest.Upload(t, d, ar, ac, ad), backendtest.Upload(t, d, br, bc, bd)
				c := backendtest.Upload(t, d, m, n, filled(m*n, float32(math.NaN()))) // must be overwritten
				d.MatMul(c, a, b, tA, tB)
				near(t, name, backendtest.Download(t, d, c), want, scale, matMulTol(k))
				release(d, a, b, c)
			}
		}
	}
}

// TestMatMulViews multiplies views with fewer rows than their parents: the
// rows of c's parent past the view must stay untouched.
func TestMatMulViews(t *testing.T) {
	d := open(t, 2)
	rng := rand.New(rand.NewPCG(2, 2))
	const m, n, k, extra = 100, 70, 90, 13
	ad, bd := uniform(rng, (m+extra)*k, -1, 1), uniform(rng, k*n, -1, 1)
	pa, b := backendtest.Upload(t, d, m+extra, k, ad), backendtest.Upload(t, d, k, n, bd)
	cd := uniform(rng, (m+extra)*n, 5, 6)
	pc := backendtest.Upload(t, d, m+extra, n, cd)
	d.MatMul(pc.View(m, n), pa.View(m, k), b, backend.NoTrans, backend.NoTrans)
	got := backendtest.Download(t, d, pc)
	want, scale := backendtest.MatMulReference(ad[:m*k], bd, m, n, k, backend.NoTrans, backend.NoTrans)
	near(t, "c view = a view · b", got[:m*n], want, scale, matMulTol(k))
	near(t, "rows of c's parent past the view", got[m*n:], to64(cd[m*n:]), nil, 0)
	for _, x := range []*backend.Tensor{pa, b, pc} {
		d.Release(x)
	}
}

func release(d backend.Device, ts ...*backend.Tensor) {
	for _, t := range ts {
		d.Release(t)
	}
}

func to64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
