package backend

import "fmt"

// Tensor is a rows×cols float32 matrix, row-major, that lives in a Device's
// memory. Its storage is opaque to everything but the device that made it.
//
// A Tensor made by Device.Alloc owns its storage and is freed with
// Device.Release. View and Slice return tensors that share the storage of
// their parent; views are never released on their own, and releasing the
// parent makes them unusable too.
type Tensor struct {
	rows, cols int
	off        int // first element, counted from the start of the storage
	st         *storage
	view       bool
}

// storage is the memory behind an allocated tensor and its views.
type storage struct {
	tr       *Tracker // the bookkeeping of the device that made it
	buf      any      // the device's handle
	n        int      // elements
	released bool
}

// SliceAlign is the granularity of Slice offsets, in elements: 64 float32
// values are 256 bytes, the largest offset alignment OpenGL allows a
// driver to demand for shader storage bindings.
const SliceAlign = 64

// Rows is the number of rows.
func (t *Tensor) Rows() int { return t.rows }

// Cols is the number of columns.
func (t *Tensor) Cols() int { return t.cols }

// Len is the number of elements, Rows·Cols.
func (t *Tensor) Len() int { return t.rows * t.cols }

// Offset is the position of t's first element in its storage: 0 for a
// tensor from Alloc and its Views, a multiple of SliceAlign for a Slice.
func (t *Tensor) Offset() int { return t.off }

// Cap is the number of elements of the underlying storage.
func (t *Tensor) Cap() int {
	if t.st == nil {
		return 0
	}
	return t.st.n
}

// Buffer returns the device-specific storage, or nil once it was released.
// Only the device that allocated the tensor knows its type.
func (t *Tensor) Buffer() any {
	if t.st == nil || t.st.released {
		return nil
	}
	return t.st.buf
}

// IsView reports whether t shares its storage with a parent tensor.
func (t *Tensor) IsView() bool { return t.view }

// Shape returns "rows×cols", for messages.
func (t *Tensor) Shape() string {
	if t == nil {
		return "nil"
	}
	return fmt.Sprintf("%d×%d", t.rows, t.cols)
}

// View returns a rows×cols tensor over the rows·cols elements of the
// storage that start where t starts: with fewer rows than t, the first
// rows of t (the last, short batch of an epoch). It panics if the storage
// is too small. Writing through the view writes t.
func (t *Tensor) View(rows, cols int) *Tensor {
	if rows < 0 || cols < 0 || cols > 0 && rows > (t.Cap()-t.off)/cols {
		panic(fmt.Sprintf("View: %d×%d does not fit the %d elements of storage from the start of %s", rows, cols, t.Cap()-t.off, t.Shape()))
	}
	return &Tensor{rows: rows, cols: cols, off: t.off, st: t.st, view: true}
}

// Slice returns a rows×cols tensor over t's elements [offset,
// offset+rows·cols), where offset is a multiple of SliceAlign: a part of a
// larger allocation (all of a model's parameters in one tensor, say).
// Writing through the slice writes t.
func (t *Tensor) Slice(offset, rows, cols int) *Tensor {
	switch {
	case offset < 0 || offset%SliceAlign != 0:
		panic(fmt.Sprintf("Slice: offset %d of %s is not a non-negative multiple of %d", offset, t.Shape(), SliceAlign))
	case rows < 0 || cols < 0 || offset > t.Len() || cols > 0 && rows > (t.Len()-offset)/cols:
		panic(fmt.Sprintf("Slice: %d×%d at offset %d does not fit in %s", rows, cols, offset, t.Shape()))
	}
	return &Tensor{rows: rows, cols: cols, off: t.off + offset, st: t.st, view: true}
}

// Same reports whether t and u are the same elements of one storage, with
// the same shape.
func (t *Tensor) Same(u *Tensor) bool { return same(t, u) }

// Overlaps reports whether t and u share any element of one storage.
func (t *Tensor) Overlaps(u *Tensor) bool { return overlaps(t, u) }

// overlaps reports whether a and b share any element of one storage.
func overlaps(a, b *Tensor) bool {
	return a.st == b.st && a.Len() > 0 && b.Len() > 0 &&
		a.off < b.off+b.Len() && b.off < a.off+a.Len()
}

// same reports whether a and b are the same elements of one storage with
// the same shape.
func same(a, b *Tensor) bool {
	return a.st == b.st && a.off == b.off && a.rows == b.rows && a.cols == b.cols
}
