package nn

// Screens reports whether Predict leaves m's input check to its first
// Dense layer (see inputScreen).
func Screens(m *Sequential) bool { return m.screens() }
