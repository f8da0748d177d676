package gl

// The table of programs: every shader variant the device compiles, with
// its defines and uniforms. This file needs neither cgo nor a GL context,
// so that tests can check every variant against the GLSL specification
// (see glslang_test.go) from the same table the device builds.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/shaders"
)

// family is a shader family the device dispatches: a shader file, or one
// mode of it.
type family uint8

// The families. Row-wise ones (softmax, losses, arg-max) come in a narrow
// form (one invocation per row, G=1) and a wide one (a work group per row,
// G=64), chosen by row length (progKey.wide).
const (
	famActivate       family = iota // activation.comp, GRAD 0; one program per element-wise kind
	famActivationGrad               // activation.comp, GRAD 1; likewise
	famAddBias                      // bias.comp; likewise
	famSoftmax                      // softmax.comp, GRAD 0
	famSoftmaxGrad                  // softmax.comp, GRAD 1
	famCrossEntropy                 // loss.comp, MODE 0
	famMSE                          // loss.comp, MODE 1
	famArgMax                       // argmax.comp, MODE 0
	famCountCorrect                 // argmax.comp, MODE 1
	famSumRows                      // reduce.comp, MODE 0 (shared memory)
	famSumRowsSerial                // reduce.comp, MODE 2 (one invocation per column)
	famSumScalar                    // reduce.comp, MODE 1
	famGather                       // gather.comp
	famSGD                          // optimizer.comp, MODE 0
	famSGDMomentum                  // optimizer.comp, MODE 1
	famAdam                         // optimizer.comp, MODE 2
	famGemm                         // gemm.comp
	famGemmReduce                   // reduce.comp, MODE 3: the sum of split-K partial products
)

// The GEMM epilogues (progKey.epi; see epilogue.glsl).
const (
	epiNone = iota // c = op(a)·op(b)
	epiBias        // c = act(op(a)·op(b) + bias): AddBias fused
	epiGrad        // c = op(a)·op(b)·act'(x): ActivationGrad fused
)

// progKey names one program: a family and its variant. Fields a family
// does not use are zero. It is a comparable value, so commands carry it
// and the worker finds (or builds) the program in a map.
type progKey struct {
	fam  family
	act  backend.ActivationKind // the activation of an element-wise variant or GEMM epilogue
	wide bool                   // row-wise: a work group per row
	// single: a loss or CountCorrect in one work group that adds its total
	// to the 1×1 accumulator itself (no second pass)
	single bool
	count  bool  // single loss: CountCorrect fused in
	tile   uint8 // GEMM: index into gemmTiles
	tA     bool  // GEMM: op(a) = aᵀ
	tB     bool  // GEMM: op(b) = bᵀ
	split  bool  // GEMM: the partial products of split-K
	epi    uint8 // GEMM and its split-K sum: the epilogue (with act)
	vec4   bool  // element-wise: vec4 elements (VEC4 1)
}

// wideRow is the row length from which row-wise kernels use a work group
// per row instead of an invocation per row.
const wideRow = 64

// rowKey returns the program of a row-wise family for rows of cols
// values, and how many rows one of its work groups handles.
func rowKey(fam family, cols int) (k progKey, rowsPerGroup int) {
	if cols > wideRow {
		return progKey{fam: fam, wide: true}, 1
	}
	return progKey{fam: fam}, 64
}

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

// elementwiseKinds are the activation kinds with element-wise variants.
func elementwiseKinds() []backend.ActivationKind {
	var ks []backend.ActivationKind
	for _, k := range backend.Kinds() {
		if (backend.Activation{Kind: k}).Elementwise() {
			ks = append(ks, k)
		}
	}
	return ks
}

// progSpecs lists every program the device may build (it builds each the
// first time a command needs it).
func progSpecs() map[progKey]progSpec {
	rowU := []string{"rows", "cols"}
	alpha := []string{"alpha"}
	m := map[progKey]progSpec{
		{fam: famSumRows}:       {file: "reduce.comp", defs: []string{"MODE 0"}, uints: rowU, writes: 1},
		{fam: famSumRowsSerial}: {file: "reduce.comp", defs: []string{"MODE 2"}, uints: rowU, writes: 1},
		{fam: famSumScalar}:     {file: "reduce.comp", defs: []string{"MODE 1"}, uints: []string{"n"}, writes: 1},
	}
	// Element-wise programs (and Gather, which copies rows), each with a
	// float and a vec4 form.
	elem := func(k progKey, spec progSpec) {
		m[k] = spec
		k.vec4 = true
		spec.defs = append(slices.Clone(spec.defs), "VEC4 1")
		m[k] = spec
	}
	elem(progKey{fam: famGather}, progSpec{file: "gather.comp", uints: []string{"rows", "cols", "srcRows", "offset", "chunkRows"}, writes: 1 | 1<<2, atomics: 1 << 2})
	elem(progKey{fam: famSGD}, progSpec{file: "optimizer.comp", defs: []string{"MODE 0"}, uints: []string{"n"}, floats: []string{"lr"}, writes: 1})
	elem(progKey{fam: famSGDMomentum}, progSpec{file: "optimizer.comp", defs: []string{"MODE 1"}, uints: []string{"n"}, floats: []string{"lr", "momentum"}, writes: 1 | 1<<2})
	elem(progKey{fam: famAdam}, progSpec{file: "optimizer.comp", defs: []string{"MODE 2"}, uints: []string{"n"}, floats: []string{"lr", "momentum", "beta2", "eps"}, writes: 1 | 1<<2 | 1<<3})
	for _, k := range elementwiseKinds() {
		act := actDefine(k)
		if k != backend.KindIdentity { // Activate and ActivationGrad copy for the identity
			elem(progKey{fam: famActivate, act: k}, progSpec{file: "activation.comp", defs: []string{"GRAD 0", act}, uints: []string{"n"}, floats: alpha, writes: 1})
			elem(progKey{fam: famActivationGrad, act: k}, progSpec{file: "activation.comp", defs: []string{"GRAD 1", act}, uints: []string{"n"}, floats: alpha, writes: 1})
		}
		elem(progKey{fam: famAddBias, act: k}, progSpec{file: "bias.comp", defs: []string{act}, uints: []string{"n", "cols"}, floats: alpha, writes: 1})
	}
	rowProgs := []struct {
		fam    family
		file   string
		def    string
		writes uint8
	}{
		{famSoftmax, "softmax.comp", "GRAD 0", 1},
		{famSoftmaxGrad, "softmax.comp", "GRAD 1", 1},
		{famCrossEntropy, "loss.comp", "MODE 0", 1 | 1<<1},
		{famMSE, "loss.comp", "MODE 1", 1 | 1<<1},
		{famArgMax, "argmax.comp", "MODE 0", 1},
		{famCountCorrect, "argmax.comp", "MODE 1", 1},
	}
	for _, r := range rowProgs {
		for _, wide := range []bool{false, true} {
			lanes := []string{"G 1", "RPW 64"}
			if wide {
				lanes = []string{"G 64", "RPW 1"}
			}
			k := progKey{fam: r.fam, wide: wide}
			m[k] = progSpec{file: r.file, defs: append([]string{r.def}, lanes...), uints: rowU, writes: r.writes}
			switch r.fam {
			case famCrossEntropy, famMSE:
				k.single = true
				m[k] = progSpec{file: r.file, defs: append([]string{r.def, "SINGLE 1"}, lanes...), uints: rowU, writes: r.writes}
				k.count = true
				m[k] = progSpec{file: r.file, defs: append([]string{r.def, "SINGLE 1", "COUNT 1"}, lanes...), uints: rowU, writes: r.writes | 1<<4}
			case famCountCorrect:
				k.single = true
				m[k] = progSpec{file: r.file, defs: append([]string{r.def, "SINGLE 1"}, lanes...), uints: rowU, writes: r.writes}
			}
		}
	}
	// The GEMMs: every tile and transpose with every epilogue, split-K
	// for the shared-memory tiles, and the split-K sums.
	type epilogue struct {
		epi uint8
		act backend.ActivationKind
	}
	epis := []epilogue{{epi: epiNone}}
	for _, k := range elementwiseKinds() {
		epis = append(epis, epilogue{epiBias, k})
		if k != backend.KindIdentity {
			epis = append(epis, epilogue{epiGrad, k})
		}
	}
	epiDefs := func(e epilogue) []string {
		return []string{fmt.Sprintf("EPI %d", e.epi), actDefine(e.act)}
	}
	for v, t := range gemmTiles {
		for ta := 0; ta < 2; ta++ {
			for tb := 0; tb < 2; tb++ {
				defs := []string{
					fmt.Sprintf("TRANS_A %d", ta), fmt.Sprintf("TRANS_B %d", tb), fmt.Sprintf("KERNEL %d", t.Kernel),
					fmt.Sprintf("BM %d", t.BM), fmt.Sprintf("BN %d", t.BN), fmt.Sprintf("BK %d", max(t.BK, 1)),
					fmt.Sprintf("TM %d", t.TM), fmt.Sprintf("TN %d", t.TN),
					fmt.Sprintf("TX %d", t.BN/t.TN), fmt.Sprintf("TY %d", t.BM/t.TM),
				}
				k := progKey{fam: famGemm, tile: uint8(v), tA: ta == 1, tB: tb == 1}
				for _, e := range epis {
					k.epi, k.act = e.epi, e.act
					spec := progSpec{file: "gemm.comp", defs: append(slices.Clone(defs), epiDefs(e)...), uints: []string{"M", "N", "K"}, writes: 1}
					if e.epi != epiNone {
						spec.floats = alpha
					}
					m[k] = spec
				}
				if t.Kernel == kernelShared {
					m[progKey{fam: famGemm, tile: uint8(v), tA: ta == 1, tB: tb == 1, split: true}] = progSpec{
						file: "gemm.comp", defs: append(defs, "SPLIT 1"), uints: []string{"M", "N", "K", "KC"}, writes: 1}
				}
			}
		}
	}
	for _, e := range epis {
		spec := progSpec{file: "reduce.comp", defs: append([]string{"MODE 3"}, epiDefs(e)...), uints: []string{"n", "N", "S"}, writes: 1}
		if e.epi != epiNone {
			spec.floats = alpha
		}
		m[progKey{fam: famGemmReduce, epi: e.epi, act: e.act}] = spec
	}
	return m
}

// actDefine is the define that selects activation kind k in
// activation.glsl: "ACT ACT_RELU" and so on.
func actDefine(k backend.ActivationKind) string {
	return "ACT ACT_" + strings.ToUpper(k.String())
}

// activationDefines are the ACT_* constants of activation.glsl, made from
// backend's table of activation kinds so that the shaders cannot drift
// from it: "ACT_LEAKY_RELU 2" and so on.
func activationDefines() []string {
	var defs []string
	for _, k := range backend.Kinds() {
		defs = append(defs, fmt.Sprintf("ACT_%s %d", strings.ToUpper(k.String()), k))
	}
	return defs
}

// source returns the text a program compiles: the shader file with the
// activation constants and its variant's defines.
func (s progSpec) source() (string, error) {
	return shaders.Source(s.file, append(activationDefines(), s.defs...))
}
