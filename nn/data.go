package nn

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/internal/finite"
)

// dataset is a labelled data set on the device.
type dataset struct {
	n       int
	x, y    *backend.Tensor
	indices *backend.Tensor
}

// upload puts x and y (y may be nil) on the device: adopted without a copy
// where the device's memory is host memory (backend.Adopter), uploaded
// otherwise. The caller must not change x or y until release.
func (m *Sequential) upload(what string, x, y []float32) (*dataset, error) {
	n, err := m.checkData(what, x, y, true)
	if err != nil {
		return nil, err
	}
	d := &dataset{n: n}
	put := func(rows, cols int, v []float32) (*backend.Tensor, error) {
		if a, ok := m.dev.(backend.Adopter); ok {
			return a.Adopt(rows, cols, v)
		}
		t, err := m.dev.Alloc(rows, cols)
		if err == nil {
			m.dev.Upload(t, v)
		}
		return t, err
	}
	if d.x, err = put(n, m.in, x); err != nil {
		return nil, fmt.Errorf("nn: %s: %w", what, err)
	}
	if y != nil {
		if d.y, err = put(n, m.out, y); err != nil {
			d.release(m.dev)
			return nil, fmt.Errorf("nn: %s: %w", what, err)
		}
	}
	if d.indices, err = m.dev.Alloc(n, 1); err != nil {
		d.release(m.dev)
		return nil, fmt.Errorf("nn: %s: %w", what, err)
	}
	idx := make([]float32, n)
	for i := range idx {
		idx[i] = float32(i)
	}
	m.dev.Upload(d.indices, idx)
	return d, nil
}

func (d *dataset) release(dev backend.Device) {
	for _, t := range []*backend.Tensor{d.x, d.y, d.indices} {
		if t != nil {
			dev.Release(t)
		}
	}
}

// checkData validates x and y (nil for inputs alone) against the model and
// returns the number of samples: whole samples, finite values, and for
// categorical cross-entropy targets that are probability rows.
func (m *Sequential) checkData(what string, x, y []float32, scanX bool) (int, error) {
	if len(x) == 0 {
		return 0, fmt.Errorf("nn: %s: no samples", what)
	}
	if len(x)%m.in != 0 {
		return 0, fmt.Errorf("nn: %s: %d input values are not a whole number of samples of %d features (the model's input size)", what, len(x), m.in)
	}
	n := len(x) / m.in
	if n >= 1<<24 {
		return 0, fmt.Errorf("nn: %s: %d samples is more than the 16,777,215 a data set may hold", what, n)
	}
	if scanX {
		if err := nonFiniteInput(what, x, m.in, 0); err != nil {
			return 0, err
		}
	}
	if y == nil {
		return n, nil
	}
	if len(y) != n*m.out {
		return 0, fmt.Errorf("nn: %s: %d samples need %d×%d = %d target values, got %d", what, n, n, m.out, n*m.out, len(y))
	}
	if i := finite.First(y); i >= 0 {
		return 0, fmt.Errorf("nn: %s: sample %d has a non-finite target (%g at output %d)", what, i/m.out, y[i], i%m.out)
	}
	if m.loss == CategoricalCrossEntropy {
		for i := 0; i < n; i++ {
			sum := 0.0
			for _, v := range y[i*m.out : (i+1)*m.out] {
				if !(v >= 0 && v <= 1) {
					return 0, fmt.Errorf("nn: %s: target row %d has value %g outside [0, 1]; categorical cross-entropy wants one-hot rows (see nn.OneHot)", what, i, v)
				}
				sum += float64(v)
			}
			if math.Abs(sum-1) > 1e-3 {
				return 0, fmt.Errorf("nn: %s: target row %d sums to %g, not 1; categorical cross-entropy wants one-hot rows (see nn.OneHot)", what, i, sum)
			}
		}
	}
	return n, nil
}
