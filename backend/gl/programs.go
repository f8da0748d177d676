//go:build cgo

package gl

import (
	"fmt"
	"strings"

	"github.com/go-gl/gl/v4.5-core/gl"
)

// program is a linked compute program and its uniform locations (-1 for
// uniforms the compiler dropped; GL ignores those).
type program struct {
	id      uint32
	locU    [maxUints]int32
	locF    [maxFloats]int32
	nu, nf  int
	writes  uint8 // progSpec.writes
	atomics uint8 // progSpec.atomics
}

// program returns the program of key k, building it the first time. It
// returns nil, and records the error for the next Sync or Download, when
// the program does not build.
func (w *worker) program(k progKey) *program {
	if p := w.progs[k]; p != nil {
		return p
	}
	spec, ok := w.specs[k]
	if !ok {
		w.fail(fmt.Errorf("no program %+v", k))
		return nil
	}
	p, err := buildProgram(spec)
	if err != nil {
		w.fail(err)
		return nil
	}
	w.progs[k] = &p
	return &p
}

// buildProgram compiles and links one program from the embedded sources.
func buildProgram(s progSpec) (program, error) {
	src, err := s.source()
	if err != nil {
		return program{}, err
	}
	p, err := compileProgram(s.file, s.variant(), src, s.uints, s.floats)
	p.writes, p.atomics = s.writes, s.atomics
	return p, err
}

// compileProgram compiles and links a compute program. Errors carry the
// file name, the variant and the driver's info log, on one line.
func compileProgram(file, variant, src string, uints, floats []string) (program, error) {
	var p program
	if len(uints) > maxUints || len(floats) > maxFloats {
		return p, fmt.Errorf("shader %s (%s): too many uniforms", file, variant)
	}
	sh := gl.CreateShader(gl.COMPUTE_SHADER)
	if sh == 0 {
		return p, fmt.Errorf("shader %s (%s): glCreateShader failed (GL error %s)", file, variant, glErrorName(gl.GetError()))
	}
	defer gl.DeleteShader(sh)
	csrc, free := gl.Strs(src + "\x00")
	gl.ShaderSource(sh, 1, csrc, nil)
	free()
	gl.CompileShader(sh)
	var ok int32
	gl.GetShaderiv(sh, gl.COMPILE_STATUS, &ok)
	if ok == gl.FALSE {
		return p, fmt.Errorf("shader %s (%s) does not compile: %s", file, variant, oneLine(shaderLog(sh)))
	}
	prog := gl.CreateProgram()
	gl.AttachShader(prog, sh)
	gl.LinkProgram(prog)
	gl.DetachShader(prog, sh)
	gl.GetProgramiv(prog, gl.LINK_STATUS, &ok)
	if ok == gl.FALSE {
		log := programLog(prog)
		gl.DeleteProgram(prog)
		return p, fmt.Errorf("shader %s (%s) does not link: %s", file, variant, oneLine(log))
	}
	p.id = prog
	p.nu, p.nf = len(uints), len(floats)
	for i, n := range uints {
		p.locU[i] = gl.GetUniformLocation(prog, gl.Str(n+"\x00"))
	}
	for i, n := range floats {
		p.locF[i] = gl.GetUniformLocation(prog, gl.Str(n+"\x00"))
	}
	return p, nil
}

func shaderLog(sh uint32) string { return infoLog(sh, gl.GetShaderiv, gl.GetShaderInfoLog) }

func programLog(p uint32) string { return infoLog(p, gl.GetProgramiv, gl.GetProgramInfoLog) }

// infoLog reads the info log of a shader or program object through its
// pair of query functions.
func infoLog(obj uint32, getiv func(uint32, uint32, *int32), getLog func(uint32, int32, *int32, *uint8)) string {
	var n int32
	getiv(obj, gl.INFO_LOG_LENGTH, &n)
	if n <= 1 {
		return "(no info log)"
	}
	buf := make([]byte, n)
	getLog(obj, n, nil, &buf[0])
	return string(buf[:n-1])
}

// oneLine joins a multi-line driver log with "; ".
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
