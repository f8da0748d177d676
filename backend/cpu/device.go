package cpu

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"

	"github.com/glnn/glnn/backend"
)

func init() {
	backend.Register("cpu", func(opts backend.Options) (backend.Device, error) {
		d, err := New(opts)
		if err != nil {
			return nil, err // not a typed nil *Device inside the interface
		}
		return d, nil
	})
}

// ErrClosed is returned by Alloc, Sync and Close on a device that has been
// closed.
var ErrClosed = errors.New("cpu: device is closed")

// buffer is the storage behind an allocated tensor and its views.
type buffer struct {
	data  []float32 // nil once released
	dev   *Device
	owner *backend.Tensor // the tensor Alloc returned
}

// Device is the CPU implementation of backend.Device. Like every Device it
// is used from one goroutine at a time; it spreads the work of each op over
// its own worker goroutines.
type Device struct {
	info   backend.Info
	pool   *pool
	kern   microKernel
	live   map[*buffer]struct{}
	closed bool

	// Reusable descriptors of parallel work, one per kind of op, so that
	// dispatching allocates nothing.
	mm      gemmTask
	fill    fillTask
	addBias addBiasTask
	sumRows sumRowsTask
	act     actTask
	actGrad actGradTask
	sce     sceTask
	mse     mseTask
	count   countTask
	opt     optTask

	// Per-chunk partial results of reductions (chunks ≤ workers), summed
	// in chunk order so that results do not depend on scheduling.
	partials []float64
	counts   []int
	// Column accumulators for SumRows, grown on demand.
	colAcc []float64
}

var _ backend.Device = (*Device)(nil)

// New opens a CPU device with opts.Threads workers (default
// runtime.GOMAXPROCS(0)) and the GEMM kernel opts.Kernel (default: the
// GLNN_CPU_KERNEL environment variable, else the fastest the CPU
// supports); it fails if the CPU lacks the kernel's instructions. The
// other options do not apply to the CPU and are ignored. Close stops the
// workers.
func New(opts backend.Options) (*Device, error) {
	threads := opts.Threads
	if threads < 0 {
		return nil, fmt.Errorf("cpu: Options.Threads is %d; want ≥ 0 (0 means GOMAXPROCS)", threads)
	}
	if threads == 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	kern, err := kernelFor(opts.Kernel)
	if err != nil {
		return nil, err
	}
	vendor, model := cpuModel()
	plural := "s"
	if threads == 1 {
		plural = ""
	}
	d := &Device{
		info: backend.Info{
			Backend:  "cpu",
			Name:     fmt.Sprintf("cpu (%d thread%s, %s, %s)", threads, plural, runtime.GOARCH, kern.name),
			Vendor:   vendor,
			Renderer: model,
			Version:  runtime.Version(),
			Threads:  threads,
		},
		pool:     newPool(threads),
		kern:     kern,
		live:     make(map[*buffer]struct{}),
		partials: make([]float64, threads),
		counts:   make([]int, threads),
	}
	d.mm.ws = make([]gemmWorkspace, threads)
	// The workers reference only the pool, so a Device dropped without
	// Close still stops them when it is collected.
	runtime.AddCleanup(d, func(p *pool) { p.stop() }, d.pool)
	return d, nil
}

// cpuModel returns the CPU vendor and model name from /proc/cpuinfo where
// it is readable, and empty strings elsewhere.
func cpuModel() (vendor, model string) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() && (vendor == "" || model == "") {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "vendor_id":
			vendor = strings.TrimSpace(val)
		case "model name", "Model", "cpu model":
			if model == "" {
				model = strings.TrimSpace(val)
			}
		}
	}
	return vendor, model
}

// Info describes the device: Backend "cpu", the thread count,
// architecture and GEMM kernel in Name, the CPU model in Renderer and the
// Go version in Version.
func (d *Device) Info() backend.Info { return d.info }

// Alloc returns a zeroed rows×cols tensor backed by a []float32.
func (d *Device) Alloc(rows, cols int) (*backend.Tensor, error) {
	if d.closed {
		return nil, ErrClosed
	}
	if rows < 0 || cols < 0 {
		return nil, fmt.Errorf("cpu: Alloc %d×%d: negative size", rows, cols)
	}
	if cols > 0 && rows > math.MaxInt32/cols {
		return nil, fmt.Errorf("cpu: Alloc %d×%d: more than %d elements", rows, cols, math.MaxInt32)
	}
	n := rows * cols
	b := &buffer{data: make([]float32, n), dev: d}
	t := backend.NewTensor(rows, cols, n, b)
	b.owner = t
	d.live[b] = struct{}{}
	return t, nil
}

// Release frees t. It panics if t is a view, was released already, or
// belongs to another device.
func (d *Device) Release(t *backend.Tensor) {
	if t == nil {
		panic("Release: nil tensor")
	}
	if t.IsView() {
		panic(fmt.Sprintf("Release: tensor %s is a view; release the tensor it views instead", t.Shape()))
	}
	if t.Buffer() == nil {
		panic("Release: tensor was released already (or never allocated)")
	}
	b, ok := t.Buffer().(*buffer)
	if !ok || b.dev != d {
		panic(fmt.Sprintf("Release: tensor %s was not allocated by this cpu device", t.Shape()))
	}
	delete(d.live, b)
	b.data = nil
	b.owner = nil
	t.Released()
}

// LiveBuffers is the number of tensors allocated and not yet released.
func (d *Device) LiveBuffers() int { return len(d.live) }

// Upload copies src (len(src) == t.Len()) into t.
func (d *Device) Upload(t *backend.Tensor, src []float32) {
	backend.CheckUpload("Upload", t, len(src))
	copy(d.mem("Upload", t), src)
}

// Download copies t into dst (len(dst) == t.Len()). Ops are synchronous,
// so there is nothing to wait for and no deferred error.
func (d *Device) Download(t *backend.Tensor, dst []float32) error {
	backend.CheckUpload("Download", t, len(dst))
	copy(dst, d.mem("Download", t))
	return nil
}

// Sync returns nil: every op has finished when it returns. On a closed
// device it returns ErrClosed.
func (d *Device) Sync() error {
	if d.closed {
		return ErrClosed
	}
	return nil
}

// Close frees every tensor still allocated (later use of them panics) and
// stops the worker goroutines. Closing twice returns ErrClosed.
func (d *Device) Close() error {
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	for b := range d.live {
		b.data = nil
		if b.owner != nil {
			b.owner.Released()
			b.owner = nil
		}
	}
	clear(d.live)
	d.pool.stop()
	for i := range d.mm.ws {
		d.mm.ws[i] = gemmWorkspace{}
	}
	d.colAcc = nil
	return nil
}

// mem returns the first t.Len() elements of t's storage, panicking if t
// belongs to another device or its storage was released. t must be
// non-nil (the backend checks ensure it).
func (d *Device) mem(op string, t *backend.Tensor) []float32 {
	b, ok := t.Buffer().(*buffer)
	if !ok || b.dev != d {
		panic(op + ": tensor " + t.Shape() + " was not allocated by this cpu device")
	}
	if b.data == nil {
		panic(op + ": tensor " + t.Shape() + " is used after its storage was released")
	}
	return b.data[:t.Len()]
}

// noAlias panics if out shares storage with any of ins.
func noAlias(op string, out *backend.Tensor, ins ...*backend.Tensor) {
	for _, in := range ins {
		if in != nil && out.Buffer() == in.Buffer() {
			panic(op + ": output " + out.Shape() + " aliases input " + in.Shape())
		}
	}
}
