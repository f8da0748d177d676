package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Section headings of the Markdown report.
const (
	headDevices = "## Devices"
	headGEMM    = "## 1. GEMM"
	headOps     = "## 2. Per-op timings"
	headTrain   = "## 3. End-to-end training"
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
	p("| device | backend | name | renderer | version | context | software | threads |\n")
	p("|---|---|---|---|---|---|---|--:|\n")
	for _, d := range r.Devices {
		if !d.Available {
			p("| %s | — | unavailable: %s | — | — | — | — | — |\n", cell(d.Device), cell(d.Reason))
			continue
		}
		i := d.Info
		threads := "—"
		if i.Threads > 0 {
			threads = fmt.Sprint(i.Threads)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(d.Device), cell(i.Backend), cell(i.Name),
			cell(i.Renderer), cell(i.Version), cell(i.Context), yesNo(i.Software), threads)
	}

	p("\n%s (MatMul)\n\n", headGEMM)
	p("C = op(A)·op(B) with op(A) m×k and op(B) k×n; T marks a transposed A (the Xᵀ·dY of a Dense layer's weight gradient), TB a transposed B. " +
		"Median time per product, timed as a loop of products ended by one Sync, after a warm-up; GFLOP/s = 2·m·n·k / time.\n\n")
	p("| shape (m×n×k) | device | time / product | GFLOP/s |\n")
	p("|---|---|--:|--:|\n")
	for i, s := range r.Shapes {
		for _, d := range r.Devices {
			if i < len(d.GEMM) {
				g := d.GEMM[i]
				p("| %s | %s | %s | %s |\n", s, d.Device, formatDuration(g.Seconds), formatRate(g.GFLOPS))
			} else if d.Available {
				p("| %s | %s | — | — |\n", s, d.Device)
			}
		}
	}

	p("\n%s\n\n", headOps)
	p("Median µs per call at the reference model's sizes (batch %d), timed as a loop of calls ended by one Sync: "+
		"the cost of the op inside a queued training step, launch overhead included.\n\n", opsBatch)
	p("| op | shape | device | µs / call |\n")
	p("|---|---|---|--:|\n")
	for i, oc := range opCases(nil) {
		for _, d := range r.Devices {
			if i < len(d.Ops) {
				p("| %s | %s | %s | %s |\n", oc.name, oc.shape, d.Device, formatMicros(d.Ops[i].Microseconds))
			} else if d.Available {
				p("| %s | %s | %s | — |\n", oc.name, oc.shape, d.Device)
			}
		}
	}

	p("\n%s\n\n", headTrain)
	var samples []string
	for _, d := range r.Devices {
		if d.TrainSamples > 0 {
			samples = append(samples, fmt.Sprintf("%s %d", d.Device, d.TrainSamples))
		}
	}
	p("Flatten(28×28) → Dense(128, ReLU) → Dense(10, softmax), Adam(0.001), categorical cross-entropy, "+
		"one epoch on the first N MNIST training images (%s), shuffled; the median of %s after a two-step warm-up "+
		"(training pass only: no evaluation, no upload). The full-epoch column projects the time of all %d samples from samples/s.\n\n",
		strings.Join(samples, ", "), plural(min(r.Reps, 3), "epoch"), fullEpoch)
	ratio := r.device("cpu") != nil && len(r.Devices) > 1 && r.hasOther("cpu")
	p("| batch | device | samples | s / epoch | samples/s | full epoch, s |")
	if ratio {
		p(" gpu ÷ cpu |")
	}
	p("\n|--:|---|--:|--:|--:|--:|")
	if ratio {
		p("--:|")
	}
	p("\n")
	for i, batch := range r.Batches {
		for _, d := range r.Devices {
			if !d.Available {
				continue
			}
			if i >= len(d.Train) {
				p("| %d | %s | — | — | — | — |", batch, d.Device)
				if ratio {
					p(" — |")
				}
				p("\n")
				continue
			}
			t := d.Train[i]
			p("| %d | %s | %d | %.2f | %.0f | %.1f |", t.Batch, d.Device, t.Samples, t.Seconds, t.SamplesPerSecond, t.FullEpochSeconds)
			if ratio {
				if t.RatioVsCPU != nil {
					p(" %.3g |", *t.RatioVsCPU)
				} else {
					p(" — |")
				}
			}
			p("\n")
		}
	}

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

// hasOther reports whether an available device other than name was
// measured.
func (r *Report) hasOther(name string) bool {
	for _, d := range r.Devices {
		if d.Available && d.Device != name {
			return true
		}
	}
	return false
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
