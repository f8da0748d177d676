package cpu

import (
	"bufio"
	"bytes"
	"fmt"
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

// Device is the CPU implementation of backend.Device. Like every Device it
// is used from one goroutine at a time; it spreads the work of each op over
// its own worker goroutines.
type Device struct {
	info backend.Info
	tr   *backend.Tracker
	pool *pool
	kern microKernel
	err  error // deferred error (a bad Gather index), reported by Sync or Download
	// bytes is the memory of the live tensors Alloc made; memory returns
	// the machine's total and available memory (sysMemory; a field so
	// tests can fake it).
	bytes  int64
	memory func() (total, available uint64)

	// Reusable descriptors of parallel work, one per kind of op, so that
	// dispatching allocates nothing.
	mm      gemmTask
	held    heldGemm // a MatMul not run yet (fuse.go)
	fused   int      // ops run in a product's epilogue, for tests
	fill    fillTask
	addBias addBiasTask
	sumRows sumRowsTask
	act     actTask
	actGrad actGradTask
	sce     sceTask
	mse     mseTask
	count   countTask
	gather  gatherTask
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
		tr:       backend.NewTracker("cpu"),
		memory:   sysMemory,
		pool:     newPool(threads),
		kern:     kern,
		partials: make([]float64, threads),
		counts:   make([]int, threads),
	}
	d.info.Kernel = d.kern.name
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
// architecture and GEMM kernel in Name, the GEMM kernel again in Kernel,
// the CPU model in Renderer and the Go version in Version.
func (d *Device) Info() backend.Info { return d.info }

// Alloc returns a zeroed rows×cols tensor backed by a []float32. A tensor
// that would not fit in memory is an error, not a crash: Alloc refuses one
// larger than the memory available now, or one that would take this
// device's tensors past 90 % of the machine's memory (Go's zeroed
// allocations are only counted as used once written, so the available
// figure alone would let several large tensors through).
func (d *Device) Alloc(rows, cols int) (*backend.Tensor, error) {
	if err := d.tr.Alloc(rows, cols); err != nil {
		return nil, err
	}
	defer d.tr.Exit()
	n := int64(rows) * int64(cols) * 4
	if total, avail := d.memory(); total > 0 {
		switch {
		case uint64(n) > avail:
			return nil, fmt.Errorf("cpu: Alloc %d×%d: %s, but only %s of memory is available", rows, cols, gib(uint64(n)), gib(avail))
		case uint64(d.bytes+n) > total/10*9:
			return nil, fmt.Errorf("cpu: Alloc %d×%d: %s more would take this device's tensors to %s, over 90 %% of the machine's %s",
				rows, cols, gib(uint64(n)), gib(uint64(d.bytes+n)), gib(total))
		}
	}
	d.bytes += n
	return d.tr.NewTensor(rows, cols, make([]float32, rows*cols)), nil
}

func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

// Release frees t (the garbage collector reclaims its memory).
func (d *Device) Release(t *backend.Tensor) {
	d.flush() // the held product may write or read t
	if buf, ok := d.tr.Release(t); ok {
		d.bytes -= int64(cap(buf.([]float32))) * 4
	}
}

// LiveBuffers is the number of tensors allocated and not yet released.
func (d *Device) LiveBuffers() int { return d.tr.Live() }

// Upload copies src (len(src) == dst.Len()) into dst.
func (d *Device) Upload(dst *backend.Tensor, src []float32) {
	d.tr.Upload(dst, len(src))
	defer d.tr.Exit()
	d.flush()
	copy(mem(dst), src)
}

// Download copies src into dst (len(dst) == src.Len()). Ops are
// synchronous, so there is nothing to wait for; a deferred error (a bad
// Gather index) is returned, once.
func (d *Device) Download(dst []float32, src *backend.Tensor) error {
	if err := d.tr.Download(len(dst), src); err != nil {
		return err
	}
	defer d.tr.Exit()
	d.flush()
	copy(dst, mem(src))
	return d.takeErr()
}

// Sync reports the deferred error, if any, once: every op has finished
// when it returns.
func (d *Device) Sync() error {
	if err := d.tr.Sync(); err != nil {
		return err
	}
	defer d.tr.Exit()
	d.flush()
	return d.takeErr()
}

func (d *Device) takeErr() error {
	err := d.err
	d.err = nil
	return err
}

// Close frees every tensor still allocated (later use of them panics) and
// stops the worker goroutines. It returns a deferred error not yet
// reported; closing twice returns backend.ErrClosed.
func (d *Device) Close() error {
	if !d.tr.Closed() {
		d.flush()
	}
	if _, err := d.tr.Close(); err != nil {
		return err
	}
	d.pool.stop()
	d.bytes = 0
	for i := range d.mm.ws {
		d.mm.ws[i] = gemmWorkspace{}
	}
	d.colAcc = nil
	return d.takeErr()
}

// mem returns the elements of t. The Tracker's checks have made sure that
// t is a live tensor of this device.
func mem(t *backend.Tensor) []float32 {
	return t.Buffer().([]float32)[t.Offset() : t.Offset()+t.Len()]
}

var _ backend.Adopter = (*Device)(nil)

// Adopt returns a rows×cols tensor whose storage is data (len(data) ==
// rows·cols), without copying it: see backend.Adopter.
func (d *Device) Adopt(rows, cols int, data []float32) (*backend.Tensor, error) {
	if err := d.tr.Alloc(rows, cols); err != nil {
		return nil, err
	}
	defer d.tr.Exit()
	if len(data) != rows*cols {
		return nil, fmt.Errorf("cpu: Adopt %d×%d: the slice holds %d values, want %d", rows, cols, len(data), rows*cols)
	}
	d.bytes += int64(len(data)) * 4 // memory in use, counted like Alloc's
	return d.tr.NewTensor(rows, cols, data[:len(data):len(data)]), nil
}
