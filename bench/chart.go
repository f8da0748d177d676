package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/glnn/glnn/backend/benchcase"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// Size of each chart.
const (
	chartWidth  = 8 * vg.Inch
	chartHeight = 5 * vg.Inch
)

// chartFormat reports whether p.Save can write a file with path's
// extension.
func chartFormat(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".svg", ".pdf", ".jpg", ".jpeg", ".eps", ".tif", ".tiff":
		return true
	}
	return false
}

// gemmChartPath is where the GEMM chart goes: NAME-gemm.EXT beside the
// -chart file NAME.EXT.
func gemmChartPath(chart string) string {
	ext := filepath.Ext(chart)
	return strings.TrimSuffix(chart, ext) + "-gemm" + ext
}

// series is one device's bars.
type series struct {
	label  string
	values []float64 // one per group; 0 where missing
}

// writeCharts draws the end-to-end samples/s chart to path and the GEMM
// GFLOP/s chart beside it.
func writeCharts(r *Report, path string) error {
	var train, gemm []series
	for _, d := range r.available() {
		label := legendLabel(d)
		if d.Info.Backend != "gonum" {
			t := series{label: label, values: make([]float64, len(r.Batches))}
			for i, b := range r.Batches {
				if tr := d.train(b); tr != nil {
					t.values[i] = tr.SamplesPerSecond
				}
			}
			train = append(train, t)
		}
		g := series{label: label, values: make([]float64, len(r.Shapes))}
		for i, name := range r.Shapes {
			if gr := d.gemm(name); gr != nil {
				g.values[i] = gr.GFLOPS
			}
		}
		gemm = append(gemm, g)
	}

	groups := make([]string, len(r.Batches))
	for i, b := range r.Batches {
		groups[i] = fmt.Sprintf("batch %d", b)
	}
	var samples []string
	for _, d := range r.models() {
		if d.TrainSamples > 0 {
			samples = append(samples, fmt.Sprintf("%s %d", d.Device, d.TrainSamples))
		}
	}
	p, err := barChart("glnn end-to-end training: MNIST MLP 784-128-10, Adam, one epoch",
		"batch size (samples per epoch: "+strings.Join(samples, ", ")+")",
		"samples / s (higher is better)", groups, train, "%.0f", chartWidth)
	if err != nil {
		return err
	}
	if err := saveChart(p, chartWidth, path); err != nil {
		return err
	}

	shapes := make([]string, len(r.Shapes))
	for i, name := range r.Shapes {
		shapes[i] = name
		if g, err := benchcase.ParseGEMM(name); err == nil {
			shapes[i] = fmt.Sprintf("%s\n%d×%d×%d", g.Op(), g.M, g.N, g.K)
			if g.M == g.N && g.N == g.K {
				shapes[i] = fmt.Sprintf("%s\n%d³", g.Op(), g.M)
			}
		}
	}
	// Wide enough for the bars (0.3 inch each) and the shape labels under
	// them.
	w := max(chartWidth, vg.Length(len(shapes))*max(vg.Inch, vg.Length(len(gemm))*0.3*vg.Inch)+1.25*vg.Inch)
	p, err = barChart("glnn GEMM (MatMul) throughput",
		"op and shape m×n×k (TN: A transposed, NT: B transposed)", "GFLOP/s (higher is better)", shapes, gemm, "%.3g", w)
	if err != nil {
		return err
	}
	return saveChart(p, w, gemmChartPath(path))
}

// legendLabel names a device in a legend: "gpu: llvmpipe (…), software".
func legendLabel(d *DeviceResult) string {
	what := d.Info.Renderer
	if what == "" || d.Info.Backend != "gl" {
		what = fmt.Sprintf("%d threads", d.Info.Threads)
		if d.Info.Backend == "gonum" {
			what = fmt.Sprintf("pure-Go Sgemm, %d goroutines", d.Info.Threads)
		}
		if d.Info.Kernel != "" {
			what += ", kernel " + d.Info.Kernel
		}
	}
	if r := []rune(what); len(r) > 48 {
		what = string(r[:48]) + "…"
	}
	if d.Info.Software {
		what += ", software renderer"
	}
	return d.Device + ": " + what
}

// barChart draws groups of bars, one bar per series in each group, with the
// value written above every bar (turned upright when the bars are narrow),
// for a chart width wide.
func barChart(title, xLabel, yLabel string, groups []string, ss []series, valueFormat string, width vg.Length) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(12)
	p.Legend.YOffs = -vg.Points(6)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil // bars mark the groups; horizontal lines help read values
	p.Add(grid)

	// Bars share about three quarters of each group's width.
	plotWidth := width - vg.Points(90)
	w := 0.75 * plotWidth / vg.Length(max(1, len(groups))) / vg.Length(max(1, len(ss)))
	w = min(w, vg.Points(60))
	top := 0.0
	for i, s := range ss {
		bars, err := plotter.NewBarChart(plotter.Values(s.values), w)
		if err != nil {
			return nil, err
		}
		bars.Color = plotutil.Color(i)
		bars.LineStyle.Width = 0
		bars.Offset = (vg.Length(i) - vg.Length(len(ss)-1)/2) * w
		p.Add(bars)
		p.Legend.Add(s.label, bars)

		var xys plotter.XYLabels
		for g, v := range s.values {
			if v <= 0 {
				continue
			}
			xys.XYs = append(xys.XYs, plotter.XY{X: float64(g), Y: v})
			xys.Labels = append(xys.Labels, fmt.Sprintf(valueFormat, v))
			top = max(top, v)
		}
		if len(xys.XYs) > 0 {
			labels, err := plotter.NewLabels(xys)
			if err != nil {
				return nil, err
			}
			for j := range labels.TextStyle {
				labels.TextStyle[j].XAlign = text.XCenter
				if w < vg.Points(28) {
					labels.TextStyle[j].Rotation = math.Pi / 2
					labels.TextStyle[j].XAlign = text.XLeft
					labels.TextStyle[j].YAlign = text.YCenter
					labels.TextStyle[j].Font.Size = min(labels.TextStyle[j].Font.Size, w)
				}
			}
			labels.Offset = vg.Point{X: bars.Offset, Y: vg.Points(3)}
			p.Add(labels)
		}
	}
	p.NominalX(groups...)
	p.X.Min, p.X.Max = -0.5, float64(len(groups))-0.5
	p.Y.Min = 0
	if top > 0 {
		p.Y.Max = top * 1.3 // room for the value labels and the legend
	}
	return p, nil
}

// saveChart writes p with p.Save through a temporary file in the target
// directory, so a reader never sees half an image.
func saveChart(p *plot.Plot, width vg.Length, path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".bench-*"+filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	tmp := f.Name()
	f.Close()
	err = p.Save(width, chartHeight, tmp)
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	return nil
}
