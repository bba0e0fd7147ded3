//go:build unix

package procgroup

import "syscall"

// Supported reports whether process groups exist on this platform.
const Supported = true

// Signals to send to a process group.
const (
	SigTerm = syscall.SIGTERM
	SigKill = syscall.SIGKILL
	SigStop = syscall.SIGSTOP
	SigCont = syscall.SIGCONT
)

// Signal sends sig to every process in process group pgid.
func Signal(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
