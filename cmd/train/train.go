package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/nn"
	"github.com/glnn/glnn/nn/nnplot"
)

// train runs the job: data, device, model (new, or from -resume), Fit with
// progress, checkpoints and the test set evaluated every epoch, then the
// final report and plot.
func train(ctx context.Context, c *config, o *output) error {
	trainSet, testSet, err := mnist.Load(mnist.Options{Dir: c.data})
	if err != nil {
		return err
	}
	yTrain, err := nn.OneHot(trainSet.Labels, mnist.Classes)
	if err != nil {
		return err
	}
	yTest, err := nn.OneHot(testSet.Labels, mnist.Classes)
	if err != nil {
		return err
	}
	// The device's notes wait until the model is built: a model the
	// device cannot hold ends the run with one line.
	var notes []string
	dev, err := openDevice(c, func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) })
	if err != nil {
		return err
	}
	defer dev.Close()
	info := dev.Info()

	model, ck, err := buildModel(c, dev, trainSet.Rows, trainSet.Cols)
	if err != nil {
		return withFlagHint(err)
	}
	for _, n := range notes {
		o.note("%s", n)
	}
	defer model.Release()

	o.info("device %s: %v", info.Backend, info)
	o.info("data: %d training, %d test images of %d×%d from %s", trainSet.N, testSet.N, trainSet.Rows, trainSet.Cols, trainSet.Source)
	o.info("model: %s; %v; batch %d", layerNames(model), ck.Optimizer, ck.BatchSize)
	if ck.Position != (nn.Position{}) {
		o.info("resuming %s at epoch %d, step %d", c.resume, ck.Position.Epoch, ck.Position.Step)
	}
	if err := o.err; err != nil {
		return err
	}

	start := time.Now()
	hist := &nn.History{Epochs: ck.History}
	save := func(pos nn.Position) error {
		if c.save == "" {
			return nil
		}
		ck.Position, ck.History = pos, hist.Epochs
		return model.Save(c.save, ck.Checkpoint)
	}
	var saveErr error
	opts := nn.FitOptions{
		Epochs: c.epochs, BatchSize: ck.BatchSize, Seed: ck.Seed,
		InitialEpoch: ck.Position.Epoch, InitialStep: ck.Position.Step,
		ValidationSplit: ck.ValSplit, TestX: testSet.Images, TestY: yTest,
		CheckNumerics: c.checkNumerics,
		OnBatch:       o.batch,
		OnEpoch: func(e nn.Epoch) {
			o.epoch(e)
			hist.Epochs = append(hist.Epochs, e)
			if saveErr == nil {
				saveErr = save(nn.Position{Epoch: e.Epoch})
			}
			if saveErr == nil && e.Epoch < c.epochs {
				o.epochStart(e.Epoch+1, c.epochs, steps(trainSet.N, ck), 0)
			}
		},
	}
	if ck.Position.Epoch >= c.epochs {
		return fmt.Errorf("-resume %s: the checkpoint has done %d epochs already; ask for more with -epochs", c.resume, ck.Position.Epoch)
	}
	fitCtx, stopFit := context.WithCancel(ctx)
	defer stopFit()
	o.epochStart(ck.Position.Epoch+1, c.epochs, steps(trainSet.N, ck), ck.Position.Step)
	h, err := model.Fit(fitCtx, trainSet.Images, yTrain, opts)
	o.abort()
	if err == nil {
		err = saveErr
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && errors.Is(err, context.Canceled) {
			where := fmt.Sprintf("after %d complete epochs and %d steps", h.Reached.Epoch, h.Reached.Step)
			if c.save != "" {
				if serr := save(h.Reached); serr != nil {
					return fmt.Errorf("%v %s; saving the checkpoint failed: %w", cause, where, serr)
				}
				return fmt.Errorf("%w %s; checkpoint saved to %s (continue with -resume %s)", cause, where, c.save, c.save)
			}
			return fmt.Errorf("%w %s", cause, where)
		}
		return withFlagHint(err)
	}
	last := hist.Last()
	total := time.Since(start).Seconds()
	if c.plot != "" {
		if err := nnplot.Save(c.plot, hist, nnplot.Options{Title: "MNIST training curves"}); err != nil {
			return err
		}
		o.note("plot: %s", c.plot)
	}
	if c.json {
		o.event(doneEvent{"done", info.Backend, info.Renderer, info.Software, trainSet.Dir, c.epochs, ck.BatchSize,
			num(last.TestLoss), num(last.TestAccuracy), num(total), c.save})
		return o.err
	}
	epochs := "epochs"
	if c.epochs == 1 {
		epochs = "epoch"
	}
	o.write(o.stdout, "test accuracy: %.2f%% (test loss %.4f) after %d %s in %.1fs on %s\n",
		100*last.TestAccuracy, last.TestLoss, c.epochs, epochs, total, info.Backend)
	if c.save != "" && !c.quiet {
		o.write(o.stdout, "checkpoint: %s\n", c.save)
	}
	return o.err
}

// withFlagHint adds to a library error the flags that answer it.
func withFlagHint(err error) error {
	if errors.Is(err, nn.ErrTooLarge) {
		return fmt.Errorf("%w (with train: a smaller -hidden or -batch, or -device=cpu)", err)
	}
	return err
}

// runState is what a checkpoint of train holds beyond the model: the settings
// that make a resumed run the same run.
type runState struct {
	nn.Checkpoint
	Optimizer nn.Optimizer
	ValSplit  float64
}

// buildModel makes the model, fresh from the flags or loaded from -resume.
func buildModel(c *config, dev backend.Device, rows, cols int) (*nn.Sequential, *runState, error) {
	if c.resume != "" {
		m, ck, err := nn.Load(c.resume, dev)
		if err != nil {
			return nil, nil, err
		}
		st := &runState{Checkpoint: *ck, Optimizer: m.Optimizer()}
		if v, ok := ck.Meta["val_split"]; ok {
			if st.ValSplit, err = strconv.ParseFloat(v, 64); err != nil {
				m.Release()
				return nil, nil, fmt.Errorf("-resume %s: bad val_split %q in the checkpoint's metadata", c.resume, v)
			}
		}
		return m, st, nil
	}
	act := c.activation
	layers := []nn.Layer{nn.Flatten(rows, cols)}
	for _, h := range c.hidden {
		layers = append(layers, nn.Dense(h, act))
	}
	layers = append(layers, nn.Dense(mnist.Classes, "softmax"))
	model := nn.NewSequential(layers...)
	var opt nn.Optimizer = nn.Adam(float32(c.lr))
	if c.optimizer == "sgd" {
		opt = nn.SGD(float32(c.lr), float32(c.momentum))
	}
	if err := model.Compile(dev, opt, nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: c.seed}); err != nil {
		return nil, nil, err
	}
	st := &runState{
		Checkpoint: nn.Checkpoint{Seed: c.seed, BatchSize: c.batch, Meta: map[string]string{
			"val_split": strconv.FormatFloat(c.valSplit, 'g', -1, 64),
		}},
		Optimizer: opt, ValSplit: c.valSplit,
	}
	return model, st, nil
}

// steps is the number of training steps per epoch, after the validation
// split (computed as Fit does).
func steps(n int, st *runState) int {
	if st.ValSplit > 0 {
		n = int(float64(n) * (1 - st.ValSplit))
	}
	return (n + st.BatchSize - 1) / st.BatchSize
}

func layerNames(m *nn.Sequential) string {
	var names []string
	for _, l := range m.Layers() {
		names = append(names, l.String())
	}
	return strings.Join(names, " → ")
}
