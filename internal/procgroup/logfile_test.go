package procgroup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogFile(t *testing.T) {
	l := LogFile(filepath.Join(t.TempDir(), "server.log"))
	if l.Tail(3) != "" || l.Size() != 0 || l.AddrInUseSince(0) {
		t.Error("a missing log reads as something")
	}
	os.WriteFile(string(l), []byte("one\ntwo\nthree\n"), 0o600)
	off := l.Size()
	if got := l.Tail(2); got != "two\nthree" {
		t.Errorf("Tail(2) = %q", got)
	}
	if !strings.HasSuffix(l.Block(1), "\nthree") {
		t.Errorf("Block(1) = %q", l.Block(1))
	}
	f, _ := os.OpenFile(string(l), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("bind(127.0.0.1:1) failed: Address already in use\n")
	f.Close()
	if !l.AddrInUseSince(off) || l.AddrInUseSince(l.Size()) {
		t.Error("AddrInUseSince does not see the bind failure after the offset only")
	}
}
