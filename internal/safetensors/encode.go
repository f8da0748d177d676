package safetensors

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/glnn/glnn/internal/atomicfile"
)

// MetadataKey is the header key that holds the free-form string metadata;
// no tensor may have this name.
const MetadataKey = "__metadata__"

// Encode writes tensors and metadata (omitted from the header when nil) to
// w in the safetensors format. The output is deterministic: the data is
// ordered by descending dtype alignment and then by name, and the metadata
// by key. It checks every tensor first (unique valid UTF-8 names, known
// dtypes, non-negative dimensions, data length matching the shape) and
// writes nothing if one is wrong.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	order, header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for _, i := range order {
		if _, err := w.Write(tensors[i].Data); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile encodes tensors and metadata into the file at path atomically
// (see package atomicfile): the file either keeps its old content or holds
// the complete new one.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		return Encode(w, tensors, metadata)
	})
}

// encodeHeader checks the tensors and returns the order of their data and
// the padded header.
func encodeHeader(tensors []Tensor, metadata map[string]string) (order []int, header []byte, err error) {
	seen := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		switch {
		case t.Name == MetadataKey:
			return nil, nil, fmt.Errorf("safetensors: a tensor cannot be named %q: the header uses that key for metadata", MetadataKey)
		case !utf8.ValidString(t.Name):
			return nil, nil, fmt.Errorf("safetensors: tensor name %s is not valid UTF-8", quote(t.Name))
		case seen[t.Name]:
			return nil, nil, fmt.Errorf("safetensors: two tensors are named %s", quote(t.Name))
		}
		seen[t.Name] = true
		if err := t.check(); err != nil {
			return nil, nil, err
		}
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("safetensors: metadata entry %s: %s is not valid UTF-8", quote(k), quote(v))
		}
	}

	order = make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ta, tb := tensors[order[a]], tensors[order[b]]
		if ra, rb := ta.DType.rank(), tb.DType.rank(); ra != rb {
			return ra > rb
		}
		return ta.Name < tb.Name
	})

	h := []byte{'{'}
	if metadata != nil {
		h = appendString(h, MetadataKey)
		h = append(h, ':', '{')
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				h = append(h, ',')
			}
			h = appendString(h, k)
			h = append(h, ':')
			h = appendString(h, metadata[k])
		}
		h = append(h, '}')
	}
	offset := uint64(0)
	for i, ti := range order {
		t := tensors[ti]
		if i > 0 || metadata != nil {
			h = append(h, ',')
		}
		h = appendString(h, t.Name)
		h = append(h, `:{"dtype":`...)
		h = appendString(h, string(t.DType))
		h = append(h, `,"shape":[`...)
		for j, d := range t.Shape {
			if j > 0 {
				h = append(h, ',')
			}
			h = strconv.AppendInt(h, int64(d), 10)
		}
		h = append(h, `],"data_offsets":[`...)
		h = strconv.AppendUint(h, offset, 10)
		h = append(h, ',')
		offset += uint64(len(t.Data))
		h = strconv.AppendUint(h, offset, 10)
		h = append(h, ']', '}')
	}
	h = append(h, '}')
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	if len(h) > DefaultMaxHeaderBytes {
		return nil, nil, fmt.Errorf("safetensors: the header would be %d bytes, more than the %d that readers accept", len(h), DefaultMaxHeaderBytes)
	}
	return order, h, nil
}

// appendString appends s as a JSON string escaped as serde_json does (the
// reference writer): '"', '\\' and control characters only.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
