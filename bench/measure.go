package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/internal/cli"
	"github.com/glnn/glnn/nn"
)

// How long one repetition of a timed loop should last. Tests shorten them.
var (
	gemmTarget = 100 * time.Millisecond
	opTarget   = 30 * time.Millisecond
)

const (
	// maxIters bounds the calls in one timed loop.
	maxIters = 1 << 20
	// opsBatch is the batch size of the per-op measurements (the reference
	// job's), and the other sizes those of its model.
	opsBatch   = 32
	hiddenSize = 128
	classes    = 10
	// gatherRows is the number of rows of the Gather source: the MNIST
	// training set.
	gatherRows = fullEpoch
)

// shape is one GEMM: op(A) is m×k, op(B) is k×n, C is m×n.
type shape struct {
	m, n, k        int
	transA, transB bool
}

// String writes the shape as the -gemm flag takes it.
func (s shape) String() string {
	t := ""
	switch {
	case s.transA && s.transB:
		t = "TAB"
	case s.transA:
		t = "T"
	case s.transB:
		t = "TB"
	}
	return fmt.Sprintf("%dx%dx%d%s", s.m, s.n, s.k, t)
}

func (s shape) flops() float64 { return 2 * float64(s.m) * float64(s.n) * float64(s.k) }

// Report holds every result of a run; it is also the -json output.
type Report struct {
	GoVersion  string          `json:"go_version"`
	OS         string          `json:"os"`
	Arch       string          `json:"arch"`
	GOMAXPROCS int             `json:"gomaxprocs"`
	NumCPU     int             `json:"num_cpu"`
	Reps       int             `json:"reps"`
	Started    time.Time       `json:"started"`
	Seconds    float64         `json:"seconds"`
	Shapes     []string        `json:"gemm_shapes"`
	Batches    []int           `json:"batches"`
	Devices    []*DeviceResult `json:"devices"`
}

// DeviceResult is what one device gave.
type DeviceResult struct {
	// Device is the name asked for: "cpu" or "gpu".
	Device    string `json:"device"`
	Available bool   `json:"available"`
	// Reason says why the device could not be opened.
	Reason string        `json:"reason,omitempty"`
	Info   *backend.Info `json:"info,omitempty"`
	// Error is set when a measurement failed; the results before it stand.
	Error        string        `json:"error,omitempty"`
	TrainSamples int           `json:"train_samples,omitempty"`
	GEMM         []GEMMResult  `json:"gemm,omitempty"`
	Ops          []OpResult    `json:"ops,omitempty"`
	Train        []TrainResult `json:"train,omitempty"`
}

// GEMMResult is one MatMul shape on one device.
type GEMMResult struct {
	Shape      string  `json:"shape"`
	M          int     `json:"m"`
	N          int     `json:"n"`
	K          int     `json:"k"`
	TransA     bool    `json:"trans_a"`
	TransB     bool    `json:"trans_b"`
	Seconds    float64 `json:"seconds"` // median per product
	GFLOPS     float64 `json:"gflops"`
	Iterations int     `json:"iterations"` // products per timed loop
}

// OpResult is one element-wise, reduction, data or optimizer op.
type OpResult struct {
	Op           string  `json:"op"`
	Shape        string  `json:"shape"`
	Microseconds float64 `json:"microseconds"` // median per call
	Iterations   int     `json:"iterations"`
}

// TrainResult is one end-to-end training measurement.
type TrainResult struct {
	Batch            int     `json:"batch"`
	Samples          int     `json:"samples"`
	Epochs           int     `json:"epochs"`  // epochs timed; the median is reported
	Seconds          float64 `json:"seconds"` // median epoch time
	SamplesPerSecond float64 `json:"samples_per_second"`
	FullEpochSeconds float64 `json:"full_epoch_seconds"` // projected for 60000 samples
	// RatioVsCPU is this device's throughput over the cpu's at the same
	// batch size, when both were measured (absent on the cpu itself).
	RatioVsCPU *float64 `json:"ratio_vs_cpu,omitempty"`
	Loss       float64  `json:"loss"`     // of the last timed epoch
	Accuracy   float64  `json:"accuracy"` // of the last timed epoch
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

// device returns the result of the named device, or nil.
func (r *Report) device(name string) *DeviceResult {
	for _, d := range r.Devices {
		if d.Device == name && d.Available {
			return d
		}
	}
	return nil
}

// dataset is the MNIST training set, as the model takes it.
type dataset struct {
	x, y []float32 // n×784 pixels in [0,1], n×10 one-hot
	n    int
}

// backendName maps a -devices name to its registry name.
func backendName(device string) string {
	if device == "gpu" {
		return "gl"
	}
	return device
}

// measureAll opens each device in turn, measures it and closes it, so the
// devices never compete for the CPU.
func measureAll(ctx context.Context, c *config, progress io.Writer) (*Report, error) {
	start := time.Now()
	rep := &Report{
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		Reps: c.reps, Started: start.UTC().Truncate(time.Second), Batches: c.batches,
	}
	for _, s := range c.shapes {
		rep.Shapes = append(rep.Shapes, s.String())
	}
	logf := func(format string, args ...any) { fmt.Fprintf(progress, "bench: "+format+"\n", args...) }

	var data *dataset
	var why []string
	opened := 0
	for _, name := range c.devices {
		res := &DeviceResult{Device: name}
		rep.Devices = append(rep.Devices, res)
		dev, err := backend.Open(backendName(name), backend.Options{})
		if err != nil {
			res.Reason = cli.OneLine(err)
			why = append(why, name+": "+res.Reason)
			logf("%s: unavailable: %s", name, res.Reason)
			continue
		}
		opened++
		res.Available = true
		info := dev.Info()
		res.Info = &info
		logf("%s: %v", name, res.Info)
		if data == nil {
			if data, err = loadData(ctx, c); err != nil {
				dev.Close()
				return nil, err
			}
		}
		err = measureDevice(ctx, dev, c, data, res, logf)
		if cerr := dev.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing the device: %w", cerr)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, errors.New("interrupted")
			}
			res.Error = cli.OneLine(err)
			logf("%s: error: %s", name, res.Error)
		}
	}
	if opened == 0 {
		return nil, fmt.Errorf("no device could be opened (%s)", strings.Join(why, "; "))
	}
	if cpu := rep.device("cpu"); cpu != nil {
		for _, d := range rep.Devices {
			if d == cpu {
				continue
			}
			for i := range d.Train {
				for _, ct := range cpu.Train {
					if ct.Batch == d.Train[i].Batch && ct.SamplesPerSecond > 0 {
						r := d.Train[i].SamplesPerSecond / ct.SamplesPerSecond
						d.Train[i].RatioVsCPU = &r
					}
				}
			}
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// loaded keeps the last data set read, so that repeated runs in one process
// (the tests) read it once.
var loaded struct {
	sync.Mutex
	key  string // -data and $GLNN_DATA
	data *dataset
}

// loadData reads the MNIST training set.
func loadData(ctx context.Context, c *config) (*dataset, error) {
	loaded.Lock()
	defer loaded.Unlock()
	key := c.data + "\x00" + os.Getenv(mnist.EnvVar)
	if loaded.data != nil && loaded.key == key {
		return loaded.data, nil
	}
	train, _, err := mnist.LoadContext(ctx, mnist.Options{Dir: c.data})
	if err != nil {
		return nil, err
	}
	y, err := nn.OneHot(train.Labels, classes)
	if err != nil {
		return nil, err
	}
	if train.Features() != 28*28 {
		return nil, fmt.Errorf("MNIST images in %s are %d×%d, want 28×28", train.Dir, train.Rows, train.Cols)
	}
	loaded.key, loaded.data = key, &dataset{x: train.Images, y: y, n: train.N}
	return loaded.data, nil
}

// measureDevice runs the three sections on dev, filling res. A panic in a
// backend becomes an error, so the report still comes out.
func measureDevice(ctx context.Context, dev backend.Device, c *config, data *dataset, res *DeviceResult, logf func(string, ...any)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	name := res.Device
	for _, s := range c.shapes {
		g, err := measureGEMM(ctx, dev, c.reps, s)
		if err != nil {
			return fmt.Errorf("GEMM %s: %w", s, err)
		}
		res.GEMM = append(res.GEMM, g)
		logf("%s: GEMM %s: %s, %.2f GFLOP/s", name, s, formatDuration(g.Seconds), g.GFLOPS)
	}
	if err := measureOps(ctx, dev, c.reps, data, func(o OpResult) {
		res.Ops = append(res.Ops, o)
		logf("%s: %s %s: %.1f µs", name, o.Op, o.Shape, o.Microseconds)
	}); err != nil {
		return err
	}
	n := c.trainSamples
	if n == 0 {
		n = fullEpoch
		if res.Info.Software {
			n = softwareSamples
		}
	}
	n = min(n, data.n)
	res.TrainSamples = n
	for _, b := range c.batches {
		t, err := measureTraining(ctx, dev, c.reps, data, n, b)
		if err != nil {
			return fmt.Errorf("training at batch %d: %w", b, err)
		}
		res.Train = append(res.Train, t)
		logf("%s: training, batch %d, %d samples: %.2f s/epoch, %.0f samples/s", name, b, n, t.Seconds, t.SamplesPerSecond)
	}
	return nil
}

// timeOp times op: one warm-up call, then a calibration that finds how many
// calls fill about target, then reps loops of that many calls, each followed
// by Sync. It returns the median seconds per call and the loop length. op
// receives a counter that grows by one with every call.
func timeOp(ctx context.Context, dev backend.Device, reps int, target time.Duration, op func(k int)) (float64, int, error) {
	k := 0
	loop := func(n int) (time.Duration, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		start := time.Now()
		for range n {
			op(k)
			k++
		}
		err := dev.Sync()
		return time.Since(start), err
	}
	if _, err := loop(1); err != nil { // warm-up: shader compilation, first touch
		return 0, 0, err
	}
	n := 1
	var d time.Duration
	for {
		var err error
		if d, err = loop(n); err != nil {
			return 0, 0, err
		}
		if d >= target/4 || n >= maxIters {
			break
		}
		grow := 10 * n
		if d > 0 {
			grow = min(grow, max(2*n, int(float64(n)*float64(target/4)/float64(d))+1))
		}
		n = min(grow, maxIters)
	}
	n = max(1, min(maxIters, int(float64(n)*float64(target)/float64(max(d, 1))+0.5)))
	samples := make([]float64, reps)
	for r := range samples {
		d, err := loop(n)
		if err != nil {
			return 0, 0, err
		}
		samples[r] = d.Seconds() / float64(n)
	}
	return median(samples), n, nil
}

// median returns the middle value (the mean of the two middle ones for an
// even count).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	h := len(s) / 2
	if len(s)%2 == 1 {
		return s[h]
	}
	return (s[h-1] + s[h]) / 2
}

// pool allocates tensors and releases them all at the end.
type pool struct {
	dev  backend.Device
	rng  *rand.Rand
	list []*backend.Tensor
}

func newPool(dev backend.Device) *pool {
	return &pool{dev: dev, rng: rand.New(rand.NewPCG(1, 2))}
}

// alloc returns a rows×cols tensor filled by fill (random in [-1, 1] when
// nil).
func (p *pool) alloc(rows, cols int, fill func(i int) float32) (*backend.Tensor, error) {
	v := make([]float32, rows*cols)
	for i := range v {
		if fill != nil {
			v[i] = fill(i)
		} else {
			v[i] = float32(p.rng.Float64()*2 - 1)
		}
	}
	return p.upload(rows, cols, v)
}

// upload returns a rows×cols tensor holding v.
func (p *pool) upload(rows, cols int, v []float32) (*backend.Tensor, error) {
	t, err := p.dev.Alloc(rows, cols)
	if err != nil {
		return nil, fmt.Errorf("allocating %d×%d: %w", rows, cols, err)
	}
	p.list = append(p.list, t)
	p.dev.Upload(t, v)
	return t, nil
}

func (p *pool) release() {
	for _, t := range p.list {
		p.dev.Release(t)
	}
	p.list = nil
}

// measureGEMM times MatMul on one shape.
func measureGEMM(ctx context.Context, dev backend.Device, reps int, s shape) (GEMMResult, error) {
	p := newPool(dev)
	defer p.release()
	ar, ac := s.m, s.k
	if s.transA {
		ar, ac = s.k, s.m
	}
	br, bc := s.k, s.n
	if s.transB {
		br, bc = s.n, s.k
	}
	a, err := p.alloc(ar, ac, nil)
	if err != nil {
		return GEMMResult{}, err
	}
	b, err := p.alloc(br, bc, nil)
	if err != nil {
		return GEMMResult{}, err
	}
	c, err := p.alloc(s.m, s.n, func(int) float32 { return 0 })
	if err != nil {
		return GEMMResult{}, err
	}
	secs, iters, err := timeOp(ctx, dev, reps, gemmTarget, func(int) {
		dev.MatMul(c, a, b, trans(s.transA), trans(s.transB))
	})
	if err != nil {
		return GEMMResult{}, err
	}
	return GEMMResult{
		Shape: s.String(), M: s.m, N: s.n, K: s.k, TransA: s.transA, TransB: s.transB,
		Seconds: secs, GFLOPS: s.flops() / secs / 1e9, Iterations: iters,
	}, nil
}

// opCase is one per-op measurement.
type opCase struct {
	name, shape string
	setup       func(p *pool) (func(k int), error)
}

// opCases are the per-op measurements, at the sizes of the reference model
// at batch 32.
func opCases(data *dataset) []opCase {
	relu := func(i int) float32 { // a ReLU output: about half zeros
		if i%2 == 0 {
			return 0
		}
		return float32(i%7) / 7
	}
	return []opCase{
		{"AddBias+ReLU", "32×128", func(p *pool) (func(int), error) {
			x, err1 := p.alloc(opsBatch, hiddenSize, nil)
			b, err2 := p.alloc(1, hiddenSize, nil)
			y, err3 := p.alloc(opsBatch, hiddenSize, nil)
			return func(int) { p.dev.AddBias(y, x, b, backend.ReLU) }, errors.Join(err1, err2, err3)
		}},
		{"ActivationGrad ReLU", "32×128", func(p *pool) (func(int), error) {
			y, err1 := p.alloc(opsBatch, hiddenSize, relu)
			dy, err2 := p.alloc(opsBatch, hiddenSize, nil)
			dx, err3 := p.alloc(opsBatch, hiddenSize, nil)
			return func(int) { p.dev.ActivationGrad(dx, dy, nil, y, backend.ReLU) }, errors.Join(err1, err2, err3)
		}},
		{"SoftmaxCrossEntropy", "32×10", func(p *pool) (func(int), error) {
			logits, err1 := p.alloc(opsBatch, classes, nil)
			targets, err2 := p.alloc(opsBatch, classes, func(i int) float32 {
				if i%classes == (i/classes)%classes {
					return 1
				}
				return 0
			})
			dl, err3 := p.alloc(opsBatch, classes, nil)
			loss, err4 := p.alloc(1, 1, func(int) float32 { return 0 })
			return func(int) { p.dev.SoftmaxCrossEntropy(dl, loss, logits, targets) }, errors.Join(err1, err2, err3, err4)
		}},
		{"SumRows", "32×128 → 1×128", func(p *pool) (func(int), error) {
			src, err1 := p.alloc(opsBatch, hiddenSize, nil)
			dst, err2 := p.alloc(1, hiddenSize, nil)
			return func(int) { p.dev.SumRows(dst, src) }, errors.Join(err1, err2)
		}},
		{"Gather", fmt.Sprintf("32×784 from %d×784", gatherRows), func(p *pool) (func(int), error) {
			// The source is the training set (repeated if the data set
			// is smaller), allocated once; the indices a permutation, read
			// 32 at a time as in an epoch.
			const f = 28 * 28
			v := data.x
			if data.n < gatherRows {
				v = make([]float32, gatherRows*f)
				for i := 0; i < len(v); i += len(data.x) {
					copy(v[i:], data.x)
				}
			}
			src, err1 := p.upload(gatherRows, f, v[:gatherRows*f])
			perm := p.rng.Perm(gatherRows)
			idx, err2 := p.alloc(1, gatherRows, func(i int) float32 { return float32(perm[i]) })
			dst, err3 := p.alloc(opsBatch, f, nil)
			return func(k int) {
				p.dev.Gather(dst, src, idx, (k*opsBatch)%(gatherRows-opsBatch+1))
			}, errors.Join(err1, err2, err3)
		}},
		{"Adam", "784×128", func(p *pool) (func(int), error) {
			param, err1 := p.alloc(28*28, hiddenSize, nil)
			grad, err2 := p.alloc(28*28, hiddenSize, nil)
			m, err3 := p.alloc(28*28, hiddenSize, func(int) float32 { return 0 })
			v, err4 := p.alloc(28*28, hiddenSize, func(int) float32 { return 0 })
			return func(k int) {
				p.dev.Adam(param, grad, m, v, backend.AdamParams{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: k + 1})
			}, errors.Join(err1, err2, err3, err4)
		}},
	}
}

// measureOps times every op case, handing each result to add.
func measureOps(ctx context.Context, dev backend.Device, reps int, data *dataset, add func(OpResult)) error {
	for _, oc := range opCases(data) {
		err := func() error {
			p := newPool(dev)
			defer p.release()
			op, err := oc.setup(p)
			if err != nil {
				return err
			}
			secs, iters, err := timeOp(ctx, dev, reps, opTarget, op)
			if err != nil {
				return err
			}
			add(OpResult{Op: oc.name, Shape: oc.shape, Microseconds: secs * 1e6, Iterations: iters})
			return nil
		}()
		if err != nil {
			return fmt.Errorf("%s %s: %w", oc.name, oc.shape, err)
		}
	}
	return nil
}

// measureTraining trains the reference model for min(reps, 3) epochs on the
// first n samples at batch size batch, after a short warm-up, and reports
// the median epoch.
func measureTraining(ctx context.Context, dev backend.Device, reps int, data *dataset, n, batch int) (TrainResult, error) {
	const f = 28 * 28
	model := nn.NewSequential(nn.Flatten(28, 28), nn.Dense(hiddenSize, "relu"), nn.Dense(classes, "softmax"))
	if err := model.Compile(dev, nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		return TrainResult{}, err
	}
	defer model.Release()
	x, y := data.x[:n*f], data.y[:n*classes]
	// Warm-up: two steps at this batch size, so buffers exist and shaders
	// are compiled before the clock runs.
	w := min(n, 2*batch)
	if _, err := model.Fit(ctx, x[:w*f], y[:w*classes], nn.FitOptions{Epochs: 1, BatchSize: batch, Seed: 1}); err != nil {
		return TrainResult{}, err
	}
	epochs := min(reps, 3)
	h, err := model.Fit(ctx, x, y, nn.FitOptions{Epochs: epochs, BatchSize: batch, Seed: 1})
	if err != nil {
		return TrainResult{}, err
	}
	secs := make([]float64, len(h.Epochs))
	for i, e := range h.Epochs {
		secs[i] = e.Seconds
	}
	s := median(secs)
	sps := float64(n) / s
	last := h.Last()
	return TrainResult{
		Batch: batch, Samples: n, Epochs: epochs, Seconds: s, SamplesPerSecond: sps,
		FullEpochSeconds: fullEpoch / sps, Loss: last.Loss, Accuracy: last.Accuracy,
	}, nil
}

func trans(t bool) backend.Transpose {
	if t {
		return backend.Trans
	}
	return backend.NoTrans
}
