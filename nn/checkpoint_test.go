package nn_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/glnn/glnn/nn"
)

// TestSaveLoadResume saves after one epoch, loads into a new model and
// trains two more: the result equals three uninterrupted epochs (weights
// bit for bit, epoch losses to 1e-6 relative), and the history survives.
func TestSaveLoadResume(t *testing.T) {
	dev := newCPU(t)
	x, y := blobs(120, 14)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	opts := nn.FitOptions{Epochs: 3, BatchSize: 16, Seed: 8}
	build := func() *nn.Sequential {
		m := nn.NewSequential(nn.Input(2), nn.Dense(8, "leaky_relu(0.1)"), nn.GELU(), nn.Dense(3, "softmax"))
		if err := m.Compile(dev, nn.Adam(0.01), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 3}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	whole := build()
	defer whole.Release()
	hw, err := whole.Fit(context.Background(), x, y, opts)
	if err != nil {
		t.Fatal(err)
	}

	first := build()
	one := opts
	one.Epochs = 1
	h1, err := first.Fit(context.Background(), x, y, one)
	if err != nil {
		t.Fatal(err)
	}
	ck := nn.Checkpoint{Position: h1.Reached, Seed: 8, BatchSize: 16, History: h1.Epochs, Meta: map[string]string{"note": "after one epoch"}}
	if err := first.Save(path, ck); err != nil {
		t.Fatal(err)
	}
	first.Release()

	m, got, err := nn.Load(path, dev)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if got.Position != (nn.Position{Epoch: 1}) || got.Seed != 8 || got.BatchSize != 16 || got.Meta["note"] != "after one epoch" || len(got.History) != 1 || got.History[0].Loss != h1.Epochs[0].Loss {
		t.Fatalf("checkpoint %+v", got)
	}
	if m.Summary() != whole.Summary() {
		t.Errorf("loaded model:\n%s\nwant:\n%s", m.Summary(), whole.Summary())
	}
	rest := opts
	rest.InitialEpoch = got.Position.Epoch
	h2, err := m.Fit(context.Background(), x, y, rest)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range h2.Epochs {
		want := hw.Epochs[i+1].Loss
		if diff := e.Loss - want; diff > 1e-6*want || -diff > 1e-6*want {
			t.Errorf("resumed epoch %d loss %v, uninterrupted %v", e.Epoch, e.Loss, want)
		}
	}
	a, _ := whole.Weights()
	b, _ := m.Weights()
	for i := range a {
		if !slices.Equal(a[i].Data, b[i].Data) {
			t.Fatalf("weights differ after resuming from the checkpoint (%s of layer %d)", a[i].Name, a[i].Layer)
		}
	}
}

// TestCheckpointIsSafetensors reads a checkpoint with nothing but the
// format's definition: an 8-byte little-endian header length, a JSON
// header, raw little-endian float32 data.
func TestCheckpointIsSafetensors(t *testing.T) {
	dev := newCPU(t)
	m := nn.NewSequential(nn.Input(3), nn.Dense(2, "relu"), nn.Dense(2, "softmax"))
	if err := m.Compile(dev, nn.SGD(0.1, 0.9), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path, nn.Checkpoint{BatchSize: 4}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	var meta map[string]string
	json.Unmarshal(header["__metadata__"], &meta)
	if !strings.Contains(meta["architecture"], `"dense"`) || meta["optimizer_step"] != "0" {
		t.Errorf("metadata %v", meta)
	}
	ws, _ := m.Weights()
	names := map[string]nn.Weight{"layers.1.kernel": ws[0], "layers.1.bias": ws[1], "layers.2.kernel": ws[2], "layers.2.bias": ws[3]}
	for _, slot := range []string{"", "optimizer.velocity."} {
		for name, w := range names {
			var e struct {
				DType   string `json:"dtype"`
				Shape   []int  `json:"shape"`
				Offsets [2]int `json:"data_offsets"`
			}
			if err := json.Unmarshal(header[slot+name], &e); err != nil {
				t.Fatalf("%s%s: %v", slot, name, err)
			}
			if e.DType != "F32" || !slices.Equal(e.Shape, []int{w.Rows, w.Cols}) || e.Offsets[1]-e.Offsets[0] != 4*len(w.Data) {
				t.Errorf("%s%s: %+v", slot, name, e)
			}
			if slot != "" {
				continue
			}
			data := b[8+int(n)+e.Offsets[0] : 8+int(n)+e.Offsets[1]]
			for i, v := range w.Data {
				if got := binary.LittleEndian.Uint32(data[4*i:]); got != math.Float32bits(v) {
					t.Fatalf("%s[%d]: file has bits %#x, the model %v", name, i, got, v)
				}
			}
		}
	}
}

// TestLoadRejects checks that a checkpoint for another model, a custom
// layer's checkpoint, and damaged files are errors naming the file.
func TestLoadRejects(t *testing.T) {
	dev := newCPU(t)
	dir := t.TempDir()
	m := nn.NewSequential(nn.Input(3), nn.Dense(2, "relu"), nn.Dense(2, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.1), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	good := filepath.Join(dir, "good.safetensors")
	if err := m.Save(good, nn.Checkpoint{BatchSize: 4}); err != nil {
		t.Fatal(err)
	}
	other := nn.NewSequential(nn.Input(3), nn.Dense(5, "relu"), nn.Dense(2, "softmax"))
	if err := other.Compile(dev, nn.Adam(0.1), nn.CategoricalCrossEntropy, nn.CompileOptions{}); err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	if err := other.LoadWeights(good); err == nil || !strings.Contains(err.Error(), "shape") || !strings.Contains(err.Error(), good) {
		t.Errorf("LoadWeights into another model: %v", err)
	}
	b, _ := os.ReadFile(good)
	for name, data := range map[string][]byte{
		"truncated": b[:len(b)-3],
		"empty":     nil,
		"garbage":   []byte("not a checkpoint at all, just text"),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		if _, _, err := nn.Load(p, dev); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming the file", name, err)
		}
	}
	if _, _, err := nn.Load(filepath.Join(dir, "missing"), dev); err == nil {
		t.Error("a missing file loaded")
	}
}
