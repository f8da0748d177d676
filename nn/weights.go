package nn

import "fmt"

// Weight is one parameter tensor of a model, copied to host memory.
type Weight struct {
	Layer      int    // index of the layer in the model, from 0
	Name       string // "kernel" (inputs×units) or "bias" (1×units)
	Rows, Cols int
	Data       []float32 // row-major, Rows·Cols values
}

// Weights copies every parameter of a compiled model to host memory, in
// layer order.
func (m *Sequential) Weights() ([]Weight, error) {
	m.enter("Weights")
	defer m.exit()
	if m.dev == nil {
		return nil, ErrNotCompiled
	}
	var ws []Weight
	for i := range m.layers {
		for _, p := range m.params[i] {
			w := Weight{Layer: i, Name: p.Name, Rows: p.rows, Cols: p.cols, Data: make([]float32, p.rows*p.cols)}
			if err := m.dev.Download(w.Data, p.Value); err != nil {
				return nil, fmt.Errorf("nn: %w", err)
			}
			ws = append(ws, w)
		}
	}
	return ws, nil
}

// SetWeights replaces the parameters of a compiled model with ws, which
// must match Weights in order and shapes.
func (m *Sequential) SetWeights(ws []Weight) error {
	m.enter("SetWeights")
	defer m.exit()
	if m.dev == nil {
		return ErrNotCompiled
	}
	k := 0
	for i := range m.layers {
		for _, p := range m.params[i] {
			if k >= len(ws) {
				return fmt.Errorf("nn: SetWeights: %d weights given, the model has more", len(ws))
			}
			w := ws[k]
			if w.Layer != i || w.Name != p.Name || w.Rows != p.rows || w.Cols != p.cols || len(w.Data) != p.rows*p.cols {
				return fmt.Errorf("nn: SetWeights: weight %d is layer %d %s %d×%d (%d values), the model wants layer %d %s %d×%d",
					k, w.Layer, w.Name, w.Rows, w.Cols, len(w.Data), i, p.Name, p.rows, p.cols)
			}
			k++
		}
	}
	if k != len(ws) {
		return fmt.Errorf("nn: SetWeights: %d weights given, the model has %d", len(ws), k)
	}
	k = 0
	for i := range m.layers {
		for _, p := range m.params[i] {
			m.dev.Upload(p.Value, ws[k].Data)
			k++
		}
	}
	return nil
}

// Label is an integer type that can hold class labels.
type Label interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// OneHot encodes class labels as rows of classes values, 1 at the label's
// index and 0 elsewhere. A label outside [0, classes) is an error.
func OneHot[L Label](labels []L, classes int) ([]float32, error) {
	if classes < 1 {
		return nil, fmt.Errorf("nn: OneHot: %d classes", classes)
	}
	out := make([]float32, len(labels)*classes)
	for i, l := range labels {
		if l < 0 || uint64(l) >= uint64(classes) {
			return nil, fmt.Errorf("nn: OneHot: label %d at index %d is outside [0, %d)", l, i, classes)
		}
		out[i*classes+int(l)] = 1
	}
	return out, nil
}
