//go:build cgo

package gl

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/glnn/glnn/backend"
)

func init() {
	backend.Register("gl", func(o backend.Options) (backend.Device, error) {
		d, err := New(o)
		if err != nil {
			return nil, err
		}
		return d, nil
	})
}

// Device is an OpenGL compute device. It implements backend.Device; see the
// package documentation for how it runs.
type Device struct {
	info   backend.Info
	limits limits
	tr     *backend.Tracker

	cmds chan command   // ops, in order, to the context's goroutine
	res  chan result    // the answer to the one waiting call
	pool chan []float32 // recycled Upload staging slices
	held held           // the last op's command, held back for fusion (caller's side)
	w    worker         // touched only by the context's goroutine
	done chan struct{}  // closed when the context's goroutine ends

	// The caller's side of the time limit (queue.go).
	timeout time.Duration         // the worker's bound on a wait for the GPU (0: none)
	limit   time.Duration         // the caller's bound on one command of the worker (0: none)
	beat    atomic.Int64          // when the worker began its current command (UnixNano); 0 between commands
	hung    atomic.Pointer[stuck] // set once a command outran limit
	timer   *time.Timer           // the caller's, reused
}

// limits are the driver limits the device checks against.
type limits struct {
	maxSSBO   int64  // GL_MAX_SHADER_STORAGE_BLOCK_SIZE, bytes
	align     int    // GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, bytes
	maxGroups uint32 // min(GL_MAX_COMPUTE_WORK_GROUP_COUNT[x], [y])
}

// buffer is the storage behind a Tensor: a GL buffer object.
type buffer struct {
	name uint32
}

// New opens an OpenGL device: it starts the goroutine that owns the
// context, makes the context (opts.Context or GLNN_GL_CONTEXT: "" or
// "auto", "egl", "glfw") and checks the version rule: OpenGL 4.5, or 4.3
// with GL_ARB_direct_state_access and GL_ARB_buffer_storage. Shaders are
// compiled when first needed. Debug contexts are used when opts.Debug is
// set or GLNN_GL_DEBUG=1.
func New(opts backend.Options) (*Device, error) {
	s, err := resolve(opts, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("gl: %w", err)
	}
	d := &Device{
		tr:      backend.NewTracker("gl"),
		cmds:    make(chan command, 512),
		res:     make(chan result, 1),
		pool:    make(chan []float32, 4),
		done:    make(chan struct{}),
		timeout: s.timeout,
		timer:   time.NewTimer(time.Hour),
	}
	d.timer.Stop()
	if s.timeout > 0 {
		d.limit = s.timeout + max(s.timeout, time.Second)
	}
	d.w.timeout = s.timeout
	ready := make(chan error, 1)
	go d.run(s, ready)
	if err := <-ready; err != nil {
		<-d.done
		return nil, fmt.Errorf("gl: %w", err)
	}
	return d, nil
}

// name returns the GL buffer of t; the Tracker's checks have made sure
// that t is a live tensor of this device.
func name(t *backend.Tensor) uint32 { return t.Buffer().(*buffer).name }

// arg returns the binding of t's elements for a shader, panicking if they
// exceed GL_MAX_SHADER_STORAGE_BLOCK_SIZE.
func (d *Device) arg(op string, t *backend.Tensor) binding {
	size := 4 * t.Len()
	if int64(size) > d.limits.maxSSBO {
		panic(fmt.Sprintf("%s: tensor %s (%d MiB) exceeds the %d MiB a shader storage block may hold on %s; only Upload, Download, Copy, Fill and Gather's src accept larger tensors",
			op, t.Shape(), size>>20, d.limits.maxSSBO>>20, d.info.Renderer))
	}
	return binding{name: name(t), off: 4 * t.Offset(), size: size}
}

// Info describes the device.
func (d *Device) Info() backend.Info { return d.info }

// Alloc returns a zeroed rows×cols tensor. It waits for the queue and
// reports GL_OUT_OF_MEMORY as an error. A tensor larger than
// GL_MAX_SHADER_STORAGE_BLOCK_SIZE (128 MiB on llvmpipe; Info().MaxOpBytes)
// can be allocated, but only Upload, Download, Copy, Fill and Gather (as
// src) accept it; other ops panic.
func (d *Device) Alloc(rows, cols int) (*backend.Tensor, error) {
	if err := d.tr.Alloc(rows, cols); err != nil {
		return nil, err
	}
	defer d.tr.Exit()
	bytes := 4 * max(rows*cols, 1) // GL buffers cannot be empty
	r := d.call(&command{op: opAlloc, n: bytes})
	if errors.Is(r.err, backend.ErrDeviceLost) {
		return nil, r.err
	}
	if r.err != nil {
		return nil, fmt.Errorf("gl: Alloc %d×%d (%d bytes): %w", rows, cols, bytes, r.err)
	}
	return d.tr.NewTensor(rows, cols, &buffer{name: r.name}), nil
}

// Upload copies src into dst. src is copied (or, when large, written)
// before Upload returns, so the caller may reuse it at once.
func (d *Device) Upload(dst *backend.Tensor, src []float32) {
	d.tr.Upload(dst, len(src))
	defer d.tr.Exit()
	if len(src) == 0 {
		return
	}
	c := command{op: opUpload, a: name(dst), aOff: 4 * dst.Offset()}
	if len(src) > maxPooled {
		c.op, c.data = opUploadWait, src
		d.call(&c)
		return
	}
	var buf []float32
	select {
	case b := <-d.pool:
		if cap(b) >= len(src) {
			buf = b[:len(src)]
		}
	default:
	}
	if buf == nil {
		buf = make([]float32, len(src))
	}
	copy(buf, src)
	c.data = buf
	d.send(&c)
}

// Download copies src into dst after every queued op, and reports any
// deferred device error.
func (d *Device) Download(dst []float32, src *backend.Tensor) error {
	if err := d.tr.Download(len(dst), src); err != nil {
		return err
	}
	defer d.tr.Exit()
	return d.call(&command{op: opDownload, a: name(src), aOff: 4 * src.Offset(), data: dst}).err
}

// Release frees t's storage. After Close it does nothing.
func (d *Device) Release(t *backend.Tensor) {
	if buf, ok := d.tr.Release(t); ok {
		d.send(&command{op: opRelease, a: buf.(*buffer).name})
	}
}

// LiveBuffers is the number of tensors allocated and not yet released (the
// device's own scratch buffers are not counted); 0 after Close.
func (d *Device) LiveBuffers() int { return d.tr.Live() }

// Sync waits for every queued op (with a fence, for at most the device's
// time limit) and reports the first deferred error: a GL error, a
// debug-output error, a bad Gather row, or a fault that leaves the device
// unusable (backend.ErrDeviceLost: a lost context, GL_OUT_OF_MEMORY, a
// GPU that did not finish in time).
func (d *Device) Sync() error {
	if err := d.tr.Sync(); err != nil {
		return err
	}
	defer d.tr.Exit()
	return d.call(&command{op: opSync}).err
}

// Close drains the queue, frees every buffer and program, destroys the
// context and stops the context's goroutine. It returns the last deferred
// error, or a fault not yet reported; closing twice returns an error
// wrapping backend.ErrClosed. On a device whose driver call did not return
// in time it waits a little longer, then returns an error and leaves the
// context, its buffers and its goroutine to the driver: they are freed if
// the call ever returns.
func (d *Device) Close() error {
	if _, err := d.tr.Close(); err != nil {
		return err
	}
	var err error // a stuck driver call not reported before
	s := d.hung.Load()
	if s == nil {
		r := d.call(&command{op: opClose})
		if s = d.hung.Load(); s == nil {
			<-d.done
			return r.err
		}
		err = r.err
	} else if !s.seen.Load() {
		err = d.hungErr(opClose)
	}
	// Ask the worker to close once the driver returns (the queue may have
	// dropped the Close above), and give it a moment.
	select {
	case d.cmds <- command{op: opClose}:
	default:
	}
	grace := min(d.limit, time.Second)
	select {
	case <-d.done:
		return err
	case <-time.After(grace):
	}
	if err != nil {
		return err
	}
	ran := d.limit + grace
	if start := d.beat.Load(); start != 0 {
		ran = time.Since(time.Unix(0, start))
	}
	return fmt.Errorf("gl: Close: the OpenGL driver has not returned for %v (time limit %v); the device's context, buffers and thread are left to it", ran.Round(time.Millisecond), d.timeout)
}
