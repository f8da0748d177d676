package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

// Tensor is one named tensor: its element type, its shape (row-major) and
// its data as little-endian bytes.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// NewF32 returns a float32 tensor holding values, which must have as many
// elements as shape calls for (Encode checks).
func NewF32(name string, shape []int, values []float32) Tensor {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: F32, Shape: shape, Data: data}
}

// Float32s returns the elements of an F32 tensor.
func (t Tensor) Float32s() ([]float32, error) {
	if t.DType != F32 {
		return nil, fmt.Errorf("safetensors: tensor %s is %s, not F32", quote(t.Name), quote(string(t.DType)))
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// NumElements returns the product of the shape (1 for a scalar, whose
// shape is empty).
func (t Tensor) NumElements() (int, error) {
	dims := make([]uint64, len(t.Shape))
	for i, d := range t.Shape {
		if d < 0 {
			return 0, fmt.Errorf("safetensors: tensor %s: negative dimension %d in shape %v", quote(t.Name), d, t.Shape)
		}
		dims[i] = uint64(d)
	}
	n, ok := product(dims)
	if !ok || n > math.MaxInt {
		return 0, fmt.Errorf("safetensors: tensor %s: shape %v has more elements than fit in an int", quote(t.Name), t.Shape)
	}
	return int(n), nil
}

// check verifies that t's dtype is known and its data holds exactly its
// elements.
func (t Tensor) check() error {
	size := t.DType.Size()
	if size == 0 {
		return fmt.Errorf("safetensors: tensor %s: %s", quote(t.Name), unknownDType(t.DType))
	}
	n, err := t.NumElements()
	if err != nil {
		return err
	}
	if hi, lo := bits.Mul64(uint64(n), uint64(size)); hi != 0 || lo != uint64(len(t.Data)) {
		return fmt.Errorf("safetensors: tensor %s: shape %v of %s needs %d×%d bytes but the data has %d",
			quote(t.Name), t.Shape, t.DType, n, size, len(t.Data))
	}
	return nil
}

// product multiplies dims left to right; ok is false on overflow (as in
// the reference, a zero after an overflow does not rescue it).
func product(dims []uint64) (n uint64, ok bool) {
	n = 1
	for _, d := range dims {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// quote returns s as a Go-quoted string for messages, shortened when long
// so that a hostile name cannot flood an error.
func quote(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("… (%d bytes)", len(s))
}
