package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/coe-congress/alliancebot/mailbox"
	"github.com/coe-congress/alliancebot/store"
)

// profileDrain runs what `serve --once` runs, in this process and under the
// CPU profiler: mailbox.New(...).Drain on a fresh store with the defaults.
// It writes the profile to path and returns the wall and CPU (user, system)
// time of the drain. It is a diagnostic, not a contender.
func (b *bench) profileDrain(ctx context.Context, dir, path string, n int) (wall, user, sys time.Duration, err error) {
	if err := reset(b.srv, true, n); err != nil {
		return 0, 0, 0, err
	}
	syscall.Sync()
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	var before, after syscall.Rusage
	start := time.Now()
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	if err := pprof.StartCPUProfile(f); err != nil {
		return 0, 0, 0, err
	}
	db, err := store.Open(filepath.Join(dir, "profile.db"), nil)
	if err != nil {
		pprof.StopCPUProfile()
		return 0, 0, 0, err
	}
	w := mailbox.New(mailbox.Config{
		Addr: b.srv.addr, Username: b.srv.user, Password: b.srv.password, TLS: mailbox.TLSNone,
	}, db, nil)
	st, derr := w.Drain(ctx)
	cerr := db.Close()
	pprof.StopCPUProfile()
	wall = time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	if derr != nil {
		return 0, 0, 0, fmt.Errorf("drain: %w", derr)
	}
	if cerr != nil {
		return 0, 0, 0, cerr
	}
	if st.Stored != n {
		return 0, 0, 0, fmt.Errorf("drain stored %d messages, want %d", st.Stored, n)
	}
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return wall, tv(after.Utime) - tv(before.Utime), tv(after.Stime) - tv(before.Stime), nil
}
