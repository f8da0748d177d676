//go:build !unix

package mnist

// openFlags are added when opening a data file; see open_unix.go.
const openFlags = 0
