//go:build cgo

package gl

// The command queue: every op becomes a small command value sent over a
// buffered channel to the goroutine that owns the GL context, which
// executes the commands in order (run, exec). See the package
// documentation for the threading rules.

import (
	"fmt"
	"runtime"
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
func (d *Device) run(sel string, debug bool, ready chan<- error) {
	defer close(d.done)
	runtime.LockOSThread()
	if err := d.w.open(sel, debug, &d.info, &d.limits); err != nil {
		ready <- err
		return
	}
	ready <- nil
	for {
		c := <-d.cmds
		res, reply, stop := d.exec(&c)
		if reply {
			d.res <- res
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
	switch c.op {
	case opDispatch:
		w.dispatch(c)
	case opUpload, opUploadWait:
		w.upload(c.a, c.aOff, c.data)
		if c.op == opUpload && cap(c.data) <= maxPooled {
			select {
			case d.pool <- c.data:
			default:
			}
		}
	case opDownload:
		if len(c.data) > 0 {
			w.download(c.data, c.a, c.aOff)
		}
		res.err = w.takeErr()
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
		w.fence()
		res.err = w.takeErr()
	case opCall:
		res.err = c.fn()
	case opTimerBegin:
		w.beginTimer()
	case opTimerEnd:
		res.ns = w.endTimer()
		res.err = w.takeErr()
	case opClose:
		w.fence()
		res.err = w.takeErr()
		w.close()
		stop = true
	}
	return res, reply, stop
}

// maxPooled is the largest Upload staging slice kept for reuse, and the
// size from which Upload skips staging and waits instead.
const maxPooled = 1 << 18

// send enqueues a command, after the held one if any.
func (d *Device) send(c *command) {
	d.flush()
	d.cmds <- *c
}

// onThread runs fn on the context's thread, after every queued op, and
// returns its error.
func (d *Device) onThread(fn func() error) error {
	return d.call(&command{op: opCall, fn: fn}).err
}

// call enqueues a command and waits for its result.
func (d *Device) call(c *command) result {
	d.send(c)
	return <-d.res
}
