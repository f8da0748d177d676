//go:build race

package main

// raceEnabled: the race detector slows training tenfold, so the tests that
// train on all of MNIST skip under it (the plain test run covers them).
const raceEnabled = true
