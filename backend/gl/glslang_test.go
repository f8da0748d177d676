package gl

// This file has no cgo build tag: it checks the shaders without a GL
// context, so it runs on every machine (and in cgo-free builds).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// glslang returns the path of Khronos' reference compiler, skipping the
// test when it is missing, or failing it when GLNN_REQUIRE_GLSLANG=1.
func glslang(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("glslangValidator")
	if err != nil {
		if os.Getenv("GLNN_REQUIRE_GLSLANG") == "1" {
			t.Fatalf("GLNN_REQUIRE_GLSLANG=1 but glslangValidator is not on PATH (Debian package glslang-tools)")
		}
		t.Skip("glslangValidator not on PATH (install glslang-tools to check the shaders against the GLSL spec)")
	}
	return path
}

// sortedSpecs returns the program table and its keys in a fixed order.
func sortedSpecs() ([]progKey, map[progKey]progSpec) {
	specs := progSpecs()
	keys := make([]progKey, 0, len(specs))
	for k := range specs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	return keys, specs
}

// eachVariant writes the full source of every program variant the device
// may build (the same table, the same defines) to a file and calls check
// on it, for several variants at once; check reports through t.
func eachVariant(t *testing.T, check func(spec progSpec, file string)) {
	dir := t.TempDir()
	keys, specs := sortedSpecs()
	sem := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	var wg sync.WaitGroup
	for n, k := range keys {
		spec := specs[k]
		src, err := spec.source()
		if err != nil {
			t.Errorf("program %+v: %v", k, err)
			continue
		}
		file := filepath.Join(dir, fmt.Sprintf("%03d-%s", n, spec.file))
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			check(spec, file)
		}()
	}
	wg.Wait()
	t.Logf("%d program variants checked", len(keys))
}

// TestShadersGlslang compiles and links every program variant with
// glslangValidator, the Khronos reference compiler, so that the shaders
// keep to the GLSL 4.30 specification rather than to what one driver
// accepts.
func TestShadersGlslang(t *testing.T) {
	bin := glslang(t)
	eachVariant(t, func(spec progSpec, file string) {
		out, err := exec.Command(bin, "-l", "-S", "comp", file).CombinedOutput()
		if err != nil {
			t.Errorf("%s (%s) is rejected by glslangValidator (%v):\n%s", spec.file, spec.variant(), err, strings.TrimSpace(string(out)))
		}
	})
}

// storageBlock matches a shader storage block declaration in preprocessed
// GLSL: its layout qualifiers and the memory qualifiers before "buffer".
var storageBlock = regexp.MustCompile(`layout\s*\(([^)]*)\)\s*((?:\w+\s+)*?)buffer\s+\w+`)

// TestShadersWriteMasks checks each program's write mask, which the
// device's barrier tracking relies on, against the shader as the compiler
// sees it (preprocessed by glslangValidator, with the variant's defines):
// a binding the mask says is only read must be declared readonly, and one
// it says is written must not be.
func TestShadersWriteMasks(t *testing.T) {
	bin := glslang(t)
	eachVariant(t, func(spec progSpec, file string) {
		out, err := exec.Command(bin, "-E", "-S", "comp", file).Output()
		if err != nil {
			t.Errorf("%s (%s): glslangValidator -E: %v", spec.file, spec.variant(), err)
			return
		}
		seen := uint8(0)
		for _, m := range storageBlock.FindAllStringSubmatch(string(out), -1) {
			binding := -1
			for _, q := range strings.Split(m[1], ",") {
				k, v, ok := strings.Cut(q, "=")
				if ok && strings.TrimSpace(k) == "binding" {
					binding, _ = strconv.Atoi(strings.TrimSpace(v))
				}
			}
			if binding < 0 || binding > 7 {
				t.Errorf("%s (%s): storage block %q has no binding in 0..7", spec.file, spec.variant(), m[0])
				continue
			}
			seen |= 1 << binding
			readonly := strings.Contains(" "+m[2], " readonly ")
			written := spec.writes&(1<<binding) != 0
			switch {
			case written && readonly:
				t.Errorf("%s (%s): binding %d is in the write mask but declared readonly", spec.file, spec.variant(), binding)
			case !written && !readonly:
				t.Errorf("%s (%s): binding %d is not in the write mask (%08b) but not declared readonly", spec.file, spec.variant(), binding, spec.writes)
			}
		}
		if spec.atomics&^spec.writes != 0 {
			t.Errorf("%s (%s): atomic bindings %08b are not all in the write mask %08b", spec.file, spec.variant(), spec.atomics, spec.writes)
		}
		if spec.writes&^seen != 0 {
			t.Errorf("%s (%s): write mask %08b names bindings the shader does not declare (%08b)", spec.file, spec.variant(), spec.writes, seen)
		}
	})
}
