package gl

import "math"

// The device's record of the GL calls that matter for memory ordering:
// dispatches with the buffer ranges they bind (and which of those they
// write), glMemoryBarrier with its bits, and the buffer commands that read
// or write buffer storage outside shaders. Tests switch it on (worker.trace)
// and check the ordering rules of doc.go on what a real workload issued;
// when it is off it costs one nil check per call. This file needs no cgo.

// The glMemoryBarrier bits the device issues (GL's values).
const (
	barrierBufferUpdate  = 0x00000200 // GL_BUFFER_UPDATE_BARRIER_BIT
	barrierShaderStorage = 0x00002000 // GL_SHADER_STORAGE_BARRIER_BIT
)

// span is the byte range [off, end) of buffer object name.
type span struct {
	name     uint32
	off, end int
}

// wholeBuffer is the end of a span that runs to the end of its buffer.
const wholeBuffer = math.MaxInt

// anyBuffer, as a span's name, stands for every buffer (GL never names a
// buffer 0).
const anyBuffer = 0

// overlaps reports whether a and b share a byte of one buffer.
func (a span) overlaps(b span) bool {
	return (a.name == b.name || a.name == anyBuffer || b.name == anyBuffer) && a.off < b.end && b.off < a.end
}

// access is a span a dispatch binds, and whether the dispatch may write it
// (a written binding may be read too), or only updates it with atomic
// operations (which need no order among themselves).
type access struct {
	span
	write  bool
	atomic bool // write is set too
}

// eventKind says what a traced GL call did.
type eventKind uint8

const (
	evDispatch eventKind = iota // glDispatchCompute: prog, acc (every binding)
	evBarrier                   // glMemoryBarrier: bits
	evRead                      // glGetNamedBufferSubData, a copy's source: acc[0]
	evWrite                     // glNamedBufferSubData, glClearNamedBuffer(Sub)Data, a copy's destination: acc[0]
	evDelete                    // glDeleteBuffers: acc[0].name; the name may come back for a new buffer
)

func (k eventKind) String() string {
	switch k {
	case evDispatch:
		return "dispatch"
	case evBarrier:
		return "barrier"
	case evRead:
		return "read"
	case evWrite:
		return "write"
	case evDelete:
		return "delete"
	}
	return "event?"
}

// event is one traced GL call. acc belongs to the caller only for the
// duration of the trace function: a recorder copies it.
type event struct {
	kind eventKind
	prog progKey
	bits uint32
	acc  []access
}
