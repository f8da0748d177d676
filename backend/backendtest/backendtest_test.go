package backendtest_test

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// The tests here check the suite itself: it must pass on a correct device
// and fail, in the right subtest, on a device with one deliberate bug.

const mutantEnv = "GLNN_BACKENDTEST_MUTANT"

// mutant wraps a correct device and breaks one op, through the public
// interface only.
type mutant struct {
	backend.Device
	bug string
}

func (d *mutant) MatMul(c, a, b *backend.Tensor, tA, tB backend.Transpose) {
	switch d.bug {
	case "matmul-ignores-trans-b":
		if b.Rows() == b.Cols() {
			tB = backend.NoTrans
		}
	case "matmul-no-shape-check":
		defer func() { recover() }()
	case "matmul-leaks-scratch":
		if _, k := a.Rows(), a.Cols(); k > 100 {
			d.Device.Alloc(1, k) // never released
		}
	}
	d.Device.MatMul(c, a, b, tA, tB)
}

func (d *mutant) SumRows(dst, src *backend.Tensor) {
	if d.bug == "sumrows-reads-whole-parent" && src.IsView() {
		src = src.View(src.Cap()/src.Cols(), src.Cols())
	}
	d.Device.SumRows(dst, src)
}

func (d *mutant) ActivationGrad(dx, dy, x, y *backend.Tensor, act backend.Activation) {
	if d.bug == "relu-grad-masks-on-dy" && act == backend.ReLU {
		// Mask with a copy of dy, as a kernel reading dy twice would: dy
		// itself may be dx (in place), which no input may alias.
		masked, err := d.Device.Alloc(dy.Rows(), dy.Cols())
		if err != nil {
			panic(err)
		}
		defer d.Device.Release(masked)
		d.Device.Copy(masked, dy)
		y = masked
	}
	if d.bug == "leaky-relu-ignores-slope" && act.Kind == backend.KindLeakyReLU {
		act.Alpha = 0.2
	}
	d.Device.ActivationGrad(dx, dy, x, y, act)
}

func (d *mutant) SoftmaxCrossEntropy(dLogits, lossSum, logits, targets *backend.Tensor) {
	if d.bug == "sce-overwrites-loss" {
		d.Device.Fill(lossSum, 0)
	}
	d.Device.SoftmaxCrossEntropy(dLogits, lossSum, logits, targets)
}

func (d *mutant) SGD(param, grad, velocity *backend.Tensor, h backend.SGDParams) {
	if d.bug == "sgd-wrong-momentum" && velocity != nil {
		h.Momentum = 0.5
	}
	d.Device.SGD(param, grad, velocity, h)
}

func (d *mutant) Adam(param, grad, m, v *backend.Tensor, h backend.AdamParams) {
	if d.bug == "adam-pytorch-form" && h.Step >= 1 {
		// PyTorch's ε on √v̂ equals Keras's form with ε·√(1−β2^t).
		h.Epsilon *= float32(math.Sqrt(1 - math.Pow(float64(h.Beta2), float64(h.Step))))
	}
	d.Device.Adam(param, grad, m, v, h)
}

func (d *mutant) Copy(dst, src *backend.Tensor) {
	if d.bug == "copy-onto-itself-is-a-no-op" && dst == src {
		return
	}
	d.Device.Copy(dst, src)
}

func (d *mutant) Sync() error {
	err := d.Device.Sync()
	if d.bug == "sync-drops-errors" {
		return nil
	}
	return err
}

func (d *mutant) Close() error {
	err := d.Device.Close()
	if d.bug == "close-twice-is-nil" {
		return nil
	}
	return err
}

func openMutant(bug string) backendtest.Opener {
	return func() (backend.Device, error) {
		dev, err := cpu.New(backend.Options{})
		if err != nil {
			return nil, err
		}
		return &mutant{dev, bug}, nil
	}
}

// TestMutant is the child of TestSuiteCatchesMutants: it runs the suite on
// the cpu device with the bug named in $GLNN_BACKENDTEST_MUTANT.
func TestMutant(t *testing.T) {
	bug := os.Getenv(mutantEnv)
	if bug == "" {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	dev, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	backendtest.Run(t, &mutant{dev, bug}, openMutant(bug))
	backendtest.RunReference(t, &mutant{dev, bug})
}

func TestSuiteCatchesMutants(t *testing.T) {
	for _, m := range []struct {
		bug, family, message string // message: expected in the failure output
	}{
		{"none", "", ""}, // the wrapper itself must pass everything
		{"matmul-ignores-trans-b", "MatMul", "NT: c"},
		{"matmul-no-shape-check", "Misuse", "did not panic"},
		{"matmul-leaks-scratch", "MatMul", "leaks buffers"},
		{"sumrows-reads-whole-parent", "View", "SumRows of a 6x7 view"},
		{"relu-grad-masks-on-dy", "ActivationGrad", "finite differences"},
		{"relu-grad-masks-on-dy", "MLPBackward", "dW1"},
		{"sce-overwrites-loss", "SoftmaxCrossEntropy", "lossSum accumulates"},
		{"sgd-wrong-momentum", "SGD", "momentum=0.9"},
		{"adam-pytorch-form", "Adam", "Keras form"},
		{"leaky-relu-ignores-slope", "ActivationGrad", "leaky_relu(0.13)"},
		{"copy-onto-itself-is-a-no-op", "Aliasing", "Copy onto itself: did not panic"},
		{"sync-drops-errors", "BadIndex", "ErrBadIndex"},
		{"close-twice-is-nil", "Lifecycle", "second Close"},
	} {
		t.Run(m.bug+"/"+m.family, func(t *testing.T) {
			args := []string{"-test.run=^TestMutant$", "-test.v"}
			if m.family != "" {
				args[0] += "/^" + m.family + "$"
			}
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), mutantEnv+"="+m.bug)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			switch {
			case m.bug == "none":
				if err != nil {
					t.Fatalf("the suite fails on an unmodified cpu device behind the wrapper: %v\n%s", err, out)
				}
			case err == nil:
				t.Fatalf("the suite passes on a device with bug %q\n%s", m.bug, out)
			case !errors.As(err, &exit):
				t.Fatalf("running the child test: %v", err)
			case !strings.Contains(string(out), "--- FAIL: TestMutant/"+m.family):
				t.Fatalf("bug %q: subtest %s did not fail\n%s", m.bug, m.family, out)
			case !strings.Contains(string(out), m.message):
				t.Fatalf("bug %q: the failure does not mention %q\n%s", m.bug, m.message, out)
			}
		})
	}
}

func TestReference(t *testing.T) {
	ref, err := backendtest.Reference()
	if err != nil {
		t.Fatal(err)
	}
	if s := ref.Shapes; s.Batch != 4 || s.In != 7 || s.Hidden != 5 || s.Out != 3 {
		t.Errorf("shapes %+v", s)
	}
	if ref.AdamKeras.Steps != 3 || ref.AdamKeras.Eps != 1e-7 || ref.Momentum.Momentum != 0.9 {
		t.Errorf("optimizer blocks: %+v %+v", ref.AdamKeras, ref.Momentum)
	}
	if got := backendtest.Flat32(ref.X); len(got) != 28 || got[0] != float32(ref.X[0][0]) || got[7] != float32(ref.X[1][0]) {
		t.Errorf("Flat32(x) = %v", got)
	}
	// Each call returns a fresh copy.
	ref.X[0][0] = 99
	again, _ := backendtest.Reference()
	if again.X[0][0] == 99 {
		t.Error("Reference shares its values between calls")
	}
}
