//go:build unix

package procgroup

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

var (
	errStopped    = errors.New("stopped")
	errNotRunning = errors.New("not running")
	errBusyPort   = errors.New("port taken")
)

func TestRunner(t *testing.T) {
	dir := t.TempDir() + "/server"
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	launches, taken := 0, 0
	r := &Runner{
		Name:    "test",
		Dir:     dir,
		Options: StopOptions{Grace: 5 * time.Second, GoneTimeout: 5 * time.Second},
		Launch: func() (*Process, bool, error) {
			launches++
			if taken > 0 {
				taken--
				return nil, true, errBusyPort
			}
			cmd := exec.Command("/bin/sh", "-c", "sleep 60 & wait")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			p, err := Start(cmd)
			return p, false, err
		},
		RebindTimeout: 5 * time.Second,
		ErrStopped:    errStopped,
		ErrNotRunning: errNotRunning,
	}
	t.Cleanup(func() { r.Stop() })

	p, _, err := r.Launch()
	if err != nil {
		t.Fatal(err)
	}
	r.Started(p)
	if r.PID() != p.PGID {
		t.Errorf("PID = %d, want %d", r.PID(), p.PGID)
	}
	if err := r.Signal(SigStop); err != nil {
		t.Errorf("Signal(SIGSTOP): %v", err)
	}
	// Restart continues the paused group before it stops it, and retries
	// while the port is taken.
	taken = 2
	if err := r.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if Alive(p.PGID) {
		t.Errorf("old group %d alive after Restart", p.PGID)
	}
	if launches != 4 {
		t.Errorf("%d launches, want 4", launches)
	}
	pid := r.PID()
	if pid == 0 || pid == p.PGID {
		t.Errorf("PID after Restart = %d", pid)
	}

	if err := r.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if Alive(pid) || r.PID() != 0 {
		t.Errorf("group %d alive or PID %d after Kill", pid, r.PID())
	}
	if err := r.Kill(); err != nil {
		t.Errorf("second Kill: %v", err)
	}
	if err := r.Signal(SigCont); err != errNotRunning {
		t.Errorf("Signal after Kill = %v, want ErrNotRunning", err)
	}
	if err := r.Do(func(running bool) error {
		if running {
			t.Errorf("Do after Kill: running")
		}
		return errBusyPort
	}); err != errBusyPort {
		t.Errorf("Do = %v, want f's error", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("Dir after Kill: %v", err)
	}

	// A launch that fails otherwise is not retried.
	launch := r.Launch
	r.Launch = func() (*Process, bool, error) { return nil, false, errBusyPort }
	if err := r.Restart(); err != errBusyPort {
		t.Errorf("Restart with a failing launch = %v", err)
	}
	r.Launch = launch
	taken = 0
	if err := r.Restart(); err != nil {
		t.Fatalf("Restart after Kill: %v", err)
	}
	pid = r.PID()
	if err := r.Do(func(running bool) error {
		if !running {
			t.Errorf("Do after Restart: not running")
		}
		return nil
	}); err != nil {
		t.Errorf("Do: %v", err)
	}

	if err := r.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if Alive(pid) || r.PID() != 0 {
		t.Errorf("group %d alive or PID %d after Stop", pid, r.PID())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Dir after Stop: %v, want it removed", err)
	}
	if err := r.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := r.Restart(); err != errStopped {
		t.Errorf("Restart after Stop = %v, want ErrStopped", err)
	}
	if err := r.Do(func(bool) error { return nil }); err != errStopped {
		t.Errorf("Do after Stop = %v, want ErrStopped", err)
	}
}
