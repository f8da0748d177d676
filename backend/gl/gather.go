//go:build cgo

package gl

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// gatherChunks is how many shader storage blocks Gather spreads src over,
// so that src may exceed GL_MAX_SHADER_STORAGE_BLOCK_SIZE.
const gatherChunks = 4

// Gather copies rows indices[offset+i] of src into rows i of dst. A bad
// row number zeroes the row and is reported by the next Sync or Download
// (backend.ErrBadIndex). src may be larger than one shader storage block:
// it is bound as up to four blocks of whole rows.
func (d *Device) Gather(dst, src, indices *backend.Tensor, offset int) {
	d.tr.Gather(dst, src, indices, offset)
	defer d.tr.Exit()
	db, ib := d.arg("Gather", dst), d.arg("Gather", indices)
	sn, base := name(src), 4*src.Offset()
	n, cols := dst.Len(), dst.Cols()
	if n == 0 {
		return
	}
	rowBytes := 4 * cols
	chunkRows := src.Rows()
	if int64(src.Len())*4 > d.limits.maxSSBO {
		// Whole rows per block, block offsets aligned as GL requires.
		q := d.limits.align / gcd(rowBytes, d.limits.align)
		chunkRows = int(d.limits.maxSSBO) / rowBytes / q * q
		if chunkRows == 0 || (src.Rows()+chunkRows-1)/chunkRows > gatherChunks {
			panic(fmt.Sprintf("gl: Gather: src %s (%d MiB) is larger than %d shader storage blocks of %d MiB",
				src.Shape(), int64(src.Len())*4>>20, gatherChunks, d.limits.maxSSBO>>20))
		}
	}
	// Rows of whole vec4s are copied as vec4s (every row, and so every
	// block of rows, then starts on a vec4).
	k, elems := progKey{fam: famGather}, cols
	if cols%4 == 0 {
		k.vec4, elems = true, cols/4
	}
	c := command{
		op: opDispatch, prog: k, nbufs: 3 + gatherChunks,
		u:      [maxUints]uint32{uint32(dst.Rows()), uint32(elems), uint32(src.Rows()), uint32(offset), uint32(chunkRows)},
		groups: [3]uint32{1, d.rowGroups(dst.Rows(), 4), 1},
	}
	c.bufs[0], c.bufs[1], c.bufs[2] = db, ib, binding{name: errFlagBuf}
	for k := 0; k < gatherChunks; k++ {
		off := k * chunkRows * rowBytes
		if off >= 4*src.Len() {
			off = 0 // unused block: bind the first again
		}
		c.bufs[3+k] = binding{name: sn, off: base + off, size: min(chunkRows*rowBytes, 4*src.Len()-off)}
	}
	d.send(&c)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
