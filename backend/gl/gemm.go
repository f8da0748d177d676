//go:build cgo

package gl

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// gemmVariant picks the GEMM kernel: the register-only one on software
// renderers; on hardware the 64×64 shared-memory block unless that leaves
// fewer than 16 work groups, where the 32×32 block gives more parallelism.
func gemmVariant(m, n int, software bool) int {
	if software {
		return gemmRegister
	}
	t := gemmTiles[gemmLarge]
	if ((m+t.BM-1)/t.BM)*((n+t.BN-1)/t.BN) < 16 {
		return gemmSmall
	}
	return gemmLarge
}

// gemmOverride forces a GEMM variant (tests and benchmarks); -1 is auto.
var gemmOverride = -1

// hardwareKernels makes a software renderer choose the kernels meant for
// hardware, so that tests on llvmpipe cover them too.
var hardwareKernels = false

// softwareKernels reports whether ops pick the kernels tuned for CPU
// emulation (no shared memory or barriers where avoidable).
func (d *Device) softwareKernels() bool { return d.info.Software && !hardwareKernels }

// MatMul computes c = op(a)·op(b).
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
	v := gemmVariant(m, n, d.softwareKernels())
	if gemmOverride >= 0 {
		v = gemmOverride
	}
	t := gemmTiles[v]
	gx, gy := (n+t.BN-1)/t.BN, (m+t.BM-1)/t.BM
	if gx > int(d.limits.maxGroups) || gy > int(d.limits.maxGroups) {
		panic(fmt.Sprintf("gl: MatMul: c %s needs %d×%d work groups, more than the driver's %d", c.Shape(), gx, gy, d.limits.maxGroups))
	}
	d.send(&command{
		op: opDispatch, prog: gemmKey(v, transA, transB), nbufs: 3,
		bufs:   [maxBindings]binding{cb, ab, bb},
		u:      [maxUints]uint32{uint32(m), uint32(n), uint32(k)},
		groups: [3]uint32{uint32(gx), uint32(gy), 1},
	})
}
