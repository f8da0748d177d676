//go:build cgo && glfw

package gl

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// glfwBuilt reports whether the GLFW context route is compiled in.
const glfwBuilt = true

// GLFW is process-global: it is initialised for the first device that asks
// and terminated after the last one closes. Every GLFW call is made under
// glfwMu, on the locked thread of the device concerned.
var (
	glfwMu    sync.Mutex
	glfwUsers int
)

type glfwContext struct {
	win *glfw.Window
}

// newGLFWContext makes a hidden 1×1 window with an OpenGL 4.3 core
// context and makes it current on the calling (locked) thread. GLFW asks
// to be called from the main thread; on X11, the platform this route is
// for, it works from the device's locked thread, which makes all of that
// device's GLFW calls (under glfwMu). macOS would need the main thread.
func newGLFWContext(debug bool) (c glContext, err error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, errors.New("glfw: neither DISPLAY nor WAYLAND_DISPLAY is set (run under an X server, e.g. xvfb-run -a)")
	}
	glfwMu.Lock()
	defer glfwMu.Unlock()
	// go-gl/glfw panics on GLFW errors; turn them into errors.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("glfw: %v", r)
		}
	}()
	if glfwUsers == 0 {
		if err := glfw.Init(); err != nil {
			return nil, fmt.Errorf("glfw: init: %v", err)
		}
	}
	glfwUsers++
	ok := false
	defer func() {
		if !ok {
			glfwUsers--
			if glfwUsers == 0 {
				glfw.Terminate()
			}
		}
	}()
	glfw.DefaultWindowHints()
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.ContextVersionMajor, 4)
	glfw.WindowHint(glfw.ContextVersionMinor, 3)
	glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
	glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
	if debug {
		glfw.WindowHint(glfw.OpenGLDebugContext, glfw.True)
	}
	// Lose the context on a GPU reset, so that a reset is reported (see
	// faults.go); drivers without robustness get a plain context.
	glfw.WindowHint(glfw.ContextRobustness, glfw.LoseContextOnReset)
	win, werr := glfw.CreateWindow(1, 1, "glnn", nil, nil)
	if werr != nil {
		glfw.WindowHint(glfw.ContextRobustness, glfw.NoRobustness)
		win, werr = glfw.CreateWindow(1, 1, "glnn", nil, nil)
	}
	if werr != nil {
		return nil, fmt.Errorf("glfw: hidden window with OpenGL 4.3 core: %v", werr)
	}
	win.MakeContextCurrent()
	ok = true
	return &glfwContext{win: win}, nil
}

func (c *glfwContext) procAddr(name string) unsafe.Pointer { return glfw.GetProcAddress(name) }

func (c *glfwContext) kind() string { return "glfw" }

func (c *glfwContext) notes() []string { return nil }

func (c *glfwContext) destroy() {
	glfwMu.Lock()
	defer glfwMu.Unlock()
	defer func() { recover() }() // a GLFW error while tearing down is not worth a crash
	glfw.DetachCurrentContext()
	c.win.Destroy()
	glfwUsers--
	if glfwUsers == 0 {
		glfw.Terminate()
	}
}
