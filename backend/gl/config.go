package gl

// The device's settings from backend.Options and the environment. This
// file needs neither cgo nor a GL context, so that tests check the rules
// on any machine.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/glnn/glnn/backend"
)

// DefaultTimeout bounds how long the device waits for the GPU (a fence in
// Sync, Download, Close or Timed) when neither backend.Options.Timeout
// nor GLNN_GL_TIMEOUT says otherwise.
const DefaultTimeout = 60 * time.Second

// settings are a device's options, resolved from backend.Options and the
// environment.
type settings struct {
	context string        // how to make the context: "", "auto", "egl" or "glfw"
	debug   bool          // a debug context
	timeout time.Duration // the bound on a wait for the GPU; 0: none
	gpu     int           // the GPU's number; -1: the first that works
	gpuFrom string        // the setting that chose it: "Options.GPU" or "GLNN_GPU"
}

// resolve applies the environment (getenv) to o: GLNN_GL_CONTEXT,
// GLNN_GL_DEBUG, GLNN_GL_TIMEOUT and GLNN_GPU.
func resolve(o backend.Options, getenv func(string) string) (settings, error) {
	s := settings{context: o.Context, debug: o.Debug || getenv("GLNN_GL_DEBUG") == "1"}
	if s.context == "" {
		s.context = getenv("GLNN_GL_CONTEXT")
	}
	var err error
	if s.timeout, err = timeoutSetting(o.Timeout, getenv("GLNN_GL_TIMEOUT")); err != nil {
		return s, err
	}
	s.gpuFrom = "Options.GPU"
	if strings.TrimSpace(o.GPU) == "" {
		s.gpuFrom = "GLNN_GPU"
	}
	s.gpu, err = gpuSetting(o.GPU, getenv("GLNN_GPU"))
	return s, err
}

// timeoutSetting returns the device's wait bound: opt when non-zero
// (negative: none), else GLNN_GL_TIMEOUT's value env (a Go duration such
// as "90s" or "5m", a number of seconds, or "0" or "off" for none), else
// DefaultTimeout. A bound of 0 means none.
func timeoutSetting(opt time.Duration, env string) (time.Duration, error) {
	switch {
	case opt < 0:
		return 0, nil
	case opt > 0:
		return opt, nil
	}
	switch env = strings.TrimSpace(env); strings.ToLower(env) {
	case "":
		return DefaultTimeout, nil
	case "0", "off", "none":
		return 0, nil
	}
	if s, err := strconv.ParseFloat(env, 64); err == nil && s > 0 && s < 1e9 {
		return time.Duration(s * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(env); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("GLNN_GL_TIMEOUT=%q: want a duration such as 90s or 5m, a number of seconds, or off", env)
}
