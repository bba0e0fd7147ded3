package dovecot

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr puts Dovecot in a process group of its own, so that it can be
// signalled as a whole, and asks the kernel to SIGKILL the master when the
// thread that started it exits. Go threads live as long as the process unless
// a goroutine exits while locked to one (runtime.LockOSThread), so in practice
// the master dies with the test binary; its children then see the master's
// pipe close and exit by themselves.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// groupAlive reports whether a process other than a zombie is still in
// process group pgid. Zombies are ignored: once their parent, the master, is
// gone they are reaped by init, which may be late in containers.
func groupAlive(pgid int) bool {
	return groupHas(pgid, func(int, string) bool { return true })
}

// workersAlive reports whether process group pgid still has a process that
// may be writing mail: one other than the master (the group leader) and the
// login processes, which hold only connections that have not logged in, and
// which wait for those for seconds after SIGTERM.
func workersAlive(pgid int) bool {
	return groupHas(pgid, func(pid int, comm string) bool {
		return pid != pgid && !strings.HasSuffix(comm, "-login")
	})
}

// groupHas reports whether process group pgid has a live process for which
// match, given its PID and command name, reports true.
func groupHas(pgid int, match func(pid int, comm string) bool) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'.
		i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if i < 0 || j < i {
			continue
		}
		f := bytes.Fields(b[j+1:])
		if len(f) < 3 || string(f[0]) == "Z" {
			continue
		}
		if g, err := strconv.Atoi(string(f[2])); err == nil && g == pgid && match(pid, string(b[i+1:j])) {
			return true
		}
	}
	return false
}
