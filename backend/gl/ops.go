//go:build cgo

package gl

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// Every op validates its arguments with the backend's shared checks (which
// panic with the op name and shapes), then enqueues one or two commands and
// returns.

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
func (d *Device) dispatch(prog progID, groups uint32, bufs []binding, u []uint32, f []float32) {
	c := command{op: opDispatch, prog: prog, nbufs: uint8(len(bufs)), groups: [3]uint32{groups, 1, 1}}
	copy(c.bufs[:], bufs)
	copy(c.u[:], u)
	copy(c.f[:], f)
	d.send(&c)
}

// elementwise enqueues an element-wise program over n elements.
func (d *Device) elementwise(prog progID, n int, bufs []binding, u []uint32, f []float32) {
	if n > 0 {
		d.dispatch(prog, d.groups1D(n), bufs, u, f)
	}
}

// Fill sets every element of dst to v (glClearNamedBufferSubData).
func (d *Device) Fill(dst *backend.Tensor, v float32) {
	d.tr.Fill(dst)
	defer d.tr.Exit()
	d.fill(dst, v)
}

func (d *Device) fill(t *backend.Tensor, v float32) {
	if t.Len() > 0 {
		d.send(&command{op: opFill, a: name(t), aOff: 4 * t.Offset(), n: 4 * t.Len(), v: v})
	}
}

// Copy copies src into dst (same number of elements;
// glCopyNamedBufferSubData).
func (d *Device) Copy(dst, src *backend.Tensor) {
	d.tr.Copy(dst, src)
	defer d.tr.Exit()
	d.copy(dst, src)
}

func (d *Device) copy(dst, src *backend.Tensor) {
	if dst.Len() > 0 {
		d.send(&command{op: opCopy, a: name(src), aOff: 4 * src.Offset(), b: name(dst), bOff: 4 * dst.Offset(), n: 4 * dst.Len()})
	}
}

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
		op: opDispatch, prog: gemmProg(v, transA, transB), nbufs: 3,
		bufs:   [maxBindings]binding{cb, ab, bb},
		u:      [maxUints]uint32{uint32(m), uint32(n), uint32(k), 0},
		groups: [3]uint32{uint32(gx), uint32(gy), 1},
	})
}

// AddBias computes y = act(x + bias), bias broadcast over rows; y may be x.
func (d *Device) AddBias(y, x, bias *backend.Tensor, act backend.Activation) {
	d.tr.AddBias(y, x, bias, act)
	defer d.tr.Exit()
	yb, xb, bb := d.arg("AddBias", y), d.arg("AddBias", x), d.arg("AddBias", bias)
	d.elementwise(progAddBias, y.Len(), []binding{yb, xb, bb}, []uint32{uint32(y.Len()), uint32(y.Cols()), uint32(act.Kind)}, []float32{act.Alpha})
}

// SumRows computes dst (1×cols) = Σ over rows of src. Hardware sums 8
// row lanes per column in shared memory; software renderers, where
// barriers are costly, one invocation per column.
func (d *Device) SumRows(dst, src *backend.Tensor) {
	d.tr.SumRows(dst, src)
	defer d.tr.Exit()
	db, sb := d.arg("SumRows", dst), d.arg("SumRows", src)
	switch {
	case src.Cols() == 0:
	case src.Rows() == 0:
		d.fill(dst, 0)
	case d.softwareKernels():
		d.dispatch(progSumRowsSerial, d.rowGroups(src.Cols(), 64), []binding{db, sb},
			[]uint32{uint32(src.Rows()), uint32(src.Cols()), 0}, nil)
	default:
		d.dispatch(progSumRows, d.rowGroups(src.Cols(), 32), []binding{db, sb},
			[]uint32{uint32(src.Rows()), uint32(src.Cols()), 0}, nil)
	}
}

// rowwise enqueues a row-wise kernel (one of the G=1/G=64 pairs) over a
// rows×cols matrix; rows > 0.
func (d *Device) rowwise(prog progID, rows, cols int, bufs ...binding) {
	off, rpg := rowVariant(cols)
	c := command{
		op: opDispatch, prog: prog + off, nbufs: uint8(len(bufs)),
		u:       [maxUints]uint32{uint32(rows), uint32(cols)},
		groups:  [3]uint32{d.rowGroups(rows, rpg), 1, 1},
		scratch: uint32(rows),
	}
	copy(c.bufs[:], bufs)
	d.send(&c)
}

// scratch is the binding of the device's scratch buffer, n floats.
func scratch(n int) binding { return binding{name: scratchBuf, size: 4 * n} }

// sumInto enqueues acc[0] += Σ scratch[0..n).
func (d *Device) sumInto(acc binding, n int) {
	d.send(&command{
		op: opDispatch, prog: progSumScalar, nbufs: 2,
		bufs:    [maxBindings]binding{acc, scratch(n)},
		u:       [maxUints]uint32{uint32(n)},
		groups:  [3]uint32{1, 1, 1},
		scratch: uint32(n),
	})
}

// Activate computes y = act(x); y may be x.
func (d *Device) Activate(y, x *backend.Tensor, act backend.Activation) {
	d.tr.Activate(y, x, act)
	defer d.tr.Exit()
	yb, xb := d.arg("Activate", y), d.arg("Activate", x)
	switch {
	case y.Len() == 0:
	case act == backend.Identity:
		if y.Buffer() != x.Buffer() || y.Offset() != x.Offset() {
			d.copy(y, x)
		}
	case act.Kind == backend.KindSoftmax:
		d.rowwise(progSoftmax, y.Rows(), y.Cols(), yb, xb)
	default:
		d.elementwise(progActivate, y.Len(), []binding{yb, xb}, []uint32{uint32(y.Len()), uint32(act.Kind)}, []float32{act.Alpha})
	}
}

// ActivationGrad computes dx = dy·∂act/∂x from x or y = act(x); dx may be
// dy.
func (d *Device) ActivationGrad(dx, dy, x, y *backend.Tensor, act backend.Activation) {
	d.tr.ActivationGrad(dx, dy, x, y, act)
	defer d.tr.Exit()
	// The unread one of x and y is bound as the read one: the shader
	// only reads the binding the kind needs.
	if x == nil {
		x = y
	}
	if y == nil {
		y = x
	}
	dxb, dyb := d.arg("ActivationGrad", dx), d.arg("ActivationGrad", dy)
	xb, yb := d.arg("ActivationGrad", x), d.arg("ActivationGrad", y)
	switch {
	case dx.Len() == 0:
	case act == backend.Identity:
		if dx.Buffer() != dy.Buffer() || dx.Offset() != dy.Offset() {
			d.copy(dx, dy)
		}
	case act.Kind == backend.KindSoftmax:
		d.rowwise(progSoftmaxGrad, dx.Rows(), dx.Cols(), dxb, yb, dyb)
	default:
		d.elementwise(progActivationGrad, dx.Len(), []binding{dxb, dyb, xb, yb}, []uint32{uint32(dx.Len()), uint32(act.Kind)}, []float32{act.Alpha})
	}
}

// SoftmaxCrossEntropy writes dLogits = (softmax(logits) − targets)/rows and
// adds the summed cross-entropy to lossSum[0]; dLogits may be logits.
func (d *Device) SoftmaxCrossEntropy(dLogits, lossSum, logits, targets *backend.Tensor) {
	d.loss("SoftmaxCrossEntropy", progCrossEntropy, dLogits, lossSum, logits, targets)
}

// MeanSquaredError writes dPred = 2(pred − target)/(rows·cols) and adds
// Σ_rows of each row's mean squared error to lossSum[0]; dPred may be pred.
func (d *Device) MeanSquaredError(dPred, lossSum, pred, target *backend.Tensor) {
	d.loss("MeanSquaredError", progMSE, dPred, lossSum, pred, target)
}

// loss runs a row-wise loss kernel that writes the gradient and one loss
// value per row into the scratch buffer, then sums those into lossSum[0].
func (d *Device) loss(op string, prog progID, grad, lossSum, x, target *backend.Tensor) {
	d.tr.Loss(op, grad, lossSum, x, target)
	defer d.tr.Exit()
	gb, lb, xb, tb := d.arg(op, grad), d.arg(op, lossSum), d.arg(op, x), d.arg(op, target)
	if x.Len() == 0 {
		return
	}
	d.rowwise(prog, x.Rows(), x.Cols(), gb, scratch(x.Rows()), xb, tb)
	d.sumInto(lb, x.Rows())
}

// CountCorrect adds to correct[0] the number of rows whose arg-max in pred
// equals the arg-max in targets (first index on ties).
func (d *Device) CountCorrect(correct, pred, targets *backend.Tensor) {
	const op = "CountCorrect"
	d.tr.CountCorrect(correct, pred, targets)
	defer d.tr.Exit()
	cb, pb, tb := d.arg(op, correct), d.arg(op, pred), d.arg(op, targets)
	if pred.Len() == 0 {
		return
	}
	d.rowwise(progCountCorrect, pred.Rows(), pred.Cols(), scratch(pred.Rows()), pb, tb)
	d.sumInto(cb, pred.Rows())
}

// ArgMax writes each row's arg-max of src (first index on ties) into dst
// (rows×1).
func (d *Device) ArgMax(dst, src *backend.Tensor) {
	d.tr.ArgMax(dst, src)
	defer d.tr.Exit()
	db, sb := d.arg("ArgMax", dst), d.arg("ArgMax", src)
	switch {
	case src.Rows() == 0:
	case src.Cols() == 0:
		d.fill(dst, 0)
	default:
		d.rowwise(progArgMax, src.Rows(), src.Cols(), db, sb)
	}
}

// gatherChunks is how many shader storage blocks Gather spreads src over,
// so that src may exceed GL_MAX_SHADER_STORAGE_BLOCK_SIZE.
const gatherChunks = 4

// Gather copies rows indices[offset+i] of src into rows i of dst. A bad
// row number zeroes the row and is reported by the next Sync or Download
// (backend.ErrBadIndex). src may be larger than one shader storage block:
// it is bound as up to four blocks of whole rows.
func (d *Device) Gather(dst, src, indices *backend.Tensor, offset int) {
	d.tr.Gather(dst, src, indices, offset)
	defer d.tr.Exit()
	db, ib := d.arg("Gather", dst), d.arg("Gather", indices)
	sn, base := name(src), 4*src.Offset()
	n, cols := dst.Len(), dst.Cols()
	if n == 0 {
		return
	}
	rowBytes := 4 * cols
	chunkRows := src.Rows()
	if int64(src.Len())*4 > d.limits.maxSSBO {
		// Whole rows per block, block offsets aligned as GL requires.
		q := d.limits.align / gcd(rowBytes, d.limits.align)
		chunkRows = int(d.limits.maxSSBO) / rowBytes / q * q
		if chunkRows == 0 || (src.Rows()+chunkRows-1)/chunkRows > gatherChunks {
			panic(fmt.Sprintf("gl: Gather: src %s (%d MiB) is larger than %d shader storage blocks of %d MiB",
				src.Shape(), int64(src.Len())*4>>20, gatherChunks, d.limits.maxSSBO>>20))
		}
	}
	c := command{
		op: opDispatch, prog: progGather, nbufs: 3 + gatherChunks,
		u:      [maxUints]uint32{uint32(dst.Rows()), uint32(cols), uint32(src.Rows()), uint32(offset), uint32(chunkRows)},
		groups: [3]uint32{1, d.rowGroups(dst.Rows(), 4), 1},
	}
	c.bufs[0], c.bufs[1], c.bufs[2] = db, ib, binding{name: errFlagBuf}
	for k := 0; k < gatherChunks; k++ {
		off := k * chunkRows * rowBytes
		if off >= 4*src.Len() {
			off = 0 // unused block: bind the first again
		}
		c.bufs[3+k] = binding{name: sn, off: base + off, size: min(chunkRows*rowBytes, 4*src.Len()-off)}
	}
	d.send(&c)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// SGD updates param in the Keras form: with momentum 0 (velocity may then
// be nil, and is left alone) param −= lr·grad; otherwise velocity =
// momentum·velocity − lr·grad and param += velocity.
func (d *Device) SGD(param, grad, velocity *backend.Tensor, h backend.SGDParams) {
	d.tr.SGD(param, grad, velocity, h)
	defer d.tr.Exit()
	pb, gb := d.arg("SGD", param), d.arg("SGD", grad)
	if h.Momentum == 0 {
		d.elementwise(progSGD, param.Len(), []binding{pb, gb}, []uint32{uint32(param.Len())}, []float32{h.LearningRate})
		return
	}
	vb := d.arg("SGD", velocity)
	d.elementwise(progSGDMomentum, param.Len(), []binding{pb, gb, vb}, []uint32{uint32(param.Len())}, []float32{h.LearningRate, h.Momentum})
}

// Adam updates param in the Keras form; the bias-corrected step size
// (backend.AdamParams.StepSize) is computed on the host and passed as a
// uniform.
func (d *Device) Adam(param, grad, m, v *backend.Tensor, h backend.AdamParams) {
	d.tr.Adam(param, grad, m, v, h)
	defer d.tr.Exit()
	pb, gb, mb, vb := d.arg("Adam", param), d.arg("Adam", grad), d.arg("Adam", m), d.arg("Adam", v)
	d.elementwise(progAdam, param.Len(), []binding{pb, gb, mb, vb}, []uint32{uint32(param.Len())},
		[]float32{float32(h.StepSize()), h.Beta1, h.Beta2, h.Epsilon})
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
