package safetensors

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func f32bytes(v ...float32) []byte { return NewF32("", nil, v).Data }

// The reference implementation's own serialization tests
// (safetensors/src/tensor.rs): the same tensors must give the same bytes.
func TestEncodeMatchesReference(t *testing.T) {
	six := []float32{0, 1, 2, 3, 4, 5}
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		header  string
	}{
		{"serialization", []Tensor{NewF32("attn.0", []int{1, 2, 3}, six)}, nil,
			`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`},
		{"forced-alignment", []Tensor{NewF32("attn0", []int{1, 1, 2, 3}, six)}, nil,
			`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `},
		{"empty", nil, nil, `{}      `},
		{"empty-metadata", nil, map[string]string{"framework": "pt"}, `{"__metadata__":{"framework":"pt"}}     `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := encodeBytes(t, c.tensors, c.meta)
			want := raw(c.header, 0)
			for _, tn := range c.tensors {
				want = append(want, tn.Data...)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%q\nwant\n%q", got, want)
			}
			if len(c.header)%8 != 0 {
				t.Fatalf("test header not padded")
			}
			f, err := decodeBytes(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Metadata, c.meta) || len(f.Tensors) != len(c.tensors) {
				t.Errorf("decoded %+v", f)
			}
		})
	}
}

// Data is laid out by descending dtype alignment, then by name; metadata
// keys are sorted; names and values are escaped as serde_json does.
func TestEncodeOrderAndEscaping(t *testing.T) {
	tensors := []Tensor{
		{Name: "z8", DType: U8, Shape: []int{3}, Data: []byte{1, 2, 3}},
		NewF32("b", []int{2}, []float32{1, 2}),
		{Name: "d64", DType: F64, Shape: []int{}, Data: make([]byte, 8)},
		NewF32("a", []int{1}, []float32{-1}),
		{Name: "h", DType: BF16, Shape: []int{2, 0}, Data: nil},
		{Name: "q\"\\\n\x01</é", DType: I16, Shape: []int{1}, Data: []byte{7, 0}},
	}
	got := encodeBytes(t, tensors, map[string]string{"z": "1", "a": "x\ty"})
	header := `{"__metadata__":{"a":"x\ty","z":"1"},` +
		`"d64":{"dtype":"F64","shape":[],"data_offsets":[0,8]},` +
		`"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},` +
		`"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},` +
		`"h":{"dtype":"BF16","shape":[2,0],"data_offsets":[20,20]},` +
		`"q\"\\\n\u0001</é":{"dtype":"I16","shape":[1],"data_offsets":[20,22]},` +
		`"z8":{"dtype":"U8","shape":[3],"data_offsets":[22,25]}}`
	header += strings.Repeat(" ", (8-len(header)%8)%8)
	want := raw(header, 0)
	want = append(want, make([]byte, 8)...)
	want = append(want, f32bytes(-1, 1, 2)...)
	want = append(want, 7, 0, 1, 2, 3)
	if !bytes.Equal(got, want) {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	f, err := decodeBytes(got)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tn := range f.Tensors {
		names = append(names, tn.Name)
	}
	if want := []string{"d64", "a", "b", "h", "q\"\\\n\x01</é", "z8"}; !slices.Equal(names, want) {
		t.Errorf("file order %q, want %q", names, want)
	}
	b, _ := f.Tensor("b")
	if v, err := b.Float32s(); err != nil || !slices.Equal(v, []float32{1, 2}) || !slices.Equal(b.Shape, []int{2}) {
		t.Errorf("b = %v, %v, shape %v", v, err, b.Shape)
	}
	if h, _ := f.Tensor("h"); len(h.Data) != 0 || !slices.Equal(h.Shape, []int{2, 0}) {
		t.Errorf("h = %+v", h)
	}
	if _, ok := f.Tensor("nope"); ok {
		t.Error("found a tensor that is not there")
	}
	// Appending to one tensor's data must not overwrite the next one's.
	a, _ := f.Tensor("a")
	_ = append(a.Data, 9, 9, 9, 9)
	if v, _ := b.Float32s(); v[0] != 1 {
		t.Error("tensor data slices share capacity")
	}
}

func TestFloat32s(t *testing.T) {
	vals := []float32{0, -0.5, float32(math.Inf(1)), math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.NaN())}
	got, err := NewF32("x", []int{2, 3}, vals).Float32s()
	if err != nil {
		t.Fatal(err)
	}
	for i := range vals {
		if math.Float32bits(got[i]) != math.Float32bits(vals[i]) {
			t.Errorf("value %d: %v, want %v", i, got[i], vals[i])
		}
	}
	_, err = Tensor{Name: "u", DType: U8, Shape: []int{1}, Data: []byte{1}}.Float32s()
	checkErr(t, err, `tensor "u" is "U8", not F32`)
	_, err = NewF32("short", []int{3}, []float32{1, 2}).Float32s()
	checkErr(t, err, `tensor "short": shape [3] of F32 needs 3×4 bytes but the data has 8`)
}

func TestEncodeRejects(t *testing.T) {
	ok := NewF32("w", []int{2}, []float32{1, 2})
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"duplicate", []Tensor{ok, ok}, nil, `two tensors are named "w"`},
		{"metadata-name", []Tensor{NewF32(MetadataKey, []int{}, []float32{1})}, nil, `cannot be named "__metadata__"`},
		{"bad-utf8-name", []Tensor{NewF32("a\xff", []int{}, []float32{1})}, nil, "not valid UTF-8"},
		{"bad-utf8-meta", []Tensor{ok}, map[string]string{"k": "\xfe"}, `metadata entry "k"`},
		{"unknown-dtype", []Tensor{{Name: "x", DType: "F33", Data: []byte{1}}}, nil, `unknown dtype "F33"`},
		{"sub-byte-dtype", []Tensor{{Name: "x", DType: "F4", Data: []byte{1}}}, nil, "fewer than 8 bits"},
		{"negative-dim", []Tensor{NewF32("n", []int{-1}, nil)}, nil, "negative dimension -1"},
		{"overflow", []Tensor{NewF32("o", []int{math.MaxInt, 3}, nil)}, nil, "more elements than fit in an int"},
		{"bytes-overflow", []Tensor{NewF32("o", []int{math.MaxInt / 2}, nil)}, nil, "needs"},
		{"wrong-length", []Tensor{NewF32("l", []int{2, 2}, []float32{1})}, nil, `tensor "l": shape [2 2] of F32 needs 4×4 bytes but the data has 4`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, c.tensors, c.meta)
			checkErr(t, err, c.want)
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestEncodeWriteError(t *testing.T) {
	ts := []Tensor{NewF32("a", []int{1}, []float32{1}), NewF32("b", []int{1}, []float32{2})}
	for after := range 4 {
		if err := Encode(&failWriter{after: after}, ts, nil); err == nil || err.Error() != "disk full" {
			t.Errorf("failure after %d writes: got %v", after, err)
		}
	}
}

func TestAppendString(t *testing.T) {
	in := "a\"b\\c\b\f\n\r\t\x00\x1f\x7fé😀</>&\u2028"
	want := `"a\"b\\c\b\f\n\r\t\u0000\u001f` + "\x7fé😀</>&\u2028" + `"`
	if got := string(appendString(nil, in)); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// What it writes reads back as the same string.
	f, err := decodeBytes(encodeBytes(t, []Tensor{NewF32(in, []int{}, []float32{1})}, map[string]string{in: in}))
	if err != nil || f.Tensors[0].Name != in || f.Metadata[in] != in {
		t.Errorf("round trip of %q: %v", in, err)
	}
}

// Names in messages are quoted and cut short, so a hostile name cannot
// flood an error.
func TestQuoteLongName(t *testing.T) {
	long := strings.Repeat("é", 100)
	_, err := decodeBytes(raw(`{"`+long+`":1}`, 0))
	checkErr(t, err, `"`+strings.Repeat("é", 32)+`"… (200 bytes)`)
	if len(err.Error()) > 200 {
		t.Errorf("message of %d bytes: %s", len(err.Error()), err)
	}
}
