package nn

import (
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/cpu"
)

// TestModelConcurrentUse: a call on a model while another runs on it (as
// from a second goroutine) panics naming the rule, and the model works
// once the first call is done.
func TestModelConcurrentUse(t *testing.T) {
	dev, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	m := NewSequential(Input(2), Dense(2, "softmax"))
	if err := m.Compile(dev, Adam(0.1), CategoricalCrossEntropy, CompileOptions{}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	m.enter("Fit") // a Fit is running
	func() {
		defer func() {
			msg, _ := recover().(string)
			if !strings.Contains(msg, "Predict") || !strings.Contains(msg, "two goroutines at once") {
				t.Errorf("Predict during a Fit: panic %q", msg)
			}
		}()
		m.Predict([]float32{1, 2}, 0)
	}()
	m.exit()
	if _, err := m.Predict([]float32{1, 2}, 0); err != nil {
		t.Errorf("Predict after the Fit ended: %v", err)
	}
}
