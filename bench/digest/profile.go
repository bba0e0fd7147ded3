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
	"github.com/coe-congress/alliancebot/newsletter"
	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

// profileSend runs what `digest send` runs, in this process and under the
// CPU profiler: newsletter.New(...).Start, then Send over mailbox.DialSMTP
// to the sink, on a copy of the store prepared with n members and the
// default store options. It writes the profile to path and returns the wall
// and CPU (user, system) time of the send; the sink's share of the CPU is
// in both the times and the profile (its functions are go-smtp's). It is a
// diagnostic, not a contender.
func (b *bench) profileSend(ctx context.Context, dir, template, path string, n int) (wall, user, sys time.Duration, err error) {
	storePath := filepath.Join(dir, "profile.db")
	if err := copyFile(storePath, template); err != nil {
		return 0, 0, 0, err
	}
	syscall.Sync()
	b.sink.reset()
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
	serr := func() error {
		db, err := store.Open(storePath, nil)
		if err != nil {
			return err
		}
		defer db.Close()
		set, err := templates.Load("")
		if err != nil {
			return err
		}
		nl, err := newsletter.New(newsletter.Config{From: fromAddr, FromName: fromName, PublicURL: publicURL}, db, set, nil)
		if err != nil {
			return err
		}
		d, err := nl.Start()
		if err != nil {
			return err
		}
		sc := mailbox.SenderConfig{Addr: b.sink.addr, TLS: mailbox.TLSNone, Timeout: 30 * time.Second}
		d, err = nl.Send(ctx, d.ID, newsletter.SendOptions{
			Dial: func(ctx context.Context) (newsletter.Conn, error) {
				return mailbox.DialSMTP(ctx, sc)
			},
			Permanent:   mailbox.IsPermanent,
			Connections: b.conns,
		})
		if err != nil {
			return err
		}
		if d.State != store.DigestDone || d.Counts[store.DeliverySent] != n {
			return fmt.Errorf("digest %d is %s with %d sent, want done with %d", d.ID, d.State, d.Counts[store.DeliverySent], n)
		}
		return nil
	}()
	pprof.StopCPUProfile()
	wall = time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	if serr != nil {
		return 0, 0, 0, serr
	}
	if err := b.checkOnce(n); err != nil {
		return 0, 0, 0, err
	}
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return wall, tv(after.Utime) - tv(before.Utime), tv(after.Stime) - tv(before.Stime), nil
}
