// Package safetensors reads and writes the safetensors file format of
// Hugging Face (https://github.com/huggingface/safetensors):
//
//   - 8 bytes: N, the length of the header, a little-endian uint64;
//   - N bytes: the header, a UTF-8 JSON object that maps each tensor name
//     to {"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]},
//     plus an optional "__metadata__" object of string values; the offsets
//     count from the first byte after the header, END is one past the last
//     byte, and the header may be padded at the end with JSON whitespace
//     (writers pad it with spaces to a multiple of 8 bytes, so that the
//     data that follows is aligned);
//   - the data: every tensor's elements, row-major and little-endian, one
//     tensor after another with no gaps, up to the end of the file.
//
// Encode writes files byte for byte as the reference implementation does:
// a compact header with "__metadata__" first and the tensors in data
// order, the data sorted by descending alignment of the dtype and then by
// name, and the header padded with spaces to a multiple of 8 bytes.
//
// Decode and ReadFile trust nothing in a file. The header length is capped
// (100 MB by default, like the reference) and checked against the file size
// before anything is allocated; the header must be valid UTF-8 and exactly
// one JSON object, starting with '{', without duplicate keys at any level
// and without unknown fields; every dtype must be known; shape products
// must not overflow; each tensor's offsets must hold exactly its elements;
// and the tensors must tile the data section exactly, with no gap, overlap
// or trailing byte. A file that breaks any rule is an error naming the file
// and the problem in one line, never a panic or an allocation sized by an
// unchecked claim.
//
// Decode is a little stricter than the reference implementation, which
// accepts leading whitespace before the header's '{' (it plans to stop),
// ignores unknown fields in a tensor's entry and accepts dimensions up to
// 2^64-1; such files are rejected here.
package safetensors
