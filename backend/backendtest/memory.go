package backendtest

import (
	"fmt"
	"math"

	"github.com/glnn/glnn/backend"
)

// Shapes used by the element-wise families: a single element, odd sizes
// that are not multiples of any tile or work-group size, a row and a column.
// {300, 301} is large enough for a CPU device with several workers to split
// the op between them.
var elemShapes = [][2]int{{1, 1}, {7, 33}, {129, 65}, {1, 200}, {13, 1}, {300, 301}}

func testInfo(e *env) {
	info := e.dev.Info()
	if info.Backend == "" {
		e.t.Errorf("Info().Backend is empty: %+v", info)
	}
	e.t.Logf("device: %+v", info)
}

func testAlloc(e *env) {
	for _, s := range elemShapes {
		r, c := s[0], s[1]
		what := "Alloc " + shape(r, c)
		x := e.alloc(r, c)
		if x.Rows() != r || x.Cols() != c || x.Len() != r*c || x.IsView() {
			e.t.Errorf("%s: got rows %d cols %d len %d view %v", what, x.Rows(), x.Cols(), x.Len(), x.IsView())
		}
		if x.Cap() < r*c {
			e.t.Errorf("%s: capacity %d < %d", what, x.Cap(), r*c)
		}
		e.exact(what+" is zeroed", c, e.get(x), make([]float32, r*c))
		// Dirty the storage and free it: a device that recycles buffers
		// must still hand out zeroed ones.
		e.dev.Upload(x, filled(r*c, 7))
		e.dev.Fill(x, -3)
		e.release(x)
		y := e.alloc(r, c)
		e.exact(what+" after releasing a dirty tensor of the same shape is zeroed", c, e.get(y), make([]float32, r*c))
	}
}

func testUploadDownload(e *env) {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32 * (1 << 23), float32(math.Inf(1)), float32(math.Inf(-1)),
		1.0 / 3, math.Pi, 1e-30, 16777215, -16777216, 0.1}
	for _, s := range append(elemShapes, [2]int{1, len(specials)}) {
		r, c := s[0], s[1]
		data := e.uniform(r*c, -10, 10)
		copy(data, specials)
		x := e.upload(r, c, data)
		got := e.get(x)
		bad := 0
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(data[i]) {
				if bad < maxReported {
					e.t.Errorf("Upload/Download %s: %s: got %g (bits %#x) want %g (bits %#x)", shape(r, c), at(i, c), got[i], math.Float32bits(got[i]), data[i], math.Float32bits(data[i]))
				}
				bad++
			}
		}
	}

	// The caller may reuse the host slice as soon as Upload returns, and
	// ops are ordered: Upload, Copy, Upload again.
	const r, c = 5, 9
	src := e.uniform(r*c, -1, 1)
	first := append([]float32(nil), src...)
	a := e.upload(r, c, src)
	saved := e.alloc(r, c)
	e.dev.Copy(saved, a)
	for i := range src {
		src[i] = 42
	}
	e.dev.Upload(a, src)
	b := e.upload(r, c, src)
	for i := range src {
		src[i] = -1
	}
	e.exact("Upload, Copy, Upload again: the copy keeps the first upload", c, e.get(saved), first)
	e.exact("Upload a second time into the same tensor", c, e.get(a), filled(r*c, 42))
	e.exact("Upload from a host slice reused right after the call", c, e.get(b), filled(r*c, 42))
}

func testLiveBuffers(e *env) {
	n0 := e.dev.LiveBuffers()
	want := func(what string, n int) {
		e.t.Helper()
		if got := e.dev.LiveBuffers(); got != n {
			e.t.Errorf("LiveBuffers after %s: got %d want %d", what, got, n)
		}
	}
	a := e.alloc(3, 4)
	want("one Alloc", n0+1)
	b := e.alloc(1, 1)
	want("two Allocs", n0+2)
	v := a.View(2, 4)
	e.dev.Fill(v, 1)
	want("a View (views are not buffers)", n0+2)
	e.release(a)
	want("releasing the first", n0+1)
	c := e.alloc(129, 65)
	want("a third Alloc", n0+2)
	e.release(b)
	e.release(c)
	want("releasing all", n0)
}

func testRelease(e *env) {
	n0 := e.dev.LiveBuffers()
	data := e.uniform(6*5, -1, 1)
	p := e.upload(6, 5, data)
	v := p.View(3, 5)
	e.expectPanic("", "Release of a view", func() { e.dev.Release(v) })
	if got := e.dev.LiveBuffers(); got != n0+1 {
		e.t.Errorf("LiveBuffers after the failed Release of a view: got %d want %d", got, n0+1)
	}
	e.exact("parent after the failed Release of its view", 5, e.get(p), data)

	x := e.alloc(2, 2)
	e.release(x)
	e.expectPanic("", "Release twice", func() { e.dev.Release(x) })
	if got := e.dev.LiveBuffers(); got != n0+1 {
		e.t.Errorf("LiveBuffers after Release twice: got %d want %d", got, n0+1)
	}
	e.expectPanic("", "Fill of a released tensor", func() { e.dev.Fill(x, 1) })
}

func testFill(e *env) {
	for _, s := range elemShapes {
		r, c := s[0], s[1]
		x := e.garbage(r, c)
		for _, v := range []float32{3.25, 0, -1e-3} {
			e.dev.Fill(x, v)
			e.exact(fmt.Sprintf("Fill %s with %g", shape(r, c), v), c, e.get(x), filled(r*c, v))
		}
	}
	// Fill through a view touches only its prefix.
	data := e.uniform(10*7, -1, 1)
	p := e.upload(10, 7, data)
	e.dev.Fill(p.View(4, 7), 9)
	want := append(filled(4*7, 9), data[4*7:]...)
	e.exact("Fill of a 4x7 view of a 10x7 tensor", 7, e.get(p), want)
}

func testCopy(e *env) {
	for _, s := range elemShapes {
		r, c := s[0], s[1]
		data := e.uniform(r*c, -5, 5)
		src := e.upload(r, c, data)
		dst := e.garbage(r, c)
		e.dev.Copy(dst, src)
		e.exact("Copy "+shape(r, c), c, e.get(dst), data)
		e.exact("Copy "+shape(r, c)+" leaves src", c, e.get(src), data)
	}
	// Same element count, different shapes.
	data := e.uniform(24, -1, 1)
	src := e.upload(4, 6, data)
	dst := e.garbage(3, 8)
	e.dev.Copy(dst, src)
	e.exact("Copy 4x6 into 3x8", 8, e.get(dst), data)

	// Views on both sides: only the prefixes move.
	pdata := e.uniform(10*3, -1, 1)
	parent := e.upload(10, 3, pdata)
	sp := e.upload(8, 3, data)
	e.dev.Copy(parent.View(4, 3), sp.View(2, 6))
	want := append(append([]float32(nil), data[:12]...), pdata[12:]...)
	e.exact("Copy 2x6 view into a 4x3 view of 10x3", 3, e.get(parent), want)
}

func testSync(e *env) {
	x := e.upload(7, 33, e.uniform(7*33, -1, 1))
	y := e.alloc(7, 33)
	e.dev.Activate(y, x, backend.Tanh)
	e.dev.Fill(x, 2)
	if err := e.dev.Sync(); err != nil {
		e.t.Errorf("Sync after valid work: %v", err)
	}
	if err := e.dev.Sync(); err != nil {
		e.t.Errorf("second Sync: %v", err)
	}
}

// testAdopt checks Adopt on devices that offer it: the tensor shows the
// caller's values, ops read it (and write it) in place, and Release leaves
// the caller's slice alone.
func testAdopt(e *env) {
	a, ok := e.dev.(backend.Adopter)
	if !ok {
		e.t.Logf("%s does not adopt host memory", e.dev.Info().Backend)
		return
	}
	data := e.uniform(6*4, -1, 1)
	orig := append([]float32(nil), data...)
	x, err := a.Adopt(6, 4, data)
	if err != nil {
		e.t.Fatalf("Adopt 6x4: %v", err)
	}
	e.exact("Download of an adopted tensor", 4, e.get(x), orig)
	idx := e.upload(2, 1, []float32{5, 0})
	dst := e.garbage(2, 4)
	e.dev.Gather(dst, x, idx, 0)
	e.exact("Gather from an adopted tensor", 4, e.get(dst), append(append([]float32(nil), orig[20:24]...), orig[0:4]...))
	e.dev.Fill(x.View(1, 4), 7)
	e.exact("Fill of an adopted tensor writes the caller's slice", 4, data, append(filled(4, 7), orig[4:]...))
	e.dev.Release(x)
	e.exact("the caller's slice after Release", 4, data, append(filled(4, 7), orig[4:]...))
	if _, err := a.Adopt(2, 3, make([]float32, 5)); err == nil {
		e.t.Errorf("Adopt 2x3 of 5 values: no error")
	}
}
