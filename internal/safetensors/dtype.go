package safetensors

import "strings"

// DType names the element type of a tensor as safetensors spells it.
type DType string

// The element types safetensors defines with a whole number of bytes per
// element. Only F32 has conversion helpers; the others are read and
// written as raw little-endian bytes.
const (
	BOOL        DType = "BOOL"
	U8          DType = "U8"
	I8          DType = "I8"
	F8_E5M2     DType = "F8_E5M2"
	F8_E4M3     DType = "F8_E4M3"
	F8_E8M0     DType = "F8_E8M0"
	F8_E4M3FNUZ DType = "F8_E4M3FNUZ"
	F8_E5M2FNUZ DType = "F8_E5M2FNUZ"
	I16         DType = "I16"
	U16         DType = "U16"
	F16         DType = "F16"
	BF16        DType = "BF16"
	I32         DType = "I32"
	U32         DType = "U32"
	F32         DType = "F32"
	C64         DType = "C64"
	F64         DType = "F64"
	I64         DType = "I64"
	U64         DType = "U64"
)

// dtypes lists the supported types in the reference implementation's
// order of increasing alignment, which Encode uses (descending) to lay out
// the data, with each type's size in bytes.
var dtypes = []struct {
	name DType
	size int
}{
	{BOOL, 1}, {U8, 1}, {I8, 1},
	{F8_E5M2, 1}, {F8_E4M3, 1}, {F8_E8M0, 1}, {F8_E4M3FNUZ, 1}, {F8_E5M2FNUZ, 1},
	{I16, 2}, {U16, 2}, {F16, 2}, {BF16, 2},
	{I32, 4}, {U32, 4}, {F32, 4},
	{C64, 8}, {F64, 8}, {I64, 8}, {U64, 8},
}

// subByte are types the format defines with fewer than 8 bits per element;
// this package recognises but does not support them.
var subByte = map[DType]bool{"F4": true, "F6_E2M3": true, "F6_E3M2": true}

// Size returns the number of bytes per element, or 0 for a type this
// package does not know.
func (d DType) Size() int {
	_, size := d.lookup()
	return size
}

// rank is d's position in dtypes, or -1.
func (d DType) rank() int {
	r, _ := d.lookup()
	return r
}

func (d DType) lookup() (rank, size int) {
	for i, t := range dtypes {
		if t.name == d {
			return i, t.size
		}
	}
	return -1, 0
}

// unknownDType explains why d cannot be used.
func unknownDType(d DType) string {
	if subByte[d] {
		return "dtype " + quote(string(d)) + " has fewer than 8 bits per element and is not supported"
	}
	names := make([]string, len(dtypes))
	for i, t := range dtypes {
		names[i] = string(t.name)
	}
	return "unknown dtype " + quote(string(d)) + " (known: " + strings.Join(names, ", ") + ")"
}
