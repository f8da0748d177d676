package nn

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// reshape declares the shape of each sample; it passes data through.
type reshape struct {
	name string
	dims []int
}

// Flatten declares that each sample is an array of the given dimensions
// (for MNIST, Flatten(28, 28)) and passes it on as one row of their product.
// As the first layer it gives the model its input size; elsewhere it checks
// that the previous layer's width matches.
func Flatten(dims ...int) Layer { return &reshape{name: "flatten", dims: dims} }

// Input declares the number of input features. It is needed as the first
// layer when the model does not start with Flatten.
func Input(features int) Layer { return &reshape{name: "input", dims: []int{features}} }

func (r *reshape) String() string {
	s := r.name + "("
	for i, d := range r.dims {
		if i > 0 {
			s += "×"
		}
		s += fmt.Sprint(d)
	}
	return s + ")"
}

func (r *reshape) Build(_ *Builder, in int) (int, error) {
	if len(r.dims) == 0 {
		return 0, fmt.Errorf("%v: needs at least one dimension", r)
	}
	n := 1
	for _, d := range r.dims {
		if d <= 0 {
			return 0, fmt.Errorf("%v: dimensions must be positive", r)
		}
		if n > maxWidth/d {
			return 0, fmt.Errorf("%v: more than %d values per sample", r, maxWidth)
		}
		n *= d
	}
	if in != 0 && in != n {
		return 0, fmt.Errorf("%v expects %d values per sample, but the previous layer gives %d", r, n, in)
	}
	return n, nil
}

func (r *reshape) Forward(_ *Pass, x *backend.Tensor) *backend.Tensor { return x }

func (r *reshape) Backward(_ *Pass, _, dy *backend.Tensor) *backend.Tensor { return dy }
