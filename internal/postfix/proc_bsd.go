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
