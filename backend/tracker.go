package backend

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// Tracker is the bookkeeping that the Device contract asks of every
// backend: which tensors a device made and which are still live, whether
// it is closed, and whether two goroutines use it at once. A backend keeps
// one and calls it first in every method (Alloc, Release, Sync, Close and
// the per-op checks in checks.go), so that the same misuse gets the same
// answer, with the same message, on every device. See Device for the rules.
type Tracker struct {
	name   string // backend name, for messages
	mu     sync.Mutex
	live   map[*storage]struct{}
	closed atomic.Bool
	busy   atomic.Bool // an op is running
}

// NewTracker returns the bookkeeping of a device of the named backend.
func NewTracker(backend string) *Tracker {
	return &Tracker{name: backend, live: map[*storage]struct{}{}}
}

// Alloc checks an Alloc request: ErrClosed on a closed device, an error
// for negative sizes or more elements than an int32 can count. When it
// returns nil the op has begun, and the device calls Exit when done.
func (k *Tracker) Alloc(rows, cols int) error {
	switch {
	case k.closed.Load():
		return fmt.Errorf("%s: Alloc: %w", k.name, ErrClosed)
	case rows < 0 || cols < 0:
		return fmt.Errorf("%s: Alloc %d×%d: negative size", k.name, rows, cols)
	case cols > 0 && rows > math.MaxInt32/cols:
		return fmt.Errorf("%s: Alloc %d×%d: %.3g elements is more than a tensor may hold (%d)",
			k.name, rows, cols, float64(rows)*float64(cols), math.MaxInt32)
	}
	k.enter("Alloc")
	return nil
}

// NewTensor records device storage holding rows·cols elements and returns
// the tensor that owns it.
func (k *Tracker) NewTensor(rows, cols int, buf any) *Tensor {
	st := &storage{tr: k, buf: buf, n: rows * cols}
	k.mu.Lock()
	k.live[st] = struct{}{}
	k.mu.Unlock()
	return &Tensor{rows: rows, cols: cols, st: st}
}

// Release checks a Release call and forgets t's storage. It returns the
// device handle to free, or ok false when there is nothing to free (the
// device was closed, which freed everything). It does not need an Exit.
func (k *Tracker) Release(t *Tensor) (buf any, ok bool) {
	k.enter("Release")
	defer k.Exit()
	switch {
	case t == nil:
		misuse("Release", "nil tensor")
	case t.view:
		misuse("Release", "tensor %s is a view; release the tensor it views instead", t.Shape())
	case t.st == nil || t.st.tr != k:
		misuse("Release", "tensor %s was not allocated by this %s device", t.Shape(), k.name)
	case k.closed.Load():
		return nil, false
	case t.st.released:
		misuse("Release", "tensor %s was released already", t.Shape())
	}
	k.mu.Lock()
	delete(k.live, t.st)
	k.mu.Unlock()
	t.st.released = true
	return t.st.buf, true
}

// Live is the number of tensors allocated and not yet released; 0 after
// Close.
func (k *Tracker) Live() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.live)
}

// Closed reports whether Close was called.
func (k *Tracker) Closed() bool { return k.closed.Load() }

// CheckOpen returns ErrClosed, wrapped with the op's name, once the device
// is closed.
func (k *Tracker) CheckOpen(op string) error {
	if k.closed.Load() {
		return fmt.Errorf("%s: %s: %w", k.name, op, ErrClosed)
	}
	return nil
}

// Sync checks a Sync call: ErrClosed once the device is closed. When it
// returns nil the op has begun, and the device calls Exit when done.
func (k *Tracker) Sync() error {
	if err := k.CheckOpen("Sync"); err != nil {
		return err
	}
	k.enter("Sync")
	return nil
}

// Close marks the device closed and every live tensor released, and
// returns their device handles for the backend to free. A second Close
// returns ErrClosed. It does not need an Exit.
func (k *Tracker) Close() ([]any, error) {
	k.enter("Close")
	defer k.Exit()
	if k.closed.Swap(true) {
		return nil, fmt.Errorf("%s: Close: %w", k.name, ErrClosed)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	bufs := make([]any, 0, len(k.live))
	for st := range k.live {
		st.released = true
		bufs = append(bufs, st.buf)
	}
	clear(k.live)
	return bufs, nil
}

// enter marks the start of op on the device, panicking if another op is
// running on it (from another goroutine: a device is not safe for
// concurrent use). A check that returns normally has entered, and the
// device calls Exit when the op is done.
func (k *Tracker) enter(op string) {
	if !k.busy.CompareAndSwap(false, true) {
		panic(fmt.Sprintf("%s: %v (another op was running on it): a device, and a model on it, must be used from one goroutine at a time", op, ErrConcurrentUse))
	}
}

// Exit marks the end of the op that a check entered.
func (k *Tracker) Exit() { k.busy.Store(false) }

// exitOnPanic, deferred by a check after enter, leaves the device idle
// when the check panics.
func (k *Tracker) exitOnPanic() {
	if r := recover(); r != nil {
		k.Exit()
		panic(r)
	}
}

// begin enters op and panics if the device is closed.
func (k *Tracker) begin(op string) {
	k.enter(op)
	if k.closed.Load() {
		k.Exit()
		misuse(op, "the %s device is closed", k.name)
	}
}

// own panics unless t is a live tensor of this device.
func (k *Tracker) own(op, name string, t *Tensor) {
	switch {
	case t == nil:
		misuse(op, "%s is a nil tensor", name)
	case t.st == nil:
		misuse(op, "%s was not allocated by a device", name)
	case t.st.tr != k:
		misuse(op, "%s %s was not allocated by this %s device", name, t.Shape(), k.name)
	case t.st.released:
		misuse(op, "%s %s is used after it was released", name, t.Shape())
	}
}
