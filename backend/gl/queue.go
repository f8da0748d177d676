//go:build cgo

package gl

// The command queue: every op becomes a small command value sent over a
// buffered channel to the goroutine that owns the GL context, which
// executes the commands in order (run, exec). See the package
// documentation for the threading rules.

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/glnn/glnn/backend"
)

type opcode uint8

const (
	opDispatch opcode = iota
	opUpload
	opUploadWait // Upload of a large slice: no staging copy, the caller waits
	opDownload
	opCopy
	opFill
	opAlloc
	opRelease
	opSync
	opClose
	opCall       // run fn on the context's thread (tests)
	opTimerBegin // start the GL_TIME_ELAPSED query of Timed
	opTimerEnd   // end it and wait for its result
)

const (
	maxBindings = 7
	maxUints    = 6
	maxFloats   = 4

	// Names a command uses for the device's own buffers, resolved by the
	// worker.
	scratchBuf = ^uint32(0)     // per-row partial results, grown as needed
	errFlagBuf = ^uint32(0) - 1 // bit 0: Gather met a bad row number
)

// binding is a shader storage binding: bytes [off, off+size) of a buffer
// (size 0: the whole buffer). off is a multiple of backend.SliceAlign
// floats, which satisfies every driver's offset alignment.
type binding struct {
	name      uint32
	off, size int
}

// command is one queued operation: a value sent over a buffered channel,
// so enqueueing an op allocates nothing.
type command struct {
	op      opcode
	prog    progKey
	nbufs   uint8
	bufs    [maxBindings]binding // shader storage bindings 0..nbufs-1
	u       [maxUints]uint32     // uint uniforms, in the program's order
	f       [maxFloats]float32   // float uniforms
	groups  [3]uint32
	scratch uint32    // floats the scratch buffer must hold
	a, b    uint32    // buffer names: Upload/Download/Release/Fill a; Copy a→b
	aOff    int       // byte offset into a: Upload, Download, Fill, Copy's source
	bOff    int       // byte offset into b: Copy's destination
	n       int       // bytes: Copy, Alloc, Fill
	v       float32   // Fill value
	data    []float32 // Upload/Download
	fn      func() error
}

type result struct {
	name uint32
	ns   uint64 // opTimerEnd: GPU nanoseconds
	err  error
}

// run is the context's goroutine: it locks its OS thread (a GL context is
// current on one thread, and GL calls from any other thread do nothing),
// opens the context and executes commands until Close. It never unlocks
// the thread, so the thread ends with it.
func (d *Device) run(s settings, ready chan<- error) {
	defer close(d.done)
	runtime.LockOSThread()
	if err := d.w.open(s, &d.info, &d.limits); err != nil {
		ready <- err
		return
	}
	ready <- nil
	for {
		c := <-d.cmds
		d.beat.Store(time.Now().UnixNano())
		res, reply, stop := d.exec(&c)
		d.beat.Store(0)
		if reply {
			// The caller waits for it, unless it gave up on a stuck
			// driver call: then the answer is dropped.
			select {
			case d.res <- res:
			default:
			}
		}
		if stop {
			return
		}
	}
}

// exec runs one command; a panic in it becomes a deferred error.
func (d *Device) exec(c *command) (res result, reply, stop bool) {
	reply = c.op == opAlloc || c.op == opDownload || c.op == opSync || c.op == opClose || c.op == opUploadWait || c.op == opCall || c.op == opTimerEnd
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("internal error in op %d: %v", c.op, r)
			if reply {
				res.err = err
			} else {
				d.w.fail(err)
			}
		}
	}()
	w := &d.w
	if w.fault != nil && skips(c.op) {
		if c.op == opUpload {
			d.recycle(c.data)
		}
		return res, reply, stop
	}
	switch c.op {
	case opDispatch:
		w.dispatch(c)
	case opUpload, opUploadWait:
		w.upload(c.a, c.aOff, c.data)
		if c.op == opUpload {
			d.recycle(c.data)
		}
	case opDownload:
		w.fence("Download") // bounds the wait that the read-back would make
		if len(c.data) > 0 && w.fault == nil {
			w.download(c.data, c.a, c.aOff)
		}
		res.err = w.takeErr("Download")
	case opCopy:
		w.copyBuffer(c.b, c.bOff, c.a, c.aOff, c.n)
	case opFill:
		w.fill(c.a, c.aOff, c.n, c.v)
	case opAlloc:
		res.name, res.err = w.alloc(c.n)
	case opRelease:
		w.deleteBuffer(c.a)
		delete(w.buffers, c.a)
	case opSync:
		w.fence("Sync")
		res.err = w.takeErr("Sync")
	case opCall:
		res.err = c.fn()
	case opTimerBegin:
		w.beginTimer()
	case opTimerEnd:
		if w.fence("Timed"); w.fault == nil {
			res.ns = w.endTimer()
		}
		res.err = w.takeErr("Timed")
	case opClose:
		w.fence("Close")
		if w.fault == nil || !w.faultSeen {
			res.err = w.takeErr("Close")
		}
		w.close()
		stop = true
	}
	return res, reply, stop
}

// maxPooled is the largest Upload staging slice kept for reuse, and the
// size from which Upload skips staging and waits instead.
const maxPooled = 1 << 18

// recycle keeps an Upload staging slice for reuse.
func (d *Device) recycle(buf []float32) {
	if cap(buf) <= maxPooled {
		select {
		case d.pool <- buf:
		default:
		}
	}
}

// send enqueues a command, after the held one if any.
func (d *Device) send(c *command) {
	d.flush()
	d.enqueue(c)
}

// onThread runs fn on the context's thread, after every queued op, and
// returns its error.
func (d *Device) onThread(fn func() error) error {
	return d.call(&command{op: opCall, fn: fn}).err
}

// call enqueues a command and waits for its result.
func (d *Device) call(c *command) result {
	d.send(c)
	return d.wait(c.op)
}

// The caller's side of the time limit. The worker bounds its own waits
// for the GPU (fence, in faults.go), but a driver call may itself never
// return on a hung GPU. The caller therefore waits for the worker's
// answer, or for room in a full queue, only while the worker's current
// command has run for less than d.limit (the device's time limit plus a
// grace period, so that the worker's own, more precise, report comes
// first). Past it the device is stuck: every later command is dropped,
// every later wait returns the error at once, and Close leaves the
// worker to the driver.

// stuck records that the worker did not answer in time.
type stuck struct {
	err  error
	seen atomic.Bool // reported once
}

// enqueue sends c to the worker, waiting while the queue is full; on a
// stuck device it drops c.
func (d *Device) enqueue(c *command) {
	if d.hung.Load() != nil {
		return
	}
	select {
	case d.cmds <- *c:
		return
	default:
	}
	if d.limit == 0 {
		d.cmds <- *c
		return
	}
	for {
		wait, ok := d.patience(c.op)
		if !ok {
			return
		}
		d.timer.Reset(wait)
		select {
		case d.cmds <- *c:
			d.timer.Stop()
			return
		case <-d.timer.C:
		}
	}
}

// wait returns the worker's answer to the command op, or the stuck
// device's error.
func (d *Device) wait(op opcode) result {
	switch {
	case d.hung.Load() != nil: // never read d.res again: it may hold a stale answer
		return result{err: d.hungErr(op)}
	case d.limit == 0:
		return <-d.res
	}
	for {
		select {
		case r := <-d.res: // an answer that came while patience was judged
			return r
		default:
		}
		wait, ok := d.patience(op)
		if !ok {
			return result{err: d.hungErr(op)}
		}
		d.timer.Reset(wait)
		select {
		case r := <-d.res:
			d.timer.Stop()
			return r
		case <-d.timer.C:
		}
	}
}

// patience returns how much longer to wait for the worker, or false once
// its current command has outrun d.limit (or did before): the device is
// then stuck.
func (d *Device) patience(op opcode) (time.Duration, bool) {
	if d.hung.Load() != nil {
		return 0, false
	}
	start := d.beat.Load()
	if start == 0 {
		return d.limit, true // between commands: it is about to take the next
	}
	ran := time.Since(time.Unix(0, start))
	if ran < d.limit {
		return d.limit - ran, true
	}
	s := &stuck{err: fmt.Errorf("%s: the GPU did not finish within %v (the OpenGL driver has not returned for %v); %w",
		opName(op), d.timeout, ran.Round(time.Millisecond), backend.ErrDeviceLost)}
	d.hung.CompareAndSwap(nil, s)
	return 0, false
}

// hungErr is the error op reports on a stuck device: the fault itself the
// first time, then a reminder of it.
func (d *Device) hungErr(op opcode) error {
	s := d.hung.Load()
	if !s.seen.Swap(true) {
		return fmt.Errorf("gl: %w", s.err)
	}
	return fmt.Errorf("gl: %s: after an earlier fault: %w", opName(op), s.err)
}

// opName names a command as the API call that sends it.
func opName(op opcode) string {
	switch op {
	case opUpload, opUploadWait:
		return "Upload"
	case opDownload:
		return "Download"
	case opCopy:
		return "Copy"
	case opFill:
		return "Fill"
	case opAlloc:
		return "Alloc"
	case opRelease:
		return "Release"
	case opSync:
		return "Sync"
	case opClose:
		return "Close"
	case opTimerBegin, opTimerEnd:
		return "Timed"
	case opCall:
		return "a call on the context's thread"
	}
	return "an op"
}
