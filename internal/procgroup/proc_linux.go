package procgroup

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// Alive reports whether a process other than a zombie is still in process
// group pgid. Zombies are ignored: once their parent, the leader, is gone
// they are reaped by init, which may be late in containers.
func Alive(pgid int) bool {
	return Has(pgid, func(int, string) bool { return true })
}

// Has reports whether process group pgid has a live process, zombies aside,
// for which match, given its PID and command name, reports true. When /proc
// cannot be read it reports whether any process is in the group.
func Has(pgid int, match func(pid int, comm string) bool) bool {
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
