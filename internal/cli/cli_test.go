package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"testing"
)

func TestFlagExit(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   int
		ok     bool
		stderr string
	}{
		{nil, ExitOK, true, ""},
		{flag.ErrHelp, ExitOK, false, ""},
		{Usagef("-x=%d: want at least 1", 0), ExitUsage, false, "prog: -x=0: want at least 1\n"},
		{fmt.Errorf("wrapped: %w", UsageError{"bad"}), ExitUsage, false, "prog: wrapped: bad\n"},
		{errors.New("flag provided but not defined: -y"), ExitUsage, false, ""},
	} {
		var stderr bytes.Buffer
		code, ok := FlagExit("prog", tc.err, &stderr)
		if code != tc.code || ok != tc.ok || stderr.String() != tc.stderr {
			t.Errorf("FlagExit(%v) = %d, %v, stderr %q; want %d, %v, %q", tc.err, code, ok, stderr.String(), tc.code, tc.ok, tc.stderr)
		}
	}
}

func TestFail(t *testing.T) {
	var stderr bytes.Buffer
	if code := Fail("prog", errors.New("shader x:\n  0:1: error\n\tmore"), &stderr); code != ExitError {
		t.Errorf("Fail returned %d, want %d", code, ExitError)
	}
	if got, want := stderr.String(), "prog: shader x: 0:1: error more\n"; got != want {
		t.Errorf("Fail wrote %q, want %q", got, want)
	}
}
