package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/glnn/glnn/nn"
	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// output writes what train reports — human text, JSON lines (-json) or the
// final result only (-quiet) — and checks every write: the first failure
// (a full disk, a closed pipe) is kept and ends the run with exit 1.
type output struct {
	c              *config
	stdout, stderr io.Writer
	err            error
	enc            *json.Encoder
	// tty: stderr is a terminal, so a live progress bar is drawn there.
	tty bool
	bar *progressBar
}

func newOutput(c *config, stdout, stderr io.Writer) *output {
	o := &output{c: c, stdout: stdout, stderr: stderr, enc: json.NewEncoder(stdout)}
	if f, ok := stderr.(*os.File); ok && !c.json && !c.quiet {
		o.tty = term.IsTerminal(int(f.Fd()))
	}
	return o
}

// write writes to w unless an earlier write failed, and keeps the error.
func (o *output) write(w io.Writer, format string, args ...any) {
	if o.err != nil {
		return
	}
	if _, err := fmt.Fprintf(w, format, args...); err != nil {
		o.err = fmt.Errorf("writing to %s: %w", streamName(o, w), err)
	}
}

func streamName(o *output, w io.Writer) string {
	if w == o.stderr {
		return "stderr"
	}
	return "stdout"
}

// info writes a line of human output (not with -json or -quiet).
func (o *output) info(format string, args ...any) {
	if !o.c.json && !o.c.quiet {
		o.write(o.stdout, format+"\n", args...)
	}
}

// note writes a remark: on stdout in text mode, on stderr with -json (so
// stdout stays JSON), nowhere with -quiet.
func (o *output) note(format string, args ...any) {
	switch {
	case o.c.json:
		o.write(o.stderr, format+"\n", args...)
	case !o.c.quiet:
		o.write(o.stdout, format+"\n", args...)
	}
}

// event writes one JSON line.
func (o *output) event(v any) {
	if o.err != nil {
		return
	}
	if err := o.enc.Encode(v); err != nil {
		o.err = fmt.Errorf("writing to stdout: %w", err)
	}
}

// epochStart starts the progress bar of an epoch on a terminal.
func (o *output) epochStart(epoch, epochs, steps, done int) {
	if o.tty {
		o.bar = newProgressBar(o.stderr, epoch, epochs, steps, done)
	}
}

// batch updates the progress bar.
func (o *output) batch(p nn.Progress) {
	if o.bar != nil {
		o.bar.update(p)
	}
}

// epoch reports a finished epoch.
func (o *output) epoch(e nn.Epoch) {
	if o.bar != nil {
		o.bar.finish()
		o.bar = nil
	}
	switch {
	case o.c.json:
		ev := epochEvent{Event: "epoch", Epoch: e.Epoch, Loss: num(e.Loss), Accuracy: num(e.Accuracy),
			TestLoss: num(e.TestLoss), TestAccuracy: num(e.TestAccuracy),
			Seconds: num(e.Seconds), SamplesPerSecond: num(e.SamplesPerSecond)}
		if e.HasValidation {
			vl, va := num(e.ValLoss), num(e.ValAccuracy)
			ev.ValLoss, ev.ValAccuracy = &vl, &va
		}
		o.event(ev)
	case !o.c.quiet:
		val := ""
		if e.HasValidation {
			val = fmt.Sprintf("  val_loss %.4f  val_accuracy %.4f", e.ValLoss, e.ValAccuracy)
		}
		o.write(o.stdout, "epoch %*d/%d  loss %.4f  accuracy %.4f%s  test_loss %.4f  test_accuracy %.4f  %.1fs  %.0f samples/s\n",
			len(strconv.Itoa(o.c.epochs)), e.Epoch, o.c.epochs, e.Loss, e.Accuracy, val, e.TestLoss, e.TestAccuracy, e.Seconds, e.SamplesPerSecond)
	}
}

// abort stops a progress bar that will not complete.
func (o *output) abort() {
	if o.bar != nil {
		o.bar.abort()
		o.bar = nil
	}
}

// num is a float64 that JSON writes as null when it is not finite, so no
// event is lost to a NaN.
type num float64

// MarshalJSON writes n, or null for NaN and ±Inf.
func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// epochEvent is the JSON line written after each epoch.
type epochEvent struct {
	Event            string `json:"event"`
	Epoch            int    `json:"epoch"`
	Loss             num    `json:"loss"`
	Accuracy         num    `json:"accuracy"`
	ValLoss          *num   `json:"val_loss,omitempty"`
	ValAccuracy      *num   `json:"val_accuracy,omitempty"`
	TestLoss         num    `json:"test_loss"`
	TestAccuracy     num    `json:"test_accuracy"`
	Seconds          num    `json:"seconds"`
	SamplesPerSecond num    `json:"samples_per_second"`
}

// doneEvent is the last JSON line.
type doneEvent struct {
	Event        string `json:"event"`
	Device       string `json:"device"`
	Renderer     string `json:"renderer"`
	Software     bool   `json:"software"`
	Data         string `json:"data"`
	Epochs       int    `json:"epochs"`
	Batch        int    `json:"batch"`
	TestLoss     num    `json:"test_loss"`
	TestAccuracy num    `json:"test_accuracy"`
	Seconds      num    `json:"seconds"`
	Checkpoint   string `json:"checkpoint,omitempty"`
}

// progressBar is a Keras-style live bar for one epoch: steps done of the
// total, elapsed time, ETA, and the running loss and accuracy, redrawn in
// place on a terminal.
type progressBar struct {
	p        *mpb.Progress
	bar      *mpb.Bar
	loss     atomic.Uint64 // float64 bits of the running metrics
	acc      atomic.Uint64
	lastRead time.Time
}

// metricsEvery is how often the bar reads the running metrics, which waits
// for an asynchronous device.
const metricsEvery = 250 * time.Millisecond

func newProgressBar(w io.Writer, epoch, epochs, steps, done int) *progressBar {
	b := &progressBar{lastRead: time.Now()}
	b.loss.Store(math.Float64bits(math.NaN()))
	b.acc.Store(math.Float64bits(math.NaN()))
	b.p = mpb.New(mpb.WithConsoleWriter(sizedConsole{cupwriter.New(w, false)}), mpb.WithWidth(30), mpb.WithRefreshRate(100*time.Millisecond))
	width := len(strconv.Itoa(epochs))
	b.bar = b.p.AddBar(int64(steps),
		mpb.PrependDecorators(
			decor.Name(fmt.Sprintf("epoch %*d/%d ", width, epoch, epochs)),
			decor.CountersNoUnit("%d/%d", decor.WCSyncWidth),
		),
		mpb.AppendDecorators(
			decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace),
			decor.OnComplete(decor.Name(" ETA "), ""),
			decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), ""),
			decor.Any(func(decor.Statistics) string {
				l, a := math.Float64frombits(b.loss.Load()), math.Float64frombits(b.acc.Load())
				if math.IsNaN(l) {
					return ""
				}
				return fmt.Sprintf("  loss %.4f  accuracy %.4f", l, a)
			}),
		),
	)
	if done > 0 {
		b.bar.SetCurrent(int64(done))
		b.bar.DecoratorAverageAdjust(time.Now())
	}
	return b
}

// sizedConsole is mpb's console writer for a terminal that reports no size
// (a pseudo-terminal nobody sized, as under script(1)): it assumes 80×25
// rather than drawing nothing.
type sizedConsole struct{ mpb.ConsoleWriter }

func (c sizedConsole) GetTermSize() (width, height int, err error) {
	w, h, err := c.ConsoleWriter.GetTermSize()
	if err != nil || w <= 0 || h <= 0 {
		return 80, 25, nil
	}
	return w, h, nil
}

func (b *progressBar) update(p nn.Progress) {
	if time.Since(b.lastRead) >= metricsEvery || p.Step == p.Steps {
		if l, a, err := p.Metrics(); err == nil {
			b.loss.Store(math.Float64bits(l))
			b.acc.Store(math.Float64bits(a))
		}
		b.lastRead = time.Now()
	}
	b.bar.SetCurrent(int64(p.Step))
}

func (b *progressBar) finish() {
	b.bar.SetTotal(-1, true)
	b.p.Wait()
}

func (b *progressBar) abort() {
	b.bar.Abort(false)
	b.p.Wait()
}
