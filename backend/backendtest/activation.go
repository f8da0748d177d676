package backendtest

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
)

// allActs is every activation kind, LeakyReLU with a slope other than its
// default (so a device that ignores the parameter fails), and
// elementwiseActs all but Softmax.
var allActs, elementwiseActs = func() (all, elem []backend.Activation) {
	for _, k := range backend.Kinds() {
		a := backend.Activation{Kind: k}
		if k == backend.KindLeakyReLU {
			a = backend.LeakyReLU(0.13)
		}
		all = append(all, a)
		if a.Elementwise() {
			elem = append(elem, a)
		}
	}
	return all, elem
}()

// act64 is the float64 reference of an element-wise activation, and
// dact64 its derivative at x.
func act64(act backend.Activation, x float64) float64 {
	switch act.Kind {
	case backend.KindIdentity:
		return x
	case backend.KindReLU:
		return math.Max(0, x)
	case backend.KindLeakyReLU:
		if x > 0 {
			return x
		}
		return float64(act.Alpha) * x
	case backend.KindSigmoid:
		return 1 / (1 + math.Exp(-x))
	case backend.KindTanh:
		return math.Tanh(x)
	case backend.KindGELU:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	}
	panic("act64: no element-wise reference for " + act.String())
}

func dact64(act backend.Activation, x float64) float64 {
	switch act.Kind {
	case backend.KindIdentity:
		return 1
	case backend.KindReLU:
		if x > 0 {
			return 1
		}
		return 0
	case backend.KindLeakyReLU:
		if x > 0 {
			return 1
		}
		return float64(act.Alpha)
	case backend.KindSigmoid:
		s := act64(act, x)
		return s * (1 - s)
	case backend.KindTanh:
		t := math.Tanh(x)
		return 1 - t*t
	case backend.KindGELU:
		return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
	}
	panic("dact64: no element-wise reference for " + act.String())
}

// activate64 applies act to a rows×cols matrix in float64 (row-wise for
// Softmax).
func activate64(act backend.Activation, x []float64, cols int) []float64 {
	y := make([]float64, len(x))
	if act.Elementwise() {
		for i, v := range x {
			y[i] = act64(act, v)
		}
		return y
	}
	for r := 0; r < len(x); r += cols {
		copy(y[r:r+cols], softmax64(x[r:r+cols]))
	}
	return y
}

func softmax64(z []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, v)
	}
	p := make([]float64, len(z))
	s := 0.0
	for j, v := range z {
		p[j] = math.Exp(v - m)
		s += p[j]
	}
	for j := range p {
		p[j] /= s
	}
	return p
}

// logSumExp64 is log Σ e^z, computed without overflow.
func logSumExp64(z []float64) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, v)
	}
	s := 0.0
	for _, v := range z {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// extreme is a 4×6 input whose values overflow a naive exp, tanh or
// softmax in float32; every activation must stay finite on it.
var extreme = []float32{
	1000, -1000, 999, 0, 1e-4, -3,
	-1000, -1000, -1000, -1000, -1000, -1000,
	100, -100, 89, -89, 88.7, -88.7,
	50, -50, 20, -20, 10, -1e-4,
}

const extremeRows, extremeCols = 4, 6

// actGrad64 is the analytic vector-Jacobian product dx = dy·∂act/∂x at x,
// with y = act(x) for Softmax (row by row).
func actGrad64(act backend.Activation, x, y, dy []float64, cols int) []float64 {
	dx := make([]float64, len(dy))
	if act.Elementwise() {
		for i := range dx {
			dx[i] = dy[i] * dact64(act, x[i])
		}
		return dx
	}
	for r := 0; r < len(y); r += cols {
		dot := 0.0
		for j := r; j < r+cols; j++ {
			dot += dy[j] * y[j]
		}
		for j := r; j < r+cols; j++ {
			dx[j] = y[j] * (dy[j] - dot)
		}
	}
	return dx
}

// fdStep is the step of the central finite differences, taken in float64.
const fdStep = 1e-5

// actGradFD is dy·∂act/∂x by central finite differences of the float64
// forward activation at x (row by row for Softmax: the derivative of
// Σ_k dy_k·softmax(x)_k with respect to each x_j).
func actGradFD(act backend.Activation, x, dy []float64, cols int) []float64 {
	dx := make([]float64, len(x))
	if act.Elementwise() {
		for i, v := range x {
			dx[i] = dy[i] * (act64(act, v+fdStep) - act64(act, v-fdStep)) / (2 * fdStep)
		}
		return dx
	}
	for r := 0; r < len(x); r += cols {
		row := append([]float64(nil), x[r:r+cols]...)
		upstream := dy[r : r+cols]
		f := func() float64 {
			s := 0.0
			for k, p := range softmax64(row) {
				s += upstream[k] * p
			}
			return s
		}
		for j := range row {
			v := row[j]
			row[j] = v + fdStep
			plus := f()
			row[j] = v - fdStep
			minus := f()
			row[j] = v
			dx[r+j] = (plus - minus) / (2 * fdStep)
		}
	}
	return dx
}

func testActivate(e *env) {
	for _, act := range allActs {
		for _, s := range elemShapes {
			r, c := s[0], s[1]
			for _, inPlace := range []bool{false, true} {
				xd := e.uniform(r*c, -4, 4)
				e.checkActivate(act, r, c, xd, inPlace, "")
			}
		}
		e.checkActivate(act, extremeRows, extremeCols, extreme, false, "extreme inputs (±1000, ±89 …) ")
		e.checkActivate(act, extremeRows, extremeCols, extreme, true, "extreme inputs (±1000, ±89 …) ")
	}
}

func (e *env) checkActivate(act backend.Activation, r, c int, xd []float32, inPlace bool, label string) {
	e.t.Helper()
	x := e.upload(r, c, xd)
	y := x
	if !inPlace {
		y = e.garbage(r, c)
	}
	e.dev.Activate(y, x, act)
	what := fmt.Sprintf("Activate %v %s%s in-place=%v: y", act, label, shape(r, c), inPlace)
	tl := tolElem
	if label != "" {
		tl = tolExtreme
	}
	e.near(what, c, e.get(y), activate64(act, to64(xd), c), nil, tl)
	if !inPlace {
		e.exact(what+" leaves x", c, e.get(x), xd)
		e.release(y)
	}
	e.release(x)
}

func testActivationGrad(e *env) {
	for _, act := range allActs {
		for _, s := range elemShapes {
			r, c := s[0], s[1]
			var xd []float32
			if act.Kind == backend.KindReLU || act.Kind == backend.KindLeakyReLU {
				xd = e.awayFromZero(r*c, 0.05, 4) // finite differences must not straddle the kink
			} else {
				xd = e.uniform(r*c, -4, 4)
			}
			for _, inPlace := range []bool{false, true} {
				e.checkActivationGrad(act, r, c, xd, e.uniform(r*c, -1, 1), inPlace, true)
			}
		}
		e.checkActivationGrad(act, extremeRows, extremeCols, extreme, e.uniform(extremeRows*extremeCols, -1, 1), false, false)
		e.checkActivationGrad(act, extremeRows, extremeCols, extreme, e.uniform(extremeRows*extremeCols, -1, 1), true, false)
	}
}

// checkActivationGrad runs ActivationGrad on x, y = act(x) (computed in
// float64 and rounded) and upstream dy, comparing with the analytic
// reference and, if fd, with finite differences of the forward op. The
// tensor act does not read is passed as nil every other call.
func (e *env) checkActivationGrad(act backend.Activation, r, c int, xd, dyd []float32, inPlace, fd bool) {
	e.t.Helper()
	x64 := to64(xd)
	yd := to32(activate64(act, x64, c))
	x, y := e.upload(r, c, xd), e.upload(r, c, yd)
	dy := e.upload(r, c, dyd)
	dx := dy
	if !inPlace {
		dx = e.garbage(r, c)
	}
	xArg, yArg := x, y
	if inPlace { // the other half of the calls: nil for the unread one
		if act.GradNeedsInput() {
			yArg = nil
		} else {
			xArg = nil
		}
	}
	e.dev.ActivationGrad(dx, dy, xArg, yArg, act)
	what := fmt.Sprintf("ActivationGrad %v %s in-place(dx==dy)=%v: dx", act, shape(r, c), inPlace)
	if !fd {
		what = fmt.Sprintf("ActivationGrad %v on extreme inputs %s in-place(dx==dy)=%v: dx", act, shape(r, c), inPlace)
	}
	got := e.get(dx)
	tl := tolElem
	if !fd {
		tl = tolExtreme
	}
	e.near(what+" vs analytic reference", c, got, actGrad64(act, x64, to64(yd), to64(dyd), c), nil, tl)
	if fd {
		e.near(what+" vs finite differences of the forward op", c, got, actGradFD(act, x64, to64(dyd), c), nil, tolElem)
	}
	e.exact(what+" leaves x", c, e.get(x), xd)
	e.exact(what+" leaves y", c, e.get(y), yd)
	if !inPlace {
		e.exact(what+" leaves dy", c, e.get(dy), dyd)
		e.release(dx)
	}
	e.release(x)
	e.release(y)
	e.release(dy)
}

// isFinite reports whether every value is finite.
func isFinite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
