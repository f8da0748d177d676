package backendtest

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
)

var optimShapes = [][2]int{{1, 1}, {7, 33}, {129, 65}, {300, 301}}

func testSGD(e *env) {
	for _, momentum := range []float32{0, 0.9} {
		for _, s := range optimShapes {
			r, c := s[0], s[1]
			const lr = float32(0.05)
			pd := e.uniform(r*c, -1, 1)
			param := e.upload(r, c, pd)
			grad := e.alloc(r, c)
			var velocity *backend.Tensor
			if momentum != 0 {
				velocity = e.alloc(r, c) // zeroed, as before the first step
			}
			p, v := to64(pd), make([]float64, r*c)
			mu, l := float64(momentum), float64(lr)
			for step := 1; step <= 4; step++ {
				gd := e.uniform(r*c, -1, 1)
				e.dev.Upload(grad, gd)
				e.dev.SGD(param, grad, velocity, backend.SGDParams{LearningRate: lr, Momentum: momentum})
				for i := range p {
					if momentum == 0 {
						p[i] -= l * float64(gd[i])
					} else {
						v[i] = mu*v[i] - l*float64(gd[i])
						p[i] += v[i]
					}
				}
				what := fmt.Sprintf("SGD %s lr=%g momentum=%g (velocity nil: %v) after step %d", shape(r, c), lr, momentum, velocity == nil, step)
				e.near(what+": param", c, e.get(param), p, nil, tolElem)
				if velocity != nil {
					e.near(what+": velocity", c, e.get(velocity), v, nil, tolElem)
				}
				e.exact(what+" leaves grad", c, e.get(grad), gd)
			}
			e.release(param)
			e.release(grad)
			if velocity != nil {
				e.release(velocity)
			}
		}
	}
}

// adamConfigs are Keras's defaults and a set far from them (so a device
// that ignores its arguments fails).
var adamConfigs = []struct {
	lr, beta1, beta2, eps float32
	steps                 int
}{
	{0.01, 0.9, 0.999, 1e-7, 3},
	{0.05, 0.8, 0.99, 1e-3, 2},
}

func testAdam(e *env) {
	for _, cfg := range adamConfigs {
		for _, s := range optimShapes {
			r, c := s[0], s[1]
			pd := e.uniform(r*c, -1, 1)
			param, grad := e.upload(r, c, pd), e.alloc(r, c)
			m, v := e.alloc(r, c), e.alloc(r, c)
			p, m64, v64 := to64(pd), make([]float64, r*c), make([]float64, r*c)
			// mScale is m's recurrence run on magnitudes: the size of the
			// rounding error m carries, since m may cancel to ~0 while
			// earlier steps' errors persist.
			mScale := make([]float64, r*c)
			b1, b2, eps := float64(cfg.beta1), float64(cfg.beta2), float64(cfg.eps)
			for step := 1; step <= cfg.steps; step++ {
				gd := e.uniform(r*c, -1, 1)
				// Some gradients are tiny, where ε dominates √v and the
				// Keras form (ε outside the bias correction) differs
				// from PyTorch's by far more than the tolerance; some are 0.
				for i := range gd {
					switch i % 5 {
					case 1:
						gd[i] *= 1e-6
					case 3:
						if step == 1 {
							gd[i] = 0
						}
					}
				}
				e.dev.Upload(grad, gd)
				e.dev.Adam(param, grad, m, v, backend.AdamParams{
					LearningRate: cfg.lr, Beta1: cfg.beta1, Beta2: cfg.beta2, Epsilon: cfg.eps, Step: step})
				// Keras's update, written out independently of
				// AdamParams.StepSize: the bias corrections of m and v
				// folded into the step, ε added to √v.
				lrT := float64(cfg.lr) * math.Sqrt(1-math.Pow(b2, float64(step))) / (1 - math.Pow(b1, float64(step)))
				for i := range p {
					g := float64(gd[i])
					mScale[i] = b1*mScale[i] + (1-b1)*math.Abs(g)
					m64[i] = b1*m64[i] + (1-b1)*g
					v64[i] = b2*v64[i] + (1-b2)*g*g
					p[i] -= lrT * m64[i] / (math.Sqrt(v64[i]) + eps)
				}
				what := fmt.Sprintf("Adam %s lr=%g β1=%g β2=%g ε=%g after step t=%d (Keras form)", shape(r, c), cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, step)
				e.near(what+": param", c, e.get(param), p, nil, tolElem)
				e.near(what+": m", c, e.get(m), m64, mScale, tol{1e-5, 1e-12})
				e.near(what+": v", c, e.get(v), v64, nil, tol{1e-5, 1e-18})
				e.exact(what+" leaves grad", c, e.get(grad), gd)
			}
			for _, x := range []*backend.Tensor{param, grad, m, v} {
				e.release(x)
			}
		}
	}
}
