package safetensors

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/glnn/glnn/internal/filekind"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"syscall"
)

// DefaultMaxHeaderBytes is the largest header Decode accepts unless told
// otherwise: 100 MB, the reference implementation's limit.
const DefaultMaxHeaderBytes = 100_000_000

// Limits bound what Decode accepts. The zero value applies the defaults.
type Limits struct {
	// MaxHeaderBytes caps the header length; DefaultMaxHeaderBytes when 0.
	MaxHeaderBytes int64
	// MaxFileBytes, when positive, caps the whole file's size.
	MaxFileBytes int64
}

// File is a decoded safetensors file.
type File struct {
	// Metadata is the header's "__metadata__" object, nil when absent.
	Metadata map[string]string
	// Tensors are in the order of their data in the file.
	Tensors []Tensor
}

// Tensor returns the tensor called name.
func (f *File) Tensor(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// FormatError reports a file that is not a valid safetensors file, or that
// could not be read.
type FormatError struct {
	Path    string // the file, when read from a path
	Problem string // what is wrong, in one line
	Err     error  // the underlying error, if any
}

func (e *FormatError) Error() string {
	if e.Path == "" {
		return "safetensors: " + e.Problem
	}
	return "safetensors: " + e.Path + ": " + e.Problem
}

// Unwrap returns the underlying error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

func problem(err error, format string, args ...any) *FormatError {
	return &FormatError{Problem: fmt.Sprintf(format, args...), Err: err}
}

// ReadFile reads and checks the safetensors file at path with the default
// Limits. A path that is not a regular file (a directory, a named pipe, a
// device, a symbolic-link loop) is refused before it is opened.
func ReadFile(path string) (*File, error) {
	f, err := readFile(path)
	var fe *FormatError
	if errors.As(err, &fe) && fe.Path == "" {
		fe.Path = path
	}
	return f, err
}

func readFile(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, statProblem(err)
	}
	if !st.Mode().IsRegular() {
		return nil, problem(nil, "%s, not a safetensors file", filekind.Of(st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, problem(err, "cannot open: %v", unwrapPath(err))
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, problem(err, "cannot stat: %v", unwrapPath(err))
	}
	if !st.Mode().IsRegular() { // replaced since the first look
		return nil, problem(nil, "%s, not a safetensors file", filekind.Of(st.Mode()))
	}
	return Decode(f, st.Size(), Limits{})
}

// statProblem turns an os.Stat error into a problem that says what the
// path is.
func statProblem(err error) *FormatError {
	switch {
	case errors.Is(err, syscall.ELOOP):
		return problem(err, "is a symbolic-link loop")
	case errors.Is(err, fs.ErrNotExist):
		return problem(err, "no such file")
	}
	return problem(err, "cannot stat: %v", unwrapPath(err))
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Decode reads and checks a safetensors file of size bytes from r. Every
// claim in the header is checked against size before memory is allocated
// for it; the header is read only after its length passes the limit and
// fits in the file, and the data (at most size bytes) only after the header
// has been fully validated.
func Decode(r io.ReaderAt, size int64, lim Limits) (*File, error) {
	maxHeader := lim.MaxHeaderBytes
	if maxHeader <= 0 {
		maxHeader = DefaultMaxHeaderBytes
	}
	if size < 0 {
		return nil, problem(nil, "negative file size %d", size)
	}
	if lim.MaxFileBytes > 0 && size > lim.MaxFileBytes {
		return nil, problem(nil, "the file is %d bytes, more than the %d-byte limit", size, lim.MaxFileBytes)
	}
	if size < 8 {
		return nil, problem(nil, "the file is %d bytes, too short for the 8-byte header length", size)
	}
	var nb [8]byte
	if err := readAt(r, nb[:], 0); err != nil {
		return nil, problem(err, "reading the header length: %v", err)
	}
	n := binary.LittleEndian.Uint64(nb[:])
	if n > uint64(maxHeader) {
		return nil, problem(nil, "the header length %d is more than the %d-byte limit", n, maxHeader)
	}
	if n > uint64(size-8) {
		return nil, problem(nil, "the header length %d runs past the end of the file (%d bytes follow the length)", n, size-8)
	}
	hb := make([]byte, n)
	if err := readAt(r, hb, 8); err != nil {
		return nil, problem(err, "reading the %d-byte header: %v", n, err)
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, problem(err, "%v", err)
	}
	dataStart := 8 + int64(n)
	dataLen := uint64(size - dataStart)
	if err := h.validate(dataLen); err != nil {
		return nil, problem(err, "%v", err)
	}

	data := make([]byte, dataLen)
	if err := readAt(r, data, dataStart); err != nil {
		return nil, problem(err, "reading the %d bytes of tensor data: %v", dataLen, err)
	}
	f := &File{Metadata: h.metadata, Tensors: make([]Tensor, len(h.entries))}
	for i, e := range h.entries {
		shape := make([]int, len(e.shape))
		for j, d := range e.shape {
			shape[j] = int(d) // validate checked that each fits
		}
		f.Tensors[i] = Tensor{Name: e.name, DType: e.dtype, Shape: shape, Data: data[e.begin:e.end:e.end]}
	}
	return f, nil
}

// readAt fills b from r at off; a short read is io.ErrUnexpectedEOF.
func readAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = fmt.Errorf("the file ends after %d of them: %w", n, io.ErrUnexpectedEOF)
	}
	return err
}

// validate checks every entry against its dtype and shape, and that the
// entries tile the dataLen bytes of data exactly. It sorts the entries by
// offset (the order of their data).
func (h *header) validate(dataLen uint64) error {
	for _, e := range h.entries {
		what := "tensor " + quote(e.name)
		size := e.dtype.Size()
		if size == 0 {
			return fmt.Errorf("%s: %s", what, unknownDType(e.dtype))
		}
		for i, d := range e.shape {
			if d > math.MaxInt {
				return fmt.Errorf("%s: shape[%d] = %d is too large", what, i, d)
			}
		}
		elems, ok := product(e.shape)
		var nbytes uint64
		if ok {
			nbytes, ok = product([]uint64{elems, uint64(size)})
		}
		if !ok {
			return fmt.Errorf("%s: shape %v of %s overflows 64 bits", what, e.shape, e.dtype)
		}
		switch {
		case e.begin > e.end:
			return fmt.Errorf("%s: data_offsets [%d, %d] end before they begin", what, e.begin, e.end)
		case e.end > dataLen:
			return fmt.Errorf("%s: data_offsets [%d, %d] run past the end of the data section (%d bytes)", what, e.begin, e.end, dataLen)
		case e.end-e.begin != nbytes:
			return fmt.Errorf("%s: data_offsets [%d, %d] hold %d bytes but shape %v of %s needs %d",
				what, e.begin, e.end, e.end-e.begin, e.shape, e.dtype, nbytes)
		}
	}
	slices.SortFunc(h.entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	at, prev := uint64(0), ""
	for i, e := range h.entries {
		switch {
		case e.begin < at:
			return fmt.Errorf("tensors %s and %s overlap: one ends at byte %d, the other begins at %d", quote(prev), quote(e.name), at, e.begin)
		case e.begin > at && i == 0:
			return fmt.Errorf("tensor %s begins at byte %d: the first %d bytes of the data section belong to no tensor", quote(e.name), e.begin, e.begin)
		case e.begin > at:
			return fmt.Errorf("a gap of %d bytes between tensors %s and %s: the data must be contiguous", e.begin-at, quote(prev), quote(e.name))
		}
		at, prev = e.end, e.name
	}
	if at != dataLen {
		return fmt.Errorf("trailing data: the tensors cover %d bytes but the data section holds %d (%d bytes belong to no tensor)", at, dataLen, dataLen-at)
	}
	return nil
}
