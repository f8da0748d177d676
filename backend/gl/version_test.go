package gl

// Tests of the OpenGL version rule; no cgo, no GL context.

import (
	"strings"
	"testing"
)

// TestCheckVersion checks the rule on the versions and extension lists a
// driver may offer: 4.5 and later pass without looking at extensions;
// 4.3 and 4.4 pass with direct state access (and, on 4.3, buffer
// storage); older versions fail; every error names what is missing and
// the rule.
func TestCheckVersion(t *testing.T) {
	exts := func(list ...string) func(string) bool {
		return func(e string) bool {
			for _, x := range list {
				if x == e {
					return true
				}
			}
			return false
		}
	}
	noLook := func(e string) bool { t.Errorf("extension %s looked up", e); return false }
	for _, c := range []struct {
		major, minor int
		has          func(string) bool
		want         string // how the rule is met, or the error's distinctive part
		ok           bool
	}{
		{4, 5, noLook, "OpenGL 4.5", true},
		{4, 6, noLook, "OpenGL 4.6", true},
		{5, 0, noLook, "OpenGL 5.0", true},
		{4, 3, exts("GL_ARB_direct_state_access", "GL_ARB_buffer_storage"), "OpenGL 4.3 with GL_ARB_direct_state_access", true},
		{4, 4, exts("GL_ARB_direct_state_access"), "OpenGL 4.4 with GL_ARB_direct_state_access", true},
		{4, 4, exts("GL_ARB_buffer_storage"), "OpenGL 4.4 lacks GL_ARB_direct_state_access", false},
		{4, 3, exts("GL_ARB_direct_state_access"), "OpenGL 4.3 lacks GL_ARB_buffer_storage", false},
		{4, 3, exts(), "OpenGL 4.3 lacks GL_ARB_direct_state_access and GL_ARB_buffer_storage", false},
		{4, 2, exts("GL_ARB_direct_state_access", "GL_ARB_buffer_storage"), "OpenGL 4.2 is too old", false},
		{3, 3, noLook, "OpenGL 3.3 is too old", false},
	} {
		how, err := checkVersion(c.major, c.minor, c.has)
		switch {
		case c.ok && (err != nil || how != c.want):
			t.Errorf("%d.%d: got %q, %v; want %q", c.major, c.minor, how, err, c.want)
		case !c.ok && err == nil:
			t.Errorf("%d.%d: accepted (%q)", c.major, c.minor, how)
		case !c.ok && (!strings.HasPrefix(err.Error(), c.want) || !strings.HasSuffix(err.Error(), requirement)):
			t.Errorf("%d.%d: error %q, want %q … %q", c.major, c.minor, err, c.want, requirement)
		}
	}
}
