// Package benchcase defines, once, the workloads that every glnn benchmark
// measures: the GEMM shapes, the per-op cases and a training step of the
// reference model, each as a Case that sets itself up on any
// backend.Device. The go test benchmarks (backendtest.BenchmarkGEMM and
// its siblings) and the bench command run the same cases under the same
// names, so their numbers can be compared line by line.
//
// # The reference model
//
// Every size comes from the MNIST model that glnn's README trains:
// Flatten(28×28) → Dense(128, ReLU) → Dense(10, softmax), Adam, categorical
// cross-entropy, batch 32 unless a name says otherwise. Its 101,770
// parameters live in one tensor, so an optimizer step is one op.
//
// # Names
//
// Names are slash-separated, the operation first and then key=value pairs,
// so that go test's sub-benchmark names and benchstat's grouping work on
// them unchanged:
//
//	NN/m=32/n=128/k=784                 C = A·B,  A m×k, B k×n
//	TN/m=784/n=128/k=32                 C = Aᵀ·B (A stored k×m)
//	NT/m=32/n=784/k=128                 C = A·Bᵀ (B stored n×k)
//	AddBias-ReLU/rows=32/cols=128
//	Adam/params=101770
//	TrainStep/batch=32
//
// The bench command's -gemm flag takes GEMM names in this form.
//
// # Timing
//
// This package does not time anything and does not depend on package
// testing. A Case's op only queues work; whoever times it must end every
// timed loop with Device.Sync, so that an asynchronous device is charged
// for the work it queued.
package benchcase

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/glnn/glnn/backend"
)

// Sizes of the reference model and its data.
const (
	Inputs       = 28 * 28 // pixels of an MNIST image
	Hidden       = 128     // units of the hidden Dense layer
	Classes      = 10      // units of the output layer
	Batch        = 32      // the batch size of the per-op cases
	TrainSamples = 60000   // images in the MNIST training set: one epoch
	TestSamples  = 10000   // images in the MNIST test set
	// Params is the number of parameters of the reference model:
	// 784·128 + 128 + 128·10 + 10.
	Params = Inputs*Hidden + Hidden + Hidden*Classes + Classes
)

// Case is one workload: a name and a setup that allocates its tensors and
// returns the op to time.
type Case struct {
	// Name is the benchmark name, "AddBias-ReLU/rows=32/cols=128".
	Name string
	// Label and Shape describe the case in a table: "AddBias+ReLU",
	// "32×128".
	Label, Shape string
	// Setup allocates and fills the tensors of the case in a and returns
	// the op: op(i) queues the i-th call (i counts from 0; the Gather
	// offset and the Adam step follow it). If a.Err() is not nil after
	// Setup, the op must not be called.
	Setup func(a *Arena) (op func(i int))
}

// GFLOPS is the throughput of flops floating-point operations done in
// seconds, in units of 10⁹ per second.
func GFLOPS(flops, seconds float64) float64 {
	return flops / seconds / 1e9
}

// StepsPerEpoch is the number of training steps of one pass over the
// TrainSamples images at batch size batch (the last batch may be short).
func StepsPerEpoch(batch int) int {
	return (TrainSamples + batch - 1) / batch
}

// EpochSeconds is the time of one pass over the TrainSamples images
// implied by secondsPerStep at batch size batch.
func EpochSeconds(secondsPerStep float64, batch int) float64 {
	return secondsPerStep * float64(StepsPerEpoch(batch))
}

// Timer is an optional interface of a device that can measure the time
// its own clock says a group of ops took, as the GL backend does with a
// GL_TIME_ELAPSED query. Timed calls f, which queues ops, and returns gpu,
// the device time between the first and the last of them, and wall, the
// time until they had finished; err is any error the device reported
// meanwhile. gpu is the execution time without the launch and
// synchronisation costs a wall clock also sees.
//
// Benchmarks check for it with a type assertion, dev.(benchcase.Timer),
// and leave the device-time column empty when a device lacks it.
type Timer interface {
	Timed(f func()) (gpu, wall time.Duration, err error)
}

// Arena allocates tensors on one device for a case and releases them all
// at the end. The first error sticks: after it every allocation returns
// nil and Err reports it, so a setup can allocate everything and check
// once.
type Arena struct {
	dev  backend.Device
	rng  *rand.Rand
	list []*backend.Tensor
	err  error
}

// NewArena returns an empty arena on dev. Its random values come from a
// fixed seed, so every run fills the same values.
func NewArena(dev backend.Device) *Arena {
	return &Arena{dev: dev, rng: rand.New(rand.NewPCG(1, 2))}
}

// Device is the device the arena allocates on.
func (a *Arena) Device() backend.Device { return a.dev }

// Err is the first allocation error, or nil.
func (a *Arena) Err() error { return a.err }

// Zeros returns a zeroed rows×cols tensor.
func (a *Arena) Zeros(rows, cols int) *backend.Tensor {
	if a.err != nil {
		return nil
	}
	t, err := a.dev.Alloc(rows, cols)
	if err == nil && t == nil {
		err = errors.New("the device returned a nil tensor")
	}
	if err != nil {
		a.err = fmt.Errorf("allocating %d×%d: %w", rows, cols, err)
		return nil
	}
	a.list = append(a.list, t)
	return t
}

// Values returns a rows×cols tensor holding v (len(v) == rows·cols).
func (a *Arena) Values(rows, cols int, v []float32) *backend.Tensor {
	if a.err == nil && len(v) != rows*cols {
		a.err = fmt.Errorf("%d values for a %d×%d tensor", len(v), rows, cols)
	}
	t := a.Zeros(rows, cols)
	if t != nil {
		a.dev.Upload(t, v)
	}
	return t
}

// Func returns a rows×cols tensor whose element i (row-major) is f(i).
func (a *Arena) Func(rows, cols int, f func(i int) float32) *backend.Tensor {
	if a.err != nil {
		return nil
	}
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = f(i)
	}
	return a.Values(rows, cols, v)
}

// Random returns a rows×cols tensor of values drawn uniformly from
// [lo, hi).
func (a *Arena) Random(rows, cols int, lo, hi float32) *backend.Tensor {
	return a.Func(rows, cols, func(int) float32 { return lo + (hi-lo)*a.rng.Float32() })
}

// Perm returns a 1×n tensor holding a random permutation of 0…n−1, as
// float32 row indices for Gather.
func (a *Arena) Perm(n int) *backend.Tensor {
	p := a.rng.Perm(n)
	return a.Func(1, n, func(i int) float32 { return float32(p[i]) })
}

// Release frees every tensor the arena allocated. The arena can be used
// again afterwards.
func (a *Arena) Release() {
	for _, t := range a.list {
		a.dev.Release(t)
	}
	a.list, a.err = nil, nil
}
