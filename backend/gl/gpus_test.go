package gl

// Tests of how EGL devices are numbered as GPUs; no cgo, no GL context.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestCudaList(t *testing.T) {
	for v, want := range map[string]struct {
		list []int
		ok   bool
	}{
		"":                 {nil, true},
		"0":                {[]int{0}, true},
		"3,1":              {[]int{3, 1}, true},
		" 2 , 0 ":          {[]int{2, 0}, true},
		"0,2,-1,1":         {[]int{0, 2}, true}, // CUDA stops at the first bad entry
		"-1":               {nil, true},         // hides every device
		"GPU-8932f937-d72": {nil, false},
		"MIG-GPU-1/2/0":    {nil, false},
	} {
		list, ok := cudaList(v)
		if !slices.Equal(list, want.list) || ok != want.ok {
			t.Errorf("cudaList(%q) = %v, %v; want %v, %v", v, list, ok, want.list, want.ok)
		}
	}
}

// nv returns an NVIDIA EGL device reporting CUDA number cuda (-1: none).
func nv(index, cuda int) eglDev {
	return eglDev{index: index, cudaExt: true, cuda: cuda, file: fmt.Sprintf("/dev/dri/renderD%d", 128+index)}
}

func TestNumberGPUs(t *testing.T) {
	soft := eglDev{index: 9, software: true, cuda: -1}
	mesa := func(index int) eglDev { return eglDev{index: index, cuda: -1} }
	for _, c := range []struct {
		name    string
		devs    []eglDev
		visible string
		set     bool
		want    []int  // EGL indices of GPU 0, 1, …
		note    string // a note that must be among the notes
	}{
		{"no devices", nil, "", false, nil, ""},
		{"software only", []eglDev{soft}, "", false, nil, ""},
		{"Mesa GPUs in EGL order, software left out", []eglDev{mesa(0), soft, mesa(2)}, "", false, []int{0, 2}, ""},
		{"NVIDIA in CUDA order, then Mesa", []eglDev{mesa(0), nv(1, 1), nv(2, 0), soft}, "", false, []int{2, 1, 0}, ""},
		{"NVIDIA without a CUDA number, list unset: kept, after", []eglDev{nv(0, -1), nv(1, 0)}, "", false, []int{1, 0}, ""},
		// The driver numbers as CUDA does after CUDA_VISIBLE_DEVICES=5,2:
		// two visible devices numbered 0 and 1, the rest hidden.
		{"driver applies the list", []eglDev{nv(0, -1), nv(1, 1), nv(2, -1), nv(3, 0)}, "5,2", true, []int{3, 1}, "EGL device #0 (/dev/dri/renderD128): hidden by CUDA_VISIBLE_DEVICES"},
		// A driver that numbers every GPU: the list is applied here.
		{"list applied to physical numbers", []eglDev{nv(0, 0), nv(1, 1), nv(2, 2), nv(3, 3)}, "3,1", true, []int{3, 1}, "EGL device #0 (CUDA device 0, /dev/dri/renderD128): hidden by CUDA_VISIBLE_DEVICES=\"3,1\""},
		{"one visible", []eglDev{nv(0, 0), nv(1, 1)}, "1", true, []int{1}, "hidden by"},
		{"none visible", []eglDev{nv(0, 0), nv(1, 1), soft}, "", true, nil, "hidden by"},
		{"UUIDs and physical numbers", []eglDev{nv(0, 0), nv(1, 1)}, "GPU-8932f937", true, []int{0, 1}, "names devices by UUID"},
		{"list without EGL_NV_device_cuda", []eglDev{mesa(0), mesa(1)}, "1", true, []int{0, 1}, "no EGL device offers EGL_NV_device_cuda"},
	} {
		gpus, notes := numberGPUs(c.devs, c.visible, c.set)
		var got []int
		for _, g := range gpus {
			got = append(got, g.index)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: GPUs are EGL devices %v, want %v (notes %q)", c.name, got, c.want, notes)
		}
		if c.note != "" && !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, c.note) }) {
			t.Errorf("%s: notes %q lack %q", c.name, notes, c.note)
		}
	}
}

func TestGPUSetting(t *testing.T) {
	for _, c := range []struct {
		opt, env string
		want     int
		err      string
	}{
		{"", "", -1, ""},
		{"auto", "3", -1, ""},
		{"", "auto", -1, ""},
		{"", "2", 2, ""},
		{"1", "2", 1, ""},
		{" 0 ", "", 0, ""},
		{"", "-1", 0, `GLNN_GPU="-1": want a GPU number`},
		{"first", "", 0, `Options.GPU="first": want a GPU number`},
	} {
		n, err := gpuSetting(c.opt, c.env)
		switch {
		case c.err == "" && (err != nil || n != c.want):
			t.Errorf("(%q, %q) = %d, %v; want %d", c.opt, c.env, n, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("(%q, %q) = %d, %v; want an error with %q", c.opt, c.env, n, err, c.err)
		}
	}
}

func TestListGPUs(t *testing.T) {
	if got := listGPUs(nil); got != "no hardware GPU" {
		t.Errorf("no GPUs: %q", got)
	}
	want := "GPU 0 = EGL device #2 (CUDA device 0, /dev/dri/renderD130), GPU 1 = EGL device #0 (CUDA device 1, /dev/dri/renderD128)"
	if got := listGPUs([]eglDev{nv(2, 0), nv(0, 1)}); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	want = "2 EGL devices: #0 (CUDA device 1, /dev/dri/renderD128), #9 (software)"
	if got := describeDevices([]eglDev{nv(0, 1), {index: 9, software: true, cuda: -1}}); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
