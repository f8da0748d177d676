//go:build cgo

package gl

// Device faults, seen by the context's goroutine: a lost context (a GPU
// reset), GL_OUT_OF_MEMORY outside Alloc, and a fence that does not
// signal in time. Each leaves the device unusable: the fault is kept, the
// worker stops issuing GL commands, and every later Sync, Download, Alloc
// and Timed reports it (backend.ErrDeviceLost). The caller's side of the
// time limit, for a driver call that never returns, is in queue.go.

import (
	"fmt"
	"time"

	"github.com/glnn/glnn/backend"
	"github.com/go-gl/gl/v4.5-core/gl"
)

// injected are faults a test makes the driver report (the debug switch of
// the fault tests): the real detection code then handles them.
type injected struct {
	glError   uint32        // returned once by the next glGetError
	reset     uint32        // returned by glGetGraphicsResetStatus from now on
	slowFence bool          // fences never signal: glClientWaitSync times out
	stall     time.Duration // the next fence first blocks this long, as a driver call that does not return
}

// faulted records a fault met in op; the first one stays.
func (w *worker) faulted(op, format string, args ...any) {
	if w.fault == nil {
		w.fault = fmt.Errorf("%s: %s; %w", op, fmt.Sprintf(format, args...), backend.ErrDeviceLost)
		w.faultSeen = false
	}
}

// faultErr is the error op reports on a faulted device: the fault itself
// the first time, then a reminder of it.
func (w *worker) faultErr(op string) error {
	if !w.faultSeen {
		w.faultSeen = true
		return fmt.Errorf("gl: %w", w.fault)
	}
	return fmt.Errorf("gl: %s: after an earlier fault: %w", op, w.fault)
}

// glGetError is glGetError, or a test's injected error.
func (w *worker) glGetError() uint32 {
	if e := w.inject.glError; e != 0 {
		w.inject.glError = 0
		return e
	}
	return gl.GetError()
}

// checkReset faults the device, in op, when the driver reports that the
// GPU was reset (glGetGraphicsResetStatus, where the context offers it;
// a context asked for with lose-context-on-reset reports every reset).
func (w *worker) checkReset(op string) {
	s := w.inject.reset
	if s == 0 && w.resetQuery {
		s = gl.GetGraphicsResetStatus()
	}
	if s != gl.NO_ERROR {
		w.faulted(op, "the GPU was reset and the OpenGL context lost (%s): results since the last Sync are gone", resetName(s))
	}
}

// glErrorFault turns the GL errors that leave the device unusable into a
// fault, and reports whether e was one.
func (w *worker) glErrorFault(op string, e uint32) bool {
	switch e {
	case gl.OUT_OF_MEMORY:
		// After GL_OUT_OF_MEMORY the state of GL is undefined.
		w.faulted(op, "the GPU ran out of memory while running queued ops (GL_OUT_OF_MEMORY), after which OpenGL's state is undefined: use a smaller model or batch")
	case gl.CONTEXT_LOST:
		w.checkReset(op)
		w.faulted(op, "the OpenGL context was lost (GL_CONTEXT_LOST)")
	default:
		return false
	}
	return true
}

// fence waits until the GPU has finished every command issued so far, for
// at most the device's time limit; past it the device is faulted in op.
// It checks for a GPU reset while it waits.
func (w *worker) fence(op string) {
	if w.fault != nil {
		return
	}
	if d := w.inject.stall; d > 0 {
		w.inject.stall = 0
		time.Sleep(d)
	}
	s := gl.FenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0)
	if s == 0 {
		if e := w.glGetError(); !w.glErrorFault(op, e) {
			w.fail(fmt.Errorf("glFenceSync failed (OpenGL error %s)", glErrorName(e)))
		}
		return
	}
	defer gl.DeleteSync(s)
	start := time.Now()
	for {
		wait := time.Second
		if w.timeout > 0 {
			wait = min(wait, max(w.timeout-time.Since(start), time.Millisecond))
		}
		switch w.clientWaitSync(s, wait) {
		case gl.ALREADY_SIGNALED, gl.CONDITION_SATISFIED:
			return
		case gl.WAIT_FAILED:
			if e := w.glGetError(); !w.glErrorFault(op, e) {
				w.fail(fmt.Errorf("glClientWaitSync failed (OpenGL error %s)", glErrorName(e)))
			}
			return
		}
		if w.checkReset(op); w.fault != nil {
			return
		}
		if w.timeout > 0 && time.Since(start) >= w.timeout {
			w.faulted(op, "the GPU did not finish within %v (glClientWaitSync timed out; Options.Timeout or GLNN_GL_TIMEOUT sets the limit)", w.timeout)
			return
		}
	}
}

// clientWaitSync is glClientWaitSync (flushing), or a test's fence that
// never signals.
func (w *worker) clientWaitSync(s uintptr, wait time.Duration) uint32 {
	if w.inject.slowFence {
		time.Sleep(wait)
		return gl.TIMEOUT_EXPIRED
	}
	return gl.ClientWaitSync(s, gl.SYNC_FLUSH_COMMANDS_BIT, uint64(wait))
}

// skips reports whether a faulted device leaves out command op: every
// command that would issue GL work. Waits report the fault instead;
// Release, Close and test calls still run.
func skips(op opcode) bool {
	switch op {
	case opDispatch, opUpload, opUploadWait, opCopy, opFill, opTimerBegin:
		return true
	}
	return false
}

func resetName(s uint32) string {
	switch s {
	case gl.GUILTY_CONTEXT_RESET:
		return "GL_GUILTY_CONTEXT_RESET: this context's commands caused it"
	case gl.INNOCENT_CONTEXT_RESET:
		return "GL_INNOCENT_CONTEXT_RESET: another context's commands caused it"
	case gl.UNKNOWN_CONTEXT_RESET:
		return "GL_UNKNOWN_CONTEXT_RESET"
	}
	return fmt.Sprintf("reset status 0x%04X", s)
}
