//go:build cgo

package gl

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// gemmOverride, when set, replaces planGemm's choice (tests and
// benchmarks).
var gemmOverride *gemmPlan

// hardwareKernels makes a software renderer choose the kernels meant for
// hardware, so that tests on llvmpipe cover them too.
var hardwareKernels = false

// softwareKernels reports whether ops pick the kernels tuned for CPU
// emulation (no shared memory or barriers where avoidable).
func (d *Device) softwareKernels() bool { return d.info.Software && !hardwareKernels }

// gemmDevice describes the device to planGemm.
func (d *Device) gemmDevice() gemmDevice { return gemmDevice{software: d.softwareKernels()} }

// MatMul computes c = op(a)·op(b) with the kernel planGemm chooses. Its
// last dispatch is held back (see fuse.go), so that an AddBias or an
// ActivationGrad on c that follows can run as its epilogue.
func (d *Device) MatMul(c, a, b *backend.Tensor, tA, tB backend.Transpose) {
	m, n, k := d.tr.MatMul(c, a, b, tA, tB)
	defer d.tr.Exit()
	cb, ab, bb := d.arg("MatMul", c), d.arg("MatMul", a), d.arg("MatMul", b)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 { // empty inner dimension: a and b have no storage to bind
		d.fill(c, 0)
		return
	}
	transA, transB := tA == backend.Trans, tB == backend.Trans
	p := planGemm(m, n, k, transA, transB, d.gemmDevice())
	if gemmOverride != nil {
		p = *gemmOverride
	}
	t := gemmTiles[p.tile]
	gx, gy := ceilDiv(n, t.BN), ceilDiv(m, t.BM)
	if gx > int(d.limits.maxGroups) || gy > int(d.limits.maxGroups) || p.splits > int(d.limits.maxGroups) {
		panic(fmt.Sprintf("gl: MatMul: c %s needs %d×%d×%d work groups, more than the driver's %d", c.Shape(), gx, gy, p.splits, d.limits.maxGroups))
	}
	key := progKey{fam: famGemm, tile: uint8(p.tile), tA: transA, tB: transB}
	u := [maxUints]uint32{uint32(m), uint32(n), uint32(k)}
	var last *held
	if p.splits > 1 {
		parts := p.splits * m * n
		key.split = true
		u[3] = uint32(p.kc)
		d.send(&command{
			op: opDispatch, prog: key, nbufs: 3,
			bufs:    [maxBindings]binding{scratch(parts), ab, bb},
			u:       u,
			groups:  [3]uint32{uint32(gx), uint32(gy), uint32(p.splits)},
			scratch: uint32(parts),
		})
		// The sum binds the partials at 1 and (unused) 2, so that the
		// epilogue's operand can go at 3.
		last = d.hold(fuseGemm, &command{
			op: opDispatch, prog: progKey{fam: famGemmReduce}, nbufs: 3,
			bufs:    [maxBindings]binding{cb, scratch(parts), scratch(parts)},
			u:       [maxUints]uint32{uint32(m * n), uint32(n), uint32(p.splits)},
			groups:  [3]uint32{d.groups1D(m * n), 1, 1},
			scratch: uint32(parts),
		})
	} else {
		last = d.hold(fuseGemm, &command{
			op: opDispatch, prog: key, nbufs: 3,
			bufs:   [maxBindings]binding{cb, ab, bb},
			u:      u,
			groups: [3]uint32{uint32(gx), uint32(gy), 1},
		})
	}
	last.out, last.rows, last.cols = cb, m, n
}

// fuseEpilogue makes the held GEMM (or split-K sum) writing out, an
// rows×cols product, apply epilogue epi with activation act and operand e
// on its way out, and sends it. It reports false, changing nothing, when
// the held command is no such GEMM.
func (d *Device) fuseEpilogue(out binding, rows, cols int, epi uint8, act backend.Activation, e binding) bool {
	h := &d.held
	if h.kind != fuseGemm || !h.out.same(out) || h.rows != rows || h.cols != cols {
		return false
	}
	h.c.prog.epi, h.c.prog.act = epi, act.Kind
	h.c.bufs[3], h.c.nbufs = e, 4
	h.c.f[0] = act.Alpha
	d.flush()
	return true
}
