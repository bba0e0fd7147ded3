//go:build !unix

package dovecot

import "syscall"

// sysProcAttr is a stub: Dovecot runs on Unix only, and elsewhere Available
// reports false.
func sysProcAttr() *syscall.SysProcAttr { return nil }
