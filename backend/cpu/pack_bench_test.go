package cpu

import "testing"

// BenchmarkPack times the packing of the GEMM's operands with the 8×32
// AVX-512 tile (the packing of the portable kernel's 2×4 tile, when
// kernel=go), in ns per packed element.
func BenchmarkPack(b *testing.B) {
	src := make([]float32, 1024*1024)
	dst := make([]float32, 256*1024)
	for _, k := range hostKernels() {
		mr, nr, tr, cp := k.mr, k.nr, k.transpose8, k.copyRows
		cases := []struct {
			name  string
			elems int
			pack  func()
		}{
			{"B-N-kb256-nb1024-ldb1024", 256 * 1024, func() { packB(dst, src, 1024, false, 0, 256, 0, 1024, nr, tr, cp) }},
			{"B-T-kb256-nb1024-ldb1024", 256 * 1024, func() { packB(dst, src, 1024, true, 0, 256, 0, 1024, nr, tr, cp) }},
			{"B-T-kb196-nb64-ldb784", 196 * 64, func() { packB(dst, src, 784, true, 0, 196, 0, 64, nr, tr, cp) }},
			{"A-N-mb256-kb256-lda1024", 256 * 256, func() { packA(dst, src, 1024, false, 0, 256, 0, 256, mr, tr, cp) }},
			{"A-T-mb256-kb256-lda1024", 256 * 256, func() { packA(dst, src, 1024, true, 0, 256, 0, 256, mr, tr, cp) }},
		}
		for _, c := range cases {
			b.Run("kernel="+k.name+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					c.pack()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.elems), "ns/elem")
			})
		}
	}
}
