package backend

// Activation names an activation function that devices apply and
// differentiate.
type Activation int

// The activations every device implements.
const (
	Identity Activation = iota // f(x) = x
	ReLU                       // f(x) = max(0, x)
	Sigmoid                    // f(x) = 1 / (1 + e^-x)
	Tanh                       // f(x) = tanh(x)
	Softmax                    // row-wise, max-subtracted: f(x)_ij = e^(x_ij - m_i) / Σ_k e^(x_ik - m_i)
)

var activationNames = [...]string{"identity", "relu", "sigmoid", "tanh", "softmax"}

// String returns the activation's lower-case name.
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return "activation(?)"
}

// ParseActivation maps a name such as "relu" (or "" / "linear" for Identity)
// to its Activation.
func ParseActivation(name string) (Activation, bool) {
	switch name {
	case "", "linear":
		return Identity, true
	}
	for i, n := range activationNames {
		if n == name {
			return Activation(i), true
		}
	}
	return 0, false
}

// Elementwise reports whether the activation acts on each element alone
// (every activation but Softmax).
func (a Activation) Elementwise() bool { return a != Softmax }

// Info describes an open device.
type Info struct {
	Backend  string `json:"backend"`            // registry name of the implementation: "cpu" or "gl"
	Name     string `json:"name"`               // human-readable device name
	Vendor   string `json:"vendor,omitempty"`   // GL_VENDOR, or the CPU vendor where known
	Renderer string `json:"renderer,omitempty"` // GL_RENDERER, or the CPU model where known
	Version  string `json:"version,omitempty"`  // GL version string, or the Go version for the CPU
	Context  string `json:"context,omitempty"`  // how the GL context was made: "egl-device", "egl-surfaceless", "egl-default", "glfw"; empty for the CPU
	Software bool   `json:"software"`           // a software rasteriser (llvmpipe, softpipe, swrast, SwiftShader)
	Threads  int    `json:"threads,omitempty"`  // worker threads (CPU)
}

// String describes the device on one line: name, version, context, and
// whether it is a software renderer.
func (i Info) String() string {
	s := i.Name
	if i.Version != "" {
		s += ", " + i.Version
	}
	if i.Context != "" {
		s += ", context " + i.Context
	}
	if i.Software {
		s += " (software renderer)"
	}
	return s
}

// Device is a compute backend. All tensors passed to a device must have been
// allocated by it. Ops may run asynchronously: they are ordered with respect
// to each other, but an error they meet may only be reported by the next
// Sync, Download or Close. A Device is used from one goroutine at a time.
//
// In the op signatures the output comes first. Unless an op says otherwise,
// an output may not alias an input.
type Device interface {
	// Info describes the device.
	Info() Info

	// Alloc returns a zeroed rows×cols tensor.
	Alloc(rows, cols int) (*Tensor, error)
	// Upload copies len(src) == t.Len() values from host memory into t. The
	// caller may reuse src as soon as Upload returns.
	Upload(t *Tensor, src []float32)
	// Download copies t into dst (len(dst) == t.Len()), waiting for every
	// op before it, and reports any deferred device error.
	Download(t *Tensor, dst []float32) error
	// Release frees t. Releasing a view panics; releasing twice panics.
	Release(t *Tensor)
	// LiveBuffers is the number of tensors allocated and not yet released.
	LiveBuffers() int

	// Fill sets every element of t to v.
	Fill(t *Tensor, v float32)
	// Copy copies src into dst, which must have the same number of elements.
	Copy(dst, src *Tensor)

	// MatMul computes c = op(a)·op(b), or c += op(a)·op(b) when accumulate
	// is set, where op(x) is xᵀ when the matching trans flag is set.
	// op(a) is m×k, op(b) is k×n and c is m×n.
	MatMul(c, a, b *Tensor, transA, transB, accumulate bool)
	// AddBias computes y = act(x + bias), bias (1×cols) broadcast over rows.
	// act must be element-wise. y may be x.
	AddBias(y, x, bias *Tensor, act Activation)
	// SumRows computes dst (1×cols) = Σ over rows of src, or adds it to dst
	// when accumulate is set: the gradient of AddBias with respect to bias.
	SumRows(dst, src *Tensor, accumulate bool)

	// Activate computes y = act(x). y may be x.
	Activate(act Activation, y, x *Tensor)
	// ActivationGrad computes dx = dy·∂act/∂x from the activation's output
	// y = act(x) and the upstream gradient dy (the vector-Jacobian product;
	// row-wise for Softmax). dx may be dy.
	ActivationGrad(act Activation, dx, y, dy *Tensor)

	// SoftmaxCrossEntropy is softmax followed by categorical cross-entropy,
	// fused. With p = softmax(logits) and t = targets (rows of one-hot or
	// probability vectors), it writes dLogits = (p − t)/rows (the gradient of
	// the batch-mean loss) and adds Σ_rows −Σ_j t_ij·log p_ij to
	// lossSum[0] (1×1), so the loss stays on the device. dLogits may be
	// logits.
	SoftmaxCrossEntropy(dLogits, lossSum, logits, targets *Tensor)
	// MeanSquaredError writes dPred = 2(pred − target)/(rows·cols) (the
	// gradient of the mean over all elements) and adds Σ_rows of each
	// row's mean squared error to lossSum[0] (1×1). dPred may be pred.
	MeanSquaredError(dPred, lossSum, pred, target *Tensor)
	// CountCorrect adds to correct[0] (1×1) the number of rows whose
	// arg-max in pred equals the arg-max in targets (first index on ties).
	CountCorrect(correct, pred, targets *Tensor)
	// ArgMax writes into dst (rows×1) the column index of each row's
	// maximum of src (first index on ties), as a float32.
	ArgMax(dst, src *Tensor)
	// Gather copies rows of src into dst: dst row i = src row
	// indices[offset+i], where indices is a tensor holding row numbers as
	// float32 values (exact below 2^24).
	Gather(dst, src, indices *Tensor, offset int)

	// SGD updates param with its gradient (Keras form). With momentum 0,
	// param −= lr·grad and velocity may be nil; otherwise
	// velocity = momentum·velocity − lr·grad; param += velocity.
	SGD(param, grad, velocity *Tensor, lr, momentum float32)
	// Adam updates param with its gradient in the Keras form, for step
	// t ≥ 1: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
	// param −= lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε).
	Adam(param, grad, m, v *Tensor, lr, beta1, beta2, eps float32, t int)

	// Sync waits for every enqueued op and reports the first deferred error.
	Sync() error
	// Close releases the device. Tensors still allocated are freed.
	Close() error
}
