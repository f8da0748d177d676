package finite

import (
	"math"
	"testing"
)

func TestFirst(t *testing.T) {
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0x7fc00001), math.Float32frombits(0xff800001)}
	good := []float32{0, -0.0, 1, -1, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-40}
	for _, n := range []int{0, 1, 2, 3, 127, 128, 129, 1000, 3<<20 + 5} {
		v := make([]float32, n)
		for i := range v {
			v[i] = good[i%len(good)]
		}
		if got := First(v); got != -1 {
			t.Fatalf("n=%d, all finite: First = %d", n, got)
		}
		for _, pos := range []int{0, n / 3, n / 2, n - 1} {
			if n == 0 {
				break
			}
			for _, b := range bad {
				old := v[pos]
				v[pos] = b
				if got := First(v); got != pos {
					t.Fatalf("n=%d, %v at %d: First = %d", n, b, pos, got)
				}
				v[pos] = old
			}
		}
		if n > 10 {
			v[n-1], v[n/2] = float32(math.NaN()), float32(math.Inf(1))
			if got := First(v); got != n/2 {
				t.Fatalf("n=%d, two bad values: First = %d, want the first, %d", n, got, n/2)
			}
			v[n-1], v[n/2] = 0, 0
		}
	}
}

func BenchmarkFirst(b *testing.B) {
	v := make([]float32, 60000*784)
	for i := range v {
		v[i] = float32(i%255) / 255
	}
	b.SetBytes(int64(4 * len(v)))
	for b.Loop() {
		First(v)
	}
}

// TestWords checks the portable scan on its own (First uses the AVX2
// kernel where there is one).
func TestWords(t *testing.T) {
	for n := 0; n < 70; n++ {
		v := make([]float32, n)
		if words(v) {
			t.Fatalf("n=%d zeros: words says non-finite", n)
		}
		for i := range v {
			v[i] = float32(math.Inf(-1))
			if !words(v) {
				t.Fatalf("n=%d, -Inf at %d: not found", n, i)
			}
			v[i] = 0
		}
	}
}
