//go:build cgo && !glfw

package gl

import "errors"

// glfwBuilt reports whether the GLFW context route is compiled in.
const glfwBuilt = false

func newGLFWContext(debug bool) (glContext, error) {
	return nil, errors.New(`GLFW context not built in: build with -tags glfw (needs the X11 development packages) or choose EGL (GLNN_GL_CONTEXT=egl, or Options.Context "egl")`)
}
