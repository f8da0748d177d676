//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

// CountCorrect adds to correct[0] the number of rows whose arg-max in pred
// equals the arg-max in targets (first index on ties). Right after a
// small loss on the same predictions and targets it joins that loss's
// dispatch.
func (d *Device) CountCorrect(correct, pred, targets *backend.Tensor) {
	const op = "CountCorrect"
	d.tr.CountCorrect(correct, pred, targets)
	defer d.tr.Exit()
	cb, pb, tb := d.arg(op, correct), d.arg(op, pred), d.arg(op, targets)
	if pred.Len() == 0 {
		return
	}
	if h := &d.held; h.kind == fuseLoss && h.x.same(pb) && h.t.same(tb) &&
		!h.out.overlaps(pb) && !h.out.overlaps(tb) && !cb.overlaps(h.out) && !cb.overlaps(h.acc) {
		// The loss reads the same rows; its gradient changes neither
		// them nor the count.
		h.c.prog.count = true
		h.c.bufs[4], h.c.nbufs = cb, 5
		d.flush()
		return
	}
	if pred.Len() <= singlePassMax {
		k, _ := rowKey(famCountCorrect, pred.Cols())
		k.single = true
		d.send(&command{
			op: opDispatch, prog: k, nbufs: 3,
			bufs:   [maxBindings]binding{cb, pb, tb},
			u:      [maxUints]uint32{uint32(pred.Rows()), uint32(pred.Cols())},
			groups: [3]uint32{1, 1, 1},
		})
		return
	}
	d.rowwise(famCountCorrect, pred.Rows(), pred.Cols(), scratch(pred.Rows()), pb, tb)
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
		d.rowwise(famArgMax, src.Rows(), src.Cols(), db, sb)
	}
}
