//go:build !amd64

package finite

// anyNonFinite reports whether v holds a NaN or an infinity.
func anyNonFinite(v []float32) bool { return words(v) }
