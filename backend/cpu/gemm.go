package cpu

import "github.com/glnn/glnn/backend"

// The GEMM splits C into tiles of at most mc×nc (the kernel's blocking,
// see microKernel), and walks k in blocks of at most kc. The worker that
// owns a tile gets, for each k block, the tile's rows of op(A) (an mc×kc
// block that stays in L2) and its columns of op(B) (kc×nc) either packed
// into its buffers or, where the layout allows, read in place (see
// packing), then runs the micro-kernel over them: one nr-wide panel of B
// (kc·nr values, in L1) against every mr-high panel of A.
const (
	// gemmParallelMin is the number of multiply-adds (m·n·k) below which
	// a product runs inline on the caller.
	gemmParallelMin = 1 << 16
	// gemmInPlaceSpan is the most values (128 KiB) that the kc rows of an
	// operand read in place may span; see packing.
	gemmInPlaceSpan = 32 << 10
	// gemmPackReuse is the number of kernel calls per panel of a row-major
	// A from which it is packed.
	gemmPackReuse = 8
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
	packA, packB   bool // pack full panels too (else the kernel reads them in place)
	mc, nc         int  // tile size (multiples of mr and nr)
	kc             int  // length of the blocks of k (≤ kern.kc)
	tilesN         int  // tiles along n
	ws             []gemmWorkspace
	force          packForce // tests only: override packing

	// The epilogue (see fuse.go), applied by the worker that computed a
	// tile to the finished tile, while it is in that worker's cache.
	sums []float32          // SumRows's dst: the column sums of C (before the bias), or nil
	part []float64          // the sums' partials, one row of n per row of tiles
	bias []float32          // AddBias's bias, or nil
	act  backend.Activation // AddBias's activation
}

// packForce overrides the choice of packing, so that tests can run every
// path on any shape.
type packForce int

const (
	forceNone    packForce = iota
	forcePack              // pack every panel
	forceInPlace           // read every full panel in place that the kernel can
)

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// grow returns the first n elements of *buf, reallocating it when it is
// too short.
func grow[T float32 | float64](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	return (*buf)[:n]
}

// gemm computes c (m×n, row-major) = or += op(a)·op(b), where op(a) is m×k
// and op(b) is k×n, now.
func (d *Device) gemm(c, a, b []float32, m, n, k int, transA, transB, acc bool) {
	d.gemmSetup(c, a, b, m, n, k, transA, transB, acc)
	d.gemmRun()
}

// gemmSetup records a product in d.mm, with no epilogue, for gemmRun.
func (d *Device) gemmSetup(c, a, b []float32, m, n, k int, transA, transB, acc bool) {
	g := &d.mm
	g.a, g.b, g.c = a, b, c[:m*n]
	g.m, g.n, g.k = m, n, k
	g.transA, g.transB, g.acc = transA, transB, acc
	g.sums, g.bias = nil, nil
}

// gemmRun computes the product recorded in d.mm and its epilogue.
func (d *Device) gemmRun() {
	g := &d.mm
	defer func() { g.a, g.b, g.c, g.sums, g.bias = nil, nil, nil, nil, nil }()
	m, n, k := g.m, g.n, g.k
	if m == 0 || n == 0 || k == 0 {
		if k == 0 && !g.acc {
			clear(g.c)
		}
		d.epilogueAlone()
		return
	}
	g.kern = d.kern
	if nk := g.kern.narrow; nk != nil && n <= nk.nr {
		g.kern = *nk
	}
	mr, nr := g.kern.mr, g.kern.nr
	g.lda, g.ldb, g.ldc = k, n, n
	if g.transA {
		g.lda = m
	}
	if g.transB {
		g.ldb = k
	}

	mc := min(roundUp(m, mr), roundUp(g.kern.mc, mr))
	nc := min(roundUp(n, nr), roundUp(g.kern.nc, nr))
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
	// Tiles of (nearly) equal size, so that no worker is left with a
	// large one after the others have finished.
	mc = roundUp(ceilDiv(m, tiles(m, mc)), mr)
	nc = roundUp(ceilDiv(n, tiles(n, nc)), nr)
	// Blocks of k of (nearly) equal length, so that no block is a short
	// remainder that pays the kernel's per-call costs for little work.
	g.kc = ceilDiv(k, ceilDiv(k, g.kern.kc))
	g.mc, g.nc = mc, nc
	g.packA, g.packB = g.packing()
	switch g.force {
	case forcePack:
		g.packA, g.packB = true, true
	case forceInPlace:
		g.packA, g.packB = !g.kern.strided, !g.kern.strided || g.transB
	}
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
	if g.sums != nil {
		g.part = grow(&g.part, tiles(m, mc)*n)
	}
	d.pool.parallelFor(g, nt, 1)
	if g.sums != nil {
		g.combineSums()
	}
}

// packing decides which full panels of op(A) and op(B) the kernel reads
// in place and which are packed first, once mc, nc and kc are set.
//
// A kernel that is not strided reads packed panels only, and a transposed
// B must be packed (its rows are not contiguous in b). Otherwise a panel
// is read in place unless
//
//   - its kc rows are far apart: a panel of a row-major B, or of a
//     transposed A, reads one row of the matrix per step of k, and when
//     those rows span more than gemmInPlaceSpan values (a few dozen pages
//     of memory) each step misses the TLB and the prefetchers stop at
//     every page;
//   - it is used by many kernel calls: an mc×kc block of a row-major A
//     serves every nr-wide panel of the tile, and once there are
//     gemmPackReuse of them the contiguous packed panel pays for its copy.
func (g *gemmTask) packing() (packA, packB bool) {
	if !g.kern.strided {
		return true, true
	}
	if g.transA {
		packA = g.kc*g.lda > gemmInPlaceSpan
	} else {
		packA = g.nc >= gemmPackReuse*g.kern.nr
	}
	packB = g.transB || g.kc*g.ldb > gemmInPlaceSpan
	return packA, packB
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
	mr, nr, kern, tr, cp := g.kern.mr, g.kern.nr, g.kern.fn, g.kern.transpose8, g.kern.copyRows
	mb := min(g.mc, g.m-ic)
	nb := min(g.nc, g.n-jc)
	ws := &g.ws[w]
	ap := grow(&ws.a, roundUp(mb, mr)*g.kc)
	bp := grow(&ws.b, roundUp(nb, nr)*g.kc)
	edge := grow(&ws.edge, mr*nr)
	// Rows and columns in full panels; the partial panel past them is
	// always packed (zero-padded), the full ones only with packA/packB.
	fullA, fullB := mb-mb%mr, nb-nb%nr
	a, b, c := g.a, g.b, g.c
	lda, ldb, ldc := g.lda, g.ldb, g.ldc
	for pc := 0; pc < g.k; pc += g.kc {
		kb := min(g.kc, g.k-pc)
		if g.packA {
			packA(ap, a, lda, g.transA, ic, mb, pc, kb, mr, tr, cp)
		} else if fullA < mb {
			packA(ap[fullA*kb:], a, lda, g.transA, ic+fullA, mb-fullA, pc, kb, mr, tr, cp)
		}
		if g.packB {
			packB(bp, b, ldb, g.transB, pc, kb, jc, nb, nr, tr, cp)
		} else if fullB < nb {
			packB(bp[fullB*kb:], b, ldb, g.transB, pc, kb, jc+fullB, nb-fullB, nr, tr, cp)
		}
		acc := g.acc || pc > 0
		for jr := 0; jr < nb; jr += nr {
			bpan, rsB := bp[jr*kb:(jr+nr)*kb], nr
			if jr < fullB && !g.packB {
				bpan, rsB = b[pc*ldb+jc+jr:], ldb
			}
			nn := min(nr, nb-jr)
			for ir := 0; ir < mb; ir += mr {
				apan, rsA, csA := ap[ir*kb:(ir+mr)*kb], 1, mr
				if ir < fullA && !g.packA {
					if g.transA {
						apan, rsA, csA = a[pc*lda+ic+ir:], 1, lda
					} else {
						apan, rsA, csA = a[(ic+ir)*lda+pc:], lda, 1
					}
				}
				mm := min(mr, mb-ir)
				ci := (ic+ir)*ldc + jc + jr
				if mm == mr && nn == nr {
					kern(kb, apan, rsA, csA, bpan, rsB, c[ci:], ldc, acc)
					continue
				}
				kern(kb, apan, rsA, csA, bpan, rsB, edge, nr, false)
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
	if g.sums != nil || g.bias != nil {
		g.epilogue(ic, jc, mb, nb)
	}
}

// epilogue applies the fused ops to the finished mb×nb block of C at
// (ic, jc): its column sums into the partials of its row of tiles, then
// the bias and activation.
func (g *gemmTask) epilogue(ic, jc, mb, nb int) {
	c, ldc := g.c, g.ldc
	if g.sums != nil {
		p := g.part[ic/g.mc*g.n+jc:][:nb]
		clear(p)
		sumColumns(p, c[ic*ldc+jc:], mb, ldc)
	}
	if g.bias != nil {
		b := g.bias[jc : jc+nb]
		for i := ic; i < ic+mb; i++ {
			row := c[i*ldc+jc : i*ldc+jc+nb]
			biasActRow(row, row, b, g.act)
		}
	}
}

// combineSums adds up the partial column sums, row of tiles by row of
// tiles, into g.sums.
func (g *gemmTask) combineSums() {
	tm := tiles(g.m, g.mc)
	for j := range g.sums[:g.n] {
		var s float64
		for t := range tm {
			s += g.part[t*g.n+j]
		}
		g.sums[j] = float32(s)
	}
}

// packA packs rows [i0, i0+mb) and columns [p0, p0+kb) of op(A) into dst as
// ⌈mb/mr⌉ panels of mr×kb: panel q holds op(A)[i0+q·mr+i][p0+p] at
// dst[q·mr·kb + p·mr + i], zero for rows past mb. op(A) is a (lda = its
// row length) or, with trans, aᵀ. tr and cp are the kernel's 8×8
// transpose and row copy.
func packA(dst, a []float32, lda int, trans bool, i0, mb, p0, kb, mr int, tr transposer, cp rowCopier) {
	if trans {
		// op(A)[i][p] = a[p·lda + i]: column p of each panel is contiguous
		// in a, and so are those of all the panels.
		scatterRows(dst, mr, a[p0*lda+i0:], lda, kb, mb, cp)
		return
	}
	for q := 0; q < mb; q += mr {
		// op(A)[i][p] = a[i·lda + p]: rows of a become columns of the panel.
		transposeInto(dst[q*kb:(q+mr)*kb], mr, a[(i0+q)*lda+p0:], lda, min(mr, mb-q), kb, tr)
	}
}

// packB packs rows [p0, p0+kb) and columns [j0, j0+nb) of op(B) into dst as
// ⌈nb/nr⌉ panels of kb×nr: panel q holds op(B)[p0+p][j0+q·nr+j] at
// dst[q·nr·kb + p·nr + j], zero for columns past nb. op(B) is b (ldb = its
// row length) or, with trans, bᵀ. tr and cp are the kernel's 8×8
// transpose and row copy.
func packB(dst, b []float32, ldb int, trans bool, p0, kb, j0, nb, nr int, tr transposer, cp rowCopier) {
	if !trans {
		// op(B)[p][j] = b[p·ldb + j]: row p of each panel is contiguous in
		// b, and so are those of all the panels.
		scatterRows(dst, nr, b[p0*ldb+j0:], ldb, kb, nb, cp)
		return
	}
	for q := 0; q < nb; q += nr {
		// op(B)[p][j] = b[j·ldb + p]: rows of b become rows of the panel.
		transposeInto(dst[q*kb:(q+nr)*kb], nr, b[(j0+q)*ldb+p0:], ldb, min(nr, nb-q), kb, tr)
	}
}

// scatterRows packs n rows of width values of src (row stride lds) into
// ⌈width/w⌉ panels of n×w: value x of row p goes to dst[x/w·w·n + p·w +
// x%w], and the last panel is zero-padded to w. It goes sixteen rows at a
// time, panel by panel, so that each panel receives 16·w contiguous values
// at once (the panels lie a power of two apart: writing one row to each in
// turn would thrash the cache sets, and reading one panel's rows through
// all of src would miss the TLB on each). cp is the kernel's row copy.
func scatterRows(dst []float32, w int, src []float32, lds, n, width int, cp rowCopier) {
	const block = 16
	full := width - width%w
	for p0 := 0; p0 < n; p0 += block {
		rows := min(block, n-p0)
		for x := 0; x < full; x += w {
			cp(dst[x*n+p0*w:], w, src[p0*lds+x:], lds, rows, w)
		}
		if full < width {
			for p := p0; p < p0+rows; p++ {
				copyPadded(dst[full*n+p*w:full*n+p*w+w], src[p*lds+full:p*lds+width])
			}
		}
	}
}

// rowCopier is the signature of copyRows and its assembly versions.
type rowCopier = func(dst []float32, ldd int, src []float32, lds, n, w int)

// copyRows copies n rows of w values: dst[r·ldd + x] = src[r·lds + x].
func copyRows(dst []float32, ldd int, src []float32, lds, n, w int) {
	for r := 0; r < n; r++ {
		d, s := dst[r*ldd:r*ldd+w], src[r*lds:r*lds+w]
		switch w {
		case 2:
			d[0], d[1] = s[0], s[1]
		case 4:
			d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
		default:
			copy(d, s)
		}
	}
}

// transposer is the signature of transpose8x8 and its assembly versions.
type transposer = func(dst []float32, ldd int, src []float32, lds int, blocks int)

// transposeInto writes dst[p·w + i] = src[i·lds + p] for i < rows, p < kb,
// and zero for rows ≤ i < w: rows of src become columns of a panel of
// width w. Groups of eight rows go through tr eight columns at a time.
func transposeInto(dst []float32, w int, src []float32, lds, rows, kb int, tr transposer) {
	i := 0
	for ; i+8 <= rows; i += 8 {
		if kb >= 8 {
			tr(dst[i:], w, src[i*lds:], lds, kb/8)
		}
		for r := i; r < i+8; r++ {
			s := src[r*lds : r*lds+kb]
			for p := kb - kb%8; p < kb; p++ {
				dst[p*w+r] = s[p]
			}
		}
	}
	for ; i < rows; i++ {
		s := src[i*lds : i*lds+kb]
		for p, v := range s {
			dst[p*w+i] = v
		}
	}
	for ; i < w; i++ {
		for p := 0; p < kb; p++ {
			dst[p*w+i] = 0
		}
	}
}
