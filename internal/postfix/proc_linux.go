package postfix

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

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

// groupAlive reports whether a process other than a zombie is still in
// process group pgid. Zombies are ignored: once their parent, the master, is
// gone they are reaped by init, which may be late in containers.
func groupAlive(pgid int) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'.
		j := bytes.LastIndexByte(b, ')')
		if j < 0 {
			continue
		}
		f := bytes.Fields(b[j+1:])
		if len(f) < 3 || string(f[0]) == "Z" {
			continue
		}
		if g, err := strconv.Atoi(string(f[2])); err == nil && g == pgid {
			return true
		}
	}
	return false
}
