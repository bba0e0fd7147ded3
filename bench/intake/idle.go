package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/internal/imaptest"
	"github.com/coe-congress/alliancebot/store"
)

const (
	// pollEvery is how often the control socket is asked whether the message
	// is stored.
	pollEvery = 2 * time.Millisecond
	// settle is how long the benchmark waits after a message has been moved
	// before it appends the next, so that the daemon is back in IDLE (it still
	// has to SEARCH the empty INBOX and send IDLE).
	settle = 250 * time.Millisecond
	// latencyTimeout bounds the wait for one message.
	latencyTimeout = 60 * time.Second
)

// idleLatency starts `alliancebot serve` on an empty INBOX, and count times
// appends one message from another connection and measures the time from the
// end of the APPEND to the message being in the store, as the control socket
// reports it. It stops the daemon with SIGTERM.
func (b *bench) idleLatency(ctx context.Context, dir string, msgs [][]byte) ([]time.Duration, error) {
	if err := reset(b.srv, false, 0); err != nil {
		return nil, err
	}
	storePath := filepath.Join(dir, "idle.db")
	logPath := filepath.Join(dir, "idle.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()

	cmd := exec.Command(b.bin, "serve")
	cmd.Env = b.daemonEnv(storePath)
	cmd.Stdout = logf
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start alliancebot serve: %w", err)
	}
	exited := make(chan error, 1)
	watching := make(chan struct{})
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		// Copy the log, and say when the watcher has logged in and selected
		// the INBOX.
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if !seen && strings.Contains(line, "msg=watching") {
				seen = true
				close(watching)
			}
		}
		io.Copy(logf, stderr)
	}()
	go func() {
		<-copied
		exited <- cmd.Wait()
	}()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		t := time.NewTimer(45 * time.Second)
		defer t.Stop()
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("alliancebot serve after SIGTERM: %w\n%s", err, tail(logPath, 20))
			}
			return nil
		case <-t.C:
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("alliancebot serve did not stop within 45 s of SIGTERM")
		}
	}
	defer stop()

	// The control socket answers once the store is open; the watcher logs
	// "watching" once it has selected the INBOX.
	sock := control.SocketPath(storePath)
	var cl *control.Client
	deadline := time.Now().Add(30 * time.Second)
	for cl == nil {
		if c, err := control.Dial(sock); err == nil {
			cl = c
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("control socket %s does not answer after 30 s\n%s", sock, tail(logPath, 20))
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("alliancebot serve exited: %v\n%s", err, tail(logPath, 20))
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	select {
	case <-watching:
	case err := <-exited:
		return nil, fmt.Errorf("alliancebot serve exited: %v\n%s", err, tail(logPath, 20))
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("alliancebot serve did not log in within 30 s\n%s", tail(logPath, 20))
	}
	if err := sleep(ctx, settle); err != nil {
		return nil, err
	}

	c, err := b.srv.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var lat []time.Duration
	for i, raw := range msgs {
		if err := imaptest.Append(c, folderInbox, raw); err != nil {
			return nil, err
		}
		appended := time.Now()
		id := uint64(i + 1)
		var m *store.Message
		for {
			m, err = cl.Get(ctx, id)
			if err == nil {
				break
			}
			if !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("ask the daemon for message %d: %w", id, err)
			}
			if time.Since(appended) > latencyTimeout {
				return nil, fmt.Errorf("message %d not stored %v after APPEND\n%s", id, latencyTimeout, tail(logPath, 20))
			}
			if err := sleep(ctx, pollEvery); err != nil {
				return nil, err
			}
		}
		lat = append(lat, time.Since(appended))
		// Let the daemon finish: the move out of the INBOX, then back to IDLE.
		for m.State == store.StateStored {
			if time.Since(appended) > latencyTimeout {
				return nil, fmt.Errorf("message %d not moved %v after APPEND\n%s", id, latencyTimeout, tail(logPath, 20))
			}
			if err := sleep(ctx, 5*time.Millisecond); err != nil {
				return nil, err
			}
			if m, err = cl.Get(ctx, id); err != nil {
				return nil, fmt.Errorf("ask the daemon for message %d: %w", id, err)
			}
		}
		if err := sleep(ctx, settle); err != nil {
			return nil, err
		}
	}
	if err := c.Logout().Wait(); err != nil {
		return nil, fmt.Errorf("logout: %w", err)
	}
	return lat, stop()
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// idleFloor measures what the daemon cannot go below: a bare go-imap client
// in IDLE on INBOX, timed from the end of an APPEND on another connection to
// the EXISTS it receives. Dovecot 2.3 waits NOTIFY_DELAY_MSECS (500 ms) after
// a change before it tells IDLE clients (src/lib-storage/mailbox-watch.c).
func (b *bench) idleFloor(ctx context.Context, msgs [][]byte) ([]time.Duration, error) {
	if err := reset(b.srv, false, 0); err != nil {
		return nil, err
	}
	exists := make(chan time.Time, 16)
	opts := &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				select {
				case exists <- time.Now():
				default:
				}
			}
		},
	}}
	w, err := imapclient.DialInsecure(b.srv.addr, opts)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", b.srv.addr, err)
	}
	defer w.Close()
	if err := w.Login(b.srv.user, b.srv.password).Wait(); err != nil {
		return nil, fmt.Errorf("log in: %w", err)
	}
	if _, err := w.Select(folderInbox, nil).Wait(); err != nil {
		return nil, fmt.Errorf("select %s: %w", folderInbox, err)
	}
	c, err := b.srv.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var lat []time.Duration
	for _, raw := range msgs {
		idle, err := w.Idle()
		if err != nil {
			return nil, fmt.Errorf("idle: %w", err)
		}
		if err := sleep(ctx, settle); err != nil {
			return nil, err
		}
		for len(exists) > 0 {
			<-exists
		}
		if err := imaptest.Append(c, folderInbox, raw); err != nil {
			return nil, err
		}
		appended := time.Now()
		select {
		case t := <-exists:
			lat = append(lat, max(0, t.Sub(appended)))
		case <-time.After(latencyTimeout):
			return nil, fmt.Errorf("no EXISTS in IDLE %v after APPEND", latencyTimeout)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if err := idle.Close(); err != nil {
			return nil, fmt.Errorf("end idle: %w", err)
		}
		if err := idle.Wait(); err != nil {
			return nil, fmt.Errorf("idle: %w", err)
		}
	}
	if err := w.Logout().Wait(); err != nil {
		return nil, fmt.Errorf("logout: %w", err)
	}
	return lat, c.Logout().Wait()
}
