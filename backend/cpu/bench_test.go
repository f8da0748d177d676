package cpu_test

import (
	"testing"

	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// BenchmarkGEMM runs the shared GEMM shapes (backend/benchcase) with every
// kernel this CPU runs, reporting GFLOP/s.
func BenchmarkGEMM(b *testing.B) {
	for _, k := range cpu.Kernels() {
		b.Run("kernel="+k, func(b *testing.B) { backendtest.BenchmarkGEMM(b, openKernel(b, 0, k)) })
	}
}

// BenchmarkOps and BenchmarkTrainStep run the shared per-op cases and the
// reference model's training step with the fastest kernel.
func BenchmarkOps(b *testing.B)       { backendtest.BenchmarkOps(b, open(b, 0)) }
func BenchmarkTrainStep(b *testing.B) { backendtest.BenchmarkTrainStep(b, open(b, 0)) }
