//go:build unix

package postfix

import "syscall"

// supported reports whether Postfix can run on this platform.
const supported = true

// Signals sent to the server's process group.
const (
	sigTerm = syscall.SIGTERM
	sigKill = syscall.SIGKILL
	sigStop = syscall.SIGSTOP
	sigCont = syscall.SIGCONT
)

// signalGroup sends sig to every process in process group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
