package digit

import (
	"math/rand/v2"
	"testing"
)

// TestDistance2 checks the distance transform against brute force.
func TestDistance2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 50; trial++ {
		w, h := 1+rng.IntN(30), 1+rng.IntN(30)
		m := make([]bool, w*h)
		for i := range m {
			m[i] = rng.IntN(20) == 0
		}
		m[rng.IntN(len(m))] = true
		got := distance2(m, w, h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				best := 1e30
				for j, set := range m {
					if set {
						dx, dy := float64(j%w-x), float64(j/w-y)
						best = min(best, dx*dx+dy*dy)
					}
				}
				if got[y*w+x] != best {
					t.Fatalf("%d×%d at (%d,%d): got %v, want %v", w, h, x, y, got[y*w+x], best)
				}
			}
		}
	}
}
