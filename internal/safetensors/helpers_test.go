package safetensors

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// raw builds a file from a header string (used as is, unpadded) and n
// bytes of data 0, 1, 2, ….
func raw(header string, n int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	for i := range n {
		b = append(b, byte(i))
	}
	return b
}

func decodeBytes(b []byte) (*File, error) {
	return Decode(bytes.NewReader(b), int64(len(b)), Limits{})
}

func encodeBytes(t testing.TB, tensors []Tensor, meta map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkErr fails unless err is a one-line error containing every want.
func checkErr(t testing.TB, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
}
