package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/glnn/glnn/internal/cli"
)

// config is the parsed command line.
type config struct {
	device        string
	gpu           string // "" or a GPU number
	epochs        int
	batch         int
	lr            float64
	optimizer     string
	momentum      float64
	hidden        []int
	activation    string
	seed          uint64
	data          string
	valSplit      float64
	json          bool
	quiet         bool
	plot          string
	save          string
	resume        string
	checkNumerics bool
	devices       bool
}

// flagGroups orders the flags in -h's output.
var flagGroups = []struct {
	title string
	names []string
}{
	{"Model and training", []string{"epochs", "batch", "lr", "optimizer", "momentum", "hidden", "activation", "seed"}},
	{"Device", []string{"device", "gpu", "devices"}},
	{"Data", []string{"data", "val-split"}},
	{"Output", []string{"json", "quiet", "plot"}},
	{"Checkpoints", []string{"save", "resume"}},
	{"Debugging", []string{"check-numerics"}},
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	hidden := fs.String("hidden", "128", "hidden layer `SIZES`, comma-separated: 128, or 256,128 for two layers")
	fs.StringVar(&c.activation, "activation", "relu", "activation `NAME` of the hidden layers: relu, leaky_relu, leaky_relu(0.1), gelu, sigmoid or tanh")
	fs.StringVar(&c.device, "device", "auto", "compute device `NAME`: auto (a hardware GPU if there is one, else the CPU), gpu or cpu")
	fs.StringVar(&c.gpu, "gpu", "", "use GPU `N` (0, 1, …; on NVIDIA counted as CUDA counts, after CUDA_VISIBLE_DEVICES), or fail: no fallback (default $GLNN_GPU, else the first GPU that works)")
	fs.IntVar(&c.epochs, "epochs", 10, "train for `N` epochs (with -resume: the total, counting those already done)")
	fs.IntVar(&c.batch, "batch", 32, "`N` samples per optimizer step")
	fs.Float64Var(&c.lr, "lr", 0.001, "learning rate `LR`, positive and finite")
	fs.StringVar(&c.optimizer, "optimizer", "adam", "optimizer `NAME`: adam or sgd")
	fs.Float64Var(&c.momentum, "momentum", 0, "momentum `M` for -optimizer=sgd, in [0, 1)")
	fs.Uint64Var(&c.seed, "seed", 1, "`SEED` of the initial weights and the shuffling")
	fs.StringVar(&c.data, "data", "", "`DIR` holding the four MNIST IDX files (default: found automatically; also $GLNN_DATA)")
	fs.Float64Var(&c.valSplit, "val-split", 0, "hold out this `FRACTION` of the training set (its last samples) for validation, as Keras's validation_split")
	fs.BoolVar(&c.json, "json", false, "write JSON lines to stdout: one \"epoch\" object per epoch, then \"done\"")
	fs.BoolVar(&c.quiet, "quiet", false, "print the final result only")
	fs.StringVar(&c.plot, "plot", "", "draw the loss and accuracy curves to `FILE` (.png, .svg or .pdf)")
	fs.StringVar(&c.save, "save", "", "write a checkpoint to `PATH` after every epoch, at the end and on SIGINT/SIGTERM")
	fs.StringVar(&c.resume, "resume", "", "continue the run saved in the checkpoint at `PATH`, up to -epochs")
	fs.BoolVar(&c.checkNumerics, "check-numerics", false, "check every layer's outputs and gradients after every step and name the first that is not finite (slow)")
	fs.BoolVar(&c.devices, "devices", false, "list the devices this machine offers (with -json: as JSON) and exit")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	if c.resume != "" {
		// A resumed run is the same run: its settings come from the
		// checkpoint.
		var clash []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "hidden", "activation", "optimizer", "lr", "momentum", "batch", "seed", "val-split":
				clash = append(clash, "-"+f.Name)
			}
		})
		if len(clash) > 0 {
			return nil, cli.Usagef("%s: a resumed run keeps the settings in its checkpoint; leave these out with -resume", strings.Join(clash, ", "))
		}
	}
	switch c.device = strings.ToLower(c.device); c.device {
	case "auto", "gpu", "cpu":
	default:
		return nil, cli.Usagef("-device=%s: want auto, gpu or cpu", c.device)
	}
	if c.gpu = strings.TrimSpace(c.gpu); c.gpu != "" {
		if n, err := strconv.Atoi(c.gpu); err != nil || n < 0 {
			return nil, cli.Usagef("-gpu=%s: want a GPU number: 0, 1, …", c.gpu)
		}
		if c.device == "cpu" {
			return nil, cli.Usagef("-gpu=%s with -device=cpu: choose one", c.gpu)
		}
	}
	switch c.optimizer = strings.ToLower(c.optimizer); c.optimizer {
	case "adam", "sgd":
	default:
		return nil, cli.Usagef("-optimizer=%s: want adam or sgd", c.optimizer)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.epochs < 1:
		return nil, cli.Usagef("-epochs=%d: want at least 1", c.epochs)
	case c.batch < 1:
		return nil, cli.Usagef("-batch=%d: want at least 1", c.batch)
	case !(c.lr > 0) || !finite(c.lr) || c.lr > math.MaxFloat32:
		return nil, cli.Usagef("-lr=%g: want a positive, finite learning rate", c.lr)
	case !(c.momentum >= 0 && c.momentum < 1):
		return nil, cli.Usagef("-momentum=%g: want a value in [0, 1)", c.momentum)
	case !(c.valSplit >= 0 && c.valSplit < 1):
		return nil, cli.Usagef("-val-split=%g: want a fraction in [0, 1)", c.valSplit)
	case c.json && c.quiet:
		return nil, cli.Usagef("-json and -quiet: choose one")
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

// usage prints the flags in groups, each with its default and meaning.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage: train [flags]

Trains Flatten(28×28) → Dense(hidden, relu)… → Dense(10, softmax) on MNIST
with categorical cross-entropy, evaluating on the 10,000 test images after
every epoch, and reports the test accuracy. With no flags: the Keras
reference job (Adam 0.001, batch 32, 10 epochs) on the best device here.
`)
	for _, g := range flagGroups {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		for _, name := range g.names {
			f := fs.Lookup(name)
			arg, text := flag.UnquoteUsage(f)
			head := "  -" + f.Name
			if arg != "" {
				head += " " + arg
			}
			if f.DefValue != "" && f.DefValue != "false" {
				text += " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(w, "%-24s %s\n", head, text)
		}
	}
	fmt.Fprint(w, `
Environment: GLNN_DATA (the MNIST directory, as -data), GLNN_GPU (as -gpu),
CUDA_VISIBLE_DEVICES (the NVIDIA GPUs -gpu counts), GLNN_GL_TIMEOUT (how long
to wait for the GPU before failing, default 60s), GLNN_GL_CONTEXT=egl|glfw
(how the GL context is made).
Exit status: 0 success; 1 an error (one line on stderr); 2 bad flags;
130 or 143 interrupted by SIGINT or SIGTERM (after saving with -save).
`)
}
