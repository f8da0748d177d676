package gl

// hazards is the set of buffer ranges that dispatches have accessed since a
// point in the command stream (the last barrier of some kind), used to
// decide whether the next GL call must wait behind a memory barrier. It
// holds a bounded number of accesses and allocates nothing; once full it
// says so, and the caller issues the barrier early. See doc.go,
// "Synchronisation", for the rules it implements. It needs no cgo.
type hazards struct {
	n   int
	acc [maxHazards]access
}

// maxHazards bounds the accesses remembered between barriers: a training
// step has at most a few dispatches of at most 8 bindings between two of
// them.
const maxHazards = 64

// conflicts reports whether accesses acc, by a later GL call, must be
// ordered after the recorded ones: they overlap one, and one of the two
// writes (two atomic updates of the same word need no order).
func (h *hazards) conflicts(acc []access) bool {
	for _, b := range acc {
		for _, a := range h.acc[:h.n] {
			if a.overlaps(b.span) && (a.write || b.write) && !(a.atomic && b.atomic) {
				return true
			}
		}
	}
	return false
}

// add records acc, or returns false (recording nothing) when there is no
// room.
func (h *hazards) add(acc []access) bool {
	if h.n+len(acc) > len(h.acc) {
		return false
	}
	h.n += copy(h.acc[h.n:], acc)
	return true
}

// reset forgets every access: a barrier ordered them.
func (h *hazards) reset() { h.n = 0 }

// forget drops the accesses to buffer name, which was deleted (the name
// may come back for a new buffer, which nothing has accessed).
func (h *hazards) forget(name uint32) {
	k := 0
	for _, a := range h.acc[:h.n] {
		if a.name != name {
			h.acc[k] = a
			k++
		}
	}
	h.n = k
}
