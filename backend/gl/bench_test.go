//go:build cgo

package gl

import (
	"fmt"
	"testing"

	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/benchcase"
)

// The shared benchmarks (backend/benchcase's workloads), on the test
// device, with GL_TIME_ELAPSED device time beside wall time.
func BenchmarkGEMM(b *testing.B)      { backendtest.BenchmarkGEMM(b, device(b)) }
func BenchmarkOps(b *testing.B)       { backendtest.BenchmarkOps(b, device(b)) }
func BenchmarkTrainStep(b *testing.B) { backendtest.BenchmarkTrainStep(b, device(b)) }

// BenchmarkGEMMTiles runs the shared GEMM shapes with each tile variant
// meant for this kind of device forced, beside planGemm's choice, so the
// choice can be checked against the alternatives.
func BenchmarkGEMMTiles(b *testing.B) {
	d := device(b)
	defer func() { gemmOverride = nil }()
	for _, g := range benchcase.GEMMs() {
		a := benchcase.NewArena(d)
		ar, ac := g.StoredA()
		br, bc := g.StoredB()
		A, B, C := a.Random(ar, ac, -1, 1), a.Random(br, bc, -1, 1), a.Zeros(g.M, g.N)
		if err := a.Err(); err != nil {
			b.Fatal(err)
		}
		for v := range gemmTiles {
			t := gemmTiles[v]
			if (t.Kernel == kernelShared) == d.softwareKernels() ||
				t.Kernel == kernelRegistersVec4 && !vec4OK(g.M, g.N, g.K, g.TA == 'T', g.TB == 'T') {
				continue // not for this device, or this shape
			}
			name := fmt.Sprintf("%s/tile=%s%dx%d", g.Name(), [...]string{"shared", "registers", "vec4"}[t.Kernel], t.BM, t.BN)
			b.Run(name, func(b *testing.B) {
				gemmOverride = &gemmPlan{tile: v, splits: 1}
				d.MatMul(C, A, B, g.TA, g.TB) // warm up (JIT)
				if err := d.Sync(); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					d.MatMul(C, A, B, g.TA, g.TB)
					if err := d.Sync(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(benchcase.GFLOPS(g.Flops()*float64(b.N), b.Elapsed().Seconds()), "GFLOP/s")
			})
		}
		gemmOverride = nil
		a.Release()
	}
}

// BenchmarkSync is the round trip of an empty Sync: the floor under every
// iteration above.
func BenchmarkSync(b *testing.B) {
	d := device(b)
	for b.Loop() {
		if err := d.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}
