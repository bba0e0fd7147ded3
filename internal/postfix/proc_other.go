//go:build !unix

package postfix

import "syscall"

// sysProcAttr is a stub: Postfix runs on Unix only, and elsewhere Available
// reports false.
func sysProcAttr() *syscall.SysProcAttr { return nil }
