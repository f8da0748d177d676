package nn

import (
	"encoding/json"
	"fmt"

	"github.com/glnn/glnn/backend"
)

// layerSpec describes one of this package's layers well enough to rebuild
// it: what a checkpoint stores as the architecture.
type layerSpec struct {
	Type       string `json:"type"`                 // "dense", "activation", "flatten", "input"
	Units      int    `json:"units,omitempty"`      // dense
	Activation string `json:"activation,omitempty"` // dense, activation
	Dims       []int  `json:"dims,omitempty"`       // flatten, input
}

// specOf returns the spec of one of this package's layers, or false for a
// layer written elsewhere.
func specOf(l Layer) (layerSpec, bool) {
	switch l := l.(type) {
	case *dense:
		act, err := backend.ParseActivation(l.activation)
		if err != nil {
			return layerSpec{}, false
		}
		return layerSpec{Type: "dense", Units: l.units, Activation: act.String()}, true
	case *activationLayer:
		return layerSpec{Type: "activation", Activation: l.act.String()}, true
	case *reshape:
		return layerSpec{Type: l.name, Dims: l.dims}, true
	}
	return layerSpec{}, false
}

// layer rebuilds the layer a spec describes.
func (s layerSpec) layer() (Layer, error) {
	switch s.Type {
	case "dense":
		if _, err := backend.ParseActivation(s.Activation); err != nil {
			return nil, err
		}
		return Dense(s.Units, s.Activation), nil
	case "activation":
		act, err := backend.ParseActivation(s.Activation)
		if err != nil {
			return nil, err
		}
		return Activation(act), nil
	case "flatten":
		return Flatten(s.Dims...), nil
	case "input":
		if len(s.Dims) != 1 {
			return nil, fmt.Errorf("input layer with %d dimensions, want 1", len(s.Dims))
		}
		return Input(s.Dims[0]), nil
	}
	return nil, fmt.Errorf("unknown layer type %q", s.Type)
}

// optimizerSpec describes an optimizer and its settings.
type optimizerSpec struct {
	Type         string  `json:"type"` // "adam" or "sgd"
	LearningRate float32 `json:"learning_rate"`
	Momentum     float32 `json:"momentum,omitempty"`
	Beta1        float32 `json:"beta1,omitempty"`
	Beta2        float32 `json:"beta2,omitempty"`
	Epsilon      float32 `json:"epsilon,omitempty"`
}

func specOfOptimizer(o Optimizer) (optimizerSpec, error) {
	switch o := o.(type) {
	case *AdamOptimizer:
		return optimizerSpec{Type: "adam", LearningRate: o.LearningRate, Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon}, nil
	case *SGDOptimizer:
		return optimizerSpec{Type: "sgd", LearningRate: o.LearningRate, Momentum: o.Momentum}, nil
	}
	return optimizerSpec{}, fmt.Errorf("optimizer %v cannot be saved", o)
}

func (s optimizerSpec) optimizer() (Optimizer, error) {
	var o Optimizer
	switch s.Type {
	case "adam":
		o = &AdamOptimizer{LearningRate: s.LearningRate, Beta1: s.Beta1, Beta2: s.Beta2, Epsilon: s.Epsilon}
	case "sgd":
		o = &SGDOptimizer{LearningRate: s.LearningRate, Momentum: s.Momentum}
	default:
		return nil, fmt.Errorf("unknown optimizer type %q", s.Type)
	}
	return o, o.validate()
}

// slotNames name an optimizer's state slots in checkpoints.
func slotNames(o Optimizer) []string {
	switch o.(type) {
	case *AdamOptimizer:
		return []string{"m", "v"}
	case *SGDOptimizer:
		if o.slots() == 1 {
			return []string{"velocity"}
		}
	}
	return nil
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are marshalled here
	}
	return string(b)
}

// parseJSON decodes a metadata value strictly.
func parseJSON(s string, v any) error {
	dec := json.NewDecoder(stringReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}
