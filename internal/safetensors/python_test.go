package safetensors

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// python3 returns the interpreter, or skips the test (fails it when
// GLNN_REQUIRE_PYTHON=1).
func python3(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("GLNN_REQUIRE_PYTHON") == "1" {
			t.Fatalf("python3 not found and GLNN_REQUIRE_PYTHON=1: %v", err)
		}
		t.Skip("python3 not on PATH; set GLNN_REQUIRE_PYTHON=1 to make this a failure")
	}
	return p
}

type pyTensor struct {
	Name   string
	DType  string
	Shape  []int
	Values []any
}

// readWithPython runs the independent reader on path.
func readWithPython(t *testing.T, path string) (meta map[string]string, tensors []pyTensor, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(python3(t), filepath.Join("testdata", "read_safetensors.py"), path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, nil, errb.String(), err
	}
	var doc struct {
		Metadata map[string]string
		Tensors  []pyTensor
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("reader output is not JSON: %v\n%s", err, out.Bytes())
	}
	return doc.Metadata, doc.Tensors, errb.String(), nil
}

// pyFloat32 turns one printed value back into a float32.
func pyFloat32(t *testing.T, v any) float32 {
	t.Helper()
	switch v := v.(type) {
	case float64:
		if float64(float32(v)) != v {
			t.Fatalf("printed value %v is not a float32", v)
		}
		return float32(v)
	case string:
		f, err := strconv.ParseFloat(v, 32)
		if err != nil {
			t.Fatalf("printed value %q: %v", v, err)
		}
		return float32(f)
	}
	t.Fatalf("printed value %v (%T)", v, v)
	return 0
}

// TestPythonReader checks Encode's output with a reader written in Python
// from the format description alone.
func TestPythonReader(t *testing.T) {
	python3(t)
	special := []float32{0, float32(math.Copysign(0, -1)), 1.5, -2.25, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, 1e-40, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0.1}
	seq := make([]float32, 7*5*3)
	for i := range seq {
		seq[i] = float32(i)*0.37 - 11
	}
	tensors := []Tensor{
		NewF32("layers.0.kernel", []int{7, 5, 3}, seq),
		NewF32("special", []int{3, 4}, special),
		NewF32("scalar", []int{}, []float32{42}),
		NewF32("empty", []int{0, 3}, nil),
		NewF32("naïve ünïcode \"q\"", []int{2}, []float32{-1, 1}),
		{Name: "step", DType: I64, Shape: []int{1}, Data: make([]byte, 8)},
		{Name: "mask", DType: U8, Shape: []int{3}, Data: []byte{1, 0, 1}},
	}
	meta := map[string]string{"format": "glnn", "epoch": "12", "note": "tab\there"}
	path := filepath.Join(t.TempDir(), "check.safetensors")
	if err := WriteFile(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	gotMeta, got, stderr, err := readWithPython(t, path)
	if err != nil {
		t.Fatalf("the Python reader rejected Encode's output: %v\n%s", err, stderr)
	}
	if !reflect.DeepEqual(gotMeta, meta) {
		t.Errorf("metadata: Python read %v, want %v", gotMeta, meta)
	}
	// Python lists tensors in data order; so does File.
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(f.Tensors) {
		t.Fatalf("Python read %d tensors, Go %d", len(got), len(f.Tensors))
	}
	byName := map[string]Tensor{}
	for _, tn := range tensors {
		byName[tn.Name] = tn
	}
	for i, p := range got {
		want := byName[p.Name]
		if p.Name != f.Tensors[i].Name {
			t.Errorf("tensor %d: Python says %q, Go %q", i, p.Name, f.Tensors[i].Name)
		}
		if p.DType != string(want.DType) || !reflect.DeepEqual(p.Shape, append([]int{}, want.Shape...)) {
			t.Errorf("%q: Python read %s %v, want %s %v", p.Name, p.DType, p.Shape, want.DType, want.Shape)
		}
		if want.DType != F32 {
			continue
		}
		vals, _ := want.Float32s()
		if len(p.Values) != len(vals) {
			t.Errorf("%q: Python read %d values, want %d", p.Name, len(p.Values), len(vals))
			continue
		}
		for j, v := range p.Values {
			g := pyFloat32(t, v)
			if math.Float32bits(g) != math.Float32bits(vals[j]) && !(g != g && vals[j] != vals[j]) {
				t.Errorf("%q[%d]: Python read %v, want %v", p.Name, j, g, vals[j])
			}
		}
	}
}

// The Python reader is a real check: it rejects what the format forbids.
func TestPythonReaderRejects(t *testing.T) {
	python3(t)
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"gap":       raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, 12),
		"trailing":  raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 5),
		"duplicate": raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4),
		"size":      raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, stderr, err := readWithPython(t, p); err == nil {
			t.Errorf("%s: the Python reader accepted a bad file", name)
		} else {
			t.Logf("%s: %s", name, bytes.TrimSpace([]byte(stderr)))
		}
		if _, err := ReadFile(p); err == nil {
			t.Errorf("%s: ReadFile accepted a bad file", name)
		}
	}
}
