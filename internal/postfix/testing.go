package postfix

import (
	"os"
	"testing"
)

// Required reports whether integration tests must run rather than skip when
// Postfix is missing: on CI (CI=true) or with REQUIRE_INTEGRATION=1, which
// scripts/test sets on CI.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("REQUIRE_INTEGRATION") == "1"
}

// StartT starts a server for t and stops it, with a check that nothing is
// left running, when t and its subtests have finished. When Postfix is not
// installed, or the test does not run as root, it skips t, or fails it when
// Required.
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	skipUnavailable(t)
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("postfix.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("postfix Stop: %v", err)
		}
	})
	return s
}

// skipUnavailable skips t, or fails it when Required, unless Postfix can
// run.
func skipUnavailable(t testing.TB) {
	t.Helper()
	if _, ok := Available(); ok {
		return
	}
	msg := "postfix is not installed: run scripts/test, which installs it, " +
		"or apt-get install postfix yourself"
	if find() != "" {
		msg = "postfix tests must run as root (the Postfix master starts as root)"
	}
	if Required() {
		t.Fatalf("%s (integration tests are required: CI=true or REQUIRE_INTEGRATION=1)", msg)
	}
	t.Skip(msg)
}
