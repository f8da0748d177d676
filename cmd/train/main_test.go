package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
)

// TestMain lets a test run the real main in a child process (for the
// cases that need a fresh process environment, such as EGL disabled).
func TestMain(m *testing.M) {
	if args := os.Getenv("GLNN_TRAIN_CHILD"); args != "" {
		os.Args = append([]string{"train"}, strings.Fields(args)...)
		main()
	}
	os.Exit(m.Run())
}

// idx encodes an IDX file: magic, dimensions, payload.
func idx(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// writeData writes a small learnable MNIST-shaped data set (each digit
// class lights its own block of pixels) into dir and returns dir.
func writeData(t *testing.T, dir string, nTrain, nTest int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	set := func(n int) (images, labels []byte) {
		for i := 0; i < n; i++ {
			c := rng.IntN(10)
			labels = append(labels, byte(c))
			img := make([]byte, 28*28)
			for p := range img {
				img[p] = byte(rng.IntN(40))
			}
			for p := c * 70; p < c*70+70; p++ {
				img[p] = 200 + byte(rng.IntN(56))
			}
			images = append(images, img...)
		}
		return images, labels
	}
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), gz(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ti, tl := set(nTrain)
	vi, vl := set(nTest)
	write("train-images-idx3-ubyte.gz", idx(0x803, []uint32{uint32(nTrain), 28, 28}, ti))
	write("train-labels-idx1-ubyte.gz", idx(0x801, []uint32{uint32(nTrain)}, tl))
	write("t10k-images-idx3-ubyte.gz", idx(0x803, []uint32{uint32(nTest), 28, 28}, vi))
	write("t10k-labels-idx1-ubyte.gz", idx(0x801, []uint32{uint32(nTest)}, vl))
	return dir
}

func runTrain(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestJSONOutput(t *testing.T) {
	dir := writeData(t, t.TempDir(), 300, 100)
	code, out, errOut := runTrain("-device=cpu", "-data="+dir, "-epochs=2", "-batch=16", "-json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("stdout has %d lines, want 2 epochs and done:\n%s", len(lines), out)
	}
	for i, l := range lines[:2] {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %d is not JSON: %q", i+1, l)
		}
		for _, k := range []string{"event", "epoch", "loss", "accuracy", "test_loss", "test_accuracy", "seconds", "samples_per_second"} {
			if _, ok := e[k]; !ok {
				t.Errorf("epoch line %d lacks %q: %s", i+1, k, l)
			}
		}
		if e["event"] != "epoch" || e["epoch"] != float64(i+1) {
			t.Errorf("line %d: %s", i+1, l)
		}
	}
	var done map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &done); err != nil {
		t.Fatal(err)
	}
	if done["event"] != "done" || done["device"] != "cpu" || done["epochs"] != float64(2) {
		t.Errorf("done line: %s", lines[2])
	}
	if acc, _ := done["test_accuracy"].(float64); acc < 0.9 {
		t.Errorf("test accuracy %v on an easy synthetic set, want ≥ 0.9", acc)
	}
}

func TestHumanOutput(t *testing.T) {
	dir := writeData(t, t.TempDir(), 200, 50)
	code, out, errOut := runTrain("-device=cpu", "-data="+dir, "-epochs=1", "-hidden=32,16", "-optimizer=sgd", "-lr=0.1", "-momentum=0.9")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"device cpu", "dense(32, relu) → dense(16, relu) → dense(10, softmax)", "sgd(lr=0.1, momentum=0.9)", "epoch 1/1  loss ", "samples/s", "test accuracy: ", " after 1 epoch in "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-device=tpu"}, {"-epochs=0"}, {"-batch=-1"}, {"-lr=0"}, {"-optimizer=rmsprop"},
		{"-hidden=12,x"}, {"-momentum=1"}, {"-nosuchflag"}, {"extra"},
		{"-lr=Inf"}, {"-lr=NaN"}, {"-lr=1e300"}, {"-val-split=1"}, {"-json", "-quiet"},
		{"-resume=x.safetensors", "-batch=64"}, {"-resume=x.safetensors", "-hidden=64"},
		{"-gpu=x"}, {"-gpu=-1"}, {"-gpu=1", "-device=cpu"},
	} {
		code, out, errOut := runTrain(args...)
		if code != 2 || out != "" || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 with a message", args, code, out, errOut)
		}
	}
}

// TestBadData checks that damaged data files give exit 1 and one line
// naming the file and the problem.
func TestBadData(t *testing.T) {
	cases := []struct {
		name   string
		damage func(dir string)
		file   string
		phrase string
	}{
		{"wrong magic", func(dir string) {
			os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), gz(idx(0x803, []uint32{300}, make([]byte, 300))), 0o644)
		}, "train-labels-idx1-ubyte.gz", "magic"},
		{"truncated gzip", func(dir string) {
			p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "train-images-idx3-ubyte.gz", "truncated"},
		{"counts disagree", func(dir string) {
			os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), gz(idx(0x801, []uint32{99}, make([]byte, 99))), 0o644)
		}, "t10k-labels-idx1-ubyte.gz", "99"},
		{"missing dir", func(dir string) { os.RemoveAll(dir) }, "-data", "no such directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeData(t, t.TempDir(), 300, 100)
			c.damage(dir)
			code, _, errOut := runTrain("-device=cpu", "-data="+dir, "-epochs=1")
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "train: ") {
				t.Fatalf("exit %d, stderr %q; want exit 1 and one line", code, errOut)
			}
			if !strings.Contains(lines[0], c.file) || !strings.Contains(strings.ToLower(lines[0]), c.phrase) {
				t.Errorf("message %q should name %q and say %q", lines[0], c.file, c.phrase)
			}
		})
	}
}

// TestNoEGL runs train in a child process where EGL finds no driver:
// -device=gpu exits 1 with one line, -device=auto trains on the CPU.
func TestNoEGL(t *testing.T) {
	dir := writeData(t, t.TempDir(), 100, 20)
	child := func(args string) (int, string, string) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "GLNN_TRAIN_CHILD="+args, "__EGL_VENDOR_LIBRARY_FILENAMES=/nonexistent", "GLNN_GL_CONTEXT=egl")
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		code := 0
		if x, ok := err.(*exec.ExitError); ok {
			code = x.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, o.String(), e.String()
	}
	code, _, errOut := child("-device=gpu -epochs=1 -data=" + dir)
	if code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "-device=gpu") || strings.Contains(errOut, "panic") {
		t.Errorf("-device=gpu without EGL: exit %d, stderr %q; want exit 1 and one line", code, errOut)
	}
	code, out, errOut := child("-device=auto -epochs=1 -json -data=" + dir)
	if code != 0 || !strings.Contains(out, `"device":"cpu"`) || !strings.Contains(errOut, "chose cpu") {
		t.Errorf("-device=auto without EGL: exit %d, stdout %q, stderr %q; want training on the cpu", code, out, errOut)
	}
}

// TestModelTooLargeForGPU checks that a model whose parameters exceed what
// the GL device accepts in one op ends the run with exit status 1 and one
// line naming the sizes and the flags to change, and nothing else.
func TestModelTooLargeForGPU(t *testing.T) {
	dev, err := backend.Open("gl", backend.Options{})
	if err != nil {
		if os.Getenv("GLNN_REQUIRE_GPU") == "1" {
			t.Fatalf("GLNN_REQUIRE_GPU=1 but no GL device: %v", err)
		}
		t.Skipf("no GL device: %v", err)
	}
	limit := dev.Info().MaxOpBytes
	dev.Close()
	if limit <= 0 || limit > 600<<20 {
		t.Skipf("the GL device accepts %d bytes in an op: a 200000-wide layer fits", limit)
	}
	dir := writeData(t, t.TempDir(), 100, 100)
	code, out, errOut := runTrain("-device=gpu", "-hidden=200000", "-epochs=1", "-data="+dir)
	t.Log(strings.TrimSpace(errOut))
	if code != 1 || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and one line on stderr", code, out, errOut)
	}
	for _, want := range []string{"too large", "MiB", "-hidden", "-device=cpu"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the error lacks %q", want)
		}
	}
}

// TestChooseGPU checks -gpu: a GPU past those found ends the run with one
// line listing what there is, and never falls back to the CPU (not even
// with -device=auto, nor through GLNN_GPU); -devices -gpu shows that GPU
// or why it cannot be opened, and -devices shows the GL device's notes.
func TestChooseGPU(t *testing.T) {
	dir := writeData(t, t.TempDir(), 100, 100)
	for _, c := range []struct {
		args []string
		env  string
	}{
		{[]string{"-gpu=99"}, ""},
		{[]string{"-gpu=99", "-device=gpu"}, ""},
		{nil, "99"},
	} {
		t.Setenv("GLNN_GPU", c.env)
		code, out, errOut := runTrain(append(c.args, "-epochs=1", "-data="+dir)...)
		if code != 1 || strings.Contains(out, "test accuracy") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v, GLNN_GPU=%q: exit %d, stdout %q, stderr %q; want exit 1 and one line", c.args, c.env, code, out, errOut)
		}
		t.Log(strings.TrimSpace(errOut))
	}
	t.Setenv("GLNN_GPU", "")
	code, out, _ := runTrain("-devices", "-gpu=99")
	if code != 0 || !strings.Contains(out, "gl   unavailable: ") {
		t.Errorf("-devices -gpu=99: exit %d, stdout %q", code, out)
	}
	dev, err := backend.Open("gl", backend.Options{})
	if err != nil {
		t.Skipf("no GL device: %v", err)
	}
	info := dev.Info()
	dev.Close()
	code, out, _ = runTrain("-devices")
	if code != 0 {
		t.Fatalf("-devices: exit %d", code)
	}
	for _, n := range info.Notes {
		if !strings.Contains(out, "     "+n+"\n") {
			t.Errorf("-devices does not show the note %q:\n%s", n, out)
		}
	}
	code, out, _ = runTrain("-devices", "-json")
	if code != 0 || !strings.Contains(out, `"max_op_bytes":`) || len(info.Notes) > 0 && !strings.Contains(out, `"notes":[`) {
		t.Errorf("-devices -json lacks the op limit or the notes: %s", out)
	}
	if info.Software { // auto passes it over, and says why
		code, out, _ = runTrain("-epochs=1", "-data="+dir)
		want := "device: chose cpu: GPU is a software renderer (" + strings.Join(append([]string{info.Renderer}, info.Notes...), "; ") + ")"
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("-device=auto: exit %d, stdout %q; want %q", code, out, want)
		}
	}
}
