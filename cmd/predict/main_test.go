package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/cpu"
	"github.com/glnn/glnn/data/digit"
	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/nn"
)

func runPredict(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// trainModel trains the reference model for two epochs on MNIST and saves
// it, as `train -epochs=2 -save` would.
func trainModel(t *testing.T) (path string, test *mnist.Set) {
	t.Helper()
	train, test, err := mnist.Load(mnist.Options{})
	if err != nil {
		t.Fatal(err)
	}
	y, _ := nn.OneHot(train.Labels, 10)
	dev, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	m := nn.NewSequential(nn.Flatten(28, 28), nn.Dense(128, "relu"), nn.Dense(10, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	h, err := m.Fit(context.Background(), train.Images, y, nn.FitOptions{Epochs: 2, BatchSize: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "mnist.safetensors")
	if err := m.Save(path, nn.Checkpoint{Position: h.Reached, Seed: 1, BatchSize: 32}); err != nil {
		t.Fatal(err)
	}
	return path, test
}

// TestPredictMNISTDigits writes 20 test digits as PNG files — as MNIST
// draws them, dark-on-light, at twice the size, and both — and requires
// at least 19 right from a model trained for two epochs.
func TestPredictMNISTDigits(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("trains two epochs of MNIST; skipped with -short and under the race detector")
	}
	model, test := trainModel(t)
	dir := t.TempDir()
	var files []string
	labels := map[string]int{}
	for i := range 20 {
		o := digit.EncodeOptions{Invert: i%4 == 1 || i%4 == 3, Scale: 1 + i%4/2} // plain, dark-on-light, 2×, both
		f := filepath.Join(dir, fmt.Sprintf("%02d-invert=%v-scale=%d.png", i, o.Invert, max(o.Scale, 1)))
		var b bytes.Buffer
		if err := digit.EncodeWith(&b, test.Image(i), o); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		labels[f] = int(test.Labels[i])
	}
	code, out, errOut := runPredict(append([]string{"-model", model, "-device=cpu", "-json"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	right := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		sum := float32(0)
		for _, p := range r.Probabilities {
			sum += p
		}
		if len(r.Probabilities) != 10 || sum < 0.999 || sum > 1.001 {
			t.Errorf("%s: probabilities %v", r.File, r.Probabilities)
		}
		if r.Class == labels[r.File] {
			right++
		} else {
			t.Logf("%s: predicted %d, label %d", filepath.Base(r.File), r.Class, labels[r.File])
		}
	}
	t.Logf("%d of 20 right", right)
	if right < 19 {
		t.Errorf("%d of 20 digits right, want at least 19", right)
	}

	// Text output: the top classes with probabilities.
	code, out, _ = runPredict("-model", model, "-device=cpu", "-top=2", files[0])
	if code != 0 || !strings.HasPrefix(out, files[0]+": 7 (") || !strings.Contains(out, ", then ") {
		t.Errorf("text output: %q", out)
	}
}

// TestBadImages: each bad image gets one line on stderr, after the results
// of the good ones, and the exit status is 1.
func TestBadImages(t *testing.T) {
	dev, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	m := nn.NewSequential(nn.Flatten(28, 28), nn.Dense(10, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	if err := m.Save(model, nn.Checkpoint{BatchSize: 1}); err != nil {
		t.Fatal(err)
	}
	m.Release()
	good := filepath.Join(dir, "good.png")
	px := make([]float32, digit.Pixels)
	for i := 300; i < 500; i++ {
		px[i] = 1
	}
	var b bytes.Buffer
	digit.Encode(&b, px)
	os.WriteFile(good, b.Bytes(), 0o644)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not an image"), 0o644)
	truncated := filepath.Join(dir, "cut.png")
	os.WriteFile(truncated, b.Bytes()[:b.Len()/2], 0o644)
	// A PNG header claiming 60000×60000 pixels.
	huge := filepath.Join(dir, "huge.png")
	ihdr := []byte{'I', 'H', 'D', 'R', 0, 0, 0xea, 0x60, 0, 0, 0xea, 0x60, 8, 0, 0, 0, 0}
	hdr := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), ihdr...)
	hdr = binary.BigEndian.AppendUint32(hdr, crc32.ChecksumIEEE(ihdr))
	os.WriteFile(huge, hdr, 0o644)
	missing := filepath.Join(dir, "missing.png")

	code, out, errOut := runPredict("-model", model, "-device=cpu", text, good, truncated, huge, missing)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code != 1 || !strings.HasPrefix(out, good+": ") || len(lines) != 4 {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 1, the good image's result and four lines", code, out, errOut)
	}
	for i, name := range []string{text, truncated, huge, missing} {
		if !strings.HasPrefix(lines[i], "predict: ") || !strings.Contains(lines[i], name) || strings.Contains(lines[i], "panic") {
			t.Errorf("line %d: %q should name %s", i+1, lines[i], name)
		}
	}
	if !strings.Contains(errOut, "60000") {
		t.Errorf("the huge image's line should give its size: %s", errOut)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{}, {"x.png"}, {"-model", "m"}, {"-model", "m", "-top=0", "x.png"}, {"-model", "m", "-device=tpu", "x.png"}, {"-nosuch"}} {
		if code, out, errOut := runPredict(args...); code != 2 || out != "" || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 with a message", args, code, out, errOut)
		}
	}
	if code, _, errOut := runPredict("-h"); code != 0 || !strings.Contains(errOut, "-model") || !strings.Contains(errOut, "-top") {
		t.Errorf("-h: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runPredict("-model", "/nonexistent.safetensors", "-device=cpu", "x.png"); code != 1 || !strings.Contains(errOut, "/nonexistent.safetensors") {
		t.Errorf("missing model: exit %d, %q", code, errOut)
	}
}
