//go:build unix && !linux

package dovecot

import "syscall"

// sysProcAttr puts Dovecot in a process group of its own, so that it can be
// signalled as a whole. Without Linux's Pdeathsig a killed test binary leaves
// the server running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
