package gl

// The OpenGL version rule. This file needs neither cgo nor a GL context,
// so that tests check the rule on any machine.

import "fmt"

// requirement states the version rule in errors and documentation.
const requirement = "glnn needs OpenGL 4.5, or 4.3 with GL_ARB_direct_state_access and GL_ARB_buffer_storage"

// checkVersion applies the version rule to a context of OpenGL
// major.minor whose extensions has reports: compute shaders and shader
// storage buffers need 4.3, and the device calls the direct-state-access
// functions of 4.5 (glCreateBuffers, glNamedBufferStorage,
// glClearNamedBufferSubData, glCopyNamedBufferSubData, …), which a 4.3 or
// 4.4 context offers only through GL_ARB_direct_state_access, and
// glNamedBufferStorage also needs GL_ARB_buffer_storage (core in 4.4).
// It returns how the context meets the rule, for Info's notes, or an error
// naming what is missing. has is called only below 4.5.
func checkVersion(major, minor int, has func(ext string) bool) (string, error) {
	switch {
	case major > 4 || major == 4 && minor >= 5:
		return fmt.Sprintf("OpenGL %d.%d", major, minor), nil
	case major < 4 || minor < 3:
		return "", fmt.Errorf("OpenGL %d.%d is too old: %s", major, minor, requirement)
	}
	var missing []string
	if !has("GL_ARB_direct_state_access") {
		missing = append(missing, "GL_ARB_direct_state_access")
	}
	if minor < 4 && !has("GL_ARB_buffer_storage") {
		missing = append(missing, "GL_ARB_buffer_storage")
	}
	switch len(missing) {
	case 0:
		return fmt.Sprintf("OpenGL %d.%d with GL_ARB_direct_state_access", major, minor), nil
	case 1:
		return "", fmt.Errorf("OpenGL %d.%d lacks %s: %s", major, minor, missing[0], requirement)
	}
	return "", fmt.Errorf("OpenGL %d.%d lacks %s and %s: %s", major, minor, missing[0], missing[1], requirement)
}
