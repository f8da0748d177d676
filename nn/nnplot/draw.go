package nnplot

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/glnn/glnn/nn"
)

// Fonts: Liberation Sans, which gonum/plot embeds.
var (
	sans = font.Font{Typeface: "Liberation", Variant: "Sans"}
	bold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: 3} // font.WeightBold of golang.org/x/image/font
)

// titleFont returns the title's font: bold, but in a PDF regular, as
// vgpdf (gonum/plot v0.17) can show one font alone (every font it embeds
// gets the glyphs of the first), and no bold one (it asks for a style it
// never registered).
func titleFont(format string) font.Font {
	if format == "pdf" {
		return sans
	}
	return bold
}

// A style is how one series (train, validation, test) is drawn, the same
// in both panels.
type style struct {
	name   string
	color  color.Color
	dashes []vg.Length
	glyph  draw.GlyphDrawer
}

// The series' styles: colours from the Tableau 10 palette, told apart by
// dashes and marker shapes too.
var (
	trainStyle = style{"train", rgb(0x1f77b4), nil, draw.CircleGlyph{}}
	valStyle   = style{"validation", rgb(0xff7f0e), []vg.Length{vg.Points(6), vg.Points(3)}, draw.PyramidGlyph{}}
	testStyle  = style{"test", rgb(0x2ca02c), []vg.Length{vg.Points(7), vg.Points(2.5), vg.Points(1.5), vg.Points(2.5)}, draw.BoxGlyph{}}
)

func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

var (
	gridColor   = rgb(0xe3e3e3)
	frameColor  = rgb(0xc8c8c8)
	legendColor = color.White
)

// A series is one style's values per epoch; NaN where it has none.
type series struct {
	style
	xys plotter.XYs
}

// A corner of a panel's data area, where its legend may go.
type corner struct{ top, left bool }

// panel is one of the two plots, with its legend drawn apart from it (on
// a white box, in the corner where it hides the fewest data).
type panel struct {
	p       *plot.Plot
	legend  plot.Legend
	series  []series
	corners []corner // in order of preference
}

// drawFigure draws the title and the two panels of h on c, a canvas for
// an image in format.
func drawFigure(c draw.Canvas, h *nn.History, title, format string) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())

	titleStyle := text.Style{
		Color:   color.Black,
		Font:    font.From(titleFont(format), 15),
		XAlign:  draw.XCenter,
		YAlign:  draw.YTop,
		Handler: plot.DefaultTextHandler,
	}
	pad := vg.Points(8)
	c.FillText(titleStyle, vg.Point{X: c.Center().X, Y: c.Max.Y - pad}, title)
	titleHeight := titleStyle.Rectangle(title).Size().Y
	body := draw.Crop(c, 0, 0, 0, -(titleHeight + 1.5*pad))

	x := epochs(h)
	var loss, acc []series
	add := func(st style, has func(nn.Epoch) bool, l, a func(nn.Epoch) float64) {
		sl := series{st, make(plotter.XYs, len(x))}
		sa := series{st, make(plotter.XYs, len(x))}
		for i, e := range h.Epochs {
			sl.xys[i] = plotter.XY{X: x[i], Y: math.NaN()}
			sa.xys[i] = plotter.XY{X: x[i], Y: math.NaN()}
			if has(e) {
				sl.xys[i].Y, sa.xys[i].Y = l(e), a(e)
			}
		}
		loss, acc = append(loss, sl), append(acc, sa)
	}
	add(trainStyle, func(nn.Epoch) bool { return true },
		func(e nn.Epoch) float64 { return e.Loss }, func(e nn.Epoch) float64 { return e.Accuracy })
	if hasAny(h, func(e nn.Epoch) bool { return e.HasValidation }) {
		add(valStyle, func(e nn.Epoch) bool { return e.HasValidation },
			func(e nn.Epoch) float64 { return e.ValLoss }, func(e nn.Epoch) float64 { return e.ValAccuracy })
	}
	if hasAny(h, func(e nn.Epoch) bool { return e.HasTest }) {
		add(testStyle, func(e nn.Epoch) bool { return e.HasTest },
			func(e nn.Epoch) float64 { return e.TestLoss }, func(e nn.Epoch) float64 { return e.TestAccuracy })
	}

	panels := []*panel{
		newPanel("loss", loss, x, lossRange, []corner{{true, false}, {false, true}, {false, false}, {true, true}}),
		newPanel("accuracy", acc, x, accuracyRange, []corner{{false, false}, {true, true}, {true, false}, {false, true}}),
	}
	tiles := draw.Tiles{
		Rows: 1, Cols: 2,
		PadX:    vg.Points(28),
		PadLeft: vg.Points(6), PadRight: vg.Points(14), PadBottom: vg.Points(6),
	}
	canvases := plot.Align([][]*plot.Plot{{panels[0].p, panels[1].p}}, tiles, body)
	for i, pn := range panels {
		pn.p.Draw(canvases[0][i])
		pn.drawLegend(pn.p.DataCanvas(canvases[0][i]))
	}
}

// epochs returns the x coordinate of every epoch of h: its Epoch number,
// or its position counted from 1 when those numbers are not positive and
// increasing (a history not made by Fit).
func epochs(h *nn.History) []float64 {
	x := make([]float64, len(h.Epochs))
	numbered := true
	for i, e := range h.Epochs {
		x[i] = float64(e.Epoch)
		if e.Epoch < 1 || i > 0 && e.Epoch <= h.Epochs[i-1].Epoch {
			numbered = false
		}
	}
	if !numbered {
		for i := range x {
			x[i] = float64(i + 1)
		}
	}
	return x
}

func hasAny(h *nn.History, f func(nn.Epoch) bool) bool {
	for _, e := range h.Epochs {
		if f(e) {
			return true
		}
	}
	return false
}

// newPanel makes the plot of ss, named by yLabel, over the epochs x, with
// its y range from yRange (given the finite values' extent, or ok false
// when there are none).
func newPanel(yLabel string, ss []series, x []float64, yRange func(lo, hi float64, ok bool) (float64, float64), corners []corner) *panel {
	p := plot.New()
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 12)
		a.Tick.Label.Font = font.From(sans, 10.5)
		a.Color = rgb(0x555555)
		a.Tick.Color = rgb(0x555555)
	}
	p.X.Tick.Marker = plot.TickerFunc(epochTicks)
	p.Y.Tick.Marker = plot.TickerFunc(valueTicks)
	p.X.Min, p.X.Max = x[0], x[len(x)-1]
	if p.X.Min == p.X.Max {
		p.X.Min, p.X.Max = p.X.Min-0.5, p.X.Max+0.5
	}

	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridColor, gridColor
	grid.Vertical.Width, grid.Horizontal.Width = vg.Points(0.75), vg.Points(0.75)
	p.Add(grid)

	pn := &panel{p: p, legend: plot.NewLegend(), series: ss, corners: corners}
	pn.legend.TextStyle.Font = font.From(sans, 11)
	pn.legend.ThumbnailWidth = vg.Points(30)
	pn.legend.Padding = vg.Points(2)

	radius := markerRadius(len(x))
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		ls := draw.LineStyle{Color: s.color, Width: vg.Points(1.75), Dashes: s.dashes}
		gs := draw.GlyphStyle{Color: s.color, Radius: radius, Shape: s.glyph}
		var pts plotter.XYs
		for _, run := range finiteRuns(s.xys) {
			pts = append(pts, run...)
			if len(run) > 1 {
				p.Add(&plotter.Line{XYs: run, LineStyle: ls})
			}
		}
		if len(pts) > 0 {
			p.Add(&plotter.Scatter{XYs: pts, GlyphStyle: gs})
		}
		for _, pt := range pts {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
		pn.legend.Add(s.name, &plotter.Line{LineStyle: ls}, &plotter.Scatter{GlyphStyle: gs})
	}
	p.Y.Min, p.Y.Max = yRange(lo, hi, lo <= hi)
	return pn
}

// markerRadius shrinks the markers as the epochs crowd together.
func markerRadius(n int) vg.Length {
	r := 3.0
	if n > 30 {
		r = math.Max(1.25, 3*math.Sqrt(30/float64(n)))
	}
	return vg.Points(r)
}

// finiteRuns splits xys into the runs of consecutive points whose Y is
// finite.
func finiteRuns(xys plotter.XYs) []plotter.XYs {
	var runs []plotter.XYs
	start := -1
	for i := 0; i <= len(xys); i++ {
		ok := i < len(xys) && !math.IsNaN(xys[i].Y) && !math.IsInf(xys[i].Y, 0)
		switch {
		case ok && start < 0:
			start = i
		case !ok && start >= 0:
			runs = append(runs, xys[start:i])
			start = -1
		}
	}
	return runs
}

// lossRange is the loss axis: the values' range with a margin of 5%,
// not below zero when the values are not.
func lossRange(lo, hi float64, ok bool) (float64, float64) {
	if !ok {
		return 0, 1
	}
	m := 0.05 * (hi - lo)
	if m == 0 {
		m = 0.05 * math.Max(math.Abs(hi), 1)
	}
	min := lo - m
	if lo >= 0 && min < 0 {
		min = 0
	}
	return min, hi + m
}

// accuracyRange is the accuracy axis: within [0, 1], around the values
// with a margin of 5% of their range (at least 0.02).
func accuracyRange(lo, hi float64, ok bool) (float64, float64) {
	if !ok {
		return 0, 1
	}
	m := math.Max(0.05*(hi-lo), 0.02)
	return math.Min(math.Max(0, lo-m), lo), math.Max(math.Min(1, hi+m), hi)
}

// epochTicks marks whole epochs: labels 1, 2, 5, 10, 20, 50, … apart, to
// at most ten, and unlabelled marks at the epochs between when they are
// not too many.
func epochTicks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if lo > hi {
		return nil
	}
	step := 1.0
	for mag := 1.0; ; mag *= 10 {
		if (hi-lo)/mag <= 10 {
			step = mag
			break
		}
		if (hi-lo)/(2*mag) <= 10 {
			step = 2 * mag
			break
		}
		if (hi-lo)/(5*mag) <= 10 {
			step = 5 * mag
			break
		}
	}
	minor := step > 1 && hi-lo <= 60
	var ticks []plot.Tick
	for v := lo; v <= hi; v++ {
		if math.Mod(v, step) == 0 {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		} else if minor {
			ticks = append(ticks, plot.Tick{Value: v})
		} else {
			v = math.Ceil(v/step)*step - 1 // on to the next labelled tick
		}
	}
	return ticks
}

// valueTicks labels 4 to 9 round values (1, 2 or 5 times a power of
// ten apart) in [lo, hi].
func valueTicks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	exp := math.Floor(math.Log10(span / 8))
	mag := math.Pow(10, exp)
	step, decimals := 10*mag, -int(exp)-1
	for _, m := range []float64{1, 2, 5} {
		if span/(m*mag) <= 8 {
			step, decimals = m*mag, -int(exp)
			break
		}
	}
	format := func(v float64) string {
		if exp >= 5 || exp < -6 {
			// As many digits as the step needs; 2e5 rather than 2e+05.
			top := int(math.Floor(math.Log10(math.Max(math.Abs(lo), math.Abs(hi)))))
			s := strconv.FormatFloat(v, 'g', max(top+decimals+1, 1), 64)
			return strings.NewReplacer("e+0", "e", "e+", "e", "e-0", "e-").Replace(s)
		}
		return strconv.FormatFloat(v, 'f', max(decimals, 0), 64)
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi+1e-9*step; k++ {
		v := k * step
		if v == 0 {
			v = 0 // not -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: format(v)})
	}
	return ticks
}

// drawLegend draws the panel's legend on a white box in the corner of the
// data area dc where it covers the fewest data, preferring the panel's
// corners in order.
func (pn *panel) drawLegend(dc draw.Canvas) {
	inset := vg.Points(8)
	pad := vg.Points(5)
	in := draw.Crop(dc, inset, -inset, inset, -inset)
	size := pn.legend.Rectangle(in).Size()
	place := func(cr corner) vg.Rectangle {
		r := vg.Rectangle{Min: in.Min, Max: in.Max}
		if cr.left {
			r.Max.X = r.Min.X + size.X
		} else {
			r.Min.X = r.Max.X - size.X
		}
		if cr.top {
			r.Min.Y = r.Max.Y - size.Y
		} else {
			r.Max.Y = r.Min.Y + size.Y
		}
		return grow(r, pad)
	}
	trX, trY := pn.p.Transforms(&dc)
	best, fewest := pn.corners[0], math.MaxInt
	for _, cr := range pn.corners {
		if n := pn.covered(place(cr), trX, trY); n < fewest {
			best, fewest = cr, n
		}
	}
	box := place(best)
	dc.SetColor(legendColor)
	dc.Fill(box.Path())
	dc.StrokeLines(draw.LineStyle{Color: frameColor, Width: vg.Points(0.75)}, []vg.Point{
		box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y}, box.Min,
	})
	// Icons on the left, text on the right, whichever the corner.
	pn.legend.Top, pn.legend.Left = true, true
	// Legend.Draw leaves a font descent free above the first entry.
	pn.legend.YOffs = pn.legend.TextStyle.FontExtents().Descent
	pn.legend.Draw(draw.Crop(draw.Canvas{Canvas: dc.Canvas, Rectangle: box}, pad, -pad, pad, -pad))
}

// covered counts the markers, and points every few points along the
// lines, that fall inside r.
func (pn *panel) covered(r vg.Rectangle, trX, trY func(float64) vg.Length) int {
	inside := func(x, y vg.Length) bool {
		return x >= r.Min.X && x <= r.Max.X && y >= r.Min.Y && y <= r.Max.Y
	}
	n := 0
	for _, s := range pn.series {
		for _, run := range finiteRuns(s.xys) {
			for i, pt := range run {
				x, y := trX(pt.X), trY(pt.Y)
				if inside(x, y) {
					n += 10 // a marker weighs more than a stretch of line
				}
				if i == 0 {
					continue
				}
				x0, y0 := trX(run[i-1].X), trY(run[i-1].Y)
				steps := int(math.Hypot(float64(x-x0), float64(y-y0))/4) + 1
				for k := 1; k < steps; k++ {
					f := vg.Length(k) / vg.Length(steps)
					if inside(x0+f*(x-x0), y0+f*(y-y0)) {
						n++
					}
				}
			}
		}
	}
	return n
}

// grow returns r with d added on every side.
func grow(r vg.Rectangle, d vg.Length) vg.Rectangle {
	return vg.Rectangle{Min: vg.Point{X: r.Min.X - d, Y: r.Min.Y - d}, Max: vg.Point{X: r.Max.X + d, Y: r.Max.Y + d}}
}
