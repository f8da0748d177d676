package cpu

import (
	"math"

	"github.com/glnn/glnn/backend"
)

// SoftmaxCrossEntropy writes dLogits = (softmax(logits) − targets)/rows and
// adds Σ_rows −Σ_j t_ij·log p_ij to lossSum[0], with a max-subtracted
// log-sum-exp per row and the loss accumulated in float64. dLogits may be
// logits.
func (d *Device) SoftmaxCrossEntropy(dLogits, lossSum, logits, targets *backend.Tensor) {
	d.tr.Loss("SoftmaxCrossEntropy", dLogits, lossSum, logits, targets)
	defer d.tr.Exit()
	d.flush()
	rows, cols := logits.Rows(), logits.Cols()
	t := &d.sce
	t.dl, t.x, t.t = mem(dLogits), mem(logits), mem(targets)
	t.cols, t.invRows = cols, 1/float64(max(rows, 1))
	t.grain = d.rowGrain(rows, cols, minExpensive)
	t.part = d.partials
	clear(t.part)
	d.pool.parallelFor(t, rows, t.grain)
	loss := mem(lossSum)
	loss[0] = float32(float64(loss[0]) + sum(t.part))
	t.dl, t.x, t.t = nil, nil, nil
}

type sceTask struct {
	dl, x, t []float32
	cols     int
	invRows  float64
	grain    int
	part     []float64 // loss per chunk
}

func (t *sceTask) run(_, lo, hi int) {
	n := t.cols
	var loss float64
	for r := lo; r < hi; r++ {
		if n == 0 {
			break
		}
		x := t.x[r*n : r*n+n]
		tg := t.t[r*n : r*n+n]
		dl := t.dl[r*n : r*n+n]
		m := x[0]
		for _, v := range x[1:] {
			if v > m {
				m = v
			}
		}
		// log p_j = z_j − log s with z_j = x_j − m and s = Σ e^z.
		var s, tz, ts float64
		for j, v := range x {
			z := float64(v) - float64(m)
			e := expNeg(z)
			s += e
			if tj := tg[j]; tj != 0 {
				tz += float64(tj) * z
				ts += float64(tj)
			}
			dl[j] = float32(e) // x[j] is read: dl may be x
		}
		loss += ts*math.Log(s) - tz
		inv := 1 / s
		for j, e := range dl {
			dl[j] = float32((float64(e)*inv - float64(tg[j])) * t.invRows)
		}
	}
	t.part[lo/t.grain] += loss
}

// MeanSquaredError writes dPred = 2(pred − target)/(rows·cols) and adds
// Σ_rows mean_j (pred − target)² to lossSum[0], accumulated in float64.
// dPred may be pred.
func (d *Device) MeanSquaredError(dPred, lossSum, pred, target *backend.Tensor) {
	d.tr.Loss("MeanSquaredError", dPred, lossSum, pred, target)
	defer d.tr.Exit()
	d.flush()
	t := &d.mse
	t.d, t.p, t.t = mem(dPred), mem(pred), mem(target)
	t.scale = 2 / float64(max(pred.Len(), 1))
	t.grain = d.pool.grainFor(len(t.p), minCheap)
	t.part = d.partials
	clear(t.part)
	d.pool.parallelFor(t, len(t.p), t.grain)
	if cols := pred.Cols(); cols > 0 {
		loss := mem(lossSum)
		loss[0] = float32(float64(loss[0]) + sum(t.part)/float64(cols))
	}
	t.d, t.p, t.t = nil, nil, nil
}

type mseTask struct {
	d, p, t []float32
	scale   float64
	grain   int
	part    []float64 // Σ (p−t)² per chunk
}

func (t *mseTask) run(_, lo, hi int) {
	p, tg, d := t.p[lo:hi], t.t[lo:hi], t.d[lo:hi]
	tg = tg[:len(p)]
	d = d[:len(p)]
	var s float64
	for i, v := range p {
		diff := float64(v) - float64(tg[i])
		s += diff * diff
		d[i] = float32(t.scale * diff)
	}
	t.part[lo/t.grain] += s
}
