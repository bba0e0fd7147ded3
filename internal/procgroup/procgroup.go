// Package procgroup runs a command as the leader of a process group of its
// own and signals, stops and waits for that group as a whole. It holds the
// process handling that the test harnesses internal/dovecot and
// internal/postfix share.
//
// The caller decides how the group is made: its exec.Cmd must have a
// SysProcAttr that makes the command a group leader (Setpgid or Setsid), so
// that the group ID is the leader's PID. A group outlives its leader while
// any member is left, so its ID cannot be reused while Stop waits for it.
//
// Process groups exist on Unix only. Elsewhere Supported is false, Signal
// returns errors.ErrUnsupported and Alive and Has report false; the package
// builds so that its callers do.
package procgroup

import (
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// pollInterval paces the polls of Stop and WaitGone.
const pollInterval = 10 * time.Millisecond

// Process is one run of a command that leads a process group.
type Process struct {
	Cmd  *exec.Cmd
	PGID int // the leader's PID, also its process group

	done chan struct{} // closed once the leader has been reaped
	err  error         // from Wait; read only after done is closed
}

// Start starts cmd, whose SysProcAttr must make it a process group leader,
// and reaps it in the background: Done is closed once it has exited.
func Start(cmd *exec.Cmd) (*Process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Cmd: cmd, PGID: cmd.Process.Pid, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Done is closed once the leader has exited and been reaped; other members
// of the group may still run.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err returns the error from the leader's Wait. It is valid only once Done
// is closed.
func (p *Process) Err() error { return p.err }

// Signal sends sig to every process of the group.
func (p *Process) Signal(sig syscall.Signal) error { return Signal(p.PGID, sig) }

// StopOptions says how Process.Stop ends a group.
type StopOptions struct {
	// Grace bounds the wait of a graceful stop between SIGTERM and SIGKILL.
	Grace time.Duration
	// GoneTimeout bounds the wait, once the leader has been reaped, for the
	// last other process of the group to go.
	GoneTimeout time.Duration
	// UntilLeaderExits ends the grace period as soon as the leader has been
	// reaped, whatever is left of the group.
	UntilLeaderExits bool
	// Busy, polled every 10 ms during the grace period, reports whether
	// group pgid still has a process worth waiting for; the grace period
	// ends once it reports false. When nil it is Alive: the grace period
	// lasts until the whole group is gone.
	Busy func(pgid int) bool
}

// Stop ends the run. Graceful: SIGCONT (in case the group was stopped) and
// SIGTERM to the whole group, then a wait as o says, then SIGKILL to what is
// left. Otherwise SIGKILL at once. Either way Stop returns once the leader is
// reaped and, within o.GoneTimeout, no other process of the group is left.
func (p *Process) Stop(graceful bool, o StopOptions) error {
	if graceful {
		busy := o.Busy
		if busy == nil {
			busy = Alive
		}
		var leaderDone <-chan struct{} // nil: never ready
		if o.UntilLeaderExits {
			leaderDone = p.done
		}
		_ = Signal(p.PGID, SigCont)
		_ = Signal(p.PGID, SigTerm)
		deadline := time.NewTimer(o.Grace)
		defer deadline.Stop()
		tick := time.NewTicker(pollInterval)
		defer tick.Stop()
	wait:
		for {
			select {
			case <-leaderDone:
				break wait
			case <-deadline.C:
				break wait
			case <-tick.C:
			}
			if !busy(p.PGID) {
				break
			}
		}
	}
	// The group outlives the leader while any member is left, so its ID
	// cannot be reused by then.
	if Alive(p.PGID) {
		_ = Signal(p.PGID, SigKill)
	}
	<-p.done
	return WaitGone(p.PGID, o.GoneTimeout)
}

// WaitGone polls until no live process is left in group pgid, and fails
// after timeout.
func WaitGone(pgid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for Alive(pgid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("processes of group %d still running after %v", pgid, timeout)
		}
		<-tick.C
	}
	return nil
}
