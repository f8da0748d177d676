package backend

import (
	"errors"
	"fmt"
)

// Errors every device reports the same way.
var (
	// ErrClosed is returned (wrapped) by Alloc, Download and Sync on a
	// closed device, and by a second Close.
	ErrClosed = errors.New("device is closed")
	// ErrBadIndex is reported (wrapped) by the Sync or Download after a
	// Gather met a row number that was negative, fractional or not below
	// src's row count; Gather zeroes those rows of dst.
	ErrBadIndex = errors.New("Gather: a row index was negative, fractional or past the last row of src (those rows of dst were zeroed)")
	// ErrDeviceLost is reported (wrapped) by Sync and Download, and
	// returned by Alloc, once a device has met a fault that leaves it
	// unusable: its context lost in a GPU reset, its memory exhausted
	// while running ops, or the GPU (or its driver) not finishing within
	// the device's time limit. The first report names the op that met the
	// fault and the fault; later Syncs, Downloads and Allocs report it
	// again, ops do nothing, and Close frees what it can.
	ErrDeviceLost = errors.New("the device is unusable: close it")
	// ErrConcurrentUse is the text of the panic when an op starts while
	// another is running on the same device.
	ErrConcurrentUse = errors.New("device used from two goroutines at once")
)

// misuse panics with a message naming the op: the answer to a programmer
// error seen on the calling goroutine.
func misuse(op string, format string, args ...any) {
	panic(fmt.Sprintf("%s: %s", op, fmt.Sprintf(format, args...)))
}
