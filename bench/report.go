package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/glnn/glnn/backend/benchcase"
)

// Section headings of the Markdown report.
const (
	headDevices   = "## Devices"
	headGEMM      = "## 1. GEMM"
	headOps       = "## 2. Per-op timings"
	headTrain     = "## 3. End-to-end training"
	headInference = "## 4. Inference"
)

// markdown renders the report.
func markdown(r *Report, c *config) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("# glnn backend benchmark\n\n")
	p("%s %s/%s, GOMAXPROCS %d (%d CPUs). Every measurement is repeated %s and the median is reported; "+
		"timings on shared machines are noisy, so compare devices within one run. Run started %s and took %.0f s.\n\n",
		r.GoVersion, r.OS, r.Arch, r.GOMAXPROCS, r.NumCPU, plural(r.Reps, "time"), r.Started.Format("2006-01-02 15:04:05 MST"), r.Seconds)

	p("%s\n\n", headDevices)
	p("| device | backend | name | renderer | version | context | kernel | software | threads |\n")
	p("|---|---|---|---|---|---|---|---|--:|\n")
	for _, d := range r.Devices {
		if !d.Available {
			p("| %s | — | unavailable: %s | — | — | — | — | — | — |\n", cell(d.Device), cell(d.Reason))
			continue
		}
		i := d.Info
		threads := "—"
		if i.Threads > 0 {
			threads = fmt.Sprint(i.Threads)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(d.Device), cell(i.Backend), cell(i.Name),
			cell(i.Renderer), cell(i.Version), cell(i.Context), cell(i.Kernel), yesNo(i.Software), threads)
	}

	gemmTable(p, r)
	opsTable(p, r)
	trainTable(p, r)
	inferenceTable(p, r)

	if failed := r.failures(); len(failed) > 0 {
		p("\n## Errors\n\n")
		for _, f := range failed {
			p("- %s\n", f)
		}
	}
	if c != nil && c.chart != "" {
		p("\nCharts: `%s` (end-to-end samples/s), `%s` (GEMM GFLOP/s).\n", c.chart, gemmChartPath(c.chart))
	}
	return b.String()
}

// printer writes formatted text to the report.
type printer func(format string, args ...any)

// row writes one Markdown table row.
func (p printer) row(cells ...string) { p("| %s |\n", strings.Join(cells, " | ")) }

// rule writes the line under a table's header: left-aligned text
// columns, then right-aligned number columns.
func (p printer) rule(text, numbers int) {
	p("|%s%s\n", strings.Repeat("---|", text), strings.Repeat("--:|", numbers))
}

// gemmTable writes one row per shape and one column per device.
func gemmTable(p printer, r *Report) {
	var devs []*DeviceResult
	for _, d := range r.available() {
		if len(d.GEMM) > 0 || d.Info.Backend != "gonum" {
			devs = append(devs, d)
		}
	}
	p("\n%s (MatMul)\n\n", headGEMM)
	p("C = op(A)·op(B) with op(A) m×k and op(B) k×n; the op says which operands enter transposed (TN: Aᵀ·B, the Xᵀ·dY of a Dense layer's weight gradient). " +
		"GFLOP/s = 2·m·n·k / the median time per product, timed as a loop of products ended by one Sync, after a warm-up; " +
		"in brackets the ratio to the fastest device on the shape. gonum is gonum.org/v1/gonum/blas/gonum's Sgemm on the same shapes.\n\n")
	head := []string{"shape", "where", "MFLOP"}
	for _, d := range devs {
		head = append(head, d.Device+", GFLOP/s")
	}
	p.row(head...)
	p.rule(2, 1+len(devs))
	for _, name := range r.Shapes {
		g, _ := benchcase.ParseGEMM(name)
		cells := []string{name, cell(g.Role), sig3(g.Flops() / 1e6)}
		for _, d := range devs {
			cells = append(cells, gemmCell(d.gemm(name)))
		}
		p.row(cells...)
	}
}

// gemmCell is "12.3 (0.52×)", "**45.6** (fastest)" or "—".
func gemmCell(g *GEMMResult) string {
	switch {
	case g == nil:
		return "—"
	case g.RatioToFastest >= 1:
		return "**" + formatRate(g.GFLOPS) + "** (fastest)"
	}
	return fmt.Sprintf("%s (%.2f×)", formatRate(g.GFLOPS), g.RatioToFastest)
}

// gemm returns the device's result for the named shape, or nil.
func (d *DeviceResult) gemm(name string) *GEMMResult {
	for i := range d.GEMM {
		if d.GEMM[i].Shape == name {
			return &d.GEMM[i]
		}
	}
	return nil
}

// op returns the device's result for the named op case, or nil.
func (d *DeviceResult) op(name string) *OpResult {
	for i := range d.Ops {
		if d.Ops[i].Op == name {
			return &d.Ops[i]
		}
	}
	return nil
}

// hasTimer reports whether the device's ops were (or, for GL, could be)
// timed by its own clock.
func (d *DeviceResult) hasTimer() bool {
	if d.Info.Backend == "gl" {
		return true
	}
	for _, o := range d.Ops {
		if o.TimerMicroseconds > 0 {
			return true
		}
	}
	return false
}

// models are the devices that ran the model sections (every available
// device but gonum).
func (r *Report) models() []*DeviceResult {
	var out []*DeviceResult
	for _, d := range r.available() {
		if d.Info.Backend != "gonum" {
			out = append(out, d)
		}
	}
	return out
}

// opsTable writes one row per op case and a column per device, and one
// per device timer.
func opsTable(p printer, r *Report) {
	devs := r.models()
	p("\n%s\n\n", headOps)
	p("Median µs per call at the reference model's sizes (batch %d), timed as a loop of calls ended by one Sync: "+
		"the cost of the op inside a queued training step, launch overhead included. "+
		"A device timer column is the same loop timed by the device's own clock (GL_TIME_ELAPSED), "+
		"empty where the device offers none.\n\n", benchcase.Batch)
	head := []string{"op", "shape"}
	nums := 0
	for _, d := range devs {
		head = append(head, d.Device+", µs")
		nums++
		if d.hasTimer() {
			head = append(head, d.Device+", device µs")
			nums++
		}
	}
	p.row(head...)
	p.rule(2, nums)
	for _, oc := range benchcase.Ops() {
		cells := []string{oc.Label, oc.Shape}
		for _, d := range devs {
			o := d.op(oc.Name)
			cells = append(cells, "—")
			if o != nil {
				cells[len(cells)-1] = formatMicros(o.Microseconds)
			}
			if d.hasTimer() {
				cells = append(cells, "—")
				if o != nil && o.TimerMicroseconds > 0 {
					cells[len(cells)-1] = formatMicros(o.TimerMicroseconds)
				}
			}
		}
		p.row(cells...)
	}
}

// ratioCell writes a ratio, or "—".
func ratioCell(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.3g", *v)
}

func (r *Report) ratioHead() string {
	if r.Baseline == "" {
		return "÷ cpu"
	}
	return "÷ " + r.Baseline
}

func trainTable(p printer, r *Report) {
	devs := r.models()
	p("\n%s\n\n", headTrain)
	var samples []string
	for _, d := range devs {
		if d.TrainSamples > 0 {
			samples = append(samples, fmt.Sprintf("%s %d", d.Device, d.TrainSamples))
		}
	}
	p("Flatten(28×28) → Dense(128, ReLU) → Dense(10, softmax), Adam(0.001), categorical cross-entropy, "+
		"one epoch on the first N MNIST training images (%s), shuffled; the median of %s after a two-step warm-up "+
		"(training pass only: no evaluation, no upload). The full-epoch column projects the time of all %d samples from samples/s; "+
		"the last column is the throughput over %s's at the same batch size.\n\n",
		strings.Join(samples, ", "), plural(min(r.Reps, 3), "epoch"), benchcase.TrainSamples, cell(r.Baseline))
	p.row("batch", "device", "samples", "s / epoch", "samples/s", "full epoch, s", r.ratioHead())
	p("|--:|---|--:|--:|--:|--:|--:|\n")
	for _, batch := range r.Batches {
		for _, d := range devs {
			t := d.train(batch)
			if t == nil {
				p.row(fmt.Sprint(batch), d.Device, "—", "—", "—", "—", "—")
				continue
			}
			p.row(fmt.Sprint(t.Batch), d.Device, fmt.Sprint(t.Samples), sig3(t.Seconds),
				fmt.Sprintf("%.0f", t.SamplesPerSecond), fmt.Sprintf("%.1f", t.FullEpochSeconds), ratioCell(t.RatioVsCPU))
		}
	}
}

// train returns the device's training result at batch, or nil.
func (d *DeviceResult) train(batch int) *TrainResult {
	for i := range d.Train {
		if d.Train[i].Batch == batch {
			return &d.Train[i]
		}
	}
	return nil
}

func inferenceTable(p printer, r *Report) {
	devs := r.models()
	p("\n%s\n\n", headInference)
	p("Predict on the first N MNIST test images at batch %d with the same model (upload, forward pass with softmax, download), "+
		"the median of %s after a warm-up run; the last column is the throughput over %s's.\n\n", r.InferBatch, plural(r.Reps, "run"), cell(r.Baseline))
	p.row("device", "batch", "samples", "s / run", "samples/s", r.ratioHead())
	p("|---|--:|--:|--:|--:|--:|\n")
	for _, d := range devs {
		if len(d.Inference) == 0 {
			p.row(d.Device, fmt.Sprint(r.InferBatch), "—", "—", "—", "—")
		}
		for _, t := range d.Inference {
			p.row(d.Device, fmt.Sprint(t.Batch), fmt.Sprint(t.Samples), formatDuration(t.Seconds),
				fmt.Sprintf("%.0f", t.SamplesPerSecond), ratioCell(t.RatioVsCPU))
		}
	}
}

// writeJSON writes the report as indented JSON.
func writeJSON(w io.Writer, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// cell makes s safe inside a Markdown table cell.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// plural writes "1 epoch", "3 epochs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// formatDuration writes seconds with three significant digits in a unit
// that suits them.
func formatDuration(s float64) string {
	switch {
	case s >= 1:
		return sig3(s) + " s"
	case s >= 1e-3:
		return sig3(s*1e3) + " ms"
	case s >= 1e-6:
		return sig3(s*1e6) + " µs"
	default:
		return sig3(s*1e9) + " ns"
	}
}

func formatMicros(us float64) string {
	if us >= 100 {
		return fmt.Sprintf("%.0f", us)
	}
	return sig3(us)
}

func formatRate(g float64) string {
	if g >= 100 {
		return fmt.Sprintf("%.0f", g)
	}
	return sig3(g)
}

// sig3 writes v with three significant digits, without an exponent for the
// magnitudes a benchmark meets.
func sig3(v float64) string {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Sprint(v)
	}
	digits := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		digits = 0
	}
	return fmt.Sprintf("%.*f", digits, v)
}
