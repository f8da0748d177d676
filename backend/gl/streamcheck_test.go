package gl

// The ordering rules of doc.go ("Synchronisation"), checked on a recorded
// command stream. This file needs no cgo: the checker is tested here on
// made-up streams, and stream_test.go runs it on what the device issued.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkStream returns every pair of GL calls in evs that the rules say
// must be ordered by a memory barrier and are not:
//
//   - dispatch → dispatch: when a later dispatch reads or writes bytes an
//     earlier one wrote, or writes bytes an earlier one read, a
//     GL_SHADER_STORAGE_BARRIER_BIT barrier must lie between them (unless
//     both only update those bytes with atomic functions);
//   - dispatch → buffer command: when a read-back or a buffer write (upload,
//     clear, copy) touches bytes a dispatch wrote, a
//     GL_BUFFER_UPDATE_BARRIER_BIT barrier must lie between them.
//
// A deleted buffer's history is forgotten (its name may return for a new
// buffer). It is deliberately the plain quadratic reading of the rules,
// independent of how the device decides where barriers go.
func checkStream(evs []event) []string {
	var bad []string
	specs := progSpecs()
	prog := func(id progKey) string { return specs[id].file + " (" + specs[id].variant() + ")" }
	storage := make([]int, len(evs)+1) // storage barriers before event i
	update := make([]int, len(evs)+1)
	for i, e := range evs {
		storage[i+1], update[i+1] = storage[i], update[i]
		if e.kind == evBarrier {
			if e.bits&barrierShaderStorage != 0 {
				storage[i+1]++
			}
			if e.bits&barrierBufferUpdate != 0 {
				update[i+1]++
			}
		}
	}
	deletedAfter := func(name uint32, i, j int) bool {
		for k := i + 1; k < j; k++ {
			if evs[k].kind == evDelete && evs[k].acc[0].name == name {
				return true
			}
		}
		return false
	}
	for j, later := range evs {
		if later.kind != evDispatch && later.kind != evRead && later.kind != evWrite {
			continue
		}
		for i := 0; i < j; i++ {
			earlier := evs[i]
			if earlier.kind != evDispatch {
				continue
			}
			for _, a := range earlier.acc {
				for _, b := range later.acc {
					if !a.overlaps(b.span) || deletedAfter(a.name, i, j) {
						continue
					}
					switch {
					case later.kind == evDispatch && (a.write || b.write) && !(a.atomic && b.atomic) && storage[j] == storage[i+1]:
						bad = append(bad, fmt.Sprintf("event %d, a dispatch of %s, %s bytes [%d, %d) of buffer %d that event %d, %s, %s, with no GL_SHADER_STORAGE_BARRIER_BIT between",
							j, prog(later.prog), verb(b.write), b.off, b.end, b.name, i, prog(earlier.prog), verbPast(a.write)))
					case later.kind != evDispatch && a.write && update[j] == update[i+1]:
						bad = append(bad, fmt.Sprintf("event %d, a buffer %s, touches bytes [%d, %d) of buffer %d that event %d, a dispatch of %s, wrote, with no GL_BUFFER_UPDATE_BARRIER_BIT between",
							j, later.kind, b.off, b.end, b.name, i, prog(earlier.prog)))
					}
				}
			}
		}
	}
	return bad
}

func verb(write bool) string {
	if write {
		return "writes"
	}
	return "reads"
}

func verbPast(write bool) string {
	if write {
		return "wrote"
	}
	return "read"
}

// streamCounts counts the dispatches and each kind of barrier in evs.
func streamCounts(evs []event) (dispatches, storage, update int) {
	for _, e := range evs {
		switch {
		case e.kind == evDispatch:
			dispatches++
		case e.kind == evBarrier:
			if e.bits&barrierShaderStorage != 0 {
				storage++
			}
			if e.bits&barrierBufferUpdate != 0 {
				update++
			}
		}
	}
	return
}

// Helpers for made-up streams: buffer 1 bytes [off, end).
func rd(off, end int) access { return access{span: span{1, off, end}} }
func wr(off, end int) access { return access{span: span{1, off, end}, write: true} }
func disp(acc ...access) event {
	return event{kind: evDispatch, acc: acc}
}
func barrier(bits uint32) event { return event{kind: evBarrier, bits: bits} }

func TestCheckStream(t *testing.T) {
	cases := []struct {
		name string
		evs  []event
		bad  int
	}{
		{"read after write", []event{disp(wr(0, 8)), disp(rd(4, 12))}, 1},
		{"read after write, barrier", []event{disp(wr(0, 8)), barrier(barrierShaderStorage), disp(rd(4, 12))}, 0},
		{"read after write, wrong barrier", []event{disp(wr(0, 8)), barrier(barrierBufferUpdate), disp(rd(0, 8))}, 1},
		{"write after write", []event{disp(wr(0, 8)), disp(wr(0, 8))}, 1},
		{"write after read", []event{disp(rd(0, 8)), disp(wr(0, 8))}, 1},
		{"read after read", []event{disp(rd(0, 8)), disp(rd(0, 8))}, 0},
		{"disjoint ranges", []event{disp(wr(0, 8)), disp(wr(8, 16), rd(16, 32))}, 0},
		{"other buffer", []event{disp(wr(0, 8)), disp(access{span: span{2, 0, 8}})}, 0},
		{"download after write", []event{disp(wr(0, 8)), {kind: evRead, acc: []access{rd(0, 4)}}}, 1},
		{"download after write, barrier", []event{disp(wr(0, 8)), barrier(barrierBufferUpdate), {kind: evRead, acc: []access{rd(0, 4)}}}, 0},
		{"upload after write", []event{disp(wr(0, 8)), barrier(barrierShaderStorage), {kind: evWrite, acc: []access{wr(0, 4)}}}, 1},
		{"upload after read", []event{disp(rd(0, 8)), {kind: evWrite, acc: []access{wr(0, 4)}}}, 0},
		{"dispatch after upload", []event{{kind: evWrite, acc: []access{wr(0, 4)}}, disp(rd(0, 8))}, 0},
		{"deleted in between", []event{disp(wr(0, 8)), {kind: evDelete, acc: []access{{span: span{name: 1}}}}, disp(rd(0, 8))}, 0},
		{"atomic updates", []event{disp(access{span: span{1, 0, 4}, write: true, atomic: true}), disp(access{span: span{1, 0, 4}, write: true, atomic: true})}, 0},
		{"read after atomic update", []event{disp(access{span: span{1, 0, 4}, write: true, atomic: true}), disp(rd(0, 4))}, 1},
		{"barrier before, not between", []event{barrier(barrierShaderStorage), disp(wr(0, 8)), disp(rd(0, 8))}, 1},
	}
	for _, c := range cases {
		if got := checkStream(c.evs); len(got) != c.bad {
			t.Errorf("%s: %d violations, want %d: %q", c.name, len(got), c.bad, got)
		}
	}
}

// TestHazards checks the device's barrier bookkeeping against checkStream:
// on random streams of dispatches and buffer commands, placing barriers
// where hazards says leaves nothing for checkStream to find, and hazards
// asks for no barrier where none of the rules needs one.
func TestHazards(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	rnd := func() access {
		off := 4 * r.IntN(8)
		return access{span: span{uint32(1 + r.IntN(2)), off, off + 4*(1+r.IntN(4))}, write: r.IntN(3) == 0}
	}
	for trial := 0; trial < 200; trial++ {
		var evs []event
		var unbarriered, unflushed hazards
		needless := 0
		for step := 0; step < 30; step++ {
			if r.IntN(4) == 0 { // a buffer command
				a := rnd()
				kind := evRead
				if a.write {
					kind = evWrite
				}
				q := []access{{span: a.span, write: true}}
				if unflushed.conflicts(q) {
					evs = append(evs, barrier(barrierBufferUpdate))
					unflushed.reset()
				}
				evs = append(evs, event{kind: kind, acc: []access{a}})
				continue
			}
			acc := []access{rnd(), rnd(), rnd()}
			if unbarriered.conflicts(acc) || !unbarriered.add(acc) {
				// The barrier must be needed: without it, checkStream
				// would object.
				if len(checkStream(append(slices.Clone(evs), disp(acc...)))) == 0 {
					needless++
				}
				evs = append(evs, barrier(barrierShaderStorage))
				unbarriered.reset()
				unbarriered.add(acc)
			}
			for _, a := range acc {
				if a.write {
					unflushed.add([]access{a})
				}
			}
			evs = append(evs, disp(acc...))
		}
		if bad := checkStream(evs); len(bad) > 0 {
			t.Fatalf("trial %d: %q", trial, bad)
		}
		if needless > 0 {
			t.Fatalf("trial %d: %d barriers that no rule needs", trial, needless)
		}
	}
}
