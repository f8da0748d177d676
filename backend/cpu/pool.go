package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// task is one parallel-for body: run processes the items [lo, hi) on
// worker w (0 ≤ w < pool.workers). Every worker index is used by one
// goroutine at a time, so a task may keep per-worker scratch indexed by w.
//
// Ops keep their task descriptors in the Device and pass pointers to them,
// so dispatching work converts a pointer to an interface and allocates
// nothing.
type task interface {
	run(w, lo, hi int)
}

// pool is a fixed set of workers that run parallel-for loops: the calling
// goroutine is worker 0 and workers-1 persistent helper goroutines are the
// others. Items are handed out in chunks through an atomic counter, so a
// worker that starts late (or is descheduled) simply takes fewer chunks.
//
// A helper that has finished a loop keeps polling for the next one for
// helperSpin, yielding its processor between polls, before it parks on a
// channel: waking a parked goroutine (and the idle CPU under it) takes
// from microseconds to tens of them, as long as a whole small GEMM, while
// a polling helper joins a loop at once. The caller likewise polls for the
// helpers to finish instead of blocking.
//
// A pool runs one loop at a time; the Device that owns it is used from one
// goroutine at a time, which is what makes that so.
type pool struct {
	workers int
	helpers []helper
	wg      sync.WaitGroup // helper goroutines still running
	once    sync.Once

	// The loop being run. Written by the caller before it hands the loop
	// to the helpers (the atomic state change orders the writes before
	// their reads).
	t       task
	n       int
	grain   int
	next    atomic.Int64 // next chunk index to hand out
	pending atomic.Int32 // helpers that have not finished the loop
}

var gosched = false

// helperSpin is how long an idle helper polls for work before it parks.
const helperSpin = 200 * time.Microsecond

// States of a helper.
const (
	helperIdle   int32 = iota // polling for work
	helperParked              // blocked on wake
	helperWork                // handed a loop, not yet started on it
	helperStop                // told to exit
)

// helper is the hand-off point between the caller and one helper
// goroutine.
type helper struct {
	state atomic.Int32
	wake  chan struct{} // buffered; one value wakes a parked helper
	_     [64]byte      // keep helpers' states on separate cache lines
}

// newPool starts workers-1 helper goroutines.
func newPool(workers int) *pool {
	if workers < 1 {
		workers = 1
	}
	p := &pool{workers: workers}
	p.helpers = make([]helper, workers-1)
	for i := range p.helpers {
		p.helpers[i].wake = make(chan struct{}, 1)
		p.wg.Add(1)
		go p.helper(i+1, &p.helpers[i])
	}
	return p
}

func (p *pool) helper(w int, h *helper) {
	defer p.wg.Done()
	for h.await() {
		p.drain(w)
		p.pending.Add(-1)
	}
}

// await waits until the helper is handed a loop (true) or stopped (false).
//
// It first yields the processor once: a helper woken from parking runs on
// the processor of the caller that woke it, and the caller may be queued
// behind it. It then polls without yielding, so that the helper keeps a
// processor of its own (and the operating system keeps that CPU awake)
// and joins the next loop at once.
func (h *helper) await() bool {
	runtime.Gosched()
	start := time.Now()
	for i := 0; ; i++ {
		switch h.state.Load() {
		case helperWork:
			h.state.Store(helperIdle)
			return true
		case helperStop:
			return false
		}
		if i%256 == 255 && time.Since(start) > helperSpin && h.state.CompareAndSwap(helperIdle, helperParked) {
			<-h.wake // the state is now helperWork or helperStop
		}
	}
}

// signal sets the helper's state to s and wakes it if it was parked,
// which it reports.
func (h *helper) signal(s int32) bool {
	if h.state.Swap(s) == helperParked {
		h.wake <- struct{}{}
		return true
	}
	return false
}

// stop ends the helper goroutines and waits for them. It is idempotent.
func (p *pool) stop() {
	p.once.Do(func() {
		for i := range p.helpers {
			p.helpers[i].signal(helperStop)
		}
		p.wg.Wait()
	})
}

// drain runs chunks of the current loop until none is left.
func (p *pool) drain(w int) {
	for {
		c := int(p.next.Add(1) - 1)
		lo := c * p.grain
		if lo >= p.n {
			return
		}
		p.t.run(w, lo, min(lo+p.grain, p.n))
	}
}

// parallelFor runs t over the items [0, n) in chunks of grain items, on
// as many workers as there are chunks (at most p.workers). With a single
// chunk it runs t inline on the caller. It returns when every chunk is done.
func (p *pool) parallelFor(t task, n, grain int) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := (n + grain - 1) / grain
	helpers := min(p.workers, chunks) - 1
	if helpers <= 0 {
		t.run(0, 0, n)
		return
	}
	p.t, p.n, p.grain = t, n, grain
	p.next.Store(0)
	p.pending.Store(int32(helpers))
	woke := false
	for i := 0; i < helpers; i++ {
		woke = p.helpers[i].signal(helperWork) || woke
	}
	if woke && gosched {
		// A woken goroutine waits in this processor's run queue, where
		// an idle processor is slow to take it from: yield this one to
		// it instead, and let the idle processor, which the wake-up
		// started, pick up the caller from the global queue.
		runtime.Gosched()
	}
	// Deferred so that the pool is idle again even if the caller's share
	// panics.
	defer p.wait()
	p.drain(0)
}

// wait waits for the helpers handed the current loop, yielding the
// processor between polls (a helper may need it to run).
func (p *pool) wait() {
	for p.pending.Load() != 0 {
		runtime.Gosched()
	}
	p.t = nil // do not keep the task's owner reachable
}

// grainFor returns a chunk size that splits n items into at most one chunk
// per worker, with at least minItems items per chunk (so small loops run
// inline).
func (p *pool) grainFor(n, minItems int) int {
	if minItems < 1 {
		minItems = 1
	}
	chunks := min(p.workers, n/minItems)
	if chunks <= 1 {
		return max(n, 1)
	}
	return (n + chunks - 1) / chunks
}
