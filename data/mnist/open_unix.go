//go:build unix

package mnist

import "syscall"

// openFlags are added when opening a data file: with O_NONBLOCK, opening a
// named pipe that replaced the file since it was examined returns at once
// instead of waiting for a writer (the file type is checked again after
// opening). Reads from regular files ignore the flag.
const openFlags = syscall.O_NONBLOCK
