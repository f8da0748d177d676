// Package cli holds what glnn's commands share about failing well: bad
// flags exit 2 with one line, other failures exit 1 with one line on
// stderr, and -h exits 0.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of glnn's commands.
const (
	ExitOK    = 0 // success, or -h
	ExitError = 1 // a user-facing failure, reported in one line
	ExitUsage = 2 // bad flags
)

// UsageError is a bad flag value or argument: exit status 2.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return UsageError{fmt.Sprintf(format, args...)}
}

// FlagExit turns the error from parsing a command's flags into its exit
// status: ok is false when the command should stop with code. -h gives
// ExitOK; a UsageError is written to stderr as "prog: message"; any other
// error has already been written by the flag package.
func FlagExit(prog string, err error, stderr io.Writer) (code int, ok bool) {
	switch {
	case err == nil:
		return ExitOK, true
	case errors.Is(err, flag.ErrHelp):
		return ExitOK, false
	}
	var u UsageError
	if errors.As(err, &u) {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
	}
	return ExitUsage, false
}

// Fail writes err to stderr as one line, "prog: message", and returns
// ExitError.
func Fail(prog string, err error, stderr io.Writer) int {
	fmt.Fprintf(stderr, "%s: %s\n", prog, OneLine(err))
	return ExitError
}

// OneLine folds a multi-line error (a shader log, say) onto one line.
func OneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
