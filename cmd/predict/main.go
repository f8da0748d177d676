// Command predict classifies images of handwritten digits with a model
// that train saved (-save): PNG, JPEG or GIF files of any size, dark ink
// on light or light on dark, preprocessed the way MNIST's digits were made
// (package data/digit: grey, inverted when dark-on-light, cropped to the
// digit, fitted into 20×20 keeping its aspect ratio, centred by mass in
// 28×28).
//
// Usage:
//
//	predict -model CKPT [-device=auto|gpu|cpu] [-top=3] [-json] IMAGE...
//
// For each image it prints the most likely classes with their
// probabilities, or with -json one object per image:
// {"file":…,"class":N,"probabilities":[p0,…,p9]}. An image that cannot be
// used (unreadable, not an image, too large, blank) gets one line on
// stderr, after the results of the good ones, and the exit status is 1.
//
// To get images to try: go run ./cmd/mnistpng -n 20 -out digits.
//
// Exit status: 0 when every image was classified, 1 on an error, 2 on bad
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
	"sort"
	"strings"

	"github.com/glnn/glnn/backend"
	_ "github.com/glnn/glnn/backend/cpu" // registers "cpu"
	_ "github.com/glnn/glnn/backend/gl"  // registers "gl"
	"github.com/glnn/glnn/data/digit"
	"github.com/glnn/glnn/internal/cli"
	"github.com/glnn/glnn/nn"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	model  string
	device string
	top    int
	json   bool
	images []string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.model, "model", "", "the checkpoint `FILE` train wrote with -save (required)")
	fs.StringVar(&c.device, "device", "auto", "compute device: auto (a hardware GPU if there is one, else the CPU), gpu or cpu")
	fs.IntVar(&c.top, "top", 3, "how many of the most likely classes to print per image")
	fs.BoolVar(&c.json, "json", false, "write one JSON object per image: {\"file\", \"class\", \"probabilities\"}")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprint(w, `Usage: predict -model CKPT [flags] IMAGE...

Classifies PNG, JPEG or GIF images of handwritten digits with a model saved
by train -save, preprocessing them the way MNIST was made.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(w, "\nExit status: 0 every image classified; 1 an error (one line per bad image on stderr); 2 bad flags.\n")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.images = fs.Args()
	switch c.device = strings.ToLower(c.device); {
	case c.model == "":
		return nil, cli.Usagef("-model: give the checkpoint to use (train -save=FILE writes one)")
	case len(c.images) == 0:
		return nil, cli.Usagef("no images: give one or more image files")
	case c.top < 1:
		return nil, cli.Usagef("-top=%d: want at least 1", c.top)
	case c.device != "auto" && c.device != "gpu" && c.device != "cpu":
		return nil, cli.Usagef("-device=%s: want auto, gpu or cpu", c.device)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if code, ok := cli.FlagExit("predict", err, stderr); !ok {
		return code
	}
	bad, err := predict(c, stdout, stderr)
	if err != nil {
		return cli.Fail("predict", err, stderr)
	}
	if bad > 0 {
		return cli.ExitError
	}
	return cli.ExitOK
}

// result is the JSON object written per image.
type result struct {
	File          string    `json:"file"`
	Class         int       `json:"class"`
	Probabilities []float32 `json:"probabilities"`
}

// predict classifies c.images and returns the number that could not be
// used (each reported on stderr, after the results).
func predict(c *config, stdout, stderr io.Writer) (bad int, err error) {
	name := map[string]string{"gpu": "gl"}[c.device]
	if name == "" {
		name = c.device
	}
	dev, err := backend.Open(name, backend.Options{})
	if err != nil {
		return 0, fmt.Errorf("-device=%s: %w", c.device, err)
	}
	defer dev.Close()
	model, _, err := nn.Load(c.model, dev)
	if err != nil {
		return 0, err
	}
	defer model.Release()
	if model.InputSize() != digit.Pixels {
		return 0, fmt.Errorf("%s takes %d inputs per sample, but a digit image gives %d (28×28): it is not an MNIST model", c.model, model.InputSize(), digit.Pixels)
	}
	var x []float32
	var files []string
	var problems []string
	for _, path := range c.images {
		px, err := digit.ReadFile(path)
		if err != nil {
			problems = append(problems, cli.OneLine(err))
			continue
		}
		x = append(x, px...)
		files = append(files, path)
	}
	if len(files) > 0 {
		p, err := model.Predict(x, 0)
		if err != nil {
			return 0, err
		}
		k := model.OutputSize()
		enc := json.NewEncoder(stdout)
		for i, f := range files {
			probs := p[i*k : (i+1)*k]
			order := ranked(probs)
			if c.json {
				err = enc.Encode(result{File: f, Class: order[0], Probabilities: probs})
			} else {
				err = writeText(stdout, f, probs, order[:min(c.top, k)])
			}
			if err != nil {
				return 0, fmt.Errorf("writing to stdout: %w", err)
			}
		}
	}
	for _, msg := range problems {
		if _, err := fmt.Fprintf(stderr, "predict: %s\n", msg); err != nil {
			return 0, errors.Join(errors.New("writing to stderr"), err)
		}
	}
	return len(problems), nil
}

// ranked returns the classes in order of falling probability.
func ranked(p []float32) []int {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	return order
}

func writeText(w io.Writer, file string, p []float32, top []int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d", file, top[0])
	for i, cl := range top {
		if i == 0 {
			fmt.Fprintf(&b, " (%.1f%%)", 100*p[cl])
			continue
		}
		fmt.Fprintf(&b, ", then %d (%.1f%%)", cl, 100*p[cl])
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
