package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAddBiasVectorMatchesGo checks that addBiasVector gives the bits of
// addBiasRow, with and without ReLU, on lengths around the vector width
// and on the values where a vector maximum can differ from Go's: NaN
// (kept), ±0 (max(−0, 0) is +0) and infinities.
func TestAddBiasVectorMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 2))
	negZero := float32(math.Copysign(0, -1))
	special := []float32{float32(math.NaN()), negZero, 0, float32(math.Inf(1)), float32(math.Inf(-1)), -1e-45}
	for _, n := range []int{1, 7, 8, 9, 16, 31, 128, 133} {
		x, b := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			if i%3 == 0 {
				x[i] = special[i%len(special)]
				b[i] = special[(i/3)%len(special)]
			}
			if i%7 == 1 {
				x[i], b[i] = negZero, negZero // −0 + −0 = −0 before the maximum
			}
		}
		for _, relu := range []bool{false, true} {
			want, got := make([]float32, n), make([]float32, n)
			addBiasRow(want, x, b, relu)
			j := addBiasVector(got, x, b, relu)
			if hasAVX && n >= 8 && j != n&^7 {
				t.Fatalf("n=%d: the vector kernel did %d values, want %d", n, j, n&^7)
			}
			addBiasRow(got[j:], x[j:], b[j:], relu)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Errorf("n=%d relu=%v: y[%d] = %g (%#x), want %g (%#x) for x=%g b=%g", n, relu, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]), x[i], b[i])
				}
			}
		}
	}
}
