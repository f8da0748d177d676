package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumRowsVectorMatchesGo checks that SumRows's task, vector kernel
// and Go loop together, gives the bits of a plain float64 loop over every
// column in row order, on column ranges around the vector width (so the
// Go loop takes a tail), at offsets into wider rows, with NaN and
// infinities in some columns.
func TestSumRowsVectorMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, cols := range []int{1, 3, 4, 5, 8, 9, 13, 64, 76, 130} {
		for _, rows := range []int{1, 7, 300} {
			src := make([]float32, rows*cols)
			for i := range src {
				src[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6)))
			}
			if cols > 2 && rows > 1 {
				src[cols+1] = float32(math.NaN())
				src[cols/2] = float32(math.Inf(1))
			}
			for _, lo := range []int{0, min(1, cols-1), cols / 2} {
				hi := cols
				task := &sumRowsTask{dst: make([]float32, cols), src: src, acc: make([]float64, cols), rows: rows, cols: cols}
				task.run(0, lo, hi)
				for j := lo; j < hi; j++ {
					var want float64
					for r := range rows {
						want += float64(src[r*cols+j])
					}
					got := task.dst[j]
					if math.Float32bits(got) != math.Float32bits(float32(want)) {
						t.Fatalf("cols=%d rows=%d [%d,%d) column %d: %g, want %g", cols, rows, lo, hi, j, got, float32(want))
					}
				}
			}
		}
	}
}
