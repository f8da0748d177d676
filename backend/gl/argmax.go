//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

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
