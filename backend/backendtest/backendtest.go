// Package backendtest is the conformance suite that every glnn compute
// backend runs from its own tests:
//
//	func TestConformance(t *testing.T) {
//		dev := open(t) // a backend.Device
//		defer dev.Close()
//		backendtest.Run(t, dev, openAnother)
//		backendtest.RunReference(t, dev)
//	}
//
// Run checks every op of backend.Device against a float64 reference on odd
// shapes (1, 7, 33, 65, 129 …, every transpose combination, views with fewer
// rows than their parent), every gradient against central finite
// differences, and that each op family releases every buffer it allocates.
// It also checks the contract that backend.Device documents, case by case:
// misuse panics naming the op, the aliasing rule, tensors of another device
// or released ones, Close and what follows it, and Gather's bad indices. RunReference builds a small MLP from raw device ops and
// compares forward values, gradients and optimizer steps with values
// computed independently by PyTorch in float64 (testdata/mlp-4x7x5x3.json,
// also exported through Reference).
//
// The workload is kept small (a few hundred ops on mostly tiny shapes), so
// the suite also runs on slow software renderers. Floating-point results
// are compared within tolerances, never exactly; Fill, Copy, Gather,
// Upload/Download, ArgMax and counts are compared exactly.
package backendtest

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
)

// Upload allocates a rows×cols tensor on dev and, unless data is nil,
// copies data (len(data) == rows·cols) into it. It stops the test on any
// error. The caller releases the tensor.
func Upload(t testing.TB, dev backend.Device, rows, cols int, data []float32) *backend.Tensor {
	t.Helper()
	if data != nil && len(data) != rows*cols {
		t.Fatalf("backendtest.Upload: %d values for a %d×%d tensor", len(data), rows, cols)
	}
	x, err := dev.Alloc(rows, cols)
	if err != nil {
		t.Fatalf("Alloc(%d, %d): %v", rows, cols, err)
	}
	if x == nil {
		t.Fatalf("Alloc(%d, %d) returned a nil tensor and no error", rows, cols)
	}
	if x.Rows() != rows || x.Cols() != cols {
		t.Fatalf("Alloc(%d, %d) returned a %s tensor", rows, cols, x.Shape())
	}
	if data != nil {
		dev.Upload(x, data)
	}
	return x
}

// Download returns a copy of x's contents, stopping the test if the device
// reports an error.
func Download(t testing.TB, dev backend.Device, x *backend.Tensor) []float32 {
	t.Helper()
	out := make([]float32, x.Len())
	if err := dev.Download(out, x); err != nil {
		t.Fatalf("Download %s: %v", x.Shape(), err)
	}
	return out
}

// family is one op family of the suite: a subtest with its own leak check.
type family struct {
	name string
	f    func(e *env)
}

// Opener opens a fresh device of the backend under test.
type Opener func() (backend.Device, error)

// Run runs the conformance suite on dev: one subtest per op family, each
// checking that dev.LiveBuffers is the same before and after it. dev must
// be open and is left open; open gives the further devices of the
// ownership and lifecycle checks, which it closes.
func Run(t *testing.T, dev backend.Device, open Opener) {
	families := []family{
		{"Info", testInfo},
		{"Alloc", testAlloc},
		{"UploadDownload", testUploadDownload},
		{"Adopt", testAdopt},
		{"LiveBuffers", testLiveBuffers},
		{"Release", testRelease},
		{"View", testView},
		{"Fill", testFill},
		{"Copy", testCopy},
		{"MatMul", testMatMul},
		{"AddBias", testAddBias},
		{"SumRows", testSumRows},
		{"Activate", testActivate},
		{"ActivationGrad", testActivationGrad},
		{"SoftmaxCrossEntropy", testSoftmaxCrossEntropy},
		{"MeanSquaredError", testMeanSquaredError},
		{"CountCorrect", testCountCorrect},
		{"ArgMax", testArgMax},
		{"Gather", testGather},
		{"SGD", testSGD},
		{"Adam", testAdam},
		{"Misuse", testMisuse},
		{"Aliasing", testAliasing},
		{"Ownership", func(e *env) { testOwnership(e, open) }},
		{"Lifecycle", func(e *env) { testLifecycle(e, open) }},
		{"BadIndex", testBadIndex},
		{"Sync", testSync},
	}
	runFamilies(t, dev, families)
}

func runFamilies(t *testing.T, dev backend.Device, families []family) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			before := dev.LiveBuffers()
			e := newEnv(t, dev)
			// Deferred so that they also run after t.Fatal; finish (run
			// first) releases what the family still holds.
			defer func() {
				if err := dev.Sync(); err != nil {
					t.Errorf("Sync after %s: %v", fam.name, err)
				}
				if after := dev.LiveBuffers(); after != before {
					t.Errorf("%s leaks buffers: LiveBuffers %d before the subtest, %d after it released every tensor it allocated", fam.name, before, after)
				}
			}()
			defer e.finish()
			fam.f(e)
		})
	}
}

// env is the state of one (sub)test: the device, a seeded random source
// and the tensors allocated so far, released by finish.
type env struct {
	t     *testing.T
	dev   backend.Device
	rng   *rand.Rand
	owned []*backend.Tensor
}

func newEnv(t *testing.T, dev backend.Device) *env {
	h := fnv.New64a()
	h.Write([]byte(t.Name()))
	return &env{t: t, dev: dev, rng: rand.New(rand.NewPCG(h.Sum64(), 0x9e3779b97f4a7c15))}
}

// finish must be deferred directly: it turns a panic into a test failure
// (so one broken op does not abort the whole suite) and releases every
// tensor the env still owns.
func (e *env) finish() {
	if r := recover(); r != nil {
		e.t.Errorf("unexpected panic: %v\n%s", r, debug.Stack())
	}
	for _, x := range e.owned {
		func() {
			defer func() {
				if r := recover(); r != nil {
					e.t.Errorf("Release %s panicked: %v", x.Shape(), r)
				}
			}()
			e.dev.Release(x)
		}()
	}
	e.owned = nil
}

// run runs f as a nested subtest with its own env; tensors it allocates are
// released when it ends.
func (e *env) run(name string, f func(e *env)) {
	e.t.Run(name, func(t *testing.T) {
		c := newEnv(t, e.dev)
		defer c.finish()
		f(c)
	})
}

// alloc allocates a zeroed tensor owned by e.
func (e *env) alloc(rows, cols int) *backend.Tensor {
	e.t.Helper()
	return e.upload(rows, cols, nil)
}

// upload allocates a tensor owned by e and uploads data (nil: zeros).
func (e *env) upload(rows, cols int, data []float32) *backend.Tensor {
	e.t.Helper()
	x := Upload(e.t, e.dev, rows, cols, data)
	e.owned = append(e.owned, x)
	return x
}

// garbage allocates a tensor filled with NaN, for outputs an op must
// overwrite.
func (e *env) garbage(rows, cols int) *backend.Tensor {
	e.t.Helper()
	return e.upload(rows, cols, filled(rows*cols, float32(math.NaN())))
}

// release releases x now and forgets it.
func (e *env) release(x *backend.Tensor) {
	e.t.Helper()
	for i, o := range e.owned {
		if o == x {
			e.owned = append(e.owned[:i], e.owned[i+1:]...)
			break
		}
	}
	e.dev.Release(x)
}

// get downloads x.
func (e *env) get(x *backend.Tensor) []float32 {
	e.t.Helper()
	return Download(e.t, e.dev, x)
}

// uniform returns n values drawn uniformly from [lo, hi).
func (e *env) uniform(n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*e.rng.Float64())
	}
	return v
}

// awayFromZero returns n values uniform in ±[lo, hi).
func (e *env) awayFromZero(n int, lo, hi float64) []float32 {
	v := e.uniform(n, lo, hi)
	for i := range v {
		if e.rng.IntN(2) == 0 {
			v[i] = -v[i]
		}
	}
	return v
}

// oneHot returns rows one-hot rows of cols classes drawn at random.
func (e *env) oneHot(rows, cols int) []float32 {
	v := make([]float32, rows*cols)
	for i := range rows {
		v[i*cols+e.rng.IntN(cols)] = 1
	}
	return v
}

// softTargets returns rows random probability vectors.
func (e *env) softTargets(rows, cols int) []float32 {
	v := make([]float32, rows*cols)
	for i := range rows {
		w := make([]float64, cols)
		s := 0.0
		for j := range w {
			w[j] = e.rng.Float64() + 0.01
			s += w[j]
		}
		for j := range w {
			v[i*cols+j] = float32(w[j] / s)
		}
	}
	return v
}

func nan() float64 { return math.NaN() }
func inf() float64 { return math.Inf(1) }

func filled(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func to64(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

func to32(v []float64) []float32 {
	w := make([]float32, len(v))
	for i, x := range v {
		w[i] = float32(x)
	}
	return w
}

// tol is a comparison tolerance: |got − want| ≤ atol + rtol·max(|want|, scale).
type tol struct{ rtol, atol float64 }

// Tolerances for float32 results against float64 references.
var (
	tolElem = tol{1e-5, 1e-6} // one or a few float32 operations per element
	tolSum  = tol{3e-5, 1e-5} // accumulated scalars (loss sums)
	// Extreme inputs (logits near ±1000): float32 spacing there is 6e-5,
	// so a correct max-subtracted implementation that forms, say,
	// logits − logsumexp at that magnitude has relative errors of that
	// size. These cases are mainly about staying finite.
	tolExtreme = tol{2e-4, 1e-6}
)

const maxReported = 5

// near compares got with want element-wise. scale, if not nil, gives each
// element's magnitude for the relative part (for results that may cancel
// to near zero, such as dot products). cols lays the index out as [row,col].
func (e *env) near(what string, cols int, got []float32, want, scale []float64, tl tol) bool {
	e.t.Helper()
	return e.elementwise(what, "wrong", cols, len(got), len(want), func(i int) (string, bool) {
		g, w := float64(got[i]), want[i]
		mag := math.Abs(w)
		if scale != nil {
			mag = math.Max(mag, scale[i])
		}
		allowed := tl.atol + tl.rtol*mag
		d := math.Abs(g - w)
		if d <= allowed && !math.IsNaN(g) && !math.IsInf(g, 0) {
			return "", false
		}
		return fmt.Sprintf("got %.9g want %.9g (|diff| %.3g > tol %.3g)", g, w, d, allowed), true
	})
}

// exact compares got with want for equality (-0 equals 0).
func (e *env) exact(what string, cols int, got, want []float32) bool {
	e.t.Helper()
	return e.elementwise(what, "differ (want exact)", cols, len(got), len(want), func(i int) (string, bool) {
		if got[i] == want[i] {
			return "", false
		}
		return fmt.Sprintf("got %.9g want %.9g", got[i], want[i]), true
	})
}

// elementwise reports a comparison of n values against nWant: wrong(i)
// says whether element i fails and how. The first maxReported failures
// are listed, each at its [row,col].
func (e *env) elementwise(what, failed string, cols, n, nWant int, wrong func(i int) (string, bool)) bool {
	e.t.Helper()
	if n != nWant {
		e.t.Errorf("%s: got %d values, want %d", what, n, nWant)
		return false
	}
	bad := 0
	var msgs []string
	for i := range n {
		detail, isWrong := wrong(i)
		if !isWrong {
			continue
		}
		bad++
		if len(msgs) < maxReported {
			msgs = append(msgs, fmt.Sprintf("  %s: %s", at(i, cols), detail))
		}
	}
	if bad > 0 {
		e.t.Errorf("%s: %d of %d elements %s:\n%s", what, bad, n, failed, strings.Join(msgs, "\n"))
	}
	return bad == 0
}

// scalar compares a 1×1 result.
func (e *env) scalar(what string, got float32, want float64, tl tol) bool {
	e.t.Helper()
	return e.near(what, 1, []float32{got}, []float64{want}, nil, tl)
}

func at(i, cols int) string {
	if cols <= 0 {
		return fmt.Sprintf("[%d]", i)
	}
	return fmt.Sprintf("[%d,%d]", i/cols, i%cols)
}

// expectPanic runs f and reports an error unless it panics with a message
// containing op (op == "" accepts any panic).
func (e *env) expectPanic(op, what string, f func()) {
	e.t.Helper()
	msg, panicked := catch(f)
	switch {
	case !panicked:
		e.t.Errorf("%s: did not panic", what)
	case op != "" && !strings.Contains(msg, op):
		e.t.Errorf("%s: panic message %q does not name the op %q", what, msg, op)
	}
}

func catch(f func()) (msg string, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = fmt.Sprint(r), true
		}
	}()
	f()
	return "", false
}

func shape(r, c int) string { return fmt.Sprintf("%dx%d", r, c) }
