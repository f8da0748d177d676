//go:build cgo

package gl

import (
	"time"

	"github.com/go-gl/gl/v4.5-core/gl"
)

// Timed runs f, which calls ops on d, and measures them: gpu is the time
// the GL implementation took to execute every command those ops issued,
// from a GL_TIME_ELAPSED query around them (glBeginQuery before the first,
// glEndQuery after the last), and wall the time from Timed's call until
// their results were available. Timed waits for the ops, like Sync, and
// returns the first deferred error as Sync would.
//
// GL_TIMESTAMP counters (glQueryCounter) are recorded around the same
// commands, and gpu is the larger of the two measures of that span: they
// agree on GPUs, but llvmpipe leaves compute work out of time-elapsed
// queries (it reports 1 ns) and counts it in timestamps.
//
// gpu leaves out what wall counts on top of it: enqueueing and the
// context thread's work (binding, uniforms), driver overhead per dispatch,
// and the wait for the result. On a GPU it is the device's own time; on a
// software renderer such as llvmpipe, the time its threads spent running
// the commands. Use it to time kernels without the per-op overhead, and
// wall to time what a caller sees:
//
//	gpu, wall, err := dev.Timed(func() {
//		dev.MatMul(c, a, b, backend.NoTrans, backend.NoTrans)
//	})
//
// f runs on the calling goroutine and must not call Timed (GL has one
// time-elapsed query active at a time). Like every op, Timed is for one
// goroutine at a time; on a closed device it returns an error wrapping
// backend.ErrClosed.
func (d *Device) Timed(f func()) (gpu, wall time.Duration, err error) {
	if err := d.tr.CheckOpen("Timed"); err != nil {
		return 0, 0, err
	}
	if err := d.tr.Sync(); err != nil { // checks the device and enters an op
		return 0, 0, err
	}
	start := time.Now()
	d.send(&command{op: opTimerBegin})
	d.tr.Exit()
	ended := false
	defer func() {
		if !ended { // f panicked: end the query, so that the next Timed works
			d.send(&command{op: opTimerEnd})
			d.wait(opTimerEnd)
		}
	}()
	f()
	if err := d.tr.Sync(); err != nil {
		ended = true
		return 0, 0, err
	}
	defer d.tr.Exit()
	r := d.call(&command{op: opTimerEnd})
	ended = true
	return time.Duration(r.ns), time.Since(start), r.err
}

// beginTimer records a timestamp and starts the device's GL_TIME_ELAPSED
// query.
func (w *worker) beginTimer() {
	if w.timer[0] == 0 {
		gl.GenQueries(int32(len(w.timer)), &w.timer[0])
	}
	gl.QueryCounter(w.timer[1], gl.TIMESTAMP)
	gl.BeginQuery(gl.TIME_ELAPSED, w.timer[0])
}

// endTimer ends the query, records a second timestamp and returns, once
// the commands between have run, the larger of the elapsed time and the
// timestamps' difference, in nanoseconds.
func (w *worker) endTimer() uint64 {
	gl.EndQuery(gl.TIME_ELAPSED)
	gl.QueryCounter(w.timer[2], gl.TIMESTAMP)
	var elapsed, t0, t1 uint64
	gl.GetQueryObjectui64v(w.timer[0], gl.QUERY_RESULT, &elapsed)
	gl.GetQueryObjectui64v(w.timer[1], gl.QUERY_RESULT, &t0)
	gl.GetQueryObjectui64v(w.timer[2], gl.QUERY_RESULT, &t1)
	if t1 > t0 {
		return max(elapsed, t1-t0)
	}
	return elapsed
}
