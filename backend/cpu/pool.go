package cpu

import (
	"sync"
	"sync/atomic"
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
// A pool runs one loop at a time; the Device that owns it is used from one
// goroutine at a time, which is what makes that so.
type pool struct {
	workers int
	start   []chan struct{} // start[i] wakes helper i+1
	done    chan struct{}   // each helper sends one value when a loop ends for it
	wg      sync.WaitGroup  // helpers still running
	once    sync.Once

	// The loop being run. Written by the caller before it wakes the
	// helpers (the channel send orders the writes before their reads).
	t     task
	n     int
	grain int
	next  atomic.Int64 // next chunk index to hand out
}

// newPool starts workers-1 helper goroutines.
func newPool(workers int) *pool {
	if workers < 1 {
		workers = 1
	}
	p := &pool{workers: workers, done: make(chan struct{}, workers)}
	p.start = make([]chan struct{}, workers-1)
	for i := range p.start {
		p.start[i] = make(chan struct{}, 1)
		p.wg.Add(1)
		go p.helper(i+1, p.start[i])
	}
	return p
}

func (p *pool) helper(w int, start <-chan struct{}) {
	defer p.wg.Done()
	for range start {
		p.drain(w)
		p.done <- struct{}{}
	}
}

// stop ends the helper goroutines and waits for them. It is idempotent.
func (p *pool) stop() {
	p.once.Do(func() {
		for _, c := range p.start {
			close(c)
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
	for i := 0; i < helpers; i++ {
		p.start[i] <- struct{}{}
	}
	// Deferred so that the pool is idle again even if the caller's share
	// panics.
	defer p.wait(helpers)
	p.drain(0)
}

// wait waits for the helpers woken for the current loop.
func (p *pool) wait(helpers int) {
	for i := 0; i < helpers; i++ {
		<-p.done
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
