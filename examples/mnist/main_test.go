package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExample runs the example for one epoch and checks what it prints
// and saves.
func TestExample(t *testing.T) {
	if testing.Short() {
		t.Skip("trains an epoch of MNIST; skipped with -short")
	}
	out := filepath.Join(t.TempDir(), "m.safetensors")
	cmd := exec.Command(os.Args[0], "-test.run=^TestMain$")
	cmd.Env = append(os.Environ(), "GLNN_EXAMPLE_ARGS=-epochs=1 -save="+out)
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	s := string(got)
	m := regexp.MustCompile(`test loss [0-9.]+, accuracy (9[4-9]\.[0-9]+)%`).FindStringSubmatch(s)
	if m == nil || !strings.Contains(s, "epoch 1: loss ") || !strings.Contains(s, "the first test image is a 7; the model says 7") {
		t.Errorf("output:\n%s", s)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no model saved: %v", err)
	}
}

// TestMain runs main when the test binary is started as the example.
func TestMain(m *testing.M) {
	if args := os.Getenv("GLNN_EXAMPLE_ARGS"); args != "" {
		os.Args = append([]string{"mnist"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestREADME checks that the README shows this program as it is.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	body := src[bytes.Index(src, []byte("func main() {")):]
	body = body[:bytes.Index(body, []byte("\nfunc argmax"))]
	if !bytes.Contains(readme, body) {
		t.Errorf("README.md does not contain examples/mnist/main.go's main function as it is; copy it over")
	}
}
