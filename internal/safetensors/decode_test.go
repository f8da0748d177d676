package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

// Files the reference implementation accepts (its tensor.rs tests).
func TestDecodeAccepts(t *testing.T) {
	cases := []struct {
		name   string
		file   []byte
		check  func(*File) bool
		reason string
	}{
		{"i32-2x2", raw(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, 16),
			func(f *File) bool {
				return len(f.Tensors) == 1 && f.Tensors[0].DType == I32 && len(f.Tensors[0].Data) == 16
			}, "one I32 tensor"},
		{"scalar", raw(`{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}`, 4),
			func(f *File) bool { return len(f.Tensors[0].Shape) == 0 && len(f.Tensors[0].Data) == 4 }, "a scalar"},
		{"zero-sized", raw(`{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}`, 0),
			func(f *File) bool { return len(f.Tensors[0].Data) == 0 }, "no data"},
		{"whitespace-padding", raw("{}\r \t\n", 0),
			func(f *File) bool { return len(f.Tensors) == 0 && f.Metadata == nil }, "nothing"},
		{"metadata-null", raw(`{"__metadata__":null}`, 0),
			func(f *File) bool { return f.Metadata == nil }, "no metadata"},
		{"metadata-empty", raw(`{"__metadata__":{}}`, 0),
			func(f *File) bool { return f.Metadata != nil && len(f.Metadata) == 0 }, "empty metadata"},
		{"any-key-order", raw(`{"b":{"data_offsets":[4,8],"shape":[1],"dtype":"F32"}, "a" : {"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}`, 8),
			func(f *File) bool {
				return f.Tensors[0].Name == "a" && f.Tensors[1].Name == "b" && f.Metadata["k"] == "v"
			}, "a then b"},
		{"zero-sized-between", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"e":{"dtype":"U8","shape":[0],"data_offsets":[1,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2),
			func(f *File) bool { return f.Tensors[1].Name == "e" && string(f.Tensors[2].Data) == "\x01" }, "a, e, b"},
		{"escaped-names", raw(`{"\u00e9\ud83d\ude00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1),
			func(f *File) bool { return f.Tensors[0].Name == "é😀" }, "decoded escapes"},
		{"empty-name", raw(`{"":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}`, 1),
			func(f *File) bool { return f.Tensors[0].Name == "" }, "a tensor named \"\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := decodeBytes(c.file)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(f) {
				t.Errorf("got %+v, want %s", f, c.reason)
			}
		})
	}
}

// TestDecodeRejects covers every rejection branch; each error must name
// the problem.
func TestDecodeRejects(t *testing.T) {
	one := func(info string) []byte { return raw(`{"t":`+info+`}`, 8) }
	f32 := func(shape, offs string) []byte {
		return one(`{"dtype":"F32","shape":` + shape + `,"data_offsets":` + offs + `}`)
	}
	tooBig := raw(`{}`, 0)
	binary.LittleEndian.PutUint64(tooBig, 0xffffff0000000000)
	overLimit := raw(`{}`, 0)
	binary.LittleEndian.PutUint64(overLimit, DefaultMaxHeaderBytes+1)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty-file", nil, "the file is 0 bytes, too short for the 8-byte header length"},
		{"seven-bytes", []byte{1, 2, 3, 4, 5, 6, 7}, "the file is 7 bytes, too short"},
		{"header-huge", tooBig, "the header length 18446742974197923840 is more than the 100000000-byte limit"},
		{"header-over-limit", overLimit, "the header length 100000001 is more than the 100000000-byte limit"},
		{"header-past-eof", raw(`{}`, 0)[:9], "the header length 2 runs past the end of the file (1 bytes follow the length)"},
		{"length-only", raw(`{}`, 0)[:8], "runs past the end of the file"},
		{"header-empty", raw(``, 0), "the header is empty"},
		{"not-utf8", raw("{\"\xff\":1}", 0), "the header is not valid UTF-8"},
		{"leading-space", raw(` {}`, 0), `the header does not start with '{' but with " {}"`},
		{"array", raw(`[]`, 0), "does not start with '{'"},
		{"not-json", raw(`{`, 0), "the header is not valid JSON"},
		{"bad-token", raw(`{"a":x}`, 0), "the header is not valid JSON: invalid character 'x'"},
		{"truncated-json", raw(`{"t":{"dtype":"F32"`, 0), "the header is not valid JSON"},
		{"trailing-garbage", raw(`{}x`, 0), `the header has "x" after its JSON object (at byte 2 of the header)`},
		{"two-objects", raw(`{}{}`, 0), `has "{" after its JSON object`},
		{"nul-padding", raw("{}\x00", 0), `has "\x00" after its JSON object`},
		{"dup-tensor", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1), `duplicate key "a" in the header`},
		{"dup-escaped", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\u0061":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1), `duplicate key "a" in the header`},
		{"dup-metadata", raw(`{"__metadata__":{},"__metadata__":{}}`, 0), `duplicate key "__metadata__" in the header`},
		{"dup-in-metadata", raw(`{"__metadata__":{"k":"1","k":"2"}}`, 0), `duplicate key "k" in __metadata__`},
		{"dup-field", one(`{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}`), `duplicate key "dtype" in the entry of tensor "t"`},
		{"lone-surrogate", raw(`{"\ud800":{}}`, 0), `unpaired UTF-16 surrogate escape \ud800 at byte 2`},
		{"lone-low-surrogate", raw(`{"x\\":1,"\udc00":{}}`, 0), `unpaired UTF-16 surrogate escape \udc00`},
		{"surrogate-then-other", raw(`{"\ud800\u0041":{}}`, 0), `unpaired UTF-16 surrogate`},
		{"metadata-array", raw(`{"__metadata__":["a"]}`, 0), "__metadata__ is an array, not an object of strings"},
		{"metadata-number", raw(`{"__metadata__":{"epoch":3}}`, 0), `__metadata__ entry "epoch" is the number "3"; metadata values must be strings`},
		{"metadata-nested", raw(`{"__metadata__":{"o":{}}}`, 0), `__metadata__ entry "o" is an object; metadata values must be strings`},
		{"entry-not-object", one(`5`), `the entry of tensor "t" is the number "5", not an object`},
		{"entry-null", one(`null`), `the entry of tensor "t" is null, not an object`},
		{"unknown-field", one(`{"dtype":"F32","shape":[2],"offsets":[0,8]}`), `tensor "t": unknown field "offsets"`},
		{"missing-offsets", one(`{"dtype":"F32","shape":[2]}`), `tensor "t": the entry has no data_offsets`},
		{"missing-dtype", one(`{"shape":[2],"data_offsets":[0,8]}`), `tensor "t": the entry has no dtype`},
		{"missing-shape", one(`{"dtype":"F32","data_offsets":[0,8]}`), `tensor "t": the entry has no shape`},
		{"dtype-number", one(`{"dtype":4,"shape":[2],"data_offsets":[0,8]}`), `tensor "t": dtype is the number "4", not a string`},
		{"dtype-unknown", one(`{"dtype":"F33","shape":[2],"data_offsets":[0,8]}`), `tensor "t": unknown dtype "F33" (known: BOOL, U8,`},
		{"dtype-lowercase", one(`{"dtype":"f32","shape":[2],"data_offsets":[0,8]}`), `unknown dtype "f32"`},
		{"dtype-sub-byte", one(`{"dtype":"F4","shape":[16],"data_offsets":[0,8]}`), `dtype "F4" has fewer than 8 bits per element`},
		{"shape-string", f32(`"2"`, `[0,8]`), `tensor "t": shape is the string "2", not an array`},
		{"shape-nested", f32(`[[2]]`, `[0,8]`), `tensor "t": shape[0] is an array, not a number`},
		{"shape-negative", f32(`[-2]`, `[0,8]`), `tensor "t": shape[0] = "-2" is not a non-negative integer`},
		{"shape-float", f32(`[2.0]`, `[0,8]`), `shape[0] = "2.0" is not a non-negative integer`},
		{"shape-exponent", f32(`[2e0]`, `[0,8]`), `shape[0] = "2e0" is not a non-negative integer`},
		{"shape-2^64", f32(`[18446744073709551616]`, `[0,8]`), `shape[0] = "18446744073709551616" does not fit in 64 bits`},
		{"shape-over-maxint", f32(`[1,9223372036854775808,0]`, `[0,0]`), `tensor "t": shape[1] = 9223372036854775808 is too large`},
		{"shape-overflow", f32(`[4294967296,4294967296]`, `[0,8]`), `tensor "t": shape [4294967296 4294967296] of F32 overflows 64 bits`},
		{"bytes-overflow", f32(`[2,9223372036854775807]`, `[0,8]`), "overflows 64 bits"},
		{"overflow-then-zero", f32(`[4294967296,4294967296,0]`, `[0,0]`), "overflows 64 bits"},
		{"offsets-three", f32(`[2]`, `[0,8,8]`), `tensor "t": data_offsets has 3 numbers, not 2`},
		{"offsets-one", f32(`[2]`, `[8]`), "data_offsets has 1 numbers, not 2"},
		{"offsets-object", f32(`[2]`, `{}`), "data_offsets is an object, not an array"},
		{"offsets-negative", f32(`[2]`, `[-8,0]`), `data_offsets[0] = "-8" is not a non-negative integer`},
		{"offsets-reversed", f32(`[2]`, `[8,0]`), `tensor "t": data_offsets [8, 0] end before they begin`},
		{"offsets-past-data", f32(`[4]`, `[0,16]`), `tensor "t": data_offsets [0, 16] run past the end of the data section (8 bytes)`},
		{"offsets-huge", f32(`[2]`, `[18446744073709551608,18446744073709551615]`), "run past the end of the data section"},
		{"wrong-size", raw(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}}`, 4), `tensor "test": data_offsets [0, 4] hold 4 bytes but shape [2 2] of I32 needs 16`},
		{"first-late", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12), `tensor "a" begins at byte 4: the first 4 bytes of the data section belong to no tensor`},
		{"overlap", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12), `tensors "a" and "b" overlap: one ends at byte 8, the other begins at 4`},
		{"same-range", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8), `tensors "a" and "b" overlap`},
		{"empty-inside", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, 8), `tensors "a" and "e" overlap`},
		{"gap", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}`, 20), `a gap of 4 bytes between tensors "a" and "b"`},
		{"trailing-data", append(raw(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, 16), "extra_bogus_data_for_polyglot_file"...), "trailing data: the tensors cover 16 bytes but the data section holds 50 (34 bytes belong to no tensor)"},
		{"missing-data", raw(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, 14), "run past the end of the data section (14 bytes)"},
		{"data-no-tensors", raw(`{}`, 3), "trailing data: the tensors cover 0 bytes but the data section holds 3"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("two cases named %s", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			f, err := decodeBytes(c.file)
			checkErr(t, err, c.want)
			if err != nil && !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
			if f != nil {
				t.Error("a File came back with the error")
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Path != "" {
				t.Errorf("not a *FormatError without a path: %#v", err)
			}
		})
	}
}

// The reference's JSON attack: ten tensors all claiming the same bytes.
func TestDecodeJSONAttack(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 10 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"weight_` + string(rune('0'+i)) + `":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}`)
	}
	b.WriteString("}")
	_, err := decodeBytes(raw(b.String(), 16))
	checkErr(t, err, `tensors "weight_0" and "weight_1" overlap`)
}

func TestDecodeLimits(t *testing.T) {
	file := encodeBytes(t, []Tensor{NewF32("w", []int{4}, []float32{1, 2, 3, 4})}, nil)
	_, err := Decode(bytes.NewReader(file), int64(len(file)), Limits{MaxHeaderBytes: 16})
	checkErr(t, err, "is more than the 16-byte limit")
	_, err = Decode(bytes.NewReader(file), int64(len(file)), Limits{MaxFileBytes: 20})
	checkErr(t, err, "the file is 80 bytes, more than the 20-byte limit")
	_, err = Decode(bytes.NewReader(file), -1, Limits{})
	checkErr(t, err, "negative file size -1")
	if _, err := Decode(bytes.NewReader(file), int64(len(file)), Limits{MaxHeaderBytes: 56, MaxFileBytes: 80}); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}

// errReaderAt fails at or after byte failAt, or returns short reads.
type errReaderAt struct {
	data   []byte
	failAt int64
	err    error
}

func (r errReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.failAt {
		n := copy(p, r.data[off:max(off, min(r.failAt, int64(len(r.data))))])
		return n, r.err
	}
	return copy(p, r.data[off:]), nil
}

func TestDecodeReadErrors(t *testing.T) {
	file := encodeBytes(t, []Tensor{NewF32("w", []int{4}, []float32{1, 2, 3, 4})}, nil)
	size := int64(len(file))
	boom := errors.New("I/O error")
	cases := []struct {
		failAt int64
		err    error
		want   string
	}{
		{4, boom, "reading the header length: I/O error"},
		{20, boom, "reading the 56-byte header: I/O error"},
		{72, boom, "reading the 16 bytes of tensor data: I/O error"},
		{72, io.EOF, "reading the 16 bytes of tensor data: the file ends after 8 of them"},
		{72, nil, "the file ends after 8 of them"},
		{20, io.EOF, "reading the 56-byte header: the file ends after 12 of them"},
	}
	for _, c := range cases {
		_, err := Decode(errReaderAt{file, c.failAt, c.err}, size, Limits{})
		checkErr(t, err, c.want)
		if c.err != nil && c.err != io.EOF && !errors.Is(err, c.err) {
			t.Errorf("errors.Is(%v, %v) is false", err, c.err)
		}
	}
	// A reader that returns everything with io.EOF is fine.
	if _, err := Decode(errReaderAt{file, size, io.EOF}, size, Limits{}); err != nil {
		t.Errorf("full read with io.EOF: %v", err)
	}
}

func TestDecodeDescribesTokens(t *testing.T) {
	for header, want := range map[string]string{
		`{"t":true}`:                          `the entry of tensor "t" is the boolean true, not an object`,
		`{"t":"x"}`:                           `the entry of tensor "t" is the string "x", not an object`,
		`{"t":[]}`:                            `the entry of tensor "t" is an array, not an object`,
		`{"__metadata__":{"a":null}}`:         `__metadata__ entry "a" is null`,
		`{"__metadata__":{"a":false}}`:        `__metadata__ entry "a" is the boolean false`,
		`{"t":{"dtype":"U8","shape":[null]}}`: `tensor "t": shape[0] is null, not a number`,
	} {
		_, err := decodeBytes(raw(header, 0))
		checkErr(t, err, want)
	}
}
