package safetensors

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestWriteFileReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	tensors := []Tensor{
		NewF32("dense.kernel", []int{3, 2}, []float32{1, 2, 3, 4, 5, 6}),
		NewF32("dense.bias", []int{2}, []float32{-1, 1}),
	}
	meta := map[string]string{"epoch": "3", "format": "glnn"}
	if err := WriteFile(p, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, meta) {
		t.Errorf("metadata %v", f.Metadata)
	}
	for _, want := range tensors {
		got, ok := f.Tensor(want.Name)
		if !ok || got.DType != F32 || !reflect.DeepEqual(got.Shape, want.Shape) || string(got.Data) != string(want.Data) {
			t.Errorf("%s: got %+v", want.Name, got)
		}
	}

	// A failed write leaves the file as it was and no temporary file.
	err = WriteFile(p, []Tensor{NewF32("bad", []int{5}, nil)}, nil)
	checkErr(t, err, p, "writing", `tensor "bad"`, "not changed")
	if f2, err := ReadFile(p); err != nil || !reflect.DeepEqual(f2, f) {
		t.Errorf("file changed by a failed write: %v", err)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("directory holds %v", es)
	}
}

func TestReadFileRejects(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(bad, raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4), 0o644); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	haveLinks := os.Symlink(loop, loop) == nil
	cases := []struct{ path, want string }{
		{bad, bad + `: tensor "a": data_offsets [0, 8] run past the end of the data section (4 bytes)`},
		{dir, dir + ": is a directory, not a safetensors file"},
		{filepath.Join(dir, "none"), filepath.Join(dir, "none") + ": no such file"},
		{filepath.Join(bad, "x"), filepath.Join(bad, "x") + ": cannot stat: not a directory"},
	}
	if haveLinks {
		cases = append(cases, struct{ path, want string }{loop, loop + ": is a symbolic-link loop"})
	}
	for _, c := range cases {
		_, err := ReadFile(c.path)
		checkErr(t, err, "safetensors: "+c.want)
	}
}
