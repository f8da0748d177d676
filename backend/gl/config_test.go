package gl

// Tests of the device's settings; no cgo, no GL context.

import (
	"strings"
	"testing"
	"time"

	"github.com/glnn/glnn/backend"
)

func TestTimeoutSetting(t *testing.T) {
	for _, c := range []struct {
		opt  time.Duration
		env  string
		want time.Duration
		bad  bool
	}{
		{0, "", DefaultTimeout, false},
		{0, "90s", 90 * time.Second, false},
		{0, " 5m ", 5 * time.Minute, false},
		{0, "2.5", 2500 * time.Millisecond, false},
		{0, "0", 0, false},
		{0, "off", 0, false},
		{0, "OFF", 0, false},
		{0, "-3s", 0, true},
		{0, "soon", 0, true},
		{0, "1e12", 0, true},
		{time.Second, "soon", time.Second, false}, // the option wins, unparsed env and all
		{-1, "90s", 0, false},
	} {
		got, err := timeoutSetting(c.opt, c.env)
		switch {
		case c.bad && (err == nil || !strings.Contains(err.Error(), "GLNN_GL_TIMEOUT")):
			t.Errorf("(%v, %q): got %v, %v; want an error naming GLNN_GL_TIMEOUT", c.opt, c.env, got, err)
		case !c.bad && (err != nil || got != c.want):
			t.Errorf("(%v, %q): got %v, %v; want %v", c.opt, c.env, got, err, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	env := map[string]string{"GLNN_GL_CONTEXT": "egl", "GLNN_GL_DEBUG": "1", "GLNN_GL_TIMEOUT": "2s"}
	s, err := resolve(backend.Options{}, func(k string) string { return env[k] })
	if err != nil || s.context != "egl" || !s.debug || s.timeout != 2*time.Second {
		t.Errorf("from the environment: %+v, %v", s, err)
	}
	s, err = resolve(backend.Options{Context: "glfw", Timeout: time.Minute}, func(k string) string { return env[k] })
	if err != nil || s.context != "glfw" || s.timeout != time.Minute {
		t.Errorf("options over the environment: %+v, %v", s, err)
	}
}
