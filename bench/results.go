package main

import (
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/benchcase"
)

// Report holds every result of a run; it is also the -json output.
type Report struct {
	GoVersion  string    `json:"go_version"`
	OS         string    `json:"os"`
	Arch       string    `json:"arch"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	NumCPU     int       `json:"num_cpu"`
	Reps       int       `json:"reps"`
	Started    time.Time `json:"started"`
	Seconds    float64   `json:"seconds"`
	// Shapes are the GEMM names measured, in order
	// ("TN/m=784/n=128/k=32").
	Shapes  []string `json:"gemm_shapes"`
	Batches []int    `json:"batches"`
	// InferBatch is the batch size of the inference runs.
	InferBatch int `json:"inference_batch"`
	// Baseline is the device the ratio_vs_cpu fields divide by: "cpu", or
	// the first cpu row (cpu/avx512…) when -kernels named several.
	Baseline string          `json:"baseline,omitempty"`
	Devices  []*DeviceResult `json:"devices"`
}

// DeviceResult is what one device gave.
type DeviceResult struct {
	// Device is the row's name: "cpu", "cpu/avx2" (one of -kernels),
	// "gpu" or "gonum".
	Device    string `json:"device"`
	Available bool   `json:"available"`
	// Reason says why the device could not be opened.
	Reason string        `json:"reason,omitempty"`
	Info   *backend.Info `json:"info,omitempty"`
	// Error is set when a measurement failed; the results before it stand.
	Error        string            `json:"error,omitempty"`
	TrainSamples int               `json:"train_samples,omitempty"`
	GEMM         []GEMMResult      `json:"gemm,omitempty"`
	Ops          []OpResult        `json:"ops,omitempty"`
	Train        []TrainResult     `json:"train,omitempty"`
	Inference    []InferenceResult `json:"inference,omitempty"`
}

// GEMMResult is one MatMul shape on one device.
type GEMMResult struct {
	Shape      string  `json:"shape"` // the benchcase name, "NN/m=32/n=128/k=784"
	M          int     `json:"m"`
	N          int     `json:"n"`
	K          int     `json:"k"`
	TransA     bool    `json:"trans_a"`
	TransB     bool    `json:"trans_b"`
	Seconds    float64 `json:"seconds"` // median per product
	GFLOPS     float64 `json:"gflops"`
	Iterations int     `json:"iterations"` // products per timed loop
	// RatioToFastest is GFLOPS over the fastest device's on this shape (1
	// for the fastest).
	RatioToFastest float64 `json:"ratio_to_fastest,omitempty"`
}

// OpResult is one per-op case on one device.
type OpResult struct {
	Op           string  `json:"op"`           // the benchcase name, "AddBias-ReLU/rows=32/cols=128"
	Label        string  `json:"label"`        // "AddBias+ReLU"
	Shape        string  `json:"shape"`        // "32×128"
	Microseconds float64 `json:"microseconds"` // median wall time per call
	// TimerMicroseconds is the median time per call by the device's own
	// clock (benchcase.Timer: GL_TIME_ELAPSED); absent when the device
	// has no timer.
	TimerMicroseconds float64 `json:"timer_microseconds,omitempty"`
	Iterations        int     `json:"iterations"`
}

// TrainResult is one end-to-end training measurement.
type TrainResult struct {
	Batch            int     `json:"batch"`
	Samples          int     `json:"samples"`
	Epochs           int     `json:"epochs"`  // epochs timed; the median is reported
	Seconds          float64 `json:"seconds"` // median epoch time
	SamplesPerSecond float64 `json:"samples_per_second"`
	FullEpochSeconds float64 `json:"full_epoch_seconds"` // projected for 60000 samples
	// RatioVsCPU is this device's throughput over the baseline's at the
	// same batch size, when both were measured (absent on the baseline).
	RatioVsCPU *float64 `json:"ratio_vs_cpu,omitempty"`
	Loss       float64  `json:"loss"`     // of the last timed epoch
	Accuracy   float64  `json:"accuracy"` // of the last timed epoch
}

// InferenceResult is one inference throughput measurement: Predict on the
// MNIST test images.
type InferenceResult struct {
	Batch            int     `json:"batch"`
	Samples          int     `json:"samples"`
	Reps             int     `json:"reps"`
	Seconds          float64 `json:"seconds"` // median time of one Predict over all the samples
	SamplesPerSecond float64 `json:"samples_per_second"`
	// RatioVsCPU is as in TrainResult.
	RatioVsCPU *float64 `json:"ratio_vs_cpu,omitempty"`
}

// newGEMMResult is the result of shape g timed at seconds per product.
func newGEMMResult(g benchcase.GEMM, seconds float64, iters int) GEMMResult {
	return GEMMResult{
		Shape: g.Name(), M: g.M, N: g.N, K: g.K,
		TransA: g.TA == backend.Trans, TransB: g.TB == backend.Trans,
		Seconds: seconds, GFLOPS: benchcase.GFLOPS(g.Flops(), seconds), Iterations: iters,
	}
}

// newTrainResult is the result of epochs of n samples at batch size batch
// whose median took seconds.
func newTrainResult(batch, n, epochs int, seconds float64) TrainResult {
	sps := float64(n) / seconds
	return TrainResult{
		Batch: batch, Samples: n, Epochs: epochs, Seconds: seconds, SamplesPerSecond: sps,
		FullEpochSeconds: benchcase.TrainSamples / sps,
	}
}

// newInferenceResult is the result of Predict on n samples at batch size
// batch whose median took seconds.
func newInferenceResult(batch, n, reps int, seconds float64) InferenceResult {
	return InferenceResult{Batch: batch, Samples: n, Reps: reps, Seconds: seconds, SamplesPerSecond: float64(n) / seconds}
}

// failures lists the devices whose measurements failed.
func (r *Report) failures() []string {
	var out []string
	for _, d := range r.Devices {
		if d.Error != "" {
			out = append(out, d.Device+": "+d.Error)
		}
	}
	return out
}

// device returns the result of the named device if it was measured, or
// nil.
func (r *Report) device(name string) *DeviceResult {
	for _, d := range r.Devices {
		if d.Device == name && d.Available {
			return d
		}
	}
	return nil
}

// available lists the devices that were measured.
func (r *Report) available() []*DeviceResult {
	var out []*DeviceResult
	for _, d := range r.Devices {
		if d.Available {
			out = append(out, d)
		}
	}
	return out
}

// baseline is the device the ratios divide by: "cpu" if it was measured,
// else the first measured row of the cpu backend, else nil.
func (r *Report) baseline() *DeviceResult {
	if d := r.device("cpu"); d != nil {
		return d
	}
	for _, d := range r.available() {
		if d.Info != nil && d.Info.Backend == "cpu" {
			return d
		}
	}
	return nil
}

// compare fills the ratios: each GEMM result over the fastest device on
// its shape, and each device's training and inference throughput over the
// baseline's at the same batch size.
func (r *Report) compare() {
	fastest := map[string]float64{}
	for _, d := range r.Devices {
		for _, g := range d.GEMM {
			fastest[g.Shape] = max(fastest[g.Shape], g.GFLOPS)
		}
	}
	for _, d := range r.Devices {
		for i, g := range d.GEMM {
			if f := fastest[g.Shape]; f > 0 {
				d.GEMM[i].RatioToFastest = g.GFLOPS / f
			}
		}
	}

	base := r.baseline()
	r.Baseline = ""
	if base == nil {
		return
	}
	r.Baseline = base.Device
	for _, d := range r.Devices {
		if d == base {
			continue
		}
		for i, t := range d.Train {
			d.Train[i].RatioVsCPU = ratio(t.SamplesPerSecond, t.Batch, base.Train, func(b TrainResult) (int, float64) { return b.Batch, b.SamplesPerSecond })
		}
		for i, t := range d.Inference {
			d.Inference[i].RatioVsCPU = ratio(t.SamplesPerSecond, t.Batch, base.Inference, func(b InferenceResult) (int, float64) { return b.Batch, b.SamplesPerSecond })
		}
	}
}

// ratio is sps over the baseline's throughput at batch, or nil when the
// baseline has none.
func ratio[T any](sps float64, batch int, base []T, of func(T) (int, float64)) *float64 {
	for _, b := range base {
		if bb, bs := of(b); bb == batch && bs > 0 {
			v := sps / bs
			return &v
		}
	}
	return nil
}
