package dovecot

import "syscall"

// sysProcAttr puts Dovecot in a process group of its own, so that it can be
// signalled as a whole, and asks the kernel to SIGKILL the master when the
// thread that started it exits. Go threads live as long as the process unless
// a goroutine exits while locked to one (runtime.LockOSThread), so in practice
// the master dies with the test binary; its children then see the master's
// pipe close and exit by themselves.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
