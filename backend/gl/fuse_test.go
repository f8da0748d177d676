//go:build cgo

package gl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
)

// TestFusedLossCount checks a loss followed by a CountCorrect on the same
// predictions, which the device merges into one dispatch for small inputs,
// against the same two ops kept apart by a Sync: the same gradient, loss
// sum and count. It includes dLogits = logits, where the count must see
// the gradient the loss wrote, so no merge may happen.
func TestFusedLossCount(t *testing.T) {
	d := device(t)
	r := rand.New(rand.NewPCG(4, 4))
	type lossFn func(grad, sum, x, tgt *backend.Tensor)
	losses := map[string]lossFn{"SoftmaxCrossEntropy": d.SoftmaxCrossEntropy, "MeanSquaredError": d.MeanSquaredError}
	for name, loss := range losses {
		for _, shape := range [][2]int{{5, 3}, {32, 10}, {3, 100}, {300, 70}} {
			for _, alias := range []bool{false, true} {
				rows, cols := shape[0], shape[1]
				xv, tv := randn(r, rows*cols), make([]float32, rows*cols)
				for i := 0; i < rows; i++ {
					tv[i*cols+r.IntN(cols)] = 1
				}
				run := func(apart bool) (grad, sums []float32) {
					x, tg := upload(t, d, rows, cols, xv), upload(t, d, rows, cols, tv)
					g := x
					if !alias {
						g = upload(t, d, rows, cols, nil)
					}
					s := upload(t, d, 1, 2, []float32{0.5, 2})
					ls, cs := s.Slice(0, 1, 1), upload(t, d, 1, 1, []float32{2})
					loss(g, ls, x, tg)
					if apart {
						if err := d.Sync(); err != nil {
							t.Fatal(err)
						}
					}
					d.CountCorrect(cs, x, tg)
					grad = download(t, d, g)
					sums = append(download(t, d, ls), download(t, d, cs)...)
					for _, u := range []*backend.Tensor{x, tg, s, cs} {
						d.Release(u)
					}
					if !alias {
						d.Release(g)
					}
					return grad, sums
				}
				g1, s1 := run(false)
				g2, s2 := run(true)
				for i := range g1 {
					if g1[i] != g2[i] {
						t.Fatalf("%s %v alias=%v: gradient[%d] %g merged, %g apart", name, shape, alias, i, g1[i], g2[i])
					}
				}
				if math.Abs(float64(s1[0]-s2[0])) > 1e-5*math.Abs(float64(s2[0])) || s1[1] != s2[1] {
					t.Errorf("%s %v alias=%v: loss sum and count %v merged, %v apart", name, shape, alias, s1, s2)
				}
			}
		}
	}
}
