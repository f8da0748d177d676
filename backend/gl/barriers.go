//go:build cgo

package gl

// The GL calls that touch buffer storage, and the memory barriers between
// them (the rules are in doc.go, "Synchronisation"). Every such call goes
// through these methods, which also report it to the trace when a test
// has switched that on.

import (
	"unsafe"

	"github.com/go-gl/gl/v4.5-core/gl"
)

// memoryBarrier issues glMemoryBarrier(bits).
func (w *worker) memoryBarrier(bits uint32) {
	gl.MemoryBarrier(bits)
	if w.trace != nil {
		w.trace(event{kind: evBarrier, bits: bits})
	}
}

// bufferCommand prepares a buffer command (kind evRead or evWrite) on
// bytes [off, off+n) of buffer name: shader writes to those bytes must be
// made visible to it, and ordered before it, with
// GL_BUFFER_UPDATE_BARRIER_BIT.
func (w *worker) bufferCommand(kind eventKind, name uint32, off, n int) {
	a := [1]access{{span: span{name, off, off + n}, write: true}}
	if w.unflushed.conflicts(a[:]) {
		w.memoryBarrier(barrierBufferUpdate)
		w.unflushed.reset()
	}
	w.note(kind, name, off, n)
}

// note reports a buffer command on bytes [off, off+n) of buffer name to
// the trace.
func (w *worker) note(kind eventKind, name uint32, off, n int) {
	if w.trace != nil {
		a := [1]access{{span: span{name, off, off + n}, write: kind == evWrite}}
		w.trace(event{kind: kind, acc: a[:]})
	}
}

// upload writes data into buffer name from byte off.
func (w *worker) upload(name uint32, off int, data []float32) {
	w.bufferCommand(evWrite, name, off, 4*len(data))
	gl.NamedBufferSubData(name, off, 4*len(data), unsafe.Pointer(&data[0]))
}

// download reads buffer name from byte off into data.
func (w *worker) download(data []float32, name uint32, off int) {
	w.bufferCommand(evRead, name, off, 4*len(data))
	gl.GetNamedBufferSubData(name, off, 4*len(data), unsafe.Pointer(&data[0]))
}

// copyBuffer copies n bytes from src at srcOff to dst at dstOff.
func (w *worker) copyBuffer(dst uint32, dstOff int, src uint32, srcOff, n int) {
	w.bufferCommand(evRead, src, srcOff, n)
	w.bufferCommand(evWrite, dst, dstOff, n)
	gl.CopyNamedBufferSubData(src, dst, srcOff, dstOff, n)
}

// fill sets n bytes of buffer name from byte off to the float v.
func (w *worker) fill(name uint32, off, n int, v float32) {
	w.bufferCommand(evWrite, name, off, n)
	gl.ClearNamedBufferSubData(name, gl.R32F, off, n, gl.RED, gl.FLOAT, unsafe.Pointer(&v))
}

// deleteBuffer deletes buffer name. GL keeps its storage until the
// dispatches that use it have run.
func (w *worker) deleteBuffer(name uint32) {
	gl.DeleteBuffers(1, &name)
	w.unbarriered.forget(name)
	w.unflushed.forget(name)
	if w.trace != nil {
		a := [1]access{{span: span{name: name}}}
		w.trace(event{kind: evDelete, acc: a[:]})
	}
}

// dispatch binds a dispatch command's buffers and uniforms and runs it.
func (w *worker) dispatch(c *command) {
	p := w.program(c.prog)
	if p == nil {
		return // the error is reported by the next Sync or Download
	}
	gl.UseProgram(p.id)
	var acc [maxBindings]access
	for i := 0; i < int(c.nbufs); i++ {
		b := c.bufs[i]
		switch b.name {
		case scratchBuf:
			b.name = w.ensureScratch(int(c.scratch))
		case errFlagBuf:
			b.name = w.errFlag
			w.gathered = true
		}
		end := wholeBuffer
		if b.size == 0 {
			gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(i), b.name)
		} else {
			gl.BindBufferRange(gl.SHADER_STORAGE_BUFFER, uint32(i), b.name, b.off, b.size)
			end = b.off + b.size
		}
		bit := uint8(1) << i
		acc[i] = access{span: span{b.name, b.off, end}, write: p.writes&bit != 0, atomic: p.atomics&bit != 0}
	}
	// Wait for the earlier dispatches this one depends on.
	if w.unbarriered.conflicts(acc[:c.nbufs]) || !w.unbarriered.add(acc[:c.nbufs]) {
		w.memoryBarrier(barrierShaderStorage)
		w.unbarriered.reset()
		w.unbarriered.add(acc[:c.nbufs])
	}
	for _, a := range acc[:c.nbufs] {
		if a.write && !w.unflushed.add([]access{a}) {
			// No room: treat every buffer as written (a barrier
			// before the next buffer command of any kind).
			w.unflushed.reset()
			w.unflushed.add([]access{{span: span{name: anyBuffer, end: wholeBuffer}, write: true}})
		}
	}
	for i := 0; i < p.nu; i++ {
		gl.Uniform1ui(p.locU[i], c.u[i])
	}
	for i := 0; i < p.nf; i++ {
		gl.Uniform1f(p.locF[i], c.f[i])
	}
	gl.DispatchCompute(c.groups[0], c.groups[1], c.groups[2])
	if w.trace != nil {
		w.trace(event{kind: evDispatch, prog: c.prog, acc: acc[:c.nbufs]})
	}
}
