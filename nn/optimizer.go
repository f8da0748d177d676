package nn

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
)

// Optimizer updates a model's parameters from their gradients. Make one
// with SGD or Adam.
type Optimizer interface {
	// String describes the optimizer and its settings.
	String() string
	// slots is how many state tensors per parameter the optimizer keeps.
	slots() int
	// validate reports settings that cannot work.
	validate() error
	// step applies one update to every parameter of the store; t counts
	// steps from 1.
	step(dev backend.Device, s *paramStore, t int)
}

// SGDOptimizer is stochastic gradient descent with optional momentum, in
// the Keras form: v = momentum·v − lr·g; w += v (plain w −= lr·g when
// Momentum is 0).
type SGDOptimizer struct {
	LearningRate float32
	Momentum     float32
}

// SGD returns plain gradient descent (momentum 0) or SGD with momentum.
func SGD(learningRate, momentum float32) *SGDOptimizer {
	return &SGDOptimizer{LearningRate: learningRate, Momentum: momentum}
}

// String describes the optimizer.
func (o *SGDOptimizer) String() string {
	return fmt.Sprintf("sgd(lr=%g, momentum=%g)", o.LearningRate, o.Momentum)
}

func (o *SGDOptimizer) slots() int {
	if o.Momentum != 0 {
		return 1
	}
	return 0
}

func (o *SGDOptimizer) validate() error {
	if !(o.LearningRate > 0) || math.IsInf(float64(o.LearningRate), 0) {
		return fmt.Errorf("%v: learning rate must be positive and finite", o)
	}
	if !(o.Momentum >= 0 && o.Momentum < 1) {
		return fmt.Errorf("%v: momentum must be in [0, 1)", o)
	}
	return nil
}

func (o *SGDOptimizer) step(dev backend.Device, s *paramStore, _ int) {
	dev.SGD(s.value, s.grad, s.state[0], backend.SGDParams{LearningRate: o.LearningRate, Momentum: o.Momentum})
}

// AdamOptimizer is Adam with Keras's bias correction (ε added to √v, not
// to the corrected √v̂).
type AdamOptimizer struct {
	LearningRate float32
	Beta1, Beta2 float32
	Epsilon      float32
}

// Adam returns the Adam optimizer with the Keras defaults β1 = 0.9,
// β2 = 0.999 and ε = 1e-7 (Keras's default learning rate is 0.001).
func Adam(learningRate float32) *AdamOptimizer {
	return &AdamOptimizer{LearningRate: learningRate, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
}

// String describes the optimizer.
func (o *AdamOptimizer) String() string {
	return fmt.Sprintf("adam(lr=%g, beta1=%g, beta2=%g, epsilon=%g)", o.LearningRate, o.Beta1, o.Beta2, o.Epsilon)
}

func (o *AdamOptimizer) slots() int { return 2 }

func (o *AdamOptimizer) validate() error {
	switch {
	case !(o.LearningRate > 0) || math.IsInf(float64(o.LearningRate), 0):
		return fmt.Errorf("%v: learning rate must be positive and finite", o)
	case !(o.Beta1 >= 0 && o.Beta1 < 1), !(o.Beta2 >= 0 && o.Beta2 < 1):
		return fmt.Errorf("%v: betas must be in [0, 1)", o)
	case !(o.Epsilon > 0) || math.IsInf(float64(o.Epsilon), 0):
		return fmt.Errorf("%v: epsilon must be positive and finite", o)
	}
	return nil
}

func (o *AdamOptimizer) step(dev backend.Device, s *paramStore, t int) {
	dev.Adam(s.value, s.grad, s.state[0], s.state[1], backend.AdamParams{
		LearningRate: o.LearningRate, Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon, Step: t})
}

// Loss is a training objective.
type Loss int

// The losses a model can be compiled with.
const (
	// CategoricalCrossEntropy is −Σ t·log p averaged over the batch, for
	// one-hot (or probability) targets. The last layer must be a softmax
	// (Dense(n, "softmax") or Softmax()); training runs through the fused
	// softmax + cross-entropy op.
	CategoricalCrossEntropy Loss = iota
	// MeanSquaredError is the mean over all outputs of (prediction − target)².
	MeanSquaredError
)

// String names the loss.
func (l Loss) String() string {
	switch l {
	case CategoricalCrossEntropy:
		return "categorical_crossentropy"
	case MeanSquaredError:
		return "mse"
	}
	return fmt.Sprintf("loss(%d)", int(l))
}
