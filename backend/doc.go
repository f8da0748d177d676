// Package backend defines the Device interface that every glnn compute
// backend implements, the Tensor type that carries device memory, and a
// registry through which callers open a device by name ("cpu", "gpu",
// "auto") without importing a concrete backend.
//
// All tensors are float32, row-major and two-dimensional: a tensor of
// shape rows×cols, where rows is the product of any leading dimensions.
// Ops take their outputs first, then inputs. Shape misuse inside an op is a
// programmer error and panics with the op name and the shapes involved;
// everything a user can cause (no GPU, out of memory) is an error.
//
// Backends register themselves from an init function, database/sql-style,
// so a program picks the backends it links with blank imports:
//
//	import _ "github.com/glnn/glnn/backend/cpu"
package backend
