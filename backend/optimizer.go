package backend

import "math"

// SGDParams are the settings of one SGD step, in the Keras form: with
// Momentum 0, param −= LearningRate·grad; otherwise
// velocity = Momentum·velocity − LearningRate·grad and param += velocity.
type SGDParams struct {
	LearningRate float32
	Momentum     float32
}

// AdamParams are the settings of one Adam step, in the Keras form (ε added
// to √v, outside the bias correction), for step Step ≥ 1:
//
//	m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//	param −= lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε)
type AdamParams struct {
	LearningRate float32
	Beta1, Beta2 float32
	Epsilon      float32
	// Step counts the updates from 1, for the bias correction.
	Step int
}

// StepSize returns the bias-corrected step size
// lr·√(1−β2^t)/(1−β1^t), computed in float64.
func (h AdamParams) StepSize() float64 {
	b1t := math.Pow(float64(h.Beta1), float64(h.Step))
	b2t := math.Pow(float64(h.Beta2), float64(h.Step))
	return float64(h.LearningRate) * math.Sqrt(1-b2t) / (1 - b1t)
}

func finite32(vs ...float32) bool {
	for _, v := range vs {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}
