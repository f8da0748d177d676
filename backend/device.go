package backend

import "strconv"

// Device is a compute backend: memory, and the ops a neural network's
// training step is made of. Tensors are float32, row-major and 2-D.
//
// # Order and errors
//
// Ops may run asynchronously: they run in the order they were called, and
// an error that only the device sees (a bad Gather index, a driver error)
// is reported by the next Download or Sync. A fault that leaves a device
// unusable (a GPU context lost in a reset, memory exhausted while running
// ops, a GPU that does not finish within the device's time limit) is an
// error wrapping ErrDeviceLost from the next Sync or Download, and from
// every later Sync, Download and Alloc, never silently wrong numbers. In
// every op the outputs come first.
//
// # The contract every backend keeps (checked for each by backendtest)
//
//   - Misuse seen on the calling goroutine is a programmer error and
//     panics with the op's name and the shapes: shapes that do not fit, a
//     nil tensor, a tensor of another device or one already released, an
//     unknown activation, an output that shares storage with an input
//     (except where an op says "may be"), and any op on a closed device.
//   - Release of a view, or of a released tensor, panics; Release after
//     Close does nothing (Close freed every tensor).
//   - Alloc, Download and Sync on a closed device, and a second Close,
//     return an error wrapping ErrClosed.
//   - A Gather row index that is negative, fractional or past the end of
//     src zeroes that row of dst; the next Sync or Download reports
//     ErrBadIndex.
//   - A device is used from one goroutine at a time; an op that starts
//     while another runs panics (ErrConcurrentUse). Separate devices may be
//     used concurrently.
type Device interface {
	// Info describes the device.
	Info() Info
	// Sync waits for every op called so far and reports the first
	// deferred error.
	Sync() error
	// Close waits for the queued ops, frees every tensor still allocated
	// and releases the device. It returns the last deferred error.
	Close() error

	// Alloc returns a zeroed rows×cols tensor.
	Alloc(rows, cols int) (*Tensor, error)
	// Release frees a tensor from Alloc (views go with it).
	Release(t *Tensor)
	// LiveBuffers is the number of tensors allocated and not released.
	LiveBuffers() int
	// Upload copies src (len(src) == dst.Len()) into dst; src may be
	// reused as soon as Upload returns.
	Upload(dst *Tensor, src []float32)
	// Download copies src into dst (len(dst) == src.Len()) after every op
	// before it, and reports any deferred error.
	Download(dst []float32, src *Tensor) error
	// Fill sets every element of dst to v.
	Fill(dst *Tensor, v float32)
	// Copy copies src into dst (the same number of elements).
	Copy(dst, src *Tensor)
	// Gather copies rows of src into dst: row i of dst = row
	// indices[offset+i] of src, the indices held as float32 row numbers.
	Gather(dst, src, indices *Tensor, offset int)

	// MatMul computes c = op(a)·op(b), where op(x) is x or xᵀ as tA and
	// tB say; op(a) is m×k, op(b) is k×n and c is m×n.
	MatMul(c, a, b *Tensor, tA, tB Transpose)
	// AddBias computes y = act(x + bias) for an element-wise act, bias
	// (1×cols) broadcast over the rows. y may be x.
	AddBias(y, x, bias *Tensor, act Activation)
	// SumRows computes dst (1×cols) = the sum of src's rows: the gradient
	// of AddBias with respect to bias.
	SumRows(dst, src *Tensor)

	// Activate computes y = act(x); Softmax is row-wise. y may be x.
	Activate(y, x *Tensor, act Activation)
	// ActivationGrad computes dx = dy·∂act(x)/∂x (row-wise for Softmax)
	// from the activation's input x and output y = act(x). It reads x
	// when act.GradNeedsInput() and y otherwise; the other may be nil.
	// dx may be dy.
	ActivationGrad(dx, dy, x, y *Tensor, act Activation)

	// SoftmaxCrossEntropy is softmax followed by categorical cross-entropy,
	// fused: with p = softmax(logits) and t = targets (rows of one-hot or
	// probability vectors), dLogits = (p − t)/rows, the gradient of the
	// batch-mean loss, and lossSum (1×1) += Σ_rows −Σ_j t_ij·log p_ij, so
	// the loss stays on the device. dLogits may be logits.
	SoftmaxCrossEntropy(dLogits, lossSum, logits, targets *Tensor)
	// MeanSquaredError writes dPred = 2(pred − target)/(rows·cols), the
	// gradient of the mean over all elements, and adds Σ_rows of each
	// row's mean squared error to lossSum (1×1). dPred may be pred.
	MeanSquaredError(dPred, lossSum, pred, target *Tensor)
	// CountCorrect adds to correct (1×1) the number of rows whose arg-max
	// in pred equals the arg-max in targets (first index on ties).
	CountCorrect(correct, pred, targets *Tensor)
	// ArgMax writes into dst (rows×1) the column of each row's maximum in
	// src (first index on ties), as a float32.
	ArgMax(dst, src *Tensor)

	// SGD updates param with its gradient (Keras form): see SGDParams.
	// velocity may be nil when the momentum is 0.
	SGD(param, grad, velocity *Tensor, h SGDParams)
	// Adam updates param with its gradient and moments m and v (Keras
	// form): see AdamParams.
	Adam(param, grad, m, v *Tensor, h AdamParams)
}

// Transpose says whether an operand of MatMul enters the product as it is
// stored or transposed (gonum's blas.Transpose is the model).
type Transpose byte

// The two transposes.
const (
	NoTrans Transpose = 'N' // op(x) = x
	Trans   Transpose = 'T' // op(x) = xᵀ
)

// String returns "N" or "T".
func (t Transpose) String() string {
	switch t {
	case NoTrans, Trans:
		return string(rune(t))
	}
	return "Transpose(" + strconv.Itoa(int(t)) + ")"
}

// Info describes an open device.
type Info struct {
	Backend  string `json:"backend"`            // registry name of the implementation: "cpu" or "gl"
	Name     string `json:"name"`               // human-readable device name
	Vendor   string `json:"vendor,omitempty"`   // GL_VENDOR, or the CPU vendor where known
	Renderer string `json:"renderer,omitempty"` // GL_RENDERER, or the CPU model where known
	Version  string `json:"version,omitempty"`  // GL version string, or the Go version for the CPU
	Context  string `json:"context,omitempty"`  // how the GL context was made: "egl-device", "egl-surfaceless", "egl-default", "glfw"; empty for the CPU
	Kernel   string `json:"kernel,omitempty"`   // the CPU's GEMM micro-kernel ("avx512", "avx2", "go")
	Software bool   `json:"software"`           // a software rasteriser (llvmpipe, softpipe, swrast, SwiftShader)
	Threads  int    `json:"threads,omitempty"`  // worker threads (CPU)
	// MaxOpBytes is the most bytes a tensor may span in an op other than
	// Upload, Download, Copy, Fill and Gather's src, which take any tensor
	// Alloc gives; 0 means no limit beyond Alloc's. The GL backend sets
	// it to GL_MAX_SHADER_STORAGE_BLOCK_SIZE (128 MiB on llvmpipe), and
	// package nn checks a model's tensors against it before allocating.
	MaxOpBytes int64 `json:"max_op_bytes,omitempty"`
	// Notes say how the device was chosen, for people: on the GL backend
	// the EGL devices found and how they are numbered as GPUs (after
	// CUDA_VISIBLE_DEVICES), which GPU this is, and why each route tried
	// before it failed, such as the NVIDIA device that did not initialise
	// before the run fell back to llvmpipe.
	Notes []string `json:"notes,omitempty"`
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

// Adopter is implemented by devices whose memory is host memory (the CPU
// backend): Adopt returns a rows×cols tensor whose storage is data itself,
// with no copy, so that a large data set is held once (or an op's output
// lands where the caller wants it). The device only reads an adopted
// tensor's elements unless an op writes it; the caller must not change
// data while the tensor is live, and sees what ops wrote into it once Sync
// (or Release) returns: as on any device, an op may still be pending when
// the call returns. Release forgets the tensor and leaves data to the
// caller.
type Adopter interface {
	Adopt(rows, cols int, data []float32) (*Tensor, error)
}
