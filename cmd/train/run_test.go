package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/cpu"
	"github.com/glnn/glnn/nn"
)

// child runs train's main in a child process (the test binary, with
// GLNN_TRAIN_CHILD set) with extra environment.
func child(args string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "GLNN_TRAIN_CHILD="+args), env...)
	return cmd
}

// TestProgressBar runs train under a pseudo-terminal (script -qc): the bar
// is redrawn in place on stderr. Piped, the output has no carriage returns
// or cursor movements. The bar is redrawn four times a second, so the run
// must last a second or so: 15,000 single-sample steps per epoch (30,000
// samples/s here).
func TestProgressBar(t *testing.T) {
	dir := writeData(t, t.TempDir(), 15000, 100)
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skipf("no script(1) to make a pseudo-terminal: %v", err)
	}
	cmd := exec.Command(script, "-qec", os.Args[0]+" -test.run=^$", "/dev/null")
	cmd.Env = append(os.Environ(), "GLNN_TRAIN_CHILD=-device=cpu -epochs=2 -batch=1 -hidden=8 -data="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("train under script: %v\n%s", err, out)
	}
	s := string(out)
	frames := strings.Count(s, "\x1b[1A") // cursor up: a redraw in place
	if frames < 2 || !strings.Contains(s, "epoch 1/2 ") || !strings.Contains(s, "/15000 [") || !strings.Contains(s, "ETA") {
		t.Fatalf("no live progress bar on the terminal (%d redraws):\n%q", frames, s)
	}
	if !strings.Contains(s, "loss ") || !strings.Contains(s, "test accuracy: ") {
		t.Errorf("terminal output lacks the running loss or the final line:\n%q", s)
	}

	code, stdout, stderr := runTrain("-device=cpu", "-epochs=2", "-batch=1", "-hidden=8", "-data="+dir)
	if code != 0 {
		t.Fatalf("piped: exit %d, %s", code, stderr)
	}
	if strings.ContainsAny(stdout+stderr, "\r\x1b") {
		t.Errorf("piped output has carriage returns or escapes:\n%q\n%q", stdout, stderr)
	}
	if n := strings.Count(stdout, "\nepoch "); n != 2 {
		t.Errorf("piped output has %d epoch lines, want one per epoch:\n%s", n, stdout)
	}
}

func TestQuietValSplitAndDevices(t *testing.T) {
	dir := writeData(t, t.TempDir(), 300, 100)
	code, out, errOut := runTrain("-device=cpu", "-data="+dir, "-epochs=2", "-quiet")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "test accuracy: ") || errOut != "" {
		t.Errorf("-quiet: exit %d, stdout %q, stderr %q; want the final line only", code, out, errOut)
	}
	code, out, errOut = runTrain("-device=cpu", "-data="+dir, "-epochs=1", "-val-split=0.2", "-json")
	if code != 0 {
		t.Fatalf("-val-split: exit %d, %s", code, errOut)
	}
	var e map[string]any
	json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &e)
	if _, ok := e["val_loss"]; !ok {
		t.Errorf("-val-split -json: epoch event lacks val_loss: %s", out)
	}
	code, out, _ = runTrain("-device=cpu", "-data="+dir, "-epochs=1", "-val-split=0.2")
	if code != 0 || !strings.Contains(out, "val_accuracy ") {
		t.Errorf("-val-split: no validation in the epoch line:\n%s", out)
	}
	code, out, errOut = runTrain("-devices", "-json")
	var list struct {
		Devices []struct {
			Device    string `json:"device"`
			Available bool   `json:"available"`
		} `json:"devices"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Devices) < 1 || list.Devices[0].Device != "cpu" || !list.Devices[0].Available {
		t.Errorf("-devices -json: exit %d, %q, %q", code, out, errOut)
	}
}

// TestNullNotNaN: -json writes a non-finite number as null and keeps the
// event.
func TestNullNotNaN(t *testing.T) {
	b, err := json.Marshal(epochEvent{Event: "epoch", Epoch: 3, Loss: num(math.NaN()), Accuracy: 0.5, TestLoss: num(math.Inf(1))})
	if err != nil || !strings.Contains(string(b), `"loss":null`) || !strings.Contains(string(b), `"test_loss":null`) || !strings.Contains(string(b), `"accuracy":0.5`) {
		t.Errorf("%s, %v", b, err)
	}
}

// failWriter fails every write, as a full disk does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestOutputErrors: a failed write to stdout is exit 1 with the error, in
// every output mode, and /dev/full as stdout too.
func TestOutputErrors(t *testing.T) {
	dir := writeData(t, t.TempDir(), 200, 50)
	for _, mode := range [][]string{{}, {"-json"}, {"-quiet"}, {"-devices"}} {
		var e bytes.Buffer
		args := append([]string{"-device=cpu", "-data=" + dir, "-epochs=1"}, mode...)
		code := run(context.Background(), args, failWriter{}, &e)
		if code != 1 || !strings.Contains(e.String(), "writing to stdout") || !strings.Contains(e.String(), "no space left") {
			t.Errorf("%v to a full disk: exit %d, stderr %q", mode, code, e.String())
		}
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	cmd := child("-device=cpu -epochs=1 -data=" + dir)
	var e bytes.Buffer
	cmd.Stdout, cmd.Stderr = full, &e
	err = cmd.Run()
	var x *exec.ExitError
	if !errors.As(err, &x) || x.ExitCode() != 1 || !strings.Contains(e.String(), "writing to stdout") {
		t.Errorf("train > /dev/full: %v, stderr %q; want exit 1 naming the write error", err, e.String())
	}
}

// TestAbsurdSizes: layer sizes no machine can hold are one line and exit
// 1 (or 2 for a value the flag cannot parse), never a crash.
func TestAbsurdSizes(t *testing.T) {
	dir := writeData(t, t.TempDir(), 100, 20)
	for _, h := range []string{"100000000", "9223372036854775807", "30000000", "3000000"} {
		code, _, errOut := runTrain("-device=cpu", "-data="+dir, "-epochs=1", "-hidden="+h)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != 1 || len(lines) != 1 || strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine") {
			t.Errorf("-hidden=%s: exit %d, stderr %q; want exit 1 and one line", h, code, errOut)
		}
	}
	code, _, errOut := runTrain("-device=cpu", "-data="+dir, "-epochs=1", "-batch=99999999999999999999")
	if code != 2 || strings.Contains(errOut, "panic") {
		t.Errorf("-batch=1e20: exit %d, %q", code, errOut)
	}
}

// TestSaveResume: one epoch with -save, then -resume to three, gives the
// same epoch losses as three epochs straight (1e-6 relative), and the
// checkpoint loads in nn.
func TestSaveResume(t *testing.T) {
	dir := writeData(t, t.TempDir(), 400, 100)
	ck := filepath.Join(t.TempDir(), "run.safetensors")
	losses := func(out string) []float64 {
		var ls []float64
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var e struct {
				Event string
				Loss  float64
			}
			json.Unmarshal([]byte(l), &e)
			if e.Event == "epoch" {
				ls = append(ls, e.Loss)
			}
		}
		return ls
	}
	code, straight, e := runTrain("-device=cpu", "-data="+dir, "-epochs=3", "-json", "-seed=7")
	if code != 0 {
		t.Fatal(e)
	}
	if code, _, e = runTrain("-device=cpu", "-data="+dir, "-epochs=1", "-json", "-seed=7", "-save="+ck); code != 0 {
		t.Fatal(e)
	}
	code, resumed, e := runTrain("-device=cpu", "-data="+dir, "-epochs=3", "-json", "-resume="+ck, "-save="+ck)
	if code != 0 {
		t.Fatal(e)
	}
	want, got := losses(straight), losses(resumed)
	if len(want) != 3 || len(got) != 2 {
		t.Fatalf("epoch events: %d straight, %d resumed", len(want), len(got))
	}
	for i, l := range got {
		if math.Abs(l-want[i+1]) > 1e-6*want[i+1] {
			t.Errorf("resumed epoch %d loss %v, straight %v", i+2, l, want[i+1])
		}
	}
	dev, _ := cpu.New(backend.Options{})
	defer dev.Close()
	m, c, err := nn.Load(ck, dev)
	if err != nil {
		t.Fatal(err)
	}
	m.Release()
	if c.Position != (nn.Position{Epoch: 3}) || len(c.History) != 3 {
		t.Errorf("checkpoint after the resumed run: %+v", c)
	}
	if code, _, e = runTrain("-device=cpu", "-data="+dir, "-epochs=3", "-resume="+ck); code != 1 || !strings.Contains(e, "done 3 epochs already") {
		t.Errorf("resuming a finished run: exit %d, %q", code, e)
	}
}

// TestSignals: SIGINT and SIGTERM let the step finish, save the checkpoint,
// say where it is and exit 130 and 143.
func TestSignals(t *testing.T) {
	dir := writeData(t, t.TempDir(), 3000, 100)
	for _, s := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{{syscall.SIGINT, 130, "SIGINT"}, {syscall.SIGTERM, 143, "SIGTERM"}} {
		ck := filepath.Join(t.TempDir(), "ck.safetensors")
		cmd := child("-device=cpu -epochs=50 -batch=1 -hidden=32 -save=" + ck + " -data=" + dir)
		var e bytes.Buffer
		cmd.Stderr = &e
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		cmd.Process.Signal(s.sig)
		err := cmd.Wait()
		var x *exec.ExitError
		if !errors.As(err, &x) || x.ExitCode() != s.code {
			t.Fatalf("%s: %v (stderr %q), want exit %d", s.name, err, e.String(), s.code)
		}
		msg := e.String()
		if !strings.Contains(msg, "interrupted by "+s.name) || !strings.Contains(msg, "checkpoint saved to "+ck) || strings.Count(strings.TrimSpace(msg), "\n") != 0 {
			t.Errorf("%s: stderr %q", s.name, msg)
		}
		dev, _ := cpu.New(backend.Options{})
		m, c, err := nn.Load(ck, dev)
		if err != nil {
			t.Fatalf("%s: the checkpoint does not load: %v", s.name, err)
		}
		if c.Position == (nn.Position{}) {
			t.Errorf("%s: the checkpoint has no training position", s.name)
		}
		m.Release()
		dev.Close()
	}
}

// TestKillLeavesCheckpoint kills train -save with SIGKILL at random moments,
// 20 times: the checkpoint always loads.
func TestKillLeavesCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := writeData(t, t.TempDir(), 1000, 50)
	ck := filepath.Join(t.TempDir(), "ck.safetensors")
	if code, _, e := runTrain("-device=cpu", "-data="+dir, "-epochs=1", "-hidden=64", "-save="+ck); code != 0 {
		t.Fatal(e)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	dev, _ := cpu.New(backend.Options{})
	defer dev.Close()
	for i := range 20 {
		// Epochs of about 10 ms at batch 8: a save every few ms.
		cmd := child("-device=cpu -epochs=100000 -batch=8 -hidden=64 -save=" + ck + " -resume=" + ck + " -data=" + dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		m, c, err := nn.Load(ck, dev)
		if err != nil {
			t.Fatalf("kill %d: the checkpoint does not load: %v", i+1, err)
		}
		m.Release()
		t.Logf("kill %d: checkpoint at epoch %d", i+1, c.Position.Epoch)
	}
}
