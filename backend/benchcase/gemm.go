package benchcase

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/glnn/glnn/backend"
)

// GEMM is one matrix product C = op(A)·op(B) as Device.MatMul computes it:
// op(A) is M×K, op(B) is K×N and C is M×N; TA and TB say whether A and B
// enter transposed (A is then stored K×M, B N×K).
type GEMM struct {
	M, N, K int
	TA, TB  backend.Transpose
	// Role says where the product occurs ("Xᵀ·dY: Dense 784→128 weight
	// gradient, batch 32"); empty for a shape outside the table.
	Role string
}

// Op is the pair of transposes, "NN", "TN", "NT" or "TT".
func (g GEMM) Op() string { return g.TA.String() + g.TB.String() }

// Name is the benchmark name of the product, "TN/m=784/n=128/k=32".
func (g GEMM) Name() string {
	return fmt.Sprintf("%s/m=%d/n=%d/k=%d", g.Op(), g.M, g.N, g.K)
}

// String is Name.
func (g GEMM) String() string { return g.Name() }

// Flops is the number of floating-point operations of one product,
// 2·m·n·k (a multiply and an add per term).
func (g GEMM) Flops() float64 { return 2 * float64(g.M) * float64(g.N) * float64(g.K) }

// StoredA is the shape A is stored in: M×K, or K×M when TA is Trans.
func (g GEMM) StoredA() (rows, cols int) {
	if g.TA == backend.Trans {
		return g.K, g.M
	}
	return g.M, g.K
}

// StoredB is the shape B is stored in: K×N, or N×K when TB is Trans.
func (g GEMM) StoredB() (rows, cols int) {
	if g.TB == backend.Trans {
		return g.N, g.K
	}
	return g.K, g.N
}

// Case is the product as a Case: A and B hold random values in [-1, 1),
// and every call overwrites C.
func (g GEMM) Case() Case {
	return Case{
		Name:  g.Name(),
		Label: g.Op(),
		Shape: fmt.Sprintf("%d×%d×%d", g.M, g.N, g.K),
		Setup: func(a *Arena) func(int) {
			ar, ac := g.StoredA()
			br, bc := g.StoredB()
			x, y, c := a.Random(ar, ac, -1, 1), a.Random(br, bc, -1, 1), a.Zeros(g.M, g.N)
			dev := a.Device()
			return func(int) { dev.MatMul(c, x, y, g.TA, g.TB) }
		},
	}
}

// DenseGEMMs are the three products of a Dense layer with in inputs and
// out units at batch size batch: the forward X·W (NN), the weight
// gradient Xᵀ·dY (TN) and the input gradient dY·Wᵀ (NT).
func DenseGEMMs(batch, in, out int) []GEMM {
	N, T := backend.NoTrans, backend.Trans
	layer := fmt.Sprintf("Dense %d→%d", in, out)
	return []GEMM{
		{M: batch, N: out, K: in, TA: N, TB: N, Role: fmt.Sprintf("X·W: %s forward, batch %d", layer, batch)},
		{M: in, N: out, K: batch, TA: T, TB: N, Role: fmt.Sprintf("Xᵀ·dY: %s weight gradient, batch %d", layer, batch)},
		{M: batch, N: in, K: out, TA: N, TB: T, Role: fmt.Sprintf("dY·Wᵀ: %s input gradient, batch %d", layer, batch)},
	}
}

// GEMMs is the GEMM table: the three products of both Dense layers of the
// reference model at batch 32 and 128, then square products for peak
// throughput: 256³ and 512³ (NN), and 1024³ in NN, TN and NT. The
// headline shapes are the first layer's products (m, n, k drawn from
// 32×128×784 and 128×128×784) and 1024³.
func GEMMs() []GEMM {
	var out []GEMM
	for _, batch := range []int{32, 128} {
		out = append(out, DenseGEMMs(batch, Inputs, Hidden)...)
		out = append(out, DenseGEMMs(batch, Hidden, Classes)...)
	}
	N, T := backend.NoTrans, backend.Trans
	square := func(n int, ta, tb backend.Transpose) GEMM {
		return GEMM{M: n, N: n, K: n, TA: ta, TB: tb, Role: fmt.Sprintf("square %d³", n)}
	}
	return append(out, square(256, N, N), square(512, N, N),
		square(1024, N, N), square(1024, T, N), square(1024, N, T))
}

// maxDim bounds each dimension ParseGEMM accepts.
const maxDim = 1 << 15

// ParseGEMM reads a GEMM name, "TN/m=784/n=128/k=32": the op (NN, TN, NT
// or TT, in either case) and m, n and k, each once and in any order, from
// 1 to 32768. A shape of the table comes back with its Role.
func ParseGEMM(s string) (GEMM, error) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	bad := func(format string, args ...any) (GEMM, error) {
		return GEMM{}, fmt.Errorf("GEMM %q: %s (want a name like NN/m=32/n=128/k=784)", s, fmt.Sprintf(format, args...))
	}
	op := strings.ToUpper(parts[0])
	if len(op) != 2 || strings.Trim(op, "NT") != "" {
		return bad("the op %q is not NN, TN, NT or TT", parts[0])
	}
	g := GEMM{TA: backend.Transpose(op[0]), TB: backend.Transpose(op[1])}
	dims := map[string]*int{"m": &g.M, "n": &g.N, "k": &g.K}
	seen := map[string]bool{}
	for _, p := range parts[1:] {
		key, val, ok := strings.Cut(p, "=")
		key = strings.ToLower(key)
		dst := dims[key]
		switch {
		case !ok || dst == nil:
			return bad("%q is not m=, n= or k=", p)
		case seen[key]:
			return bad("%s is given twice", key)
		}
		seen[key] = true
		v, err := strconv.Atoi(val)
		if err != nil || v < 1 || v > maxDim {
			return bad("%s=%s is not a whole number from 1 to %d", key, val, maxDim)
		}
		*dst = v
	}
	if len(seen) != 3 {
		return bad("m, n and k are all needed")
	}
	for _, t := range GEMMs() {
		if t.Name() == g.Name() {
			return t, nil
		}
	}
	return g, nil
}
