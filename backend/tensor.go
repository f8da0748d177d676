package backend

import "fmt"

// Tensor is a rows×cols float32 matrix that lives in a Device's memory.
// Its storage is opaque to everything but the device that made it.
//
// A Tensor made by Device.Alloc owns its storage and is freed with
// Device.Release. View returns a tensor that shares the storage of its
// parent (a prefix of it, reinterpreted with a new shape); views are never
// released on their own.
type Tensor struct {
	rows, cols int
	capacity   int // elements in the underlying storage
	buf        any
	view       bool
}

// NewTensor wraps device storage of capacity elements as a rows×cols
// tensor. It is meant for Device implementations.
func NewTensor(rows, cols, capacity int, buf any) *Tensor {
	if rows < 0 || cols < 0 || rows*cols > capacity {
		panic(fmt.Sprintf("backend.NewTensor: shape %d×%d does not fit capacity %d", rows, cols, capacity))
	}
	return &Tensor{rows: rows, cols: cols, capacity: capacity, buf: buf}
}

// Rows is the number of rows.
func (t *Tensor) Rows() int { return t.rows }

// Cols is the number of columns.
func (t *Tensor) Cols() int { return t.cols }

// Len is the number of elements, Rows·Cols.
func (t *Tensor) Len() int { return t.rows * t.cols }

// Cap is the number of elements of the underlying storage.
func (t *Tensor) Cap() int { return t.capacity }

// Buffer returns the device-specific storage. Only the device that
// allocated the tensor knows its type.
func (t *Tensor) Buffer() any { return t.buf }

// IsView reports whether t shares its storage with a parent tensor.
func (t *Tensor) IsView() bool { return t.view }

// Shape returns "rows×cols", for messages.
func (t *Tensor) Shape() string {
	if t == nil {
		return "nil"
	}
	return fmt.Sprintf("%d×%d", t.rows, t.cols)
}

// View returns a rows×cols tensor over the first rows·cols elements of t's
// storage. It panics if the storage is too small. Writing through the view
// writes t.
func (t *Tensor) View(rows, cols int) *Tensor {
	if rows < 0 || cols < 0 || rows*cols > t.capacity {
		panic(fmt.Sprintf("backend: View %d×%d of a tensor with capacity %d (%s)", rows, cols, t.capacity, t.Shape()))
	}
	return &Tensor{rows: rows, cols: cols, capacity: t.capacity, buf: t.buf, view: true}
}

// Released marks t as freed so later use fails loudly. Devices call it from
// Release.
func (t *Tensor) Released() {
	t.buf = nil
	t.rows, t.cols, t.capacity = 0, 0, 0
}
