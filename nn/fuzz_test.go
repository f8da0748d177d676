package nn_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/cpu"
	"github.com/glnn/glnn/nn"
)

// FuzzLoad feeds nn.Load files that are valid checkpoints with damaged
// headers and metadata, and random bytes: it must return a model or an
// error, never panic, and a model it returns must be usable.
func FuzzLoad(f *testing.F) {
	dev, err := cpu.New(backend.Options{Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	defer dev.Close()
	m := nn.NewSequential(nn.Input(3), nn.Dense(2, "leaky_relu(0.1)"), nn.Dense(2, "softmax"))
	if err := m.Compile(dev, nn.Adam(0.1), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := m.Save(good, nn.Checkpoint{BatchSize: 4, History: []nn.Epoch{{Epoch: 1, Loss: 0.5}}}); err != nil {
		f.Fatal(err)
	}
	m.Release()
	b, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	// The same file with each metadata value replaced by something odd.
	n := binary.LittleEndian.Uint64(b)
	var header map[string]json.RawMessage
	json.Unmarshal(b[8:8+n], &header)
	var meta map[string]string
	json.Unmarshal(header["__metadata__"], &meta)
	for k := range meta {
		for _, v := range []string{"", "{}", "[]", "-1", "1e400", `[{"type":"dense","units":-5}]`, `[{"type":"input","dims":[2147483647]}]`} {
			mm := map[string]string{}
			for k2, v2 := range meta {
				mm[k2] = v2
			}
			mm[k] = v
			f.Add(rewrite(header, mm, b[8+n:]))
		}
	}
	f.Add([]byte("not a checkpoint"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "c.safetensors")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		before := dev.LiveBuffers()
		m, _, err := nn.Load(p, dev)
		if err != nil {
			if dev.LiveBuffers() != before {
				t.Fatalf("a failed Load leaks %d buffers", dev.LiveBuffers()-before)
			}
			return
		}
		defer m.Release()
		if _, err := m.Predict(make([]float32, m.InputSize()), 1); err != nil {
			t.Fatalf("a loaded model cannot predict: %v", err)
		}
	})
}

// rewrite re-encodes a safetensors header with new metadata (padding it to
// 8 bytes as the format asks) before the unchanged data.
func rewrite(header map[string]json.RawMessage, meta map[string]string, data []byte) []byte {
	h := map[string]any{}
	for k, v := range header {
		h[k] = v
	}
	h["__metadata__"] = meta
	hb, _ := json.Marshal(h)
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	var out bytes.Buffer
	binary.Write(&out, binary.LittleEndian, uint64(len(hb)))
	out.Write(hb)
	out.Write(data)
	return out.Bytes()
}
