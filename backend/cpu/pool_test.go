package cpu

import (
	"sync/atomic"
	"testing"
)

// visitTask counts how often each item is visited and records the largest
// worker index seen.
type visitTask struct {
	hits    []atomic.Int32
	workers int
	bad     atomic.Bool
}

func (v *visitTask) run(w, lo, hi int) {
	if w < 0 || w >= v.workers || lo >= hi {
		v.bad.Store(true)
	}
	for i := lo; i < hi; i++ {
		v.hits[i].Add(1)
	}
}

func TestPool(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 8} {
		p := newPool(workers)
		for _, n := range []int{0, 1, 2, 7, 100, 1001} {
			for _, minItems := range []int{1, 3, 64, 5000} {
				grain := p.grainFor(n, minItems)
				if n > 0 && (n+grain-1)/grain > workers {
					t.Errorf("workers=%d grainFor(%d, %d) = %d: more chunks than workers", workers, n, minItems, grain)
				}
				v := &visitTask{hits: make([]atomic.Int32, n), workers: workers}
				for rep := 0; rep < 3; rep++ {
					p.parallelFor(v, n, grain)
				}
				for i := range v.hits {
					if got := v.hits[i].Load(); got != 3 {
						t.Fatalf("workers=%d n=%d grain=%d: item %d visited %d times in 3 loops", workers, n, grain, i, got)
					}
				}
				if v.bad.Load() {
					t.Errorf("workers=%d n=%d grain=%d: bad worker index or empty range", workers, n, grain)
				}
			}
		}
		p.stop()
		p.stop() // idempotent
	}
}

// TestPoolCallerPanic checks that a panic in the caller's share of a loop
// leaves the pool usable.
func TestPoolCallerPanic(t *testing.T) {
	p := newPool(3)
	defer p.stop()
	func() {
		defer func() { recover() }()
		p.parallelFor(panicTask{}, 3, 1)
	}()
	v := &visitTask{hits: make([]atomic.Int32, 10), workers: 3}
	p.parallelFor(v, 10, 1)
	for i := range v.hits {
		if v.hits[i].Load() != 1 {
			t.Fatalf("item %d visited %d times after a panicking loop", i, v.hits[i].Load())
		}
	}
}

type panicTask struct{}

func (panicTask) run(w, lo, hi int) {
	if w == 0 {
		panic("boom")
	}
}
