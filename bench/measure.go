package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/benchcase"
	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/internal/cli"
	"github.com/glnn/glnn/nn"
)

// How long one repetition of a timed loop should last. Tests shorten them.
var (
	gemmTarget = 100 * time.Millisecond
	opTarget   = 30 * time.Millisecond
)

// maxIters bounds the calls in one timed loop.
const maxIters = 1 << 20

// openSpec opens the device of a cpu or gpu row. For a cpu row with a
// kernel it checks that the device runs that kernel: a backend that
// ignored the option would otherwise be reported under the wrong name.
func openSpec(s spec) (backend.Device, error) {
	dev, err := backend.Open(s.backend, backend.Options{Kernel: s.kernel})
	if err != nil {
		return nil, err
	}
	if s.kernel != "" {
		if got := dev.Info().Kernel; !kernelIs(got, s.kernel) {
			dev.Close()
			return nil, fmt.Errorf("cpu kernel %q: the cpu backend opened with kernel %q instead", s.kernel, got)
		}
	}
	return dev, nil
}

// kernelIs reports whether Info.Kernel got names kernel want: "avx2", or a
// variant of it ("go-2x4" for "go").
func kernelIs(got, want string) bool {
	return strings.EqualFold(got, want) || len(got) > len(want) && strings.EqualFold(got[:len(want)+1], want+"-")
}

// probeKernels opens and closes the cpu of every row whose kernel was
// named, so that a kernel the cpu backend rejects fails the run before any
// measurement.
func probeKernels(specs []spec) error {
	for _, s := range specs {
		if !s.strict {
			continue
		}
		dev, err := openSpec(s)
		if err != nil {
			return err
		}
		if err := dev.Close(); err != nil {
			return err
		}
	}
	return nil
}

// measureAll opens each device in turn, measures it and closes it, so the
// devices never compete for the CPU.
func measureAll(ctx context.Context, c *config, progress io.Writer) (*Report, error) {
	start := time.Now()
	rep := &Report{
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		Reps: c.reps, Started: start.UTC().Truncate(time.Second), Batches: c.batches, InferBatch: c.inferBatch,
	}
	for _, s := range c.shapes {
		rep.Shapes = append(rep.Shapes, s.Name())
	}
	logf := func(format string, args ...any) { fmt.Fprintf(progress, "bench: "+format+"\n", args...) }

	var data *dataset
	var why []string
	opened := 0
	for _, s := range c.specs {
		res := &DeviceResult{Device: s.name}
		rep.Devices = append(rep.Devices, res)
		var err error
		if s.backend == "gonum" {
			opened++
			res.Available = true
			info := gonumInfo()
			res.Info = &info
			logf("%s: %v", s.name, info)
			err = measureGonum(ctx, c, res, logf)
		} else {
			dev, oerr := openSpec(s)
			if oerr != nil {
				if s.strict {
					return nil, oerr
				}
				res.Reason = cli.OneLine(oerr)
				why = append(why, s.name+": "+res.Reason)
				logf("%s: unavailable: %s", s.name, res.Reason)
				continue
			}
			opened++
			res.Available = true
			info := dev.Info()
			res.Info = &info
			if info.Kernel != "" {
				logf("%s: %v, kernel %s", s.name, res.Info, info.Kernel)
			} else {
				logf("%s: %v", s.name, res.Info)
			}
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
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, errors.New("interrupted")
			}
			res.Error = cli.OneLine(err)
			logf("%s: error: %s", s.name, res.Error)
		}
	}
	if opened == 0 {
		return nil, fmt.Errorf("no device could be opened (%s)", strings.Join(why, "; "))
	}
	rep.compare()
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// dataset is MNIST as the model takes it.
type dataset struct {
	x, y  []float32 // n×784 training pixels in [0,1], n×10 one-hot
	n     int
	testX []float32 // testN×784 test pixels
	testN int
}

// loaded keeps the last data set read, so that repeated runs in one process
// (the tests) read it once.
var loaded struct {
	sync.Mutex
	key  string // -data and $GLNN_DATA
	data *dataset
}

// loadData reads the MNIST training and test sets.
func loadData(ctx context.Context, c *config) (*dataset, error) {
	loaded.Lock()
	defer loaded.Unlock()
	key := c.data + "\x00" + os.Getenv(mnist.EnvVar)
	if loaded.data != nil && loaded.key == key {
		return loaded.data, nil
	}
	train, test, err := mnist.LoadContext(ctx, mnist.Options{Dir: c.data})
	if err != nil {
		return nil, err
	}
	if train.Features() != benchcase.Inputs || test.Features() != benchcase.Inputs {
		return nil, fmt.Errorf("MNIST images in %s are %d×%d, want 28×28", train.Dir, train.Rows, train.Cols)
	}
	y, err := nn.OneHot(train.Labels, benchcase.Classes)
	if err != nil {
		return nil, err
	}
	loaded.key = key
	loaded.data = &dataset{x: train.Images, y: y, n: train.N, testX: test.Images, testN: test.N}
	return loaded.data, nil
}

// measureDevice runs the sections on dev, filling res. A panic in a
// backend becomes an error, so the report still comes out.
func measureDevice(ctx context.Context, dev backend.Device, c *config, data *dataset, res *DeviceResult, logf func(string, ...any)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	name := res.Device
	for _, g := range c.shapes {
		t, err := measureCase(ctx, dev, nil, c.reps, gemmTarget, g.Case())
		if err != nil {
			return fmt.Errorf("GEMM %s: %w", g, err)
		}
		r := newGEMMResult(g, t.seconds, t.iters)
		res.GEMM = append(res.GEMM, r)
		logf("%s: GEMM %s: %s, %.2f GFLOP/s", name, g, formatDuration(r.Seconds), r.GFLOPS)
	}
	timer, _ := dev.(benchcase.Timer)
	for _, oc := range benchcase.Ops() {
		t, err := measureCase(ctx, dev, timer, c.reps, opTarget, oc)
		if err != nil {
			return fmt.Errorf("%s: %w", oc.Name, err)
		}
		o := OpResult{Op: oc.Name, Label: oc.Label, Shape: oc.Shape, Microseconds: t.seconds * 1e6, TimerMicroseconds: t.timer * 1e6, Iterations: t.iters}
		res.Ops = append(res.Ops, o)
		logf("%s: %s: %.1f µs", name, o.Op, o.Microseconds)
	}
	n := c.trainSamples
	if n == 0 {
		n = benchcase.TrainSamples
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
	inf, err := measureInference(ctx, dev, c.reps, data, min(c.inferSamples, data.testN), c.inferBatch)
	if err != nil {
		return fmt.Errorf("inference at batch %d: %w", c.inferBatch, err)
	}
	res.Inference = append(res.Inference, inf)
	logf("%s: inference, batch %d, %d samples: %.0f samples/s", name, inf.Batch, inf.Samples, inf.SamplesPerSecond)
	return nil
}

// timing is the outcome of timeOp.
type timing struct {
	seconds float64 // median wall time per call
	iters   int     // calls per timed loop
	timer   float64 // median device-timer time per call; 0 without a timer
}

// measureCase sets c up on dev, times it and releases its tensors.
func measureCase(ctx context.Context, dev backend.Device, timer benchcase.Timer, reps int, target time.Duration, c benchcase.Case) (timing, error) {
	a := benchcase.NewArena(dev)
	defer a.Release()
	op := c.Setup(a)
	if err := a.Err(); err != nil {
		return timing{}, err
	}
	return timeOp(ctx, dev.Sync, timer, reps, target, op)
}

// timeOp times op: one warm-up call, then a calibration that finds how many
// calls fill about target, then reps loops of that many calls, each followed
// by sync; with a timer, reps more loops inside timer.Timed. It returns the
// medians per call and the loop length. op receives a counter that grows
// by one with every call.
func timeOp(ctx context.Context, sync func() error, timer benchcase.Timer, reps int, target time.Duration, op func(k int)) (timing, error) {
	k := 0
	calls := func(n int) {
		for range n {
			op(k)
			k++
		}
	}
	loop := func(n int) (time.Duration, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		start := time.Now()
		calls(n)
		err := sync()
		return time.Since(start), err
	}
	if _, err := loop(1); err != nil { // warm-up: shader compilation, first touch
		return timing{}, err
	}
	n := 1
	var d time.Duration
	for {
		var err error
		if d, err = loop(n); err != nil {
			return timing{}, err
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
	wall := make([]float64, reps)
	for r := range wall {
		d, err := loop(n)
		if err != nil {
			return timing{}, err
		}
		wall[r] = d.Seconds() / float64(n)
	}
	t := timing{seconds: median(wall), iters: n}
	if timer == nil {
		return t, nil
	}
	dev := make([]float64, reps)
	for r := range dev {
		if err := ctx.Err(); err != nil {
			return timing{}, err
		}
		d, _, err := timer.Timed(func() { calls(n) })
		if err == nil {
			err = sync()
		}
		if err != nil {
			return timing{}, fmt.Errorf("timed by the device: %w", err)
		}
		dev[r] = d.Seconds() / float64(n)
	}
	t.timer = median(dev)
	return t, nil
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
