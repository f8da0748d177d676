package gl

// The table of programs: every shader variant the device compiles, with
// its defines and uniforms. This file needs neither cgo nor a GL context,
// so that tests can check every variant against the GLSL specification
// (see glslang_test.go) from the same table the device builds.

import (
	"fmt"
	"strings"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/shaders"
)

// progID indexes the device's compiled programs.
type progID uint8

// The programs. Row-wise kernels come in pairs: +0 runs one invocation per
// row (G=1, narrow rows), +1 a work group of 64 per row (G=64, wide rows).
const (
	progActivate progID = iota
	progActivationGrad
	progAddBias
	progSoftmax // +1: G=64
	_
	progSoftmaxGrad // +1: G=64
	_
	progCrossEntropy // +1: G=64
	_
	progMSE // +1: G=64
	_
	progArgMax // +1: G=64
	_
	progCountCorrect // +1: G=64
	_
	progSumRows
	progSumRowsSerial
	progSumScalar
	progGather
	progSGD
	progSGDMomentum
	progAdam
	progGemm // + variant·4 + transA·2 + transB
)

// wideRow is the row length from which row-wise kernels use a work group
// per row instead of an invocation per row.
const wideRow = 64

// rowVariant returns the offset of the program for rows of cols values and
// how many rows one work group handles.
func rowVariant(cols int) (off progID, rowsPerGroup int) {
	if cols > wideRow {
		return 1, 1
	}
	return 0, 64
}

// gemmTile describes a GEMM kernel variant: a BM×BN block of c per work
// group, TM×TN outputs per invocation; with Shared, K is staged BK at a time
// through shared memory.
type gemmTile struct {
	BM, BN, BK, TM, TN int
	Shared             bool
}

// The GEMM variants. On hardware the shared-memory kernels win; on CPU
// emulations (llvmpipe) barriers cost far more than the cache misses they
// save, and the register-only kernel was about 3× faster there (2 cores:
// ~1–1.8 GFLOP/s against ~0.3–0.9 for the shared ones).
var gemmTiles = []gemmTile{
	{BM: 64, BN: 64, BK: 16, TM: 4, TN: 4, Shared: true}, // 16×16 invocations
	{BM: 32, BN: 32, BK: 16, TM: 4, TN: 4, Shared: true}, // 8×8 invocations, for small m·n
	{BM: 64, BN: 64, TM: 8, TN: 8},                       // 8×8 invocations, no shared memory
}

const (
	gemmLarge    = 0
	gemmSmall    = 1
	gemmRegister = 2
)

const numProgs = int(progGemm) + 4*3 // room for up to three tile variants

// progSpec says how to build one program: a shader file, the #defines of
// its variant, and its uniforms in the order commands supply them (uint
// uniforms first, then float ones).
type progSpec struct {
	file   string
	defs   []string // "NAME VALUE"
	uints  []string
	floats []string
	writes uint8 // the storage bindings the shader may write: bit i for binding i
	// atomics are the written bindings the shader only updates with
	// atomic functions (atomicOr…): dispatches doing that to the same
	// words need no barrier between them.
	atomics uint8
}

func (s progSpec) variant() string {
	if len(s.defs) == 0 {
		return "default variant"
	}
	return strings.Join(s.defs, ", ")
}

// progSpecs lists every program the device compiles when it opens.
func progSpecs() map[progID]progSpec {
	rowU := []string{"rows", "cols"}
	elemAct := []string{"n", "act"}
	alpha := []string{"alpha"}
	m := map[progID]progSpec{
		progActivate:       {file: "activation.comp", defs: []string{"GRAD 0"}, uints: elemAct, floats: alpha, writes: 1},
		progActivationGrad: {file: "activation.comp", defs: []string{"GRAD 1"}, uints: elemAct, floats: alpha, writes: 1},
		progAddBias:        {file: "bias.comp", uints: []string{"n", "cols", "act"}, floats: alpha, writes: 1},
		progSumRows:        {file: "reduce.comp", defs: []string{"MODE 0"}, uints: []string{"rows", "cols"}, writes: 1},
		progSumRowsSerial:  {file: "reduce.comp", defs: []string{"MODE 2"}, uints: []string{"rows", "cols"}, writes: 1},
		progSumScalar:      {file: "reduce.comp", defs: []string{"MODE 1"}, uints: []string{"n"}, writes: 1},
		progGather:         {file: "gather.comp", uints: []string{"rows", "cols", "srcRows", "offset", "chunkRows"}, writes: 1 | 1<<2, atomics: 1 << 2},
		progSGD:            {file: "optimizer.comp", defs: []string{"MODE 0"}, uints: []string{"n"}, floats: []string{"lr"}, writes: 1},
		progSGDMomentum:    {file: "optimizer.comp", defs: []string{"MODE 1"}, uints: []string{"n"}, floats: []string{"lr", "momentum"}, writes: 1 | 1<<2},
		progAdam:           {file: "optimizer.comp", defs: []string{"MODE 2"}, uints: []string{"n"}, floats: []string{"lr", "momentum", "beta2", "eps"}, writes: 1 | 1<<2 | 1<<3},
	}
	rowProgs := []struct {
		id     progID
		file   string
		def    string
		writes uint8
	}{
		{progSoftmax, "softmax.comp", "GRAD 0", 1},
		{progSoftmaxGrad, "softmax.comp", "GRAD 1", 1},
		{progCrossEntropy, "loss.comp", "MODE 0", 1 | 1<<1},
		{progMSE, "loss.comp", "MODE 1", 1 | 1<<1},
		{progArgMax, "argmax.comp", "MODE 0", 1},
		{progCountCorrect, "argmax.comp", "MODE 1", 1},
	}
	for _, r := range rowProgs {
		m[r.id] = progSpec{file: r.file, defs: []string{r.def, "G 1", "RPW 64"}, uints: rowU, writes: r.writes}
		m[r.id+1] = progSpec{file: r.file, defs: []string{r.def, "G 64", "RPW 1"}, uints: rowU, writes: r.writes}
	}
	for v, t := range gemmTiles {
		for ta := 0; ta < 2; ta++ {
			for tb := 0; tb < 2; tb++ {
				m[gemmProg(v, ta == 1, tb == 1)] = progSpec{
					file: "gemm.comp",
					defs: []string{
						fmt.Sprintf("TRANS_A %d", ta), fmt.Sprintf("TRANS_B %d", tb), fmt.Sprintf("SHARED %d", b2u(t.Shared)),
						fmt.Sprintf("BM %d", t.BM), fmt.Sprintf("BN %d", t.BN), fmt.Sprintf("BK %d", max(t.BK, 1)),
						fmt.Sprintf("TM %d", t.TM), fmt.Sprintf("TN %d", t.TN),
						fmt.Sprintf("TX %d", t.BN/t.TN), fmt.Sprintf("TY %d", t.BM/t.TM),
					},
					uints:  []string{"M", "N", "K"},
					writes: 1,
				}
			}
		}
	}
	return m
}

func gemmProg(variant int, transA, transB bool) progID {
	id := progGemm + progID(variant*4)
	if transA {
		id += 2
	}
	if transB {
		id++
	}
	return id
}

// activationDefines are the ACT_* constants of activation.glsl, made from
// backend's table of activation kinds so that the shaders cannot drift
// from it: "ACT_LEAKY_RELU 2u" and so on.
func activationDefines() []string {
	var defs []string
	for _, k := range backend.Kinds() {
		defs = append(defs, fmt.Sprintf("ACT_%s %du", strings.ToUpper(k.String()), k))
	}
	return defs
}

// source returns the text a program compiles: the shader file with the
// activation constants and its variant's defines.
func (s progSpec) source() (string, error) {
	return shaders.Source(s.file, append(activationDefines(), s.defs...))
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
