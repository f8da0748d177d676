//go:build cgo

package gl

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"github.com/glnn/glnn/backend"
	"github.com/go-gl/gl/v4.5-core/gl"
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
	w    worker         // touched only by the context's goroutine
	done chan struct{}  // closed when the context's goroutine ends
}

// limits are the driver limits the device checks against.
type limits struct {
	maxSSBO   int64  // GL_MAX_SHADER_STORAGE_BLOCK_SIZE, bytes
	align     int    // GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, bytes
	maxGroups uint32 // min(GL_MAX_COMPUTE_WORK_GROUP_COUNT[x], [y])
}

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
	opCall // run fn on the context's thread (tests)
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
	prog    progID
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
	err  error
}

// buffer is the storage behind a Tensor: a GL buffer object.
type buffer struct {
	name uint32
}

// New opens an OpenGL device: it starts the goroutine that owns the
// context, makes the context (opts.Context or GLNN_GL_CONTEXT: "" or
// "auto", "egl", "glfw"), checks for OpenGL ≥ 4.3 and compiles every
// shader. Debug contexts are used when opts.Debug is set or GLNN_GL_DEBUG=1.
func New(opts backend.Options) (*Device, error) {
	sel := opts.Context
	if sel == "" {
		sel = os.Getenv("GLNN_GL_CONTEXT")
	}
	debug := opts.Debug || os.Getenv("GLNN_GL_DEBUG") == "1"
	d := &Device{
		tr:   backend.NewTracker("gl"),
		cmds: make(chan command, 512),
		res:  make(chan result, 1),
		pool: make(chan []float32, 4),
		done: make(chan struct{}),
	}
	ready := make(chan error, 1)
	go d.run(sel, debug, ready)
	if err := <-ready; err != nil {
		<-d.done
		return nil, fmt.Errorf("gl: %w", err)
	}
	return d, nil
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
	reply = c.op == opAlloc || c.op == opDownload || c.op == opSync || c.op == opClose || c.op == opUploadWait || c.op == opCall
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
		w.bufferUpdateBarrier()
		gl.NamedBufferSubData(c.a, c.aOff, 4*len(c.data), unsafe.Pointer(&c.data[0]))
		if c.op == opUpload && cap(c.data) <= maxPooled {
			select {
			case d.pool <- c.data:
			default:
			}
		}
	case opDownload:
		if len(c.data) > 0 {
			w.bufferUpdateBarrier()
			gl.GetNamedBufferSubData(c.a, c.aOff, 4*len(c.data), unsafe.Pointer(&c.data[0]))
		}
		res.err = w.takeErr()
	case opCopy:
		w.bufferUpdateBarrier()
		gl.CopyNamedBufferSubData(c.a, c.b, c.aOff, c.bOff, c.n)
	case opFill:
		w.bufferUpdateBarrier()
		v := c.v
		gl.ClearNamedBufferSubData(c.a, gl.R32F, c.aOff, c.n, gl.RED, gl.FLOAT, unsafe.Pointer(&v))
	case opAlloc:
		res.name, res.err = w.alloc(c.n)
	case opRelease:
		gl.DeleteBuffers(1, &c.a)
		delete(w.buffers, c.a)
	case opSync:
		w.fence()
		res.err = w.takeErr()
	case opCall:
		res.err = c.fn()
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

// send enqueues a command.
func (d *Device) send(c *command) { d.cmds <- *c }

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
// GL_MAX_SHADER_STORAGE_BLOCK_SIZE (128 MiB on llvmpipe) can be allocated,
// but only Upload, Download, Copy, Fill and Gather (as src) accept it;
// other ops panic.
func (d *Device) Alloc(rows, cols int) (*backend.Tensor, error) {
	if err := d.tr.Alloc(rows, cols); err != nil {
		return nil, err
	}
	defer d.tr.Exit()
	bytes := 4 * max(rows*cols, 1) // GL buffers cannot be empty
	r := d.call(&command{op: opAlloc, n: bytes})
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

// Sync waits for every queued op (with a fence) and reports the first
// deferred error: a GL error, a debug-output error, a bad Gather row.
func (d *Device) Sync() error {
	if err := d.tr.Sync(); err != nil {
		return err
	}
	defer d.tr.Exit()
	return d.call(&command{op: opSync}).err
}

// Close drains the queue, frees every buffer and program, destroys the
// context and stops the context's goroutine. It returns the last deferred
// error; closing twice returns an error wrapping backend.ErrClosed.
func (d *Device) Close() error {
	if _, err := d.tr.Close(); err != nil {
		return err
	}
	r := d.call(&command{op: opClose})
	<-d.done
	return r.err
}

// worker is the state owned by the context's goroutine.
type worker struct {
	ctx      glContext
	progs    [numProgs]program
	built    []progID
	buffers  map[uint32]struct{} // live tensor buffers, freed at Close
	scratch  uint32
	scratchN int // floats
	errFlag  uint32
	gathered bool // a Gather ran since the error flag was last read
	dirty    bool // a dispatch wrote since the last GL_BUFFER_UPDATE_BARRIER_BIT
	debug    *debugLog
	debugKey uintptr
	err      error // first deferred error
}

func (w *worker) open(sel string, debug bool, info *backend.Info, lim *limits) (err error) {
	ctx, err := openContext(sel, debug)
	if err != nil {
		return err
	}
	w.ctx = ctx
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	if err := loadGL(ctx); err != nil {
		return err
	}
	var major, minor int32
	gl.GetIntegerv(gl.MAJOR_VERSION, &major)
	gl.GetIntegerv(gl.MINOR_VERSION, &minor)
	version, renderer, vendor := glString(gl.VERSION), glString(gl.RENDERER), glString(gl.VENDOR)
	if version == "" {
		return fmt.Errorf("%s context is not current (no GL_VERSION)", ctx.kind())
	}
	if major < 4 || major == 4 && minor < 3 {
		return fmt.Errorf("OpenGL %d.%d (%q, %s) is too old: compute shaders need 4.3", major, minor, version, renderer)
	}
	lower := strings.ToLower(renderer)
	soft := false
	for _, s := range []string{"llvmpipe", "softpipe", "swrast", "swiftshader"} {
		soft = soft || strings.Contains(lower, s)
	}
	*info = backend.Info{
		Backend:  "gl",
		Name:     "gl: " + renderer,
		Vendor:   vendor,
		Renderer: renderer,
		Version:  version,
		Context:  ctx.kind(),
		Software: soft,
	}
	if debug {
		w.debug = &debugLog{}
		if w.debugKey, err = installDebug(ctx.procAddr, w.debug); err != nil {
			return err
		}
	}
	gl.GetInteger64v(gl.MAX_SHADER_STORAGE_BLOCK_SIZE, &lim.maxSSBO)
	var align int32
	gl.GetIntegerv(gl.SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, &align)
	lim.align = int(max(align, 4))
	var gx, gy int32
	gl.GetIntegeri_v(gl.MAX_COMPUTE_WORK_GROUP_COUNT, 0, &gx)
	gl.GetIntegeri_v(gl.MAX_COMPUTE_WORK_GROUP_COUNT, 1, &gy)
	lim.maxGroups = uint32(min(gx, gy))
	if lim.maxSSBO <= 0 || lim.maxGroups == 0 {
		return fmt.Errorf("%s reports no shader storage or compute limits", renderer)
	}
	for id, spec := range progSpecs() {
		p, err := buildProgram(spec)
		if err != nil {
			return err
		}
		w.progs[id] = p
		w.built = append(w.built, id)
	}
	w.buffers = map[uint32]struct{}{}
	gl.CreateBuffers(1, &w.errFlag)
	gl.NamedBufferStorage(w.errFlag, 4, nil, gl.DYNAMIC_STORAGE_BIT)
	gl.ClearNamedBufferData(w.errFlag, gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT, nil)
	if e := gl.GetError(); e != gl.NO_ERROR {
		return fmt.Errorf("setting up: OpenGL error %s", glErrorName(e))
	}
	return nil
}

// close frees everything and destroys the context.
func (w *worker) close() {
	for name := range w.buffers {
		gl.DeleteBuffers(1, &name)
	}
	w.buffers = nil
	for _, id := range w.built {
		gl.DeleteProgram(w.progs[id].id)
	}
	w.built = nil
	if w.scratch != 0 {
		gl.DeleteBuffers(1, &w.scratch)
	}
	if w.errFlag != 0 {
		gl.DeleteBuffers(1, &w.errFlag)
	}
	if w.debug != nil {
		uninstallDebug(w.debugKey)
	}
	w.ctx.destroy()
}

func (w *worker) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// bufferUpdateBarrier makes shader writes visible to (and ordered before)
// the buffer commands that follow: glNamedBufferSubData,
// glGetNamedBufferSubData, glCopyNamedBufferSubData, glClear*.
func (w *worker) bufferUpdateBarrier() {
	if w.dirty {
		gl.MemoryBarrier(gl.BUFFER_UPDATE_BARRIER_BIT)
		w.dirty = false
	}
}

func (w *worker) dispatch(c *command) {
	p := &w.progs[c.prog]
	gl.UseProgram(p.id)
	for i := 0; i < int(c.nbufs); i++ {
		b := c.bufs[i]
		switch b.name {
		case scratchBuf:
			b.name = w.ensureScratch(int(c.scratch))
		case errFlagBuf:
			b.name = w.errFlag
			w.gathered = true
		}
		if b.size == 0 {
			gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(i), b.name)
		} else {
			gl.BindBufferRange(gl.SHADER_STORAGE_BUFFER, uint32(i), b.name, b.off, b.size)
		}
	}
	for i := 0; i < p.nu; i++ {
		gl.Uniform1ui(p.locU[i], c.u[i])
	}
	for i := 0; i < p.nf; i++ {
		gl.Uniform1f(p.locF[i], c.f[i])
	}
	gl.DispatchCompute(c.groups[0], c.groups[1], c.groups[2])
	// Any later dispatch may read what this one wrote.
	gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT)
	w.dirty = true
}

// ensureScratch returns the scratch buffer, grown to hold n floats. The
// old one is deleted; GL keeps it alive for dispatches still using it.
func (w *worker) ensureScratch(n int) uint32 {
	if n <= w.scratchN && w.scratch != 0 {
		return w.scratch
	}
	n = max(n, 2*w.scratchN, 1024)
	if w.scratch != 0 {
		gl.DeleteBuffers(1, &w.scratch)
	}
	gl.CreateBuffers(1, &w.scratch)
	gl.NamedBufferStorage(w.scratch, 4*n, nil, 0)
	w.scratchN = n
	return w.scratch
}

// alloc makes a zeroed buffer of n bytes.
func (w *worker) alloc(n int) (uint32, error) {
	w.collectGLErrors() // so that the check below sees only this allocation
	var name uint32
	gl.CreateBuffers(1, &name)
	gl.NamedBufferStorage(name, n, nil, gl.DYNAMIC_STORAGE_BIT)
	// A freshly created buffer: no shader wrote it, no barrier needed.
	gl.ClearNamedBufferData(name, gl.R32F, gl.RED, gl.FLOAT, nil)
	if e := gl.GetError(); e != gl.NO_ERROR {
		gl.DeleteBuffers(1, &name)
		return 0, fmt.Errorf("OpenGL error %s", glErrorName(e))
	}
	w.buffers[name] = struct{}{}
	return name, nil
}

// fence waits until the GPU has finished every command issued so far.
func (w *worker) fence() {
	s := gl.FenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0)
	if s == 0 {
		w.fail(fmt.Errorf("glFenceSync failed (OpenGL error %s)", glErrorName(gl.GetError())))
		return
	}
	defer gl.DeleteSync(s)
	for {
		switch gl.ClientWaitSync(s, gl.SYNC_FLUSH_COMMANDS_BIT, 1e9) {
		case gl.ALREADY_SIGNALED, gl.CONDITION_SATISFIED:
			return
		case gl.WAIT_FAILED:
			w.fail(fmt.Errorf("glClientWaitSync failed (OpenGL error %s)", glErrorName(gl.GetError())))
			return
		}
	}
}

// collectGLErrors turns pending GL errors and debug messages into the
// deferred error.
func (w *worker) collectGLErrors() {
	if w.debug != nil { // first: the debug messages say more than glGetError
		for _, m := range w.debug.take() {
			w.fail(fmt.Errorf("OpenGL debug output: %s", m))
		}
	}
	for i := 0; i < 16; i++ {
		e := gl.GetError()
		if e == gl.NO_ERROR {
			break
		}
		w.fail(fmt.Errorf("OpenGL error %s", glErrorName(e)))
	}
}

// takeErr collects pending errors, returns the first one and clears it.
func (w *worker) takeErr() error {
	w.collectGLErrors()
	if w.gathered {
		w.gathered = false
		w.bufferUpdateBarrier()
		var flag uint32
		gl.GetNamedBufferSubData(w.errFlag, 0, 4, unsafe.Pointer(&flag))
		if flag != 0 {
			w.fail(backend.ErrBadIndex)
			gl.ClearNamedBufferData(w.errFlag, gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT, nil)
		}
	}
	err := w.err
	w.err = nil
	if err != nil {
		return fmt.Errorf("gl: %w", err)
	}
	return nil
}

func glString(name uint32) string {
	p := gl.GetString(name)
	if p == nil {
		return ""
	}
	return gl.GoStr(p)
}

func glErrorName(e uint32) string {
	switch e {
	case gl.NO_ERROR:
		return "GL_NO_ERROR"
	case gl.INVALID_ENUM:
		return "GL_INVALID_ENUM"
	case gl.INVALID_VALUE:
		return "GL_INVALID_VALUE"
	case gl.INVALID_OPERATION:
		return "GL_INVALID_OPERATION"
	case gl.INVALID_FRAMEBUFFER_OPERATION:
		return "GL_INVALID_FRAMEBUFFER_OPERATION"
	case gl.OUT_OF_MEMORY:
		return "GL_OUT_OF_MEMORY"
	case gl.STACK_UNDERFLOW:
		return "GL_STACK_UNDERFLOW"
	case gl.STACK_OVERFLOW:
		return "GL_STACK_OVERFLOW"
	case gl.CONTEXT_LOST:
		return "GL_CONTEXT_LOST"
	}
	return fmt.Sprintf("0x%04X", e)
}
