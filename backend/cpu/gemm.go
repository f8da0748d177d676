package cpu

// Blocking of the GEMM. A tile of C is at most gemmMC×gemmNC; the k
// dimension is walked in blocks of gemmKC. For each k block the worker
// that owns a tile packs the tile's rows of op(A) (gemmMC×gemmKC, about
// 64 KiB: it stays in L2) and columns of op(B) (gemmKC×gemmNC), then runs
// the micro-kernel over them, one nr-wide panel of B (gemmKC·nr values, in
// L1) against every mr-high panel of A.
const (
	gemmMC = 64
	gemmNC = 256
	gemmKC = 256

	// gemmParallelMin is the number of multiply-adds (m·n·k) below which
	// a product runs inline on the caller.
	gemmParallelMin = 1 << 16
	// gemmTilesPerWorker is how many tiles per worker the splitting aims
	// for when a product is large enough to parallelise.
	gemmTilesPerWorker = 1
)

// gemmWorkspace is one worker's packing scratch, grown on demand and kept.
type gemmWorkspace struct {
	a, b []float32 // packed panels of op(A) and op(B)
	edge []float32 // mr×nr block for partial tiles
}

// gemmTask is the descriptor of one MatMul, reused by every call.
type gemmTask struct {
	kern           microKernel
	a, b, c        []float32
	m, n, k        int
	lda, ldb, ldc  int
	transA, transB bool
	acc            bool
	mc, nc         int // tile size (multiples of mr and nr)
	kc             int // length of the blocks of k (≤ gemmKC)
	tilesN         int // tiles along n
	ws             []gemmWorkspace
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

// gemm computes c (m×n, row-major) = or += op(a)·op(b), where op(a) is m×k
// and op(b) is k×n.
func (d *Device) gemm(c, a, b []float32, m, n, k int, transA, transB, acc bool) {
	if m == 0 || n == 0 {
		return
	}
	c = c[:m*n]
	if k == 0 {
		if !acc {
			clear(c)
		}
		return
	}
	g := &d.mm
	g.kern = d.kern
	mr, nr := g.kern.mr, g.kern.nr
	g.a, g.b, g.c = a, b, c
	g.m, g.n, g.k = m, n, k
	g.transA, g.transB, g.acc = transA, transB, acc
	g.lda, g.ldb, g.ldc = k, n, n
	if transA {
		g.lda = m
	}
	if transB {
		g.ldb = k
	}

	mc := min(roundUp(m, mr), roundUp(gemmMC, mr))
	nc := min(roundUp(n, nr), roundUp(gemmNC, nr))
	workers := d.pool.workers
	if m*n*k < gemmParallelMin {
		workers = 1
	}
	// Split tiles until every worker has work: halve the larger side, so
	// that the operand packed redundantly by the extra tiles is the
	// smaller one.
	for tiles(m, mc)*tiles(n, nc) < gemmTilesPerWorker*workers {
		if nc >= mc && nc > nr {
			nc = roundUp(nc/2, nr)
		} else if mc > mr {
			mc = roundUp(mc/2, mr)
		} else {
			break
		}
	}
	// Even out the last round: make the tile count a multiple of the
	// worker count where one side is not split.
	if tm, tn := tiles(m, mc), tiles(n, nc); workers > 1 && tm*tn%workers != 0 {
		if tn == 1 {
			mc = roundUp(ceilDiv(m, roundUp(tm, workers)), mr)
		} else if tm == 1 {
			nc = roundUp(ceilDiv(n, roundUp(tn, workers)), nr)
		}
	}
	// Blocks of k of (nearly) equal length, so that no block is a short
	// remainder that pays the kernel's per-call costs for little work.
	g.kc = ceilDiv(k, ceilDiv(k, gemmKC))
	g.mc, g.nc = mc, nc
	g.tilesN = tiles(n, nc)
	nt := tiles(m, mc) * g.tilesN
	// Chunks go to whichever worker asks first, so any worker that may
	// run may get the largest tile: size every such workspace for it now,
	// so that no call after the first allocates, whatever the schedule.
	for w := range min(workers, nt) {
		ws := &g.ws[w]
		grow(&ws.a, mc*g.kc)
		grow(&ws.b, nc*g.kc)
		grow(&ws.edge, mr*nr)
	}
	d.pool.parallelFor(g, nt, 1)
	g.a, g.b, g.c = nil, nil, nil
}

// copyPadded copies src to the start of dst and zeroes the rest of dst.
func copyPadded(dst, src []float32) {
	clear(dst[copy(dst, src):])
}

func tiles(n, size int) int { return (n + size - 1) / size }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// run computes the tiles [lo, hi) on worker w.
func (g *gemmTask) run(w, lo, hi int) {
	for t := lo; t < hi; t++ {
		g.tile(w, t/g.tilesN*g.mc, t%g.tilesN*g.nc)
	}
}

// tile computes the block of C at (ic, jc).
func (g *gemmTask) tile(w, ic, jc int) {
	mr, nr, kern := g.kern.mr, g.kern.nr, g.kern.fn
	mb := min(g.mc, g.m-ic)
	nb := min(g.nc, g.n-jc)
	ws := &g.ws[w]
	ap := grow(&ws.a, roundUp(mb, mr)*g.kc)
	bp := grow(&ws.b, roundUp(nb, nr)*g.kc)
	edge := grow(&ws.edge, mr*nr)
	c, ldc := g.c, g.ldc
	for pc := 0; pc < g.k; pc += g.kc {
		kb := min(g.kc, g.k-pc)
		packA(ap, g.a, g.lda, g.transA, ic, mb, pc, kb, mr)
		packB(bp, g.b, g.ldb, g.transB, pc, kb, jc, nb, nr)
		acc := g.acc || pc > 0
		for jr := 0; jr < nb; jr += nr {
			bpan := bp[jr*kb : (jr+nr)*kb]
			nn := min(nr, nb-jr)
			for ir := 0; ir < mb; ir += mr {
				apan := ap[ir*kb : (ir+mr)*kb]
				mm := min(mr, mb-ir)
				ci := (ic+ir)*ldc + jc + jr
				if mm == mr && nn == nr {
					kern(kb, apan, bpan, c[ci:], ldc, acc)
					continue
				}
				kern(kb, apan, bpan, edge, nr, false)
				for i := 0; i < mm; i++ {
					dst := c[ci+i*ldc : ci+i*ldc+nn]
					src := edge[i*nr : i*nr+nn]
					if acc {
						for j, v := range src {
							dst[j] += v
						}
					} else {
						copy(dst, src)
					}
				}
			}
		}
	}
}

// packA packs rows [i0, i0+mb) and columns [p0, p0+kb) of op(A) into dst as
// ⌈mb/mr⌉ panels of mr×kb: panel q holds op(A)[i0+q·mr+i][p0+p] at
// dst[q·mr·kb + p·mr + i], zero for rows past mb. op(A) is a (lda = its
// row length) or, with trans, aᵀ.
func packA(dst, a []float32, lda int, trans bool, i0, mb, p0, kb, mr int) {
	for q := 0; q < mb; q += mr {
		panel := dst[q*kb : (q+mr)*kb]
		rows := min(mr, mb-q)
		switch {
		case trans && rows == 2 && mr == 2:
			// op(A)[i][p] = a[p·lda + i]: each p reads two contiguous values.
			base := p0*lda + i0 + q
			for p := 0; p < kb; p++ {
				s := a[base+p*lda : base+p*lda+2 : base+p*lda+2]
				o := panel[p*2 : p*2+2 : p*2+2]
				o[0], o[1] = s[0], s[1]
			}
		case trans:
			base := p0*lda + i0 + q
			for p := 0; p < kb; p++ {
				copyPadded(panel[p*mr:p*mr+mr], a[base+p*lda:base+p*lda+rows])
			}
		case rows == 2 && mr == 2:
			// op(A)[i][p] = a[i·lda + p]: the two rows are contiguous.
			r0 := a[(i0+q)*lda+p0 : (i0+q)*lda+p0+kb]
			r1 := a[(i0+q+1)*lda+p0 : (i0+q+1)*lda+p0+kb]
			r1 = r1[:len(r0)]
			panel = panel[:2*len(r0)]
			for p, v := range r0 {
				panel[2*p] = v
				panel[2*p+1] = r1[p]
			}
		default:
			for i := 0; i < mr; i++ {
				if i >= rows {
					for p := 0; p < kb; p++ {
						panel[p*mr+i] = 0
					}
					continue
				}
				src := a[(i0+q+i)*lda+p0 : (i0+q+i)*lda+p0+kb]
				for p, v := range src {
					panel[p*mr+i] = v
				}
			}
		}
	}
}

// packB packs rows [p0, p0+kb) and columns [j0, j0+nb) of op(B) into dst as
// ⌈nb/nr⌉ panels of kb×nr: panel q holds op(B)[p0+p][j0+q·nr+j] at
// dst[q·nr·kb + p·nr + j], zero for columns past nb. op(B) is b (ldb = its
// row length) or, with trans, bᵀ.
func packB(dst, b []float32, ldb int, trans bool, p0, kb, j0, nb, nr int) {
	for q := 0; q < nb; q += nr {
		panel := dst[q*kb : (q+nr)*kb]
		cols := min(nr, nb-q)
		switch {
		case !trans && cols == 4 && nr == 4:
			// op(B)[p][j] = b[p·ldb + j]: each p reads four contiguous values.
			base := p0*ldb + j0 + q
			for p := 0; p < kb; p++ {
				s := b[base+p*ldb : base+p*ldb+4 : base+p*ldb+4]
				o := panel[p*4 : p*4+4 : p*4+4]
				o[0], o[1], o[2], o[3] = s[0], s[1], s[2], s[3]
			}
		case !trans:
			base := p0*ldb + j0 + q
			for p := 0; p < kb; p++ {
				copyPadded(panel[p*nr:p*nr+nr], b[base+p*ldb:base+p*ldb+cols])
			}
		case cols == 4 && nr == 4:
			// op(B)[p][j] = b[j·ldb + p]: each column of op(B) is contiguous.
			c0 := b[(j0+q)*ldb+p0 : (j0+q)*ldb+p0+kb]
			c1 := b[(j0+q+1)*ldb+p0 : (j0+q+1)*ldb+p0+kb]
			c2 := b[(j0+q+2)*ldb+p0 : (j0+q+2)*ldb+p0+kb]
			c3 := b[(j0+q+3)*ldb+p0 : (j0+q+3)*ldb+p0+kb]
			c1, c2, c3 = c1[:len(c0)], c2[:len(c0)], c3[:len(c0)]
			for p, v := range c0 {
				o := panel[p*4 : p*4+4 : p*4+4]
				o[0], o[1], o[2], o[3] = v, c1[p], c2[p], c3[p]
			}
		default:
			for j := 0; j < nr; j++ {
				if j >= cols {
					for p := 0; p < kb; p++ {
						panel[p*nr+j] = 0
					}
					continue
				}
				src := b[(j0+q+j)*ldb+p0 : (j0+q+j)*ldb+p0+kb]
				for p, v := range src {
					panel[p*nr+j] = v
				}
			}
		}
	}
}
