package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sync"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned
// byte) and the number of dimensions.
const (
	imagesMagic = 0x00000803
	labelsMagic = 0x00000801
)

// Limits on what a header may claim; anything beyond them is rejected as
// implausible before memory is allocated for it.
const (
	maxItems   = 10_000_000 // images or labels in one file
	maxSide    = 4096       // rows or columns of one image
	maxPayload = 1 << 32    // bytes of pixel data in one file
)

// fixHint is what every FormatError tells the user to do.
const fixHint = "the file is damaged or is not an MNIST IDX file: delete it and let glnn fetch a fresh copy, or pass -data DIR pointing at good copies"

// FormatError reports an IDX file (or a pair of files) that cannot be used:
// a bad magic number, implausible dimensions, a truncated or corrupt
// payload, trailing data, labels out of range, or counts that disagree.
type FormatError struct {
	Path    string // the file, or "A and B" for a pair that disagrees
	Problem string // what is wrong, in words
	Err     error  // the underlying error, if any
}

func (e *FormatError) Error() string {
	return "mnist: " + e.Path + ": " + e.Problem + "; " + fixHint
}

// Unwrap returns the underlying error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(path string, err error, format string, args ...any) *FormatError {
	return &FormatError{Path: path, Problem: fmt.Sprintf(format, args...), Err: err}
}

// Images is the content of an IDX image file: N images of Rows×Cols
// unsigned-byte pixels.
type Images struct {
	N, Rows, Cols int
	// Pixels holds N×Rows×Cols bytes, image after image, each row-major.
	Pixels []uint8
}

// Float32 returns the pixels as float32 scaled to [0,1] (divided by 255),
// in the same order as Pixels.
func (im *Images) Float32() []float32 {
	dst := make([]float32, len(im.Pixels))
	scaleInto(dst, im.Pixels)
	return dst
}

// scale255[b] is float32(b/255), computed in float64 as numpy does.
var scale255 = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(float64(i) / 255)
	}
	return t
}()

// scaleInto converts src into dst in one pass, split over the CPUs when it
// is large (the cost is mostly first-touch page faults on dst).
func scaleInto(dst []float32, src []uint8) {
	const chunk = 1 << 20
	parts := min(runtime.GOMAXPROCS(0), (len(src)+chunk-1)/chunk)
	if parts <= 1 {
		scaleRange(dst, src)
		return
	}
	per := (len(src) + parts - 1) / parts
	var wg sync.WaitGroup
	for lo := 0; lo < len(src); lo += per {
		hi := min(lo+per, len(src))
		wg.Go(func() { scaleRange(dst[lo:hi], src[lo:hi]) })
	}
	wg.Wait()
}

func scaleRange(dst []float32, src []uint8) {
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = scale255[b]
	}
}

// ReadImages reads an IDX image file (magic 0x00000803), gzip-compressed or
// raw.
func ReadImages(path string) (*Images, error) {
	dims, px, err := readFile(path, imagesMagic)
	if err != nil {
		return nil, err
	}
	return &Images{N: dims[0], Rows: dims[1], Cols: dims[2], Pixels: px}, nil
}

// ReadLabels reads an IDX label file (magic 0x00000801), gzip-compressed or
// raw. It does not check the label values; ReadSet and Load require 0..9.
func ReadLabels(path string) ([]uint8, error) {
	_, labels, err := readFile(path, labelsMagic)
	return labels, err
}

// DecodeImages reads an IDX image file from r, gzip-compressed or raw. name
// identifies the source in errors.
func DecodeImages(r io.Reader, name string) (*Images, error) {
	dims, px, err := decode(r, name, imagesMagic, -1)
	if err != nil {
		return nil, err
	}
	return &Images{N: dims[0], Rows: dims[1], Cols: dims[2], Pixels: px}, nil
}

// DecodeLabels reads an IDX label file from r, gzip-compressed or raw. name
// identifies the source in errors.
func DecodeLabels(r io.Reader, name string) ([]uint8, error) {
	_, labels, err := decode(r, name, labelsMagic, -1)
	return labels, err
}

// sizeHint returns the size of the decoded IDX stream in f if it can be
// known cheaply (the file size for raw files, the gzip trailer's ISIZE for
// gzip files), or -1. It is only a hint: it lets the reader allocate the
// payload once, and everything is still checked while reading.
func sizeHint(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	var b [4]byte
	if _, err := f.ReadAt(b[:2], 0); err != nil {
		return -1
	}
	if b[0] != 0x1f || b[1] != 0x8b {
		return st.Size()
	}
	if st.Size() < 18 {
		return -1
	}
	if _, err := f.ReadAt(b[:], st.Size()-4); err != nil {
		return -1
	}
	isize := int64(binary.LittleEndian.Uint32(b[:])) // modulo 2³²; checked by the caller
	if isize > 1100*st.Size() {
		return -1 // deflate cannot expand more than ~1032:1: the trailer lies
	}
	return isize
}

// describeMagic explains a magic number in words.
func describeMagic(m uint32) string {
	if m>>16 != 0 {
		return "not an IDX file"
	}
	types := map[byte]string{0x08: "unsigned bytes", 0x09: "signed bytes", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"}
	t, ok := types[byte(m>>8)]
	if !ok {
		t = fmt.Sprintf("unknown element type 0x%02x", byte(m>>8))
	}
	s := fmt.Sprintf("IDX %s, %d dimensions", t, byte(m))
	switch m {
	case imagesMagic:
		s += ": an image file"
	case labelsMagic:
		s += ": a label file"
	}
	return s
}

func kindName(magic uint32) string {
	if magic == imagesMagic {
		return "images"
	}
	return "labels"
}

// decode reads one IDX file of the given magic from r and returns its
// dimensions and payload. hint is the expected decoded size, or -1.
func decode(r io.Reader, name string, magic uint32, hint int64) (dims []int, payload []byte, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if len(head) == 0 {
		if err == io.EOF {
			return nil, nil, formatErr(name, nil, "empty file (0 bytes)")
		}
		return nil, nil, formatErr(name, err, "read error: %v", err)
	}
	var src io.Reader = br
	gz := len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b
	if gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, gzipErr(name, err, "in the gzip header")
		}
		zr.Multistream(false)
		src = &gzipStream{br: br, zr: zr}
	}

	// Header: magic, then one big-endian uint32 per dimension.
	ndim := int(byte(magic))
	hdr := make([]byte, 4+4*ndim)
	if n, err := io.ReadFull(src, hdr[:4]); err != nil {
		return nil, nil, shortHeader(name, gz, len(hdr), n, err)
	}
	if got := binary.BigEndian.Uint32(hdr); got != magic {
		p := fmt.Sprintf("bad magic number 0x%08x (%s), expected 0x%08x (IDX unsigned bytes, %d dimensions: an %s file)",
			got, describeMagic(got), magic, ndim, kindName(magic))
		if got == imagesMagic || got == labelsMagic {
			p += "; are the image and label files swapped?"
		}
		return nil, nil, formatErr(name, nil, "%s", p)
	}
	if n, err := io.ReadFull(src, hdr[4:]); err != nil {
		return nil, nil, shortHeader(name, gz, len(hdr), 4+n, err)
	}
	dims = make([]int, ndim)
	want := int64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4+4*i:])
		dims[i] = int(d)
		want *= int64(d) // at most maxItems·maxSide², no overflow: each d is checked below before the next multiply
		if d == 0 {
			return nil, nil, formatErr(name, nil, "zero dimension: the header says %s", dimsText(magic, hdr[4:]))
		}
		limit := uint32(maxSide)
		if i == 0 {
			limit = maxItems
		}
		if d > limit {
			return nil, nil, formatErr(name, nil, "implausible dimensions: the header says %s (limits: %d items, %d×%d pixels)",
				dimsText(magic, hdr[4:]), maxItems, maxSide, maxSide)
		}
	}
	if want > maxPayload || want > math.MaxInt {
		return nil, nil, formatErr(name, nil, "implausible size: the header says %s, %d bytes", dimsText(magic, hdr[4:]), want)
	}

	payload, err = readPayload(src, int(want), hint == int64(len(hdr))+want || (gz && hint == (int64(len(hdr))+want)%(1<<32)))
	if err != nil {
		got := len(payload)
		switch {
		case errors.Is(err, io.EOF) && gz:
			return nil, nil, formatErr(name, err, "truncated: the header says %s, %d bytes of data, but the gzip stream holds only %d", dimsText(magic, hdr[4:]), want, got)
		case errors.Is(err, io.EOF):
			return nil, nil, formatErr(name, err, "truncated: the header says %s, %d bytes of data, but the file holds only %d", dimsText(magic, hdr[4:]), want, got)
		case errors.Is(err, errNotGzip):
			return nil, nil, formatErr(name, err, "truncated: the header says %s, %d bytes of data, but the gzip stream holds only %d, followed by data that is not gzip", dimsText(magic, hdr[4:]), want, got)
		case errors.Is(err, io.ErrUnexpectedEOF) && gz:
			return nil, nil, formatErr(name, err, "truncated gzip stream: the header says %s, %d bytes of data, but the compressed data ends after %d", dimsText(magic, hdr[4:]), want, got)
		case gz:
			return nil, nil, gzipErr(name, err, fmt.Sprintf("after %d of %d bytes of data", got, want))
		default:
			return nil, nil, formatErr(name, err, "read error after %d of %d bytes of data: %v", got, want, err)
		}
	}

	// Nothing may follow. Reading a gzip stream to its end also checks its
	// CRC-32 and length trailer.
	extra, err := io.Copy(io.Discard, io.LimitReader(src, 1<<20))
	switch {
	case extra > 0:
		verb := "follow"
		if extra == 1 {
			verb = "follows"
		}
		return nil, nil, formatErr(name, nil, "trailing data: %s %s the %d bytes the header announces (%s)",
			bytesText(extra), verb, want, dimsText(magic, hdr[4:]))
	case err == nil:
	case gz && errors.Is(err, io.ErrUnexpectedEOF):
		return nil, nil, formatErr(name, err, "truncated gzip stream: all %d bytes of data are there but the gzip trailer is cut off", want)
	case errors.Is(err, errNotGzip):
		n, _ := io.Copy(io.Discard, io.LimitReader(br, 1<<20))
		return nil, nil, formatErr(name, err, "trailing data: %s that %s not gzip follow the gzip stream", bytesText(n), isAre(n))
	case gz:
		return nil, nil, gzipErr(name, err, "at the end of the stream")
	default:
		return nil, nil, formatErr(name, err, "read error: %v", err)
	}
	return dims, payload, nil
}

// errNotGzip reports bytes after a gzip member that do not start another.
var errNotGzip = errors.New("data after the gzip stream is not gzip")

// gzipStream reads a gzip stream of one or more members and, unlike
// gzip.Reader in multistream mode, tells a cut-off member (a gzip error,
// often io.ErrUnexpectedEOF) from trailing bytes that are not gzip at all
// (errNotGzip, with the bytes left unread in br).
type gzipStream struct {
	br *bufio.Reader
	zr *gzip.Reader
}

func (g *gzipStream) Read(p []byte) (int, error) {
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF || n > 0 {
			if err == io.EOF {
				err = nil // report the end on the next call, after checking what follows
			}
			return n, err
		}
		head, err := g.br.Peek(2)
		switch {
		case len(head) == 0 && err == io.EOF:
			return 0, io.EOF
		case len(head) == 0:
			return 0, err
		case len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b:
			return 0, errNotGzip
		}
		if err := g.zr.Reset(g.br); err != nil {
			return 0, err
		}
		g.zr.Multistream(false)
	}
}

func bytesText(n int64) string {
	if n >= 1<<20 {
		return "at least 1 MiB"
	}
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

func isAre(n int64) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// readPayload reads exactly want bytes. With exact set it allocates them at
// once; otherwise (the size is not confirmed by the file) it grows the
// buffer as data arrives, so a lying header cannot make it allocate much
// more than the input really holds. On error it returns what it got and the
// reader's own error: io.EOF when the stream ended cleanly too early, and
// for gzip io.ErrUnexpectedEOF when the compressed data is cut off.
func readPayload(r io.Reader, want int, exact bool) ([]byte, error) {
	size := min(want, 1<<20)
	if exact {
		size = want
	}
	buf := make([]byte, 0, size)
	zeroReads := 0
	for len(buf) < want {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(want, 2*cap(buf)))
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil && len(buf) < want {
			return buf, err
		}
		if n == 0 && err == nil {
			// A reader that keeps returning nothing: count it as a short
			// read rather than spinning forever.
			if zeroReads++; zeroReads > 100 {
				return buf, io.ErrNoProgress
			}
		}
	}
	return buf, nil
}

func shortHeader(name string, gz bool, need, got int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		where := "the file"
		if gz {
			where = "the gzip stream"
		}
		return formatErr(name, err, "truncated: the IDX header needs %d bytes but %s ends after %d", need, where, got)
	}
	if gz {
		return gzipErr(name, err, "in the IDX header")
	}
	return formatErr(name, err, "read error: %v", err)
}

func gzipErr(name string, err error, where string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr(name, err, "truncated gzip stream (it ends %s)", where)
	}
	return formatErr(name, err, "corrupt gzip data %s: %v", where, err)
}

func dimsText(magic uint32, b []byte) string {
	d0 := binary.BigEndian.Uint32(b)
	if magic == imagesMagic {
		return fmt.Sprintf("%d images of %d×%d", d0, binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[8:]))
	}
	return fmt.Sprintf("%d labels", d0)
}
