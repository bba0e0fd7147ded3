package procgroup

import (
	"testing"
	"time"
)

func TestHas(t *testing.T) {
	p := startGroup(t, polite)
	comm := func(want string) func(int, string) bool {
		return func(_ int, c string) bool { return c == want }
	}
	// The children fork before "ready" but may exec sleep after it.
	for deadline := time.Now().Add(5 * time.Second); !Has(p.PGID, comm("sleep")); {
		if time.Now().After(deadline) {
			t.Fatalf("Has(sleep) = false for a group running sleep")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if Has(p.PGID, comm("no-such-command")) {
		t.Errorf("Has(no-such-command) = true")
	}
	if !Has(p.PGID, func(pid int, _ string) bool { return pid == p.PGID }) {
		t.Errorf("Has(leader) = false")
	}
	stop(t, p, false, StopOptions{GoneTimeout: 5 * time.Second})
	if Has(p.PGID, func(int, string) bool { return true }) {
		t.Errorf("Has after Stop = true")
	}
}
