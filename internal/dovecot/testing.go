package dovecot

import (
	"os"
	"testing"
)

// Required reports whether integration tests must run rather than skip when
// Dovecot is missing: on CI (CI=true) or with REQUIRE_INTEGRATION=1,
// which scripts/test sets on CI.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("REQUIRE_INTEGRATION") == "1"
}

// StartT starts a server for t and stops it, with a check that nothing is
// left running, when t and its subtests have finished. When Dovecot is not
// installed it skips t, or fails it when Required.
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	if _, ok := Available(); !ok {
		const msg = "dovecot is not installed: run scripts/test, which installs " +
			"dovecot-core dovecot-imapd dovecot-lmtpd, or install them yourself"
		if Required() {
			t.Fatalf("%s (integration tests are required: CI=true or REQUIRE_INTEGRATION=1)", msg)
		}
		t.Skip(msg)
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("dovecot.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("dovecot Stop: %v", err)
		}
	})
	return s
}
