package shaders

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Source returns the complete text of the compute shader name (say
// "gemm.comp") as a driver should compile it: its "#version" line, then a
// "#define" line for each of defines ("NAME VALUE"), then the file's body
// with every `#include "file.glsl"` line replaced by that file's text.
// "#line" directives keep the line numbers of compiler messages those of
// the original files: the shader file is source string 0, and its
// includes are strings 1, 2, … in the order they appear.
func Source(name string, defines []string) (string, error) {
	src, err := fs.ReadFile(FS, name)
	if err != nil {
		return "", fmt.Errorf("shader %s: %w", name, err)
	}
	first, rest, _ := strings.Cut(string(src), "\n")
	if !strings.HasPrefix(first, "#version") {
		return "", fmt.Errorf("shader %s: the first line is %q, want #version", name, first)
	}
	var b strings.Builder
	b.WriteString(first)
	b.WriteString("\n")
	for _, d := range defines {
		b.WriteString("#define ")
		b.WriteString(d)
		b.WriteString("\n")
	}
	b.WriteString("#line 2 0\n")
	included := 0
	for i, line := range strings.SplitAfter(rest, "\n") {
		inc, ok := includeOf(line)
		if !ok {
			b.WriteString(line)
			continue
		}
		text, err := fs.ReadFile(FS, inc)
		if err != nil {
			return "", fmt.Errorf("shader %s line %d: #include %q: %w", name, i+2, inc, err)
		}
		included++
		b.WriteString("#line 1 " + strconv.Itoa(included) + "\n")
		b.Write(text)
		if len(text) > 0 && text[len(text)-1] != '\n' {
			b.WriteString("\n")
		}
		b.WriteString("#line " + strconv.Itoa(i+3) + " 0\n")
	}
	return b.String(), nil
}

// includeOf parses `#include "file"`.
func includeOf(line string) (string, bool) {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, "#include") {
		return "", false
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "#include"))
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	return s[1 : len(s)-1], true
}
