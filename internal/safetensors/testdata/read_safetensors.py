#!/usr/bin/env python3
"""Read a safetensors file using only the published format description.

Written from the format as Hugging Face documents it, independently of the
Go package it checks: 8 bytes of little-endian unsigned header length N,
N bytes of UTF-8 JSON mapping tensor names to {"dtype", "shape",
"data_offsets": [begin, end]} (offsets relative to the first byte after the
header) plus an optional "__metadata__" object of strings, then the data.

Prints one JSON document on stdout:
  {"metadata": {...} or null,
   "tensors": [{"name", "dtype", "shape", "values"}, ...]}
with the tensors in the order of their data. F32 values are printed as
numbers (non-finite ones as the strings "nan", "inf", "-inf"); other dtypes
get "values": null. Any violation of the format is reported on stderr with
exit status 1.

Usage: read_safetensors.py FILE
"""

import json
import math
import struct
import sys

SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8,
}


class FormatError(Exception):
    pass


def no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise FormatError("duplicate key %r in the header" % key)
        obj[key] = value
    return obj


def is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise FormatError("file shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise FormatError("header length %d exceeds the file" % n)
    text = blob[8:8 + n].decode("utf-8")
    header = json.loads(text, object_pairs_hook=no_duplicates)
    if not isinstance(header, dict):
        raise FormatError("header is not a JSON object")
    data = blob[8 + n:]

    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(v, str) for v in metadata.values()):
            raise FormatError("__metadata__ is not a map of strings")

    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            raise FormatError("entry of %r is not an object" % name)
        dtype, shape = info.get("dtype"), info.get("shape")
        offsets = info.get("data_offsets")
        if dtype not in SIZES:
            raise FormatError("tensor %r: unknown dtype %r" % (name, dtype))
        if not isinstance(shape, list) or not all(map(is_count, shape)):
            raise FormatError("tensor %r: bad shape %r" % (name, shape))
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(map(is_count, offsets))):
            raise FormatError("tensor %r: bad data_offsets %r" % (name, offsets))
        begin, end = offsets
        count = 1
        for d in shape:
            count *= d
        if end < begin or end - begin != count * SIZES[dtype]:
            raise FormatError("tensor %r: data_offsets %r do not match %s %r"
                              % (name, offsets, dtype, shape))
        entries.append((begin, end, name, dtype, shape, count))

    entries.sort()
    position = 0
    tensors = []
    for begin, end, name, dtype, shape, count in entries:
        if begin != position:
            raise FormatError("tensor %r does not start where the previous "
                              "one ends (%d != %d)" % (name, begin, position))
        position = end
        values = None
        if dtype == "F32":
            values = [encode_float(v) for v in
                      struct.unpack("<%df" % count, data[begin:end])]
        tensors.append({"name": name, "dtype": dtype, "shape": shape,
                        "values": values})
    if position != len(data):
        raise FormatError("tensors cover %d bytes of %d" % (position, len(data)))
    return {"metadata": metadata, "tensors": tensors}


def encode_float(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: read_safetensors.py FILE\n")
        return 2
    try:
        result = read(argv[1])
    except (FormatError, ValueError, OSError) as e:
        sys.stderr.write("read_safetensors.py: %s: %s\n" % (argv[1], e))
        return 1
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
