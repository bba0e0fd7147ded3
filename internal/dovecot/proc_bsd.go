//go:build unix && !linux

package dovecot

import "syscall"

// sysProcAttr puts Dovecot in a process group of its own, so that it can be
// signalled as a whole. Without Linux's Pdeathsig a killed test binary leaves
// the server running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// groupAlive reports whether any process, zombies included, is still in
// process group pgid.
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}

// workersAlive cannot tell the processes of the group apart here, so it
// reports true and the caller waits for the master.
func workersAlive(pgid int) bool { return true }
