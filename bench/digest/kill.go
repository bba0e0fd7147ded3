package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/coe-congress/alliancebot/store"
)

// kill is one kill -9 of the kill test.
type kill struct {
	at        int           // sink deliveries (all runs) at which the kill was due
	after     time.Duration // process age at the kill
	delivered int64         // sink deliveries when it died
	// inFlight is what the store holds claimed once the process is dead:
	// exactly what the next run's ResetClaims sends again.
	inFlight int
	// countsClaimed is the digest's own count of claimed deliveries; it
	// must equal inFlight.
	countsClaimed int
	phase         string // "preparing", "sending", or "no digest yet"
	resumed       string // what the next run printed first ("resuming digest 1 ...: N of M done")
}

// killResult is the outcome of the kill test.
type killResult struct {
	n                    int
	kills                []kill
	missed, dups, strays int
	delivered            int64 // sink deliveries in all
	runs                 int   // processes started, the last one ran to the end
	elapsed              time.Duration
}

func (k *killResult) inFlight() (sum, most int) {
	for _, x := range k.kills {
		sum += x.inFlight
		most = max(most, x.inFlight)
	}
	return sum, most
}

// killTimeout bounds one run of the kill test.
const killTimeout = 30 * time.Minute

// killTest sends the digest to n members with `alliancebot digest send`,
// killing it with SIGKILL kills times at random points and starting it
// again, then lets the last run finish. The points are sink delivery counts
// drawn uniformly over the digest, so the kills spread over all of it.
// After each kill it counts, with store.Open, the deliveries left claimed.
// At the end the sink's per-recipient counts give what was missed and
// duplicated.
func (b *bench) killTest(ctx context.Context, dir, template string, n, kills int, rng *rand.Rand, progress func(string, ...any)) (*killResult, error) {
	storePath := filepath.Join(dir, "alliancebot.db")
	if err := copyFile(storePath, template); err != nil {
		return nil, err
	}
	b.sink.reset()
	points := make([]int, kills)
	for i := range points {
		points[i] = rng.IntN(n)
	}
	slices.Sort(points)
	res := &killResult{n: n}
	start := time.Now()
	for i := 0; ; i++ {
		last := i >= len(points)
		logPath := filepath.Join(dir, fmt.Sprintf("run%02d.log", i+1))
		d, err := b.startDigestSend(storePath, logPath)
		if err != nil {
			return nil, err
		}
		res.runs++
		if i > 0 {
			res.kills[i-1].resumed = firstLine(logPath, d)
		}
		if last {
			if _, err := b.waitFinish(ctx, d); err != nil {
				return nil, err
			}
			want := fmt.Sprintf("digest 1 done: %d sent, 0 failed, 0 skipped", n)
			if got := lastLine(logPath); got != want {
				return nil, fmt.Errorf("last run ended with %q, want %q\n%s", got, want, tail(logPath, 10))
			}
			break
		}
		k := kill{at: points[i]}
		finished, err := b.killAt(ctx, d, &k)
		if err != nil {
			return nil, err
		}
		if finished {
			// The digest was done before the point came: no more kills.
			want := fmt.Sprintf("digest 1 done: %d sent, 0 failed, 0 skipped", n)
			if got := lastLine(logPath); got != want {
				return nil, fmt.Errorf("run %d ended with %q, want %q\n%s", i+1, got, want, tail(logPath, 10))
			}
			progress("kill %d: the digest finished before %d deliveries; no more kills", i+1, k.at)
			break
		}
		if err := countClaimed(storePath, &k); err != nil {
			return nil, fmt.Errorf("after kill %d: %w", i+1, err)
		}
		res.kills = append(res.kills, k)
		progress("kill %2d at %6d deliveries (%5.1f s into the run, %s): %d claimed in the store",
			i+1, k.delivered, k.after.Seconds(), k.phase, k.inFlight)
	}
	res.elapsed = time.Since(start)
	res.delivered = b.sink.total.Load()
	res.missed, res.dups, res.strays = b.sink.tally(b.emails[:n])
	return res, nil
}

// killAt kills d with SIGKILL once the sink has received k.at deliveries.
// It returns true, without killing, when d exited first.
func (b *bench) killAt(ctx context.Context, d *daemon, k *kill) (bool, error) {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	deadline := time.Now().Add(killTimeout)
	for b.sink.total.Load() < int64(k.at) {
		select {
		case <-d.exited:
			if d.err != nil {
				return false, fmt.Errorf("alliancebot digest send: %w\n%s", d.err, tail(d.logPath, 10))
			}
			return true, nil
		case <-ctx.Done():
			d.cmd.Process.Kill()
			<-d.exited
			return false, ctx.Err()
		case <-t.C:
		}
		if time.Now().After(deadline) {
			d.cmd.Process.Kill()
			<-d.exited
			return false, fmt.Errorf("no %d deliveries after %v\n%s", k.at, killTimeout, tail(d.logPath, 10))
		}
	}
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return false, err
	}
	k.after = time.Since(d.start)
	<-d.exited
	k.delivered = b.sink.total.Load()
	var ee interface{ Sys() any }
	if errors.As(d.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return false, nil
		}
	}
	if d.err == nil {
		return true, nil // it finished just before the signal
	}
	return false, fmt.Errorf("alliancebot digest send: %w\n%s", d.err, tail(d.logPath, 10))
}

// waitFinish waits for d to exit on its own, successfully.
func (b *bench) waitFinish(ctx context.Context, d *daemon) (run, error) {
	stop := context.AfterFunc(ctx, func() { d.cmd.Process.Kill() })
	defer stop()
	r, err := d.wait()
	if err != nil {
		return r, fmt.Errorf("alliancebot digest send: %w\n%s", err, tail(d.logPath, 10))
	}
	return r, nil
}

// countClaimed opens the store of a killed run and counts the deliveries
// left claimed, as ResetClaims will find them.
func countClaimed(path string, k *kill) error {
	db, err := store.Open(path, &store.Options{LockTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := db.UnfinishedDigest()
	if errors.Is(err, store.ErrNotFound) {
		k.phase = "no digest yet"
		return nil
	}
	if err != nil {
		return err
	}
	k.phase = string(d.State)
	k.countsClaimed = d.Counts[store.DeliveryClaimed]
	err = db.ForEachDelivery(d.ID, func(dl *store.Delivery) error {
		if dl.State == store.DeliveryClaimed {
			k.inFlight++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if k.inFlight != k.countsClaimed {
		return fmt.Errorf("digest %d counts %d claimed, its records %d", d.ID, k.countsClaimed, k.inFlight)
	}
	return nil
}

// firstLine waits (up to 60 s) for the first line d prints and returns it.
func firstLine(path string, d *daemon) string {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(path)
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			return string(data[:i])
		}
		select {
		case <-d.exited:
			data, _ := os.ReadFile(path)
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				return string(data[:i])
			}
			return ""
		case <-time.After(5 * time.Millisecond):
		}
	}
	return ""
}
