package cpu

import "testing"

// BenchmarkPack times the packing of the GEMM's operands for the MNIST
// training shapes, in ns per packed element.
func BenchmarkPack(b *testing.B) {
	src := make([]float32, 784*784)
	dst := make([]float32, 256*256)
	b.Run("B-N-784x128-kb256-nb64", func(b *testing.B) {
		for b.Loop() {
			packB(dst, src, 128, false, 0, 256, 0, 64, 4)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(256*64), "ns/elem")
	})
	b.Run("B-T-128x10-kb128-nb12", func(b *testing.B) {
		for b.Loop() {
			packB(dst, src, 128, true, 0, 128, 0, 10, 4)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(128*10), "ns/elem")
	})
	b.Run("A-N-32x784-kb256", func(b *testing.B) {
		for b.Loop() {
			packA(dst, src, 784, false, 0, 32, 0, 256, 2)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(256*32), "ns/elem")
	})
	b.Run("A-T-784x32-mb64-kb32", func(b *testing.B) {
		for b.Loop() {
			packA(dst, src, 784, true, 0, 64, 0, 32, 2)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(64*32), "ns/elem")
	})
}
