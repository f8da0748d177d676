package cpu

import (
	"math"
	"testing"
)

func TestExpNeg(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 2_000_000; i++ {
		z := -87 * float64(i) / 2_000_000
		got, want := expNeg(z), math.Exp(z)
		if e := math.Abs(got-want) / want; e > worst {
			worst = e
		}
	}
	if worst > 1e-8 {
		t.Errorf("expNeg: worst relative error %.3g on [−87, 0], want ≤ 1e-8", worst)
	}
	t.Logf("worst relative error %.3g", worst)
	for _, z := range []float64{-87.5, -1000, math.Inf(-1)} {
		if got := expNeg(z); got != 0 {
			t.Errorf("expNeg(%v) = %v, want 0", z, got)
		}
	}
	if got := expNeg(math.NaN()); !math.IsNaN(got) {
		t.Errorf("expNeg(NaN) = %v", got)
	}
	if got := expNeg(0); got != 1 {
		t.Errorf("expNeg(0) = %v, want 1", got)
	}
}

func BenchmarkExp(b *testing.B) {
	s := 0.0
	b.Run("expNeg", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			s += expNeg(-float64(i&1023) / 16)
		}
	})
	b.Run("math.Exp", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			s += math.Exp(-float64(i&1023) / 16)
		}
	})
	_ = s
}

func TestExpNeg32(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 2_000_000; i++ {
		z := float32(-87 * float64(i) / 2_000_000)
		got, want := float64(expNeg32(z)), math.Exp(float64(z))
		if e := math.Abs(got-want) / want; e > worst {
			worst = e
		}
	}
	if worst > 3e-7 {
		t.Errorf("expNeg32: worst relative error %.3g on [−87, 0], want ≤ 3e-7 (about 2 ulp)", worst)
	}
	t.Logf("worst relative error %.3g", worst)
	if expNeg32(-88) != 0 || expNeg32(0) != 1 || !math.IsNaN(float64(expNeg32(float32(math.NaN())))) {
		t.Errorf("expNeg32 edge cases: %v %v", expNeg32(-88), expNeg32(0))
	}
}
