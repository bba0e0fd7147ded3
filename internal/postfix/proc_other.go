//go:build !unix

package postfix

import (
	"errors"
	"syscall"
)

// Postfix runs on Unix only; these stubs keep the package building
// elsewhere, where Available reports false.
const supported = false

const (
	sigTerm = syscall.Signal(15)
	sigKill = syscall.Signal(9)
	sigStop = syscall.Signal(19)
	sigCont = syscall.Signal(18)
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func groupAlive(pgid int) bool { return false }

func signalGroup(pgid int, sig syscall.Signal) error { return errors.ErrUnsupported }
