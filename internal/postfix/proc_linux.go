package postfix

import "syscall"

// sysProcAttr makes the Postfix master the leader of a session (and so of a
// process group) of its own, which it insists on being (it calls setsid
// unless it runs as PID 1) and which lets it be signalled as a whole. The
// kernel SIGKILLs the master when the thread that started it exits; Go
// threads live as long as the process unless a goroutine exits while locked
// to one, so in practice the master dies with the test binary, and its
// children exit when their master is gone.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
}
