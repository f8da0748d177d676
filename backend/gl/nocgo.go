//go:build !cgo

package gl

import (
	"errors"
	"time"

	"github.com/glnn/glnn/backend"
)

// ErrNotBuilt is what New and the registered "gl" opener return in builds
// without cgo.
var ErrNotBuilt = errors.New("GPU backend not built: cgo disabled")

// Device stands in for the OpenGL device in builds without cgo; New never
// returns one.
type Device struct{ backend.Device }

// Timed reports that the OpenGL backend needs cgo; see the cgo build's
// Timed for what it measures.
func (d *Device) Timed(f func()) (gpu, wall time.Duration, err error) { return 0, 0, ErrNotBuilt }

// New reports that the OpenGL backend needs cgo.
func New(opts backend.Options) (*Device, error) { return nil, ErrNotBuilt }

func init() {
	backend.Register("gl", func(backend.Options) (backend.Device, error) { return nil, ErrNotBuilt })
}
