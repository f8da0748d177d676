package nn

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/internal/finite"
	"github.com/glnn/glnn/internal/safetensors"
)

// checkpointFormat names the layout of glnn's checkpoints in their
// metadata.
const checkpointFormat = "glnn-checkpoint-1"

// Checkpoint is what a saved model carries beyond its weights: where the
// training run stood and how it was set up, so that a resumed run goes on
// as the same run.
type Checkpoint struct {
	// Position is the training position: epochs done and steps of the next
	// (see FitOptions.InitialEpoch and InitialStep).
	Position Position
	// Seed is the shuffling seed (FitOptions.Seed), BatchSize the batch
	// size: a resumed run must use the same ones.
	Seed      uint64
	BatchSize int
	// History holds the epochs completed so far.
	History []Epoch
	// Meta holds the caller's own string metadata.
	Meta map[string]string
}

// Save writes the model to path as a safetensors file, atomically (the
// file holds either its previous content or the whole new checkpoint, even
// if the process dies while writing): every parameter as an F32 tensor
// ("layers.1.kernel", …), the optimizer's state ("optimizer.m.layers.1.kernel",
// …), and in the metadata the architecture (for models made of this
// package's layers), the optimizer and its step count, the loss, and ck.
// The weights load in any safetensors reader (PyTorch, NumPy).
func (m *Sequential) Save(path string, ck Checkpoint) error {
	m.enter("Save")
	defer m.exit()
	if m.dev == nil {
		return ErrNotCompiled
	}
	opt, err := specOfOptimizer(m.opt)
	if err != nil {
		return fmt.Errorf("nn: Save %s: %w", path, err)
	}
	meta := map[string]string{
		"format":         checkpointFormat,
		"optimizer":      jsonString(opt),
		"optimizer_step": strconv.Itoa(m.steps),
		"loss":           m.loss.String(),
		"position":       jsonString(ck.Position),
		"seed":           strconv.FormatUint(ck.Seed, 10),
		"batch_size":     strconv.Itoa(ck.BatchSize),
		"history":        jsonString(historyJSON(ck.History)),
	}
	var arch []layerSpec
	for _, l := range m.layers {
		s, ok := specOf(l)
		if !ok {
			arch = nil // a layer written elsewhere: weights only
			break
		}
		arch = append(arch, s)
	}
	if arch != nil {
		meta["architecture"] = jsonString(arch)
	}
	for k, v := range ck.Meta {
		meta["meta."+k] = v
	}
	host := make([]float32, m.store.n)
	var tensors []safetensors.Tensor
	add := func(prefix string, store *backend.Tensor) error {
		if err := m.dev.Download(host, store); err != nil {
			return err
		}
		for i, ps := range m.params {
			for _, p := range ps {
				tensors = append(tensors, safetensors.NewF32(prefix+paramName(i, p), []int{p.rows, p.cols}, host[p.off:p.off+p.rows*p.cols]))
			}
		}
		return nil
	}
	if err := add("", m.store.value); err != nil {
		return fmt.Errorf("nn: Save %s: %w", path, err)
	}
	for s, name := range slotNames(m.opt) {
		if err := add("optimizer."+name+".", m.store.state[s]); err != nil {
			return fmt.Errorf("nn: Save %s: %w", path, err)
		}
	}
	if err := safetensors.WriteFile(path, tensors, meta); err != nil {
		return fmt.Errorf("nn: saving the checkpoint: %w", err)
	}
	return nil
}

func paramName(layer int, p *Param) string { return fmt.Sprintf("layers.%d.%s", layer, p.Name) }

// Load reads a checkpoint written by Save and returns the model it holds,
// compiled onto dev with its weights, optimizer state and step count, and
// the checkpoint's training position and metadata. It trusts nothing in
// the file: a malformed file, unknown layers or settings, missing, extra
// or misshapen tensors and non-finite weights are errors naming the file.
func Load(path string, dev backend.Device) (*Sequential, *Checkpoint, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("nn: %w", err)
	}
	fail := func(format string, args ...any) (*Sequential, *Checkpoint, error) {
		return nil, nil, fmt.Errorf("nn: checkpoint %s: %s", path, fmt.Sprintf(format, args...))
	}
	meta := f.Metadata
	if meta["format"] != checkpointFormat {
		return fail("not a glnn checkpoint (metadata format %q, want %q)", meta["format"], checkpointFormat)
	}
	archJSON, ok := meta["architecture"]
	if !ok {
		return fail("no architecture (the model has a layer from outside package nn): build the model in code and use LoadWeights")
	}
	var arch []layerSpec
	if err := parseJSON(archJSON, &arch); err != nil || len(arch) == 0 {
		return fail("bad architecture %q: %v", clip(archJSON), err)
	}
	layers := make([]Layer, len(arch))
	for i, s := range arch {
		if layers[i], err = s.layer(); err != nil {
			return fail("layer %d: %v", i+1, err)
		}
	}
	var os optimizerSpec
	if err := parseJSON(meta["optimizer"], &os); err != nil {
		return fail("bad optimizer %q: %v", clip(meta["optimizer"]), err)
	}
	opt, err := os.optimizer()
	if err != nil {
		return fail("%v", err)
	}
	loss, err := parseLoss(meta["loss"])
	if err != nil {
		return fail("%v", err)
	}
	ck := &Checkpoint{Meta: map[string]string{}}
	var hist []epochJSON
	var step int
	switch {
	case parseJSON(meta["position"], &ck.Position) != nil || ck.Position.Epoch < 0 || ck.Position.Step < 0:
		return fail("bad position %q", clip(meta["position"]))
	case parseUint(meta["seed"], &ck.Seed) != nil:
		return fail("bad seed %q", clip(meta["seed"]))
	case parseInt(meta["batch_size"], &ck.BatchSize) != nil || ck.BatchSize < 1:
		return fail("bad batch_size %q", clip(meta["batch_size"]))
	case parseInt(meta["optimizer_step"], &step) != nil || step < 0:
		return fail("bad optimizer_step %q", clip(meta["optimizer_step"]))
	case parseJSON(meta["history"], &hist) != nil:
		return fail("bad history %q", clip(meta["history"]))
	}
	ck.History = historyFrom(hist)
	for k, v := range meta {
		if strings.HasPrefix(k, "meta.") {
			ck.Meta[strings.TrimPrefix(k, "meta.")] = v
		}
	}
	m := NewSequential(layers...)
	// The file must hold each parameter the architecture implies, so a
	// header cannot make Load allocate more than the file's own data.
	check := func(params [][]*Param) error {
		for i, ps := range params {
			for _, p := range ps {
				t, ok := f.Tensor(paramName(i, p))
				if !ok || len(t.Shape) != 2 || t.Shape[0] != p.rows || t.Shape[1] != p.cols {
					return fmt.Errorf("the architecture needs a %d×%d tensor %s, which the file does not hold", p.rows, p.cols, paramName(i, p))
				}
			}
		}
		return nil
	}
	if err := m.compile(dev, opt, loss, CompileOptions{}, check); err != nil {
		return fail("%v", err)
	}
	if err := m.setFromFile(f, true); err != nil {
		m.Release()
		return fail("%v", err)
	}
	m.steps = step
	return m, ck, nil
}

// LoadWeights sets the parameters (and, when the file has them and the
// optimizer matches, its state) of a compiled model from a checkpoint
// written by Save: for models with layers from outside package nn, whose
// architecture a checkpoint cannot rebuild.
func (m *Sequential) LoadWeights(path string) error {
	m.enter("LoadWeights")
	defer m.exit()
	if m.dev == nil {
		return ErrNotCompiled
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("nn: %w", err)
	}
	if err := m.setFromFile(f, false); err != nil {
		return fmt.Errorf("nn: checkpoint %s: %w", path, err)
	}
	return nil
}

// setFromFile uploads every parameter (and, with state, the optimizer's
// slots) from f, which must hold exactly those tensors, F32, of the
// model's shapes and finite.
func (m *Sequential) setFromFile(f *safetensors.File, state bool) error {
	want := map[string]bool{}
	host := make([]float32, m.store.n)
	fill := func(prefix string, store *backend.Tensor) error {
		for i, ps := range m.params {
			for _, p := range ps {
				name := prefix + paramName(i, p)
				want[name] = true
				t, ok := f.Tensor(name)
				if !ok {
					return fmt.Errorf("tensor %s is missing (the model is %s)", name, m.describe())
				}
				if len(t.Shape) != 2 || t.Shape[0] != p.rows || t.Shape[1] != p.cols {
					return fmt.Errorf("tensor %s has shape %v, the model wants [%d %d]", name, t.Shape, p.rows, p.cols)
				}
				v, err := t.Float32s()
				if err != nil {
					return err
				}
				if j := finite.First(v); j >= 0 {
					return fmt.Errorf("tensor %s holds a non-finite value (%g at [%d,%d])", name, v[j], j/p.cols, j%p.cols)
				}
				copy(host[p.off:], v)
			}
		}
		m.dev.Upload(store, host)
		return nil
	}
	if err := fill("", m.store.value); err != nil {
		return err
	}
	for s, name := range slotNames(m.opt) {
		prefix := "optimizer." + name + "."
		if !state {
			if _, ok := f.Tensor(prefix + paramName(m.firstParam())); !ok {
				continue
			}
		}
		if err := fill(prefix, m.store.state[s]); err != nil {
			return err
		}
	}
	for _, t := range f.Tensors {
		if !want[t.Name] && (state || !strings.HasPrefix(t.Name, "optimizer.")) {
			return fmt.Errorf("tensor %s is not part of the model (%s)", t.Name, m.describe())
		}
	}
	return nil
}

// firstParam returns the layer index and parameter of the model's first
// parameter.
func (m *Sequential) firstParam() (int, *Param) {
	for i, ps := range m.params {
		if len(ps) > 0 {
			return i, ps[0]
		}
	}
	return 0, &Param{}
}

func (m *Sequential) describe() string {
	var names []string
	for _, l := range m.layers {
		names = append(names, l.String())
	}
	return strings.Join(names, " → ")
}

func parseLoss(s string) (Loss, error) {
	for _, l := range []Loss{CategoricalCrossEntropy, MeanSquaredError} {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown loss %q", clip(s))
}

func parseInt(s string, v *int) (err error) {
	*v, err = strconv.Atoi(s)
	return err
}

func parseUint(s string, v *uint64) (err error) {
	*v, err = strconv.ParseUint(s, 10, 64)
	return err
}

// clip shortens a metadata value for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// epochJSON is an Epoch in a checkpoint's metadata; non-finite numbers are
// stored as null.
type epochJSON struct {
	Epoch            int      `json:"epoch"`
	Loss             *float64 `json:"loss"`
	Accuracy         *float64 `json:"accuracy"`
	ValLoss          *float64 `json:"val_loss,omitempty"`
	ValAccuracy      *float64 `json:"val_accuracy,omitempty"`
	TestLoss         *float64 `json:"test_loss,omitempty"`
	TestAccuracy     *float64 `json:"test_accuracy,omitempty"`
	Seconds          *float64 `json:"seconds"`
	SamplesPerSecond *float64 `json:"samples_per_second"`
}

func finitePtr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func valueOf(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func historyJSON(h []Epoch) []epochJSON {
	out := make([]epochJSON, len(h))
	for i, e := range h {
		out[i] = epochJSON{Epoch: e.Epoch, Loss: finitePtr(e.Loss), Accuracy: finitePtr(e.Accuracy),
			Seconds: finitePtr(e.Seconds), SamplesPerSecond: finitePtr(e.SamplesPerSecond)}
		if e.HasValidation {
			out[i].ValLoss, out[i].ValAccuracy = finitePtr(e.ValLoss), finitePtr(e.ValAccuracy)
		}
		if e.HasTest {
			out[i].TestLoss, out[i].TestAccuracy = finitePtr(e.TestLoss), finitePtr(e.TestAccuracy)
		}
	}
	return out
}

func historyFrom(h []epochJSON) []Epoch {
	out := make([]Epoch, len(h))
	for i, e := range h {
		out[i] = Epoch{Epoch: e.Epoch, Loss: valueOf(e.Loss), Accuracy: valueOf(e.Accuracy),
			Seconds: valueOf(e.Seconds), SamplesPerSecond: valueOf(e.SamplesPerSecond),
			HasValidation: e.ValLoss != nil || e.ValAccuracy != nil, ValLoss: valueOf(e.ValLoss), ValAccuracy: valueOf(e.ValAccuracy),
			HasTest: e.TestLoss != nil || e.TestAccuracy != nil, TestLoss: valueOf(e.TestLoss), TestAccuracy: valueOf(e.TestAccuracy)}
	}
	return out
}

// stringReader avoids importing strings in spec.go's JSON helper twice.
func stringReader(s string) io.Reader { return strings.NewReader(s) }
