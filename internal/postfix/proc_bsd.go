//go:build unix && !linux

package postfix

import "syscall"

// sysProcAttr makes the Postfix master the leader of a session (and so of a
// process group) of its own, which it insists on being and which lets it be
// signalled as a whole. Without Linux's Pdeathsig a killed test binary
// leaves the server running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// groupAlive reports whether any process, zombies included, is still in
// process group pgid.
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}
