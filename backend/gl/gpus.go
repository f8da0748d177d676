package gl

// How the EGL devices are numbered as GPUs 0, 1, … (Options.GPU,
// GLNN_GPU). This file needs neither cgo nor a GL context, so that tests
// check the rules, for machines with any number of GPUs, on any machine.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// eglDev is what the numbering knows of an EGL device.
type eglDev struct {
	index    int    // its place in eglQueryDevicesEXT's list
	software bool   // EGL_MESA_device_software: Mesa's llvmpipe device
	cudaExt  bool   // it lists EGL_NV_device_cuda
	cuda     int    // its CUDA device number (EGL_CUDA_DEVICE_NV); -1 if none
	file     string // its DRM device or render node, where known
}

// String names the device for notes and errors: "EGL device #1 (CUDA
// device 0, /dev/dri/renderD129)".
func (d eglDev) String() string {
	var what []string
	if d.cuda >= 0 {
		what = append(what, "CUDA device "+strconv.Itoa(d.cuda))
	}
	if d.software {
		what = append(what, "software")
	}
	if d.file != "" {
		what = append(what, d.file)
	}
	s := "EGL device #" + strconv.Itoa(d.index)
	if len(what) > 0 {
		s += " (" + strings.Join(what, ", ") + ")"
	}
	return s
}

// cudaList parses CUDA_VISIBLE_DEVICES as CUDA does: device numbers
// separated by commas, up to the first entry that is not one. ok is false
// when the list names devices some other way (GPU-… UUIDs, MIG-…).
func cudaList(v string) (list []int, ok bool) {
	if strings.TrimSpace(v) == "" {
		return nil, true
	}
	for i, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		switch {
		case err != nil:
			return list, i > 0 // a UUID at the start; junk later ends the list
		case n < 0:
			return list, true
		}
		list = append(list, n)
	}
	return list, true
}

// numberGPUs orders the hardware devices among devs as GPUs 0, 1, …, and
// says in notes what the order followed. cudaVisible is
// CUDA_VISIBLE_DEVICES, visibleSet whether it is set at all.
//
// Software devices are never GPUs. Devices that report a CUDA device
// number (NVIDIA's EGL_NV_device_cuda) come first, in CUDA's order. The
// NVIDIA driver numbers them as CUDA does in this process, after
// CUDA_VISIBLE_DEVICES, and reports no number for a GPU the list hides,
// so GPU 0 is the first visible CUDA device and hidden GPUs are left out.
// A driver that numbered every GPU despite the list (more numbered
// devices than it names) gets the list applied here: GPU i is the device
// numbered by its entry i. Devices without a CUDA number (Mesa's AMD and
// Intel devices) follow in EGL's order.
func numberGPUs(devs []eglDev, cudaVisible string, visibleSet bool) (gpus []eglDev, notes []string) {
	var cuda, other []eglDev
	anyExt := false
	for _, d := range devs {
		switch {
		case d.software:
		case d.cuda >= 0:
			cuda = append(cuda, d)
		case d.cudaExt && visibleSet:
			notes = append(notes, fmt.Sprintf("%v: hidden by CUDA_VISIBLE_DEVICES=%q", d, cudaVisible))
		default:
			other = append(other, d)
		}
		anyExt = anyExt || d.cudaExt || d.cuda >= 0
	}
	slices.SortStableFunc(cuda, func(a, b eglDev) int { return a.cuda - b.cuda })
	if visibleSet {
		list, ok := cudaList(cudaVisible)
		switch {
		case !anyExt:
			notes = append(notes, "CUDA_VISIBLE_DEVICES is set, but no EGL device offers EGL_NV_device_cuda: GPUs are numbered in EGL's order")
		case len(cuda) > len(list) && !ok:
			notes = append(notes, fmt.Sprintf("CUDA_VISIBLE_DEVICES=%q names devices by UUID, and the driver numbered every GPU: GPUs are numbered in CUDA's order, all of them", cudaVisible))
		case len(cuda) > len(list):
			// The driver ignored the list: apply it.
			byNumber := map[int]eglDev{}
			for _, d := range cuda {
				byNumber[d.cuda] = d
			}
			var visible []eglDev
			for _, n := range list {
				if d, found := byNumber[n]; found {
					visible = append(visible, d)
					delete(byNumber, n)
				}
			}
			for _, d := range cuda {
				if _, hidden := byNumber[d.cuda]; hidden {
					notes = append(notes, fmt.Sprintf("%v: hidden by CUDA_VISIBLE_DEVICES=%q", d, cudaVisible))
				}
			}
			cuda = visible
		}
	}
	return append(cuda, other...), notes
}

// listGPUs describes the numbering for errors and notes: "GPU 0 = EGL
// device #1 (CUDA device 0), GPU 1 = EGL device #0 (CUDA device 1)".
func listGPUs(gpus []eglDev) string {
	if len(gpus) == 0 {
		return "no hardware GPU"
	}
	parts := make([]string, len(gpus))
	for i, g := range gpus {
		parts[i] = fmt.Sprintf("GPU %d = %v", i, g)
	}
	return strings.Join(parts, ", ")
}

// describeDevices lists devs for a note: "2 EGL devices: #0 (software),
// #1 (CUDA device 0, /dev/dri/renderD128)".
func describeDevices(devs []eglDev) string {
	parts := make([]string, len(devs))
	for i, d := range devs {
		parts[i] = strings.TrimPrefix(d.String(), "EGL device ")
	}
	n := "EGL devices"
	if len(devs) == 1 {
		n = "EGL device"
	}
	return fmt.Sprintf("%d %s: %s", len(devs), n, strings.Join(parts, ", "))
}

// gpuSetting parses a GPU number (Options.GPU, else GLNN_GPU): -1 for
// "" or "auto", the first hardware GPU that works.
func gpuSetting(opt, env string) (int, error) {
	v, from := strings.TrimSpace(opt), "Options.GPU"
	if v == "" {
		v, from = strings.TrimSpace(env), "GLNN_GPU"
	}
	if v == "" || strings.EqualFold(v, "auto") {
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a GPU number (0, 1, …) or auto", from, v)
	}
	return n, nil
}
