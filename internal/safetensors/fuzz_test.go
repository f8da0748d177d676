package safetensors

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the named seed files of testdata/fuzz/FuzzDecode")

// FuzzDecode feeds arbitrary bytes to Decode. Whatever decodes must be
// consistent with its header, re-encode, decode to the same tensors and
// metadata, and re-encode to the same bytes again; whatever fails must
// fail with one line and no File. Seeds live in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := decodeBytes(data)
		if err != nil {
			if file != nil {
				t.Fatal("a File came back with an error")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		n := binary.LittleEndian.Uint64(data)
		total := 0
		for _, tn := range file.Tensors {
			if err := tn.check(); err != nil {
				t.Fatalf("decoded an inconsistent tensor: %v", err)
			}
			total += len(tn.Data)
		}
		if uint64(total) != uint64(len(data))-8-n {
			t.Fatalf("tensors hold %d bytes, the data section %d", total, uint64(len(data))-8-n)
		}

		var once bytes.Buffer
		if err := Encode(&once, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("cannot re-encode what decoded: %v", err)
		}
		again, err := decodeBytes(once.Bytes())
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		if !reflect.DeepEqual(byName(file), byName(again)) || !reflect.DeepEqual(file.Metadata, again.Metadata) {
			t.Fatalf("round trip changed the content:\n%+v\n%+v", file, again)
		}
		var twice bytes.Buffer
		if err := Encode(&twice, again.Tensors, again.Metadata); err != nil || !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("encoding is not deterministic (%v)", err)
		}
	})
}

// byName maps each tensor's name to a comparable description of it.
func byName(f *File) map[string]string {
	m := map[string]string{}
	for _, t := range f.Tensors {
		m[t.Name] = fmt.Sprintf("%s %v %x", t.DType, t.Shape, t.Data)
	}
	return m
}

// seeds are the named files of the seed corpus: "valid-" ones must
// decode, "bad-" ones must fail with the given text.
func seeds(t testing.TB) map[string][]byte {
	good := encodeBytes(t, []Tensor{
		NewF32("dense_1.kernel", []int{3, 2}, []float32{0.5, -1, 2, 0, 1e-3, 7}),
		NewF32("dense_1.bias", []int{2}, []float32{0.1, -0.1}),
		{Name: "optimizer.step", DType: I64, Shape: []int{}, Data: []byte{3, 0, 0, 0, 0, 0, 0, 0}},
	}, map[string]string{"format": "glnn", "epoch": "3"})
	mixed := encodeBytes(t, []Tensor{
		{Name: "h", DType: F16, Shape: []int{2}, Data: []byte{0, 60, 0, 188}},
		{Name: "b", DType: BOOL, Shape: []int{3}, Data: []byte{1, 0, 1}},
		{Name: "é😀", DType: F64, Shape: []int{1, 1}, Data: make([]byte, 8)},
		{Name: "empty", DType: BF16, Shape: []int{0, 4}},
	}, nil)
	hugeLen := bytes.Clone(good)
	binary.LittleEndian.PutUint64(hugeLen, 1<<62)
	pastEOF := bytes.Clone(good)
	binary.LittleEndian.PutUint64(pastEOF, uint64(len(good)))
	t2 := func(a, b string) []byte {
		return raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":`+a+`},"b":{"dtype":"F32","shape":[2],"data_offsets":`+b+`}}`, 16)
	}
	return map[string][]byte{
		"valid-checkpoint":       good,
		"valid-mixed-dtypes":     mixed,
		"valid-empty":            encodeBytes(t, nil, nil),
		"valid-i32":              raw(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, 16),
		"valid-scalar-unpadded":  raw(`{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}`, 4),
		"valid-zero-sized":       raw(`{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}`, 0),
		"valid-whitespace-pad":   raw("{}\r \t\n", 0),
		"valid-escapes":          raw(`{"__metadata__":{"k\n":"v\u00e9"},"\ud83d\ude00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1),
		"bad-empty":              nil,
		"bad-truncated-length":   good[:5],
		"bad-truncated-header":   good[:40],
		"bad-truncated-data":     good[:len(good)-3],
		"bad-header-too-long":    hugeLen,
		"bad-header-past-eof":    pastEOF,
		"bad-overlap":            t2(`[0,8]`, `[4,12]`),
		"bad-gap":                t2(`[0,8]`, `[12,20]`),
		"bad-same-offsets":       t2(`[0,8]`, `[0,8]`),
		"bad-reversed-offsets":   t2(`[8,0]`, `[8,16]`),
		"bad-duplicate-tensor":   raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1),
		"bad-duplicate-metadata": raw(`{"__metadata__":{"k":"1","k":"2"}}`, 0),
		"bad-duplicate-field":    raw(`{"a":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}}`, 1),
		"bad-unknown-dtype":      raw(`{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}`, 4),
		"bad-shape-overflow":     raw(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4),
		"bad-size-mismatch":      raw(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8),
		"bad-trailing-data":      append(bytes.Clone(good), "polyglot"...),
		"bad-metadata-number":    raw(`{"__metadata__":{"epoch":3}}`, 0),
		"bad-lone-surrogate":     raw(`{"\udc00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1),
		"bad-not-utf8":           raw("{\"\xc3\x28\":{}}", 0),
		"bad-after-object":       raw(`{}{}`, 0),
		"bad-leading-space":      raw(` {}`, 0),
		"bad-json":               raw(`{"a":{"dtype":"F32",}}`, 0),
	}
}

// TestSeedCorpus checks the seed files against their names and, with
// -update-corpus, writes them.
func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for name, b := range seeds(t) {
		path := filepath.Join(dir, name)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("go test fuzz v1\n[]byte("+strconv.Quote(string(b))+")\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := readSeed(path)
		if err != nil {
			t.Errorf("%s: %v (run go test . -run TestSeedCorpus -update-corpus)", name, err)
			continue
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from its definition (run go test . -run TestSeedCorpus -update-corpus)", name)
		}
		_, err = decodeBytes(got)
		if valid := strings.HasPrefix(name, "valid-"); valid != (err == nil) {
			t.Errorf("%s: Decode gave %v", name, err)
		}
	}
}

// readSeed reads a one-value []byte corpus file.
func readSeed(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, ok := strings.CutPrefix(string(b), "go test fuzz v1\n[]byte(")
	s, ok2 := strings.CutSuffix(s, ")\n")
	if !ok || !ok2 {
		return nil, fmt.Errorf("not a []byte corpus file")
	}
	v, err := strconv.Unquote(s)
	return []byte(v), err
}
