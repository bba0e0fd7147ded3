package procgroup

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// Runner runs a server as one process group at a time, and stops, restarts,
// kills and signals it. Its methods are safe for concurrent use.
type Runner struct {
	// Name names the server in errors, such as "dovecot".
	Name string
	// Dir is the server's directory, which Stop removes.
	Dir string
	// Options is how Stop, Restart and Kill end a run.
	Options StopOptions
	// Launch starts a run and returns it once it is ready. inUse reports
	// that it failed because a port was taken, which Restart retries for
	// RebindTimeout.
	Launch        func() (p *Process, inUse bool, err error)
	RebindTimeout time.Duration
	// ErrStopped is returned by Restart and Do after Stop, ErrNotRunning by
	// Signal between Kill and Restart.
	ErrStopped, ErrNotRunning error

	mu      sync.Mutex
	proc    *Process // nil after Kill or Stop
	stopped bool     // Stop has run and removed Dir
}

// Started records p, the first run, which the caller launched itself.
func (r *Runner) Started(p *Process) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.proc = p
}

// Stop stops the run gracefully, if there is one, waits until every process
// of it is gone and removes Dir. Stop may be called more than once, and
// after Kill.
func (r *Runner) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return nil
	}
	r.stopped = true
	var errs []error
	if r.proc != nil {
		if err := r.proc.Stop(true, r.Options); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", r.Name, err))
		}
		r.proc = nil
	}
	if err := os.RemoveAll(r.Dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s directory: %w", r.Name, err))
	}
	return errors.Join(errs...)
}

// Restart stops the run gracefully, if there is one, and launches a new
// one, again every 100 ms for RebindTimeout while Launch finds a port taken.
// After Kill, Restart only launches.
func (r *Runner) Restart() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return r.ErrStopped
	}
	if r.proc != nil {
		err := r.proc.Stop(true, r.Options)
		r.proc = nil
		if err != nil {
			return fmt.Errorf("stop %s: %w", r.Name, err)
		}
	}
	// The ports are fixed now: wait a little if someone else holds one.
	deadline := time.Now().Add(r.RebindTimeout)
	for {
		p, inUse, err := r.Launch()
		if err == nil {
			r.proc = p
			return nil
		}
		if time.Now().After(deadline) || !inUse {
			return err
		}
		t := time.NewTimer(100 * time.Millisecond)
		<-t.C
	}
}

// Kill ends the run at once with SIGKILL to every process, as a crash would,
// and reaps them; Dir is kept. Kill without a run does nothing.
func (r *Runner) Kill() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return nil
	}
	err := r.proc.Stop(false, r.Options)
	r.proc = nil
	if err != nil {
		return fmt.Errorf("kill %s: %w", r.Name, err)
	}
	return nil
}

// Signal sends sig to every process of the run, or returns ErrNotRunning.
func (r *Runner) Signal(sig syscall.Signal) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return r.ErrNotRunning
	}
	if err := r.proc.Signal(sig); err != nil {
		return fmt.Errorf("send %v to %s: %w", sig, r.Name, err)
	}
	return nil
}

// PID returns the PID of the run's leader, which is also its process group,
// or 0 when there is no run.
func (r *Runner) PID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return 0
	}
	return r.proc.PGID
}

// Do runs f while no other method runs, and so while Stop cannot remove Dir.
// It returns ErrStopped after Stop; otherwise f's error. running reports
// whether there is a run.
func (r *Runner) Do(f func(running bool) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return r.ErrStopped
	}
	return f(r.proc != nil)
}
