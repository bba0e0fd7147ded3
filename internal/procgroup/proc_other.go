//go:build !unix

package procgroup

import (
	"errors"
	"syscall"
)

// Supported reports whether process groups exist on this platform.
const Supported = false

// Signals to send to a process group, with their Unix numbers; Signal
// rejects them all here.
const (
	SigTerm = syscall.Signal(15)
	SigKill = syscall.Signal(9)
	SigStop = syscall.Signal(19)
	SigCont = syscall.Signal(18)
)

// Alive reports false: no process group can be started here.
func Alive(pgid int) bool { return false }

// Has reports false: no process group can be started here.
func Has(pgid int, match func(pid int, comm string) bool) bool { return false }

// Signal returns errors.ErrUnsupported.
func Signal(pgid int, sig syscall.Signal) error { return errors.ErrUnsupported }
