//go:build cgo

package gl

// The GL resources the context's goroutine owns: the context itself, the
// compiled programs, tensor buffers, the scratch and error-flag buffers,
// fences, and the collection of deferred GL errors.

import (
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/glnn/glnn/backend"
	"github.com/go-gl/gl/v4.5-core/gl"
)

// worker is the state owned by the context's goroutine.
type worker struct {
	ctx      glContext
	specs    map[progKey]progSpec // every program the device may build
	progs    map[progKey]*program // those built so far
	buffers  map[uint32]struct{}  // live tensor buffers, freed at Close
	scratch  uint32
	scratchN int // floats
	errFlag  uint32
	gathered bool // a Gather ran since the error flag was last read
	// unbarriered: what dispatches accessed since the last
	// GL_SHADER_STORAGE_BARRIER_BIT; unflushed: what they wrote since the
	// last GL_BUFFER_UPDATE_BARRIER_BIT.
	unbarriered, unflushed hazards
	trace                  func(event) // tests: told of every GL call that orders memory
	timer                  [3]uint32   // Timed's queries (time elapsed, two timestamps), made on first use
	debug                  *debugLog
	debugKey               uintptr
	err                    error // first deferred error

	// Faults (faults.go): fault, once set, makes the device unusable.
	fault      error
	faultSeen  bool          // fault was reported
	resetQuery bool          // glGetGraphicsResetStatus is there to call
	timeout    time.Duration // bound on a fence (0: none)
	inject     injected      // tests: faults for the driver to report
}

func (w *worker) open(s settings, info *backend.Info, lim *limits) (err error) {
	debug := s.debug
	ctx, err := openContext(s)
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
	rule, err := checkVersion(int(major), int(minor), hasGLExtension)
	if err != nil {
		return fmt.Errorf("%s, %s: %w", renderer, version, err)
	}
	// glGetGraphicsResetStatus is core in 4.5 and comes with
	// GL_KHR_robustness (GL_ARB_robustness names it …ARB).
	w.resetQuery = major > 4 || major == 4 && minor >= 5 || hasGLExtension("GL_KHR_robustness")
	lower := strings.ToLower(renderer)
	soft := false
	for _, s := range []string{"llvmpipe", "softpipe", "swrast", "swiftshader"} {
		soft = soft || strings.Contains(lower, s)
	}
	notes := ctx.notes()
	if major == 4 && minor < 5 {
		notes = append(notes, rule)
	}
	var strategy int32
	gl.GetIntegerv(gl.RESET_NOTIFICATION_STRATEGY, &strategy)
	if strategy != gl.LOSE_CONTEXT_ON_RESET {
		notes = append(notes, "no lose-context-on-reset context: a GPU reset may go unreported")
	}
	*info = backend.Info{
		Backend:  "gl",
		Name:     "gl: " + renderer,
		Vendor:   vendor,
		Renderer: renderer,
		Version:  version,
		Context:  ctx.kind(),
		Software: soft,
		Notes:    notes,
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
	info.MaxOpBytes = lim.maxSSBO
	w.specs = progSpecs()
	w.progs = map[progKey]*program{}
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
	for _, p := range w.progs {
		gl.DeleteProgram(p.id)
	}
	w.progs = nil
	if w.scratch != 0 {
		gl.DeleteBuffers(1, &w.scratch)
	}
	if w.timer[0] != 0 {
		gl.DeleteQueries(int32(len(w.timer)), &w.timer[0])
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

// ensureScratch returns the scratch buffer, grown to hold n floats. The
// old one is deleted; GL keeps it alive for dispatches still using it.
func (w *worker) ensureScratch(n int) uint32 {
	if n <= w.scratchN && w.scratch != 0 {
		return w.scratch
	}
	n = max(n, 2*w.scratchN, 1024)
	if w.scratch != 0 {
		w.deleteBuffer(w.scratch)
	}
	gl.CreateBuffers(1, &w.scratch)
	gl.NamedBufferStorage(w.scratch, 4*n, nil, 0)
	w.scratchN = n
	return w.scratch
}

// alloc makes a zeroed buffer of n bytes. GL_OUT_OF_MEMORY from it is an
// error, and the device stays usable.
func (w *worker) alloc(n int) (uint32, error) {
	if w.fault == nil {
		w.collectGLErrors("Alloc") // so that the check below sees only this allocation
		w.checkReset("Alloc")
	}
	if w.fault != nil {
		return 0, w.faultErr("Alloc")
	}
	var name uint32
	gl.CreateBuffers(1, &name)
	gl.NamedBufferStorage(name, n, nil, gl.DYNAMIC_STORAGE_BIT)
	// A freshly created buffer: no shader wrote it, no barrier needed.
	w.note(evWrite, name, 0, n)
	gl.ClearNamedBufferData(name, gl.R32F, gl.RED, gl.FLOAT, nil)
	if e := gl.GetError(); e != gl.NO_ERROR {
		gl.DeleteBuffers(1, &name)
		return 0, fmt.Errorf("OpenGL error %s", glErrorName(e))
	}
	w.buffers[name] = struct{}{}
	return name, nil
}

// collectGLErrors turns pending GL errors and debug messages into the
// deferred error, or into a fault (met in op) for those that leave the
// device unusable.
func (w *worker) collectGLErrors(op string) {
	if w.debug != nil { // first: the debug messages say more than glGetError
		for _, m := range w.debug.take() {
			w.fail(fmt.Errorf("OpenGL debug output: %s", m))
		}
	}
	for i := 0; i < 16; i++ {
		e := w.glGetError()
		if e == gl.NO_ERROR {
			break
		}
		if !w.glErrorFault(op, e) {
			w.fail(fmt.Errorf("OpenGL error %s", glErrorName(e)))
		}
	}
}

// takeErr collects pending errors and checks for a GPU reset, for op (a
// call that waited for the queue), and returns the fault, or the first
// deferred error, clearing it.
func (w *worker) takeErr(op string) error {
	if w.fault == nil {
		w.collectGLErrors(op)
		w.checkReset(op)
	}
	if w.fault != nil {
		w.err, w.gathered = nil, false
		return w.faultErr(op)
	}
	if w.gathered {
		w.gathered = false
		var flag uint32
		w.bufferCommand(evRead, w.errFlag, 0, 4)
		gl.GetNamedBufferSubData(w.errFlag, 0, 4, unsafe.Pointer(&flag))
		if flag != 0 {
			w.fail(backend.ErrBadIndex)
			w.bufferCommand(evWrite, w.errFlag, 0, 4)
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

// hasGLExtension reports whether the current context lists ext in
// GL_EXTENSIONS.
func hasGLExtension(ext string) bool {
	var n int32
	gl.GetIntegerv(gl.NUM_EXTENSIONS, &n)
	for i := range uint32(max(n, 0)) {
		if p := gl.GetStringi(gl.EXTENSIONS, i); p != nil && gl.GoStr(p) == ext {
			return true
		}
	}
	return false
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
