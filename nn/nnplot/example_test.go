package nnplot_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/glnn/glnn/nn"
	"github.com/glnn/glnn/nn/nnplot"
)

// A History as model.Fit returns it, here made up: three epochs with
// validation results.
var hist = &nn.History{Epochs: []nn.Epoch{
	{Epoch: 1, Loss: 0.62, Accuracy: 0.83, ValLoss: 0.35, ValAccuracy: 0.90, HasValidation: true},
	{Epoch: 2, Loss: 0.31, Accuracy: 0.91, ValLoss: 0.27, ValAccuracy: 0.92, HasValidation: true},
	{Epoch: 3, Loss: 0.24, Accuracy: 0.93, ValLoss: 0.23, ValAccuracy: 0.94, HasValidation: true},
}}

func ExampleSave() {
	dir, err := os.MkdirTemp("", "nnplot-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The extension chooses the format: .png, .svg or .pdf.
	path := filepath.Join(dir, "curves.png")
	if err := nnplot.Save(path, hist, nnplot.Options{Title: "MNIST MLP"}); err != nil {
		log.Fatal(err)
	}

	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d×%d pixels\n", filepath.Base(path), cfg.Width, cfg.Height)
	// Output: curves.png: 1200×480 pixels
}

func ExampleWrite() {
	// Render to memory, to serve over HTTP or embed in a report.
	var buf bytes.Buffer
	if err := nnplot.Write(&buf, "svg", hist, nnplot.Options{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.Contains(buf.Bytes(), []byte(nnplot.DefaultTitle)))

	// An empty history has nothing to draw.
	err := nnplot.Write(&buf, "svg", &nn.History{}, nnplot.Options{})
	fmt.Println(err)
	// Output:
	// true
	// nnplot: no epochs to plot
}
