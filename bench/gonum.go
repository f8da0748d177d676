package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/benchcase"
)

// gonumModule is the module whose Sgemm the gonum row measures.
const gonumModule = "gonum.org/v1/gonum"

// gonumInfo describes the gonum row: gonum's pure-Go BLAS, which splits a
// large product over GOMAXPROCS goroutines.
func gonumInfo() backend.Info {
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == gonumModule {
				version = m.Version
			}
		}
	}
	threads := runtime.GOMAXPROCS(0)
	return backend.Info{
		Backend: "gonum",
		Name:    fmt.Sprintf("gonum blas/gonum Sgemm (pure Go, up to %d goroutines)", threads),
		Version: version,
		Threads: threads,
	}
}

// measureGonum times gonum's float32 GEMM, Implementation.Sgemm, on every
// -gemm shape and transpose, the way MatMul is timed (a loop of products
// long enough to hide the timer; it has nothing to synchronise).
func measureGonum(ctx context.Context, c *config, res *DeviceResult, logf func(string, ...any)) error {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 2*rng.Float32() - 1
		}
		return v
	}
	for _, g := range c.shapes {
		ar, ac := g.StoredA()
		br, bc := g.StoredB()
		product := gonumProduct(g, random(ar*ac), random(br*bc), make([]float32, g.M*g.N))
		t, err := timeOp(ctx, func() error { return nil }, nil, c.reps, gemmTarget, func(int) { product() })
		if err != nil {
			return fmt.Errorf("GEMM %s: %w", g, err)
		}
		r := newGEMMResult(g, t.seconds, t.iters)
		res.GEMM = append(res.GEMM, r)
		logf("%s: GEMM %s: %s, %.2f GFLOP/s", res.Device, g, formatDuration(r.Seconds), r.GFLOPS)
	}
	return nil
}

func blasTranspose(t backend.Transpose) blas.Transpose {
	if t == backend.Trans {
		return blas.Trans
	}
	return blas.NoTrans
}

// gonumProduct returns a function that computes out = op(a)·op(b) for g
// with gonum: a and b are stored as MatMul takes them (g.StoredA,
// g.StoredB), row-major, and out is m×n.
func gonumProduct(g benchcase.GEMM, a, b, out []float32) func() {
	_, ac := g.StoredA()
	_, bc := g.StoredB()
	ta, tb := blasTranspose(g.TA), blasTranspose(g.TB)
	var impl gonum.Implementation
	return func() { impl.Sgemm(ta, tb, g.M, g.N, g.K, 1, a, ac, b, bc, 0, out, g.N) }
}
