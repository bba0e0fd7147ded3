package procgroup

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// LogFile is the path of the log a server writes: read for error messages,
// and to tell why a start failed.
type LogFile string

// Tail returns the last n lines of the log ("" when it cannot be read).
func (l LogFile) Tail(n int) string {
	const maxRead = 64 << 10
	f, err := os.Open(string(l))
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxRead {
		f.Seek(fi.Size()-maxRead, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Block is Tail framed for an error message.
func (l LogFile) Block(n int) string {
	return fmt.Sprintf("--- last lines of %s ---\n%s", string(l), l.Tail(n))
}

// Size is the log's length now: an offset for Since.
func (l LogFile) Size() int64 {
	fi, err := os.Stat(string(l))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// AddrInUseSince reports whether the server logged a failed bind ("Address
// already in use") after offset off.
func (l LogFile) AddrInUseSince(off int64) bool {
	f, err := os.Open(string(l))
	if err != nil {
		return false
	}
	defer f.Close()
	b, _ := io.ReadAll(io.NewSectionReader(f, off, 1<<20))
	return strings.Contains(string(b), "Address already in use")
}
