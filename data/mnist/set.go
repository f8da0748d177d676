package mnist

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
)

// Classes is the number of MNIST classes: the digits 0 to 9.
const Classes = 10

// Set is one split of the data set (training or test), ready for a model.
type Set struct {
	// Images holds N rows of Rows·Cols pixels, row-major, each scaled to
	// [0,1] by dividing the byte value by 255.
	Images []float32
	// Labels holds the N digits, each 0..9.
	Labels []uint8
	// N is the number of examples; Rows and Cols the image size (28×28).
	N, Rows, Cols int
	// Dir is the directory the files were read from.
	Dir string
	// Source says how Load found Dir: "-data DIR", "$GLNN_DATA=DIR",
	// "cache DIR", the Go module copy, or a download into the cache. It is
	// empty for sets read with ReadSet.
	Source string
}

// Features returns the number of inputs per example, Rows·Cols.
func (s *Set) Features() int { return s.Rows * s.Cols }

// Image returns example i's Features() pixels; the slice shares memory with
// s.Images.
func (s *Set) Image(i int) []float32 {
	f := s.Features()
	return s.Images[i*f : (i+1)*f : (i+1)*f]
}

// Slice returns the examples lo..hi-1 as a Set sharing memory with s. It
// panics if the range is out of bounds, like a slice expression.
func (s *Set) Slice(lo, hi int) *Set {
	if lo < 0 || hi < lo || hi > s.N {
		panic(fmt.Sprintf("mnist: Set.Slice(%d, %d) out of range for %d examples", lo, hi, s.N))
	}
	f := s.Features()
	return &Set{
		Images: s.Images[lo*f : hi*f : hi*f],
		Labels: s.Labels[lo:hi:hi],
		N:      hi - lo, Rows: s.Rows, Cols: s.Cols, Dir: s.Dir, Source: s.Source,
	}
}

// OneHot returns len(labels) rows of classes float32 values, row i having
// 1 in column labels[i] and 0 elsewhere. It panics if classes < 1 or a
// label is not below classes (Load guarantees labels below Classes).
func OneHot(labels []uint8, classes int) []float32 {
	if classes < 1 {
		panic(fmt.Sprintf("mnist: OneHot with %d classes", classes))
	}
	out := make([]float32, len(labels)*classes)
	for i, l := range labels {
		if int(l) >= classes {
			panic(fmt.Sprintf("mnist: OneHot: label %d at index %d is not below %d classes", l, i, classes))
		}
		out[i*classes+int(l)] = 1
	}
	return out
}

// ReadSet reads a pair of IDX files, images and labels, and checks that
// they agree in count and that every label is a digit 0..9.
func ReadSet(imagesPath, labelsPath string) (*Set, error) {
	var (
		im         *Images
		labels     []uint8
		ierr, lerr error
		wg         sync.WaitGroup
	)
	wg.Go(func() { im, ierr = ReadImages(imagesPath) })
	wg.Go(func() { labels, lerr = ReadLabels(labelsPath) })
	wg.Wait()
	if err := errors.Join(ierr, lerr); err != nil {
		return nil, err
	}
	if im.N != len(labels) {
		return nil, &FormatError{
			Path: imagesPath + " and " + labelsPath,
			Problem: fmt.Sprintf("the files do not belong together: %s holds %d images but %s holds %d labels",
				imagesPath, im.N, labelsPath, len(labels)),
		}
	}
	for i, l := range labels {
		if l >= Classes {
			return nil, formatErr(labelsPath, nil, "label out of range: label %d at index %d, but MNIST labels are digits 0..9", l, i)
		}
	}
	return &Set{
		Images: im.Float32(),
		Labels: labels,
		N:      im.N, Rows: im.Rows, Cols: im.Cols,
		Dir: filepath.Dir(imagesPath),
	}, nil
}
