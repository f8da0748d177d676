package nn

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/internal/finite"
)

// checkOutputs downloads every layer's output of the last forward pass and
// returns a *NonFiniteError naming the first layer whose output holds a
// NaN or an infinity.
func (m *Sequential) checkOutputs(out *backend.Tensor) error {
	for i, l := range m.layers {
		y := out
		if i+1 < len(m.layers) {
			y = m.inputs[i+1]
		}
		v := make([]float32, y.Len())
		if err := m.dev.Download(v, y); err != nil {
			return fmt.Errorf("nn: %w", err)
		}
		if j := finite.First(v); j >= 0 {
			return &NonFiniteError{Loss: math.NaN(), Where: fmt.Sprintf("layer %d (%v) output (%g at sample %d, value %d)", i+1, l, v[j], j/y.Cols(), j%y.Cols())}
		}
	}
	return nil
}

// checkGradients checks the step's loss and every parameter's gradient.
func (m *Sequential) checkGradients(lossSum *backend.Tensor) error {
	var l [1]float32
	if err := m.dev.Download(l[:], lossSum); err != nil {
		return fmt.Errorf("nn: %w", err)
	}
	if finite.First(l[:]) >= 0 {
		return &NonFiniteError{Loss: float64(l[0])}
	}
	if m.store.n == 0 {
		return nil
	}
	g := make([]float32, m.store.n)
	if err := m.dev.Download(g, m.store.grad); err != nil {
		return fmt.Errorf("nn: %w", err)
	}
	for i, ps := range m.params {
		for _, p := range ps {
			if j := finite.First(g[p.off : p.off+p.rows*p.cols]); j >= 0 {
				return &NonFiniteError{Loss: float64(l[0]), Where: fmt.Sprintf("layer %d (%v) gradient of %s (%g at [%d,%d])", i+1, m.layers[i], p.Name, g[p.off+j], j/p.cols, j%p.cols)}
			}
		}
	}
	return nil
}
