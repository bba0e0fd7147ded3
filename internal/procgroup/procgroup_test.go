//go:build unix

package procgroup

import (
	"bufio"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// startGroup runs script under sh as the leader of a new process group and
// returns once the script has printed its first line, by which time it has
// set up whatever it must before it is signalled.
func startGroup(t *testing.T, script string) *Process {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Stdout = w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p, err := Start(cmd)
	w.Close()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Stop(false, StopOptions{GoneTimeout: 5 * time.Second}); err != nil {
			t.Errorf("cleanup Stop: %v", err)
		}
	})
	if p.PGID != cmd.Process.Pid {
		t.Errorf("PGID = %d, want the leader's PID %d", p.PGID, cmd.Process.Pid)
	}
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil {
		t.Fatalf("read the script's first line: %v", err)
	}
	if !Alive(p.PGID) {
		t.Fatalf("group %d not alive after start", p.PGID)
	}
	return p
}

// stop runs p.Stop and checks that the whole group is gone afterwards.
func stop(t *testing.T, p *Process, graceful bool, o StopOptions) time.Duration {
	t.Helper()
	t0 := time.Now()
	if err := p.Stop(graceful, o); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	d := time.Since(t0)
	select {
	case <-p.Done():
	default:
		t.Errorf("Done not closed after Stop")
	}
	if Alive(p.PGID) {
		t.Errorf("group %d alive after Stop", p.PGID)
	}
	if err := syscall.Kill(p.PGID, 0); err != syscall.ESRCH {
		t.Errorf("kill(%d, 0) = %v after Stop, want ESRCH", p.PGID, err)
	}
	return d
}

// Every process of the group that honours SIGTERM.
const polite = `sleep 60 & sleep 60 & echo ready; wait`

// A leader that honours SIGTERM and a child that ignores it.
const stubbornChild = `(trap "" TERM; echo ready; exec sleep 60) & wait`

// Processes that all ignore SIGTERM.
const deaf = `trap "" TERM; sleep 60 & echo ready; wait`

func TestStopGraceful(t *testing.T) {
	p := startGroup(t, polite)
	if d := stop(t, p, true, StopOptions{Grace: 10 * time.Second, GoneTimeout: 5 * time.Second}); d > 5*time.Second {
		t.Errorf("graceful Stop of a polite group took %v", d)
	}
	if err := p.Err(); err == nil {
		t.Errorf("Err = nil, want the leader's exit on SIGTERM")
	}
}

func TestStopKill(t *testing.T) {
	p := startGroup(t, deaf)
	if d := stop(t, p, false, StopOptions{Grace: 10 * time.Second, GoneTimeout: 5 * time.Second}); d > 5*time.Second {
		t.Errorf("Stop without grace took %v", d)
	}
}

func TestStopGraceExpires(t *testing.T) {
	const grace = 300 * time.Millisecond
	p := startGroup(t, deaf)
	if d := stop(t, p, true, StopOptions{Grace: grace, GoneTimeout: 5 * time.Second}); d < grace {
		t.Errorf("Stop returned after %v, before the grace period of %v", d, grace)
	}
}

func TestStopWaitsForGroup(t *testing.T) {
	// Without UntilLeaderExits the grace period outlasts the leader.
	const grace = 300 * time.Millisecond
	p := startGroup(t, stubbornChild)
	if d := stop(t, p, true, StopOptions{Grace: grace, GoneTimeout: 5 * time.Second}); d < grace {
		t.Errorf("Stop returned after %v, before the grace period of %v", d, grace)
	}
}

func TestStopUntilLeaderExits(t *testing.T) {
	p := startGroup(t, stubbornChild)
	o := StopOptions{Grace: 10 * time.Second, GoneTimeout: 5 * time.Second, UntilLeaderExits: true}
	if d := stop(t, p, true, o); d > 5*time.Second {
		t.Errorf("Stop took %v though the leader exited on SIGTERM", d)
	}
}

func TestStopBusy(t *testing.T) {
	p := startGroup(t, deaf)
	calls := 0
	o := StopOptions{
		Grace:       10 * time.Second,
		GoneTimeout: 5 * time.Second,
		Busy: func(pgid int) bool {
			if pgid != p.PGID {
				t.Errorf("Busy(%d), want Busy(%d)", pgid, p.PGID)
			}
			calls++
			return calls < 3
		},
	}
	if d := stop(t, p, true, o); d > 5*time.Second {
		t.Errorf("Stop took %v though Busy reported false", d)
	}
	if calls != 3 {
		t.Errorf("Busy called %d times, want 3", calls)
	}
}

func TestPausedStop(t *testing.T) {
	p := startGroup(t, polite)
	if err := p.Signal(SigStop); err != nil {
		t.Fatalf("Signal(SIGSTOP): %v", err)
	}
	// A stopped group takes SIGTERM only once continued, which Stop does.
	if d := stop(t, p, true, StopOptions{Grace: 10 * time.Second, GoneTimeout: 5 * time.Second}); d > 5*time.Second {
		t.Errorf("graceful Stop of a paused group took %v", d)
	}
}

func TestWaitGoneTimeout(t *testing.T) {
	p := startGroup(t, polite)
	if err := WaitGone(p.PGID, 50*time.Millisecond); err == nil {
		t.Errorf("WaitGone on a live group = nil, want an error")
	}
	if err := Signal(p.PGID, SigKill); err != nil {
		t.Fatalf("Signal(SIGKILL): %v", err)
	}
	<-p.Done()
	if err := WaitGone(p.PGID, 5*time.Second); err != nil {
		t.Errorf("WaitGone after SIGKILL: %v", err)
	}
}

func TestStartError(t *testing.T) {
	p, err := Start(exec.Command("/nonexistent/procgroup-test"))
	if err == nil || p != nil {
		t.Errorf("Start of a missing binary = %v, %v; want nil and an error", p, err)
	}
}
