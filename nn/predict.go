package nn

import (
	"errors"
	"fmt"

	"github.com/glnn/glnn/backend"
)

// evaluate computes the mean loss and accuracy over a device data set.
func (m *Sequential) evaluate(d *dataset, batch int) (loss, acc float64, err error) {
	if err := m.ensureBatch(batch); err != nil {
		return 0, 0, err
	}
	m.dev.Fill(m.lossSum, 0)
	m.dev.Fill(m.correct, 0)
	for off := 0; off < d.n; off += batch {
		n := min(batch, d.n-off)
		m.dev.Gather(m.xb.Rows(n), d.x, d.indices, off)
		m.dev.Gather(m.yb.Rows(n), d.y, d.indices, off)
		m.lossAndMetrics(m.forward(n, false), n, m.lossSum)
	}
	return m.readMetrics(d.n)
}

// readMetrics reads the loss sum and correct count, as means over n.
func (m *Sequential) readMetrics(n int) (loss, acc float64, err error) {
	var buf [1]float32
	if err := m.dev.Download(buf[:], m.lossSum); err != nil {
		return 0, 0, fmt.Errorf("nn: %w", err)
	}
	loss = float64(buf[0]) / float64(n)
	if err := m.dev.Download(buf[:], m.correct); err != nil {
		return 0, 0, fmt.Errorf("nn: %w", err)
	}
	return loss, float64(buf[0]) / float64(n), nil
}

// Evaluate returns the model's mean loss and accuracy (the share of
// samples whose largest output is at the index of the target's largest
// value) on x and y, in batches of batchSize (0 means 32).
func (m *Sequential) Evaluate(x, y []float32, batchSize int) (loss, accuracy float64, err error) {
	m.enter("Evaluate")
	defer m.exit()
	if m.dev == nil {
		return 0, 0, ErrNotCompiled
	}
	if batchSize < 0 {
		return 0, 0, fmt.Errorf("nn: Evaluate: batch size is %d, want at least 1", batchSize)
	}
	if batchSize == 0 {
		batchSize = 32
	}
	if y == nil {
		return 0, 0, errors.New("nn: Evaluate: no targets")
	}
	if n := len(x) / max(m.in, 1); n > 0 { // before uploading anything
		if err := m.checkBatch(min(batchSize, n)); err != nil {
			return 0, 0, err
		}
	}
	d, err := m.upload("evaluation data", x, y)
	if err != nil {
		return 0, 0, err
	}
	defer d.release(m.dev)
	return m.evaluate(d, min(batchSize, d.n))
}

// Predict returns the model's outputs for x (samples × InputSize()) as a
// samples × OutputSize() slice, computed in batches of batchSize (0 means
// 32). A softmax output layer gives class probabilities. An input that is
// NaN or infinite is an error that names the first such sample.
func (m *Sequential) Predict(x []float32, batchSize int) ([]float32, error) {
	m.enter("Predict")
	defer m.exit()
	if m.dev == nil {
		return nil, ErrNotCompiled
	}
	if batchSize < 0 {
		return nil, fmt.Errorf("nn: Predict: batch size is %d, want at least 1", batchSize)
	}
	if batchSize == 0 {
		batchSize = 32
	}
	const what = "prediction input"
	screen := m.screens() // else the input is scanned here
	n, err := m.checkData(what, x, nil, !screen)
	if err != nil {
		return nil, err
	}
	batch := min(batchSize, n)
	if err := m.ensureBatch(batch); err != nil {
		return nil, err
	}
	if screen {
		if err := m.screenState.prepare(m.dev, what, m.widths[m.first]); err != nil {
			return nil, fmt.Errorf("nn: %w", err)
		}
	}
	out := make([]float32, n*m.out)
	for off := 0; off < n; off += batch {
		b := min(batch, n-off)
		if err := m.predictBatch(out[off*m.out:(off+b)*m.out], x[off*m.in:(off+b)*m.in], off, b, screen); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// predictBatch writes into dst the outputs for the b samples x, the first
// of them sample first. On a device whose memory is host memory
// (backend.Adopter) the input is used where it is, and a softmax output
// is written straight into dst; screen says whether the first layer
// checks the input (see inputScreen).
func (m *Sequential) predictBatch(dst, x []float32, first, b int, screen bool) error {
	adopter, adopts := m.dev.(backend.Adopter)
	var h *backend.Tensor
	if adopts {
		in, err := adopter.Adopt(b, m.in, x)
		if err != nil {
			return fmt.Errorf("nn: %w", err)
		}
		defer m.dev.Release(in)
		if screen {
			m.screenState.begin(x, first, m.in)
			m.screen = &m.screenState
		}
		h = m.forwardFrom(in, false)
		m.screen = nil
	} else {
		m.dev.Upload(m.xb.Rows(b), x)
		h = m.forward(b, false)
	}
	if screen {
		if err := m.screenState.verify(m.dev); err != nil {
			return err
		}
	}
	var err error
	switch {
	case m.head && adopts:
		var p *backend.Tensor
		if p, err = adopter.Adopt(b, m.out, dst); err != nil {
			break
		}
		m.dev.Activate(p, h, backend.Softmax)
		err = m.dev.Sync()
		m.dev.Release(p)
	case m.head:
		p := m.pb.Rows(b)
		m.dev.Activate(p, h, backend.Softmax)
		err = m.dev.Download(dst, p)
	default:
		err = m.dev.Download(dst, h)
	}
	if err != nil {
		return fmt.Errorf("nn: %w", err)
	}
	return nil
}
