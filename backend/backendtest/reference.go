package backendtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/glnn/glnn/backend"
)

// referenceJSON is a copy of ../shared/reference/mlp-4x7x5x3.json: PyTorch
// float64 values for a 4×7 → 5 (ReLU) → 3 (softmax) MLP.
//
//go:embed testdata/mlp-4x7x5x3.json
var referenceJSON []byte

// ReferenceMLP holds values computed by PyTorch in float64 for a small MLP:
// a batch of 4 inputs with 7 features, a Dense layer of 5 ReLU units and a
// Dense layer of 3 outputs trained with softmax + categorical cross-entropy.
// Dense layers compute y = x·W + b with W shaped inputs×outputs (Keras's
// layout); matrices are [row][col], rows first.
type ReferenceMLP struct {
	About  string          `json:"about"`  // how the values were made
	Seed   int             `json:"seed"`   // PyTorch seed of the random inputs
	Shapes ReferenceShapes `json:"shapes"` // batch 4, in 7, hidden 5, out 3

	X      [][]float64 `json:"x"`      // batch×in inputs
	Labels []int       `json:"labels"` // class of each input row
	OneHot [][]float64 `json:"onehot"` // batch×out one-hot Labels

	W1 [][]float64 `json:"W1"` // in×hidden initial weights of the hidden layer
	B1 []float64   `json:"b1"` // hidden initial biases of the hidden layer
	W2 [][]float64 `json:"W2"` // hidden×out initial weights of the output layer
	B2 []float64   `json:"b2"` // out initial biases of the output layer

	Z1      [][]float64 `json:"z1"`      // batch×hidden x·W1 + b1
	H       [][]float64 `json:"h"`       // batch×hidden relu(z1)
	Logits  [][]float64 `json:"logits"`  // batch×out h·W2 + b2
	Softmax [][]float64 `json:"softmax"` // batch×out softmax(logits), row-wise
	Loss    float64     `json:"loss"`    // batch mean of the cross-entropy
	DLogits [][]float64 `json:"dlogits"` // (softmax − onehot)/batch

	// Grad holds the gradients of Loss with respect to W1, b1, W2 and b2.
	Grad ReferenceParams `json:"grad"`
	// Elementwise holds activations and their vector-Jacobian products on
	// a batch×hidden input, and an MSE example.
	Elementwise ReferenceElementwise `json:"elementwise"`

	// SGD is one plain SGD step (lr 0.1) from the initial parameters.
	SGD ReferenceOptimizer `json:"sgd"`
	// Momentum is three SGD steps with momentum (lr 0.1, μ 0.9), gradients
	// recomputed at each step. PyTorch's and Keras's forms give the same
	// trajectory.
	Momentum ReferenceOptimizer `json:"sgd_momentum"`
	// AdamTorch is three Adam steps in PyTorch's form (ε added to the
	// bias-corrected √v̂), gradients recomputed at each step.
	AdamTorch ReferenceOptimizer `json:"adam_torch"`
	// AdamKeras is three Adam steps in Keras's form (the one
	// backend.Device.Adam implements: ε added to √v, bias correction folded
	// into the step size), gradients recomputed at each step.
	AdamKeras ReferenceOptimizer `json:"adam_keras"`
}

// ReferenceShapes are the MLP's sizes.
type ReferenceShapes struct {
	Batch  int `json:"batch"`
	In     int `json:"in"`
	Hidden int `json:"hidden"`
	Out    int `json:"out"`
}

// ReferenceParams is a value (or gradient) of the MLP's four parameters.
type ReferenceParams struct {
	W1 [][]float64 `json:"W1"` // in×hidden
	B1 []float64   `json:"b1"` // hidden
	W2 [][]float64 `json:"W2"` // hidden×out
	B2 []float64   `json:"b2"` // out
}

// ReferenceElementwise holds each activation applied to Input and its
// vector-Jacobian product with Upstream, plus an MSE example.
type ReferenceElementwise struct {
	Input    [][]float64         `json:"input"`    // batch×hidden (equal to Z1)
	Upstream [][]float64         `json:"upstream"` // batch×hidden upstream gradient dy
	ReLU     ReferenceActivation `json:"relu"`
	Sigmoid  ReferenceActivation `json:"sigmoid"`
	Tanh     ReferenceActivation `json:"tanh"`
	Softmax  ReferenceActivation `json:"softmax"` // row-wise
	MSE      ReferenceMSE        `json:"mse"`
}

// ReferenceActivation is y = act(Input) and dx = Upstream·∂y/∂Input.
type ReferenceActivation struct {
	Y  [][]float64 `json:"y"`
	DX [][]float64 `json:"dx"`
}

// ReferenceMSE is the mean squared error over all elements of Prediction
// against Target, and its gradient 2(prediction − target)/(rows·cols).
type ReferenceMSE struct {
	About       string      `json:"about"`
	Prediction  [][]float64 `json:"prediction"` // batch×out
	Target      [][]float64 `json:"target"`     // batch×out
	Loss        float64     `json:"loss"`
	DPrediction [][]float64 `json:"dprediction"` // batch×out
}

// ReferenceOptimizer is the state of the parameters after Steps steps of
// an optimizer from the initial parameters. Momentum is set for SGD; Beta1,
// Beta2 and Eps for Adam.
type ReferenceOptimizer struct {
	About    string          `json:"about"`
	LR       float64         `json:"lr"`
	Momentum float64         `json:"momentum"`
	Beta1    float64         `json:"beta1"`
	Beta2    float64         `json:"beta2"`
	Eps      float64         `json:"eps"`
	Steps    int             `json:"steps"`
	After    ReferenceParams `json:"after"`
}

// Reference parses the embedded PyTorch reference (a fresh copy each
// call) and checks its shapes.
func Reference() (*ReferenceMLP, error) {
	dec := json.NewDecoder(bytes.NewReader(referenceJSON))
	dec.DisallowUnknownFields()
	var r ReferenceMLP
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("backendtest: parsing testdata/mlp-4x7x5x3.json: %w", err)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("backendtest: testdata/mlp-4x7x5x3.json: %w", err)
	}
	return &r, nil
}

// Initial returns the parameters before any optimizer step.
func (r *ReferenceMLP) Initial() ReferenceParams {
	return ReferenceParams{W1: r.W1, B1: r.B1, W2: r.W2, B2: r.B2}
}

// Flat32 flattens a matrix row by row into float32 values, ready for
// Device.Upload.
func Flat32(m [][]float64) []float32 {
	var v []float32
	for _, row := range m {
		for _, x := range row {
			v = append(v, float32(x))
		}
	}
	return v
}

func flat64(m [][]float64) []float64 {
	var v []float64
	for _, row := range m {
		v = append(v, row...)
	}
	return v
}

func (r *ReferenceMLP) validate() error {
	s := r.Shapes
	if s.Batch < 1 || s.In < 1 || s.Hidden < 1 || s.Out < 1 {
		return fmt.Errorf("bad shapes %+v", s)
	}
	type mat struct {
		name       string
		m          [][]float64
		rows, cols int
	}
	mats := []mat{
		{"x", r.X, s.Batch, s.In}, {"onehot", r.OneHot, s.Batch, s.Out},
		{"W1", r.W1, s.In, s.Hidden}, {"W2", r.W2, s.Hidden, s.Out},
		{"z1", r.Z1, s.Batch, s.Hidden}, {"h", r.H, s.Batch, s.Hidden},
		{"logits", r.Logits, s.Batch, s.Out}, {"softmax", r.Softmax, s.Batch, s.Out},
		{"dlogits", r.DLogits, s.Batch, s.Out},
		{"elementwise.input", r.Elementwise.Input, s.Batch, s.Hidden},
		{"elementwise.upstream", r.Elementwise.Upstream, s.Batch, s.Hidden},
		{"mse.prediction", r.Elementwise.MSE.Prediction, s.Batch, s.Out},
		{"mse.target", r.Elementwise.MSE.Target, s.Batch, s.Out},
		{"mse.dprediction", r.Elementwise.MSE.DPrediction, s.Batch, s.Out},
	}
	for name, a := range map[string]ReferenceActivation{"relu": r.Elementwise.ReLU, "sigmoid": r.Elementwise.Sigmoid, "tanh": r.Elementwise.Tanh, "softmax": r.Elementwise.Softmax} {
		mats = append(mats, mat{name + ".y", a.Y, s.Batch, s.Hidden}, mat{name + ".dx", a.DX, s.Batch, s.Hidden})
	}
	params := map[string]ReferenceParams{"initial": r.Initial(), "grad": r.Grad, "sgd": r.SGD.After,
		"sgd_momentum": r.Momentum.After, "adam_torch": r.AdamTorch.After, "adam_keras": r.AdamKeras.After}
	for name, p := range params {
		mats = append(mats, mat{name + ".W1", p.W1, s.In, s.Hidden}, mat{name + ".W2", p.W2, s.Hidden, s.Out},
			mat{name + ".b1", [][]float64{p.B1}, 1, s.Hidden}, mat{name + ".b2", [][]float64{p.B2}, 1, s.Out})
	}
	for _, m := range mats {
		if len(m.m) != m.rows {
			return fmt.Errorf("%s has %d rows, want %d", m.name, len(m.m), m.rows)
		}
		for i, row := range m.m {
			if len(row) != m.cols {
				return fmt.Errorf("%s row %d has %d values, want %d", m.name, i, len(row), m.cols)
			}
		}
	}
	if len(r.Labels) != s.Batch {
		return fmt.Errorf("labels has %d values, want %d", len(r.Labels), s.Batch)
	}
	for _, o := range []ReferenceOptimizer{r.SGD, r.Momentum, r.AdamTorch, r.AdamKeras} {
		if o.Steps < 1 || o.LR <= 0 {
			return fmt.Errorf("optimizer block with %d steps, lr %g", o.Steps, o.LR)
		}
	}
	return nil
}

// RunReference builds the reference MLP from raw ops of dev and compares
// every forward value, the loss, every gradient, the element-wise block,
// MSE, and the SGD, momentum and Adam (Keras form) trajectories with the
// PyTorch float64 values, within float32 tolerances (1e-5 relative, 1e-6
// absolute). Each subtest checks that it releases every buffer.
func RunReference(t *testing.T, dev backend.Device) {
	ref, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	runFamilies(t, dev, []family{
		{"MLPForward", func(e *env) { refForward(e, ref) }},
		{"MLPBackward", func(e *env) { refBackward(e, ref) }},
		{"MLPElementwise", func(e *env) { refElementwise(e, ref) }},
		{"MLPMSE", func(e *env) { refMSE(e, ref) }},
		{"MLPSGD", func(e *env) { refOptimizer(e, ref, "sgd", ref.SGD) }},
		{"MLPMomentum", func(e *env) { refOptimizer(e, ref, "sgd_momentum", ref.Momentum) }},
		{"MLPAdam", func(e *env) { refOptimizer(e, ref, "adam_keras", ref.AdamKeras) }},
	})
}

// refNet is the reference MLP on a device.
type refNet struct {
	e   *env
	ref *ReferenceMLP

	x, onehot      *backend.Tensor
	w1, b1, w2, b2 *backend.Tensor
	z1, h, logits  *backend.Tensor
	lossSum        *backend.Tensor
	dlogits, dh    *backend.Tensor
	dz1            *backend.Tensor
	dw1, db1       *backend.Tensor
	dw2, db2       *backend.Tensor
}

func newRefNet(e *env, ref *ReferenceMLP) *refNet {
	s := ref.Shapes
	n := &refNet{e: e, ref: ref}
	n.x = e.upload(s.Batch, s.In, Flat32(ref.X))
	n.onehot = e.upload(s.Batch, s.Out, Flat32(ref.OneHot))
	n.w1 = e.upload(s.In, s.Hidden, Flat32(ref.W1))
	n.b1 = e.upload(1, s.Hidden, Flat32([][]float64{ref.B1}))
	n.w2 = e.upload(s.Hidden, s.Out, Flat32(ref.W2))
	n.b2 = e.upload(1, s.Out, Flat32([][]float64{ref.B2}))
	n.z1, n.h = e.garbage(s.Batch, s.Hidden), e.garbage(s.Batch, s.Hidden)
	n.logits = e.garbage(s.Batch, s.Out)
	n.lossSum = e.alloc(1, 1)
	n.dlogits, n.dh, n.dz1 = e.garbage(s.Batch, s.Out), e.garbage(s.Batch, s.Hidden), e.garbage(s.Batch, s.Hidden)
	n.dw1, n.db1 = e.garbage(s.In, s.Hidden), e.garbage(1, s.Hidden)
	n.dw2, n.db2 = e.garbage(s.Hidden, s.Out), e.garbage(1, s.Out)
	return n
}

// forward computes z1 = x·W1 + b1, h = relu(z1), logits = h·W2 + b2.
func (n *refNet) forward() {
	d := n.e.dev
	d.MatMul(n.z1, n.x, n.w1, backend.NoTrans, backend.NoTrans)
	d.AddBias(n.z1, n.z1, n.b1, backend.Identity)
	d.Activate(n.h, n.z1, backend.ReLU)
	d.MatMul(n.logits, n.h, n.w2, backend.NoTrans, backend.NoTrans)
	d.AddBias(n.logits, n.logits, n.b2, backend.Identity)
}

// backward computes the loss sum and every gradient from the forward
// values.
func (n *refNet) backward() {
	d := n.e.dev
	d.Fill(n.lossSum, 0)
	d.SoftmaxCrossEntropy(n.dlogits, n.lossSum, n.logits, n.onehot)
	d.MatMul(n.dw2, n.h, n.dlogits, backend.Trans, backend.NoTrans) // dW2 = hᵀ·dlogits
	d.SumRows(n.db2, n.dlogits)
	d.MatMul(n.dh, n.dlogits, n.w2, backend.NoTrans, backend.Trans) // dh = dlogits·W2ᵀ
	d.ActivationGrad(n.dz1, n.dh, n.z1, n.h, backend.ReLU)
	d.MatMul(n.dw1, n.x, n.dz1, backend.Trans, backend.NoTrans) // dW1 = xᵀ·dz1
	d.SumRows(n.db1, n.dz1)
}

// refTol is the float32 tolerance against the PyTorch float64 values.
var refTol = tol{1e-5, 1e-6}

func (e *env) refCheck(what string, x *backend.Tensor, want [][]float64) {
	e.t.Helper()
	e.near("reference MLP: "+what, x.Cols(), e.get(x), flat64(want), nil, refTol)
}

func (n *refNet) checkParams(what string, want ReferenceParams) {
	e := n.e
	e.t.Helper()
	e.refCheck(what+" W1", n.w1, want.W1)
	e.refCheck(what+" b1", n.b1, [][]float64{want.B1})
	e.refCheck(what+" W2", n.w2, want.W2)
	e.refCheck(what+" b2", n.b2, [][]float64{want.B2})
}

func refForward(e *env, ref *ReferenceMLP) {
	n := newRefNet(e, ref)
	n.forward()
	e.refCheck("z1 = x·W1 + b1 (MatMul, AddBias identity in place)", n.z1, ref.Z1)
	e.refCheck("h = relu(z1) (Activate)", n.h, ref.H)
	e.refCheck("logits = h·W2 + b2", n.logits, ref.Logits)

	// The fused route: h = relu(x·W1 + b1) in one AddBias.
	s := ref.Shapes
	xw, h2 := e.garbage(s.Batch, s.Hidden), e.garbage(s.Batch, s.Hidden)
	e.dev.MatMul(xw, n.x, n.w1, backend.NoTrans, backend.NoTrans)
	e.dev.AddBias(h2, xw, n.b1, backend.ReLU)
	e.refCheck("h = AddBias(x·W1, b1, relu) (fused)", h2, ref.H)

	p := e.garbage(s.Batch, s.Out)
	e.dev.Activate(p, n.logits, backend.Softmax)
	e.refCheck("softmax(logits) (Activate)", p, ref.Softmax)

	e.dev.SoftmaxCrossEntropy(n.dlogits, n.lossSum, n.logits, n.onehot)
	loss := float64(e.get(n.lossSum)[0]) / float64(s.Batch)
	e.near("reference MLP: loss = SoftmaxCrossEntropy lossSum / batch", 1, []float32{float32(loss)}, []float64{ref.Loss}, nil, refTol)
}

func refBackward(e *env, ref *ReferenceMLP) {
	n := newRefNet(e, ref)
	n.forward()
	n.backward()
	e.refCheck("dlogits (SoftmaxCrossEntropy)", n.dlogits, ref.DLogits)
	e.refCheck("dW2 = hᵀ·dlogits (MatMul transA)", n.dw2, ref.Grad.W2)
	e.refCheck("db2 (SumRows of dlogits)", n.db2, [][]float64{ref.Grad.B2})
	e.refCheck("dW1 = xᵀ·relu'(z1)⊙(dlogits·W2ᵀ) (MatMul transB, ActivationGrad relu, MatMul transA)", n.dw1, ref.Grad.W1)
	e.refCheck("db1 (SumRows of dz1)", n.db1, [][]float64{ref.Grad.B1})
}

func refElementwise(e *env, ref *ReferenceMLP) {
	el := ref.Elementwise
	r, c := len(el.Input), len(el.Input[0])
	x := e.upload(r, c, Flat32(el.Input))
	dy := e.upload(r, c, Flat32(el.Upstream))
	y, dx := e.garbage(r, c), e.garbage(r, c)
	for _, a := range []struct {
		act backend.Activation
		ref ReferenceActivation
	}{
		{backend.ReLU, el.ReLU}, {backend.Sigmoid, el.Sigmoid}, {backend.Tanh, el.Tanh}, {backend.Softmax, el.Softmax},
	} {
		e.dev.Activate(y, x, a.act)
		e.refCheck(fmt.Sprintf("elementwise %v: y = Activate(input)", a.act), y, a.ref.Y)
		e.dev.ActivationGrad(dx, dy, x, y, a.act)
		e.refCheck(fmt.Sprintf("elementwise %v: dx = ActivationGrad(y, upstream)", a.act), dx, a.ref.DX)
	}
}

func refMSE(e *env, ref *ReferenceMLP) {
	m := ref.Elementwise.MSE
	r, c := len(m.Prediction), len(m.Prediction[0])
	pred, target := e.upload(r, c, Flat32(m.Prediction)), e.upload(r, c, Flat32(m.Target))
	lossSum, dp := e.alloc(1, 1), e.garbage(r, c)
	e.dev.MeanSquaredError(dp, lossSum, pred, target)
	loss := float64(e.get(lossSum)[0]) / float64(r)
	e.near("reference MLP: MSE loss = MeanSquaredError lossSum / rows", 1, []float32{float32(loss)}, []float64{m.Loss}, nil, refTol)
	e.refCheck("MSE dprediction", dp, m.DPrediction)
}

// refOptimizer runs o.Steps steps of the optimizer named by the block
// (SGD, SGD with momentum, or Adam in the Keras form), recomputing the
// forward and backward pass before each step as the reference did, and
// compares the parameters with o.After.
func refOptimizer(e *env, ref *ReferenceMLP, name string, o ReferenceOptimizer) {
	n := newRefNet(e, ref)
	params := []*backend.Tensor{n.w1, n.b1, n.w2, n.b2}
	grads := []*backend.Tensor{n.dw1, n.db1, n.dw2, n.db2}
	var state1, state2 []*backend.Tensor // velocity, or Adam's m and v
	for _, p := range params {
		state1 = append(state1, e.alloc(p.Rows(), p.Cols()))
		state2 = append(state2, e.alloc(p.Rows(), p.Cols()))
	}
	lr := float32(o.LR)
	for step := 1; step <= o.Steps; step++ {
		n.forward()
		n.backward()
		for i, p := range params {
			switch {
			case o.Beta1 != 0: // Adam
				e.dev.Adam(p, grads[i], state1[i], state2[i], backend.AdamParams{
					LearningRate: lr, Beta1: float32(o.Beta1), Beta2: float32(o.Beta2), Epsilon: float32(o.Eps), Step: step})
			case o.Momentum != 0:
				e.dev.SGD(p, grads[i], state1[i], backend.SGDParams{LearningRate: lr, Momentum: float32(o.Momentum)})
			default:
				e.dev.SGD(p, grads[i], nil, backend.SGDParams{LearningRate: lr})
			}
		}
	}
	n.checkParams(fmt.Sprintf("%s after %d steps (lr %g, momentum %g, β1 %g, β2 %g, ε %g):", name, o.Steps, o.LR, o.Momentum, o.Beta1, o.Beta2, o.Eps), o.After)
}
