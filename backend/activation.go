package backend

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ActivationKind names an activation function.
type ActivationKind uint8

// The activation functions every device implements. Their values are what
// the OpenGL shaders receive (as the generated ACT_* constants).
const (
	KindIdentity  ActivationKind = iota // f(x) = x
	KindReLU                            // f(x) = max(0, x)
	KindLeakyReLU                       // f(x) = x for x > 0, α·x otherwise
	KindSigmoid                         // f(x) = 1 / (1 + e^-x)
	KindTanh                            // f(x) = tanh(x)
	KindGELU                            // f(x) = x·Φ(x) = x/2·(1 + erf(x/√2)), the exact form
	KindSoftmax                         // row-wise, max-subtracted: f(x)_ij = e^(x_ij − m_i) / Σ_k e^(x_ik − m_i)
	numKinds
)

// kindInfo is what the rest of the system needs to know of a kind.
type kindInfo struct {
	name string
	// rowWise: the function mixes the values of a row (softmax).
	rowWise bool
	// gradInput: the derivative is computed from the input x; otherwise
	// from the output y = f(x).
	gradInput bool
	// alpha: the default parameter, for kinds that take one.
	alpha    float32
	hasAlpha bool
}

var kinds = [numKinds]kindInfo{
	KindIdentity:  {name: "identity"},
	KindReLU:      {name: "relu"},
	KindLeakyReLU: {name: "leaky_relu", gradInput: true, alpha: 0.2, hasAlpha: true},
	KindSigmoid:   {name: "sigmoid"},
	KindTanh:      {name: "tanh"},
	KindGELU:      {name: "gelu", gradInput: true},
	KindSoftmax:   {name: "softmax", rowWise: true},
}

// Kinds lists every activation kind, in order.
func Kinds() []ActivationKind {
	out := make([]ActivationKind, numKinds)
	for i := range out {
		out[i] = ActivationKind(i)
	}
	return out
}

// String returns the kind's lower-case name ("leaky_relu").
func (k ActivationKind) String() string {
	if k < numKinds {
		return kinds[k].name
	}
	return "activation(" + strconv.Itoa(int(k)) + ")"
}

// Activation is an activation function with its parameter: a value, so
// that LeakyReLU can carry its slope. Compare activations with ==.
type Activation struct {
	Kind ActivationKind
	// Alpha is LeakyReLU's slope for x < 0; 0 for the other kinds.
	Alpha float32
}

// The parameterless activations.
var (
	Identity = Activation{Kind: KindIdentity}
	ReLU     = Activation{Kind: KindReLU}
	Sigmoid  = Activation{Kind: KindSigmoid}
	Tanh     = Activation{Kind: KindTanh}
	GELU     = Activation{Kind: KindGELU}
	Softmax  = Activation{Kind: KindSoftmax}
)

// LeakyReLU returns the leaky rectifier with slope alpha for x < 0 (Keras's
// leaky_relu activation uses 0.2, its LeakyReLU layer 0.3).
func LeakyReLU(alpha float32) Activation { return Activation{Kind: KindLeakyReLU, Alpha: alpha} }

// String returns the activation's name, with its parameter where it has
// one: "relu", "leaky_relu(0.1)".
func (a Activation) String() string {
	if a.Kind < numKinds && kinds[a.Kind].hasAlpha {
		return fmt.Sprintf("%s(%g)", a.Kind, a.Alpha)
	}
	return a.Kind.String()
}

// Elementwise reports whether the activation acts on each element alone
// (every activation but Softmax).
func (a Activation) Elementwise() bool { return a.Kind < numKinds && !kinds[a.Kind].rowWise }

// GradNeedsInput reports whether the activation's derivative is computed
// from its input x (LeakyReLU, GELU) rather than its output y; see
// Device.ActivationGrad.
func (a Activation) GradNeedsInput() bool { return a.Kind < numKinds && kinds[a.Kind].gradInput }

// Valid reports whether a is a known kind with a finite parameter.
func (a Activation) Valid() bool {
	if a.Kind >= numKinds {
		return false
	}
	if kinds[a.Kind].hasAlpha {
		return !math.IsNaN(float64(a.Alpha)) && !math.IsInf(float64(a.Alpha), 0)
	}
	return a.Alpha == 0
}

// ParseActivation maps a name to its Activation: "linear" (or "") for
// Identity, "relu", "leaky_relu" (slope 0.2, as Keras's activation) or
// "leaky_relu(0.1)", "sigmoid", "tanh", "gelu", "softmax".
func ParseActivation(name string) (Activation, error) {
	s := strings.ToLower(strings.TrimSpace(name))
	if s == "" || s == "linear" {
		return Identity, nil
	}
	base, arg, hasArg := strings.Cut(s, "(")
	for k, info := range kinds {
		if info.name != base {
			continue
		}
		a := Activation{Kind: ActivationKind(k), Alpha: info.alpha}
		if !hasArg {
			return a, nil
		}
		if !info.hasAlpha {
			return Activation{}, fmt.Errorf("activation %q: %s takes no parameter", name, info.name)
		}
		v, err := strconv.ParseFloat(strings.TrimSuffix(arg, ")"), 32)
		a.Alpha = float32(v)
		if !strings.HasSuffix(arg, ")") || err != nil || !a.Valid() {
			return Activation{}, fmt.Errorf("activation %q: want a finite number in the parentheses, as in %s(0.1)", name, info.name)
		}
		return a, nil
	}
	names := []string{"linear"}
	for _, info := range kinds {
		if info.name != "identity" {
			names = append(names, info.name)
		}
	}
	return Activation{}, fmt.Errorf("unknown activation %q (want %s)", name, strings.Join(names, ", "))
}
