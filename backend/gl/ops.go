//go:build cgo

package gl

// Every op validates its arguments with the backend's shared checks (which
// panic with the op name and shapes), then enqueues one or two commands and
// returns. The ops live in files named after their shader families, as in
// package cpu; this file holds what they share.

const localSize = 256 // work-group size of the element-wise shaders

// groups1D is the work-group count for n elements handled by grid-stride
// loops of localSize invocations.
func (d *Device) groups1D(n int) uint32 {
	return d.rowGroups(n, localSize)
}

// rowGroups is the work-group count for rows handled rowsPerGroup at a
// time by a grid-stride loop.
func (d *Device) rowGroups(rows, rowsPerGroup int) uint32 {
	g := (rows + rowsPerGroup - 1) / rowsPerGroup
	return uint32(min(g, int(d.limits.maxGroups), 65535))
}

// dispatch enqueues a program over the given work groups.
func (d *Device) dispatch(prog progKey, groups uint32, bufs []binding, u []uint32, f []float32) {
	c := command{op: opDispatch, prog: prog, nbufs: uint8(len(bufs)), groups: [3]uint32{groups, 1, 1}}
	copy(c.bufs[:], bufs)
	copy(c.u[:], u)
	copy(c.f[:], f)
	d.send(&c)
}

// elementwise enqueues an element-wise program over n elements (of rows
// of cols, for programs that need the column; else cols is 0), passing n
// and cols as its first uniforms. When n and cols are multiples of 4 it
// runs the program's vec4 form, over n/4 vec4s (fewer, wider loads: about
// twice as fast on llvmpipe, whose cost is per load).
func (d *Device) elementwise(prog progKey, n, cols int, bufs []binding, f []float32) {
	if n == 0 {
		return
	}
	if n%4 == 0 && cols%4 == 0 {
		prog.vec4 = true
		n, cols = n/4, cols/4
	}
	d.dispatch(prog, d.groups1D(n), bufs, []uint32{uint32(n), uint32(cols)}, f)
}
