//go:build unix

package dovecot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/coe-congress/alliancebot/internal/procgroup"
)

func testMessage(subject string) []byte {
	return []byte("From: Sender <sender@example.org>\r\n" +
		"To: Alliance <alliance@example.org>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.org>\r\n" +
		"Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n" +
		"\r\n" +
		"Body of " + subject + ".\r\n")
}

// login dials addr and logs in; the client is closed when t ends.
func login(t *testing.T, addr, user, password string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatalf("DialInsecure(%s): %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("Login(%s) = %v, want success", user, err)
	}
	return c
}

func appendMessage(t *testing.T, c *imapclient.Client, mailbox string, msg []byte) imap.UID {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(msg)), nil)
	if _, err := cmd.Write(msg); err != nil {
		t.Fatalf("APPEND write: %v", err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("APPEND close: %v", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		t.Fatalf("APPEND %s: %v", mailbox, err)
	}
	return data.UID
}

// bodies returns the full text of every message in mailbox.
func bodies(t *testing.T, c *imapclient.Client, mailbox string) [][]byte {
	t.Helper()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("SELECT %s: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	var all imap.SeqSet
	all.AddRange(1, 0) // 1:*
	msgs, err := c.Fetch(all, &imap.FetchOptions{
		BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		t.Fatalf("FETCH 1:* BODY.PEEK[]: %v", err)
	}
	var out [][]byte
	for _, m := range msgs {
		out = append(out, m.FindBodySection(section))
	}
	return out
}

func checkGone(t *testing.T, pid int) {
	t.Helper()
	if procgroup.Alive(pid) {
		t.Errorf("process group %d still has live processes", pid)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(%d, 0) = %v, want ESRCH", pid, err)
	}
}

// checkLog fails t when the server logged an error.
func checkLog(t *testing.T, s *Server) {
	t.Helper()
	for _, line := range strings.Split(s.LogTail(10000), "\n") {
		if strings.Contains(line, " Error: ") || strings.Contains(line, " Fatal: ") || strings.Contains(line, " Panic: ") {
			t.Errorf("dovecot logged: %s", line)
		}
	}
}

func TestStartAppendRestart(t *testing.T) {
	t0 := time.Now()
	s := StartT(t, Options{})
	t.Logf("Start: %v", time.Since(t0))

	if s.User != DefaultUser || s.Password != Password(DefaultUser) {
		t.Errorf("User, Password = %q, %q, want %q, %q", s.User, s.Password, DefaultUser, Password(DefaultUser))
	}
	conf, err := os.ReadFile(filepath.Join(s.Dir, "dovecot.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mail_fsync = never", "mail_location = sdbox:~/mail"} {
		if !bytes.Contains(conf, []byte(want)) {
			t.Errorf("dovecot.conf lacks %q", want)
		}
	}

	c := login(t, s.Addr, s.User, s.Password)
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatalf("CAPABILITY: %v", err)
	}
	for _, cp := range []imap.Cap{imap.CapIdle, imap.CapMove, imap.CapUIDPlus} {
		if !caps.Has(cp) {
			t.Errorf("CAPABILITY lacks %s", cp)
		}
	}
	msg := testMessage("before restart")
	if uid := appendMessage(t, c, "INBOX", msg); uid != 1 {
		t.Errorf("APPEND UID = %d, want 1", uid)
	}

	addr, pid := s.Addr, s.PID()
	t0 = time.Now()
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	t.Logf("Restart: %v", time.Since(t0))
	checkGone(t, pid)
	if s.Addr != addr {
		t.Errorf("Addr after Restart = %s, want %s", s.Addr, addr)
	}
	if s.PID() == pid || s.PID() == 0 {
		t.Errorf("PID after Restart = %d, want a new one (was %d)", s.PID(), pid)
	}
	// The old session went with the old server.
	if err := c.Noop().Wait(); err == nil {
		t.Errorf("NOOP on a connection from before Restart succeeded")
	}

	c = login(t, addr, s.User, s.Password)
	got := bodies(t, c, "INBOX")
	if len(got) != 1 || !bytes.Equal(got[0], msg) {
		t.Fatalf("INBOX after Restart = %q, want [%q]", got, msg)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("LOGOUT: %v", err)
	}
	checkLog(t, s)
}

func TestRestartPortTaken(t *testing.T) {
	s := StartT(t, Options{})
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", s.Addr)
	if err != nil {
		t.Fatalf("Listen(%s): %v", s.Addr, err)
	}
	t0 := time.Now()
	err = s.Restart()
	l.Close()
	if err == nil || !strings.Contains(err.Error(), "Address already in use") {
		t.Fatalf("Restart with the port taken = %v, want an error quoting the log", err)
	}
	t.Logf("Restart with the port taken failed after %v", time.Since(t0))
	if s.PID() != 0 {
		t.Errorf("PID after a failed Restart = %d, want 0", s.PID())
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart once the port is free: %v", err)
	}
	login(t, s.Addr, s.User, s.Password)
}

func TestStopLeavesNothing(t *testing.T) {
	if _, ok := Available(); !ok {
		StartT(t, Options{}) // skips or fails
	}
	s, err := Start(Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	pid := s.PID()
	if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
		t.Errorf("Getpgid(%d) = %d, %v; want the master to lead its group", pid, pgid, err)
	}
	// A logged-in session: its imap process must go too.
	c := login(t, s.Addr, s.User, s.Password)
	appendMessage(t, c, "INBOX", testMessage("stop"))

	t0 := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop: %v", time.Since(t0))
	checkGone(t, pid)
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(Dir) after Stop = %v, want not exist", err)
	}
	if s.PID() != 0 {
		t.Errorf("PID after Stop = %d, want 0", s.PID())
	}
	if conn, err := net.Dial("tcp", s.Addr); err == nil {
		conn.Close()
		t.Errorf("Dial(%s) after Stop succeeded", s.Addr)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop = %v, want nil", err)
	}
	if err := s.Restart(); !errors.Is(err, ErrStopped) {
		t.Errorf("Restart after Stop = %v, want ErrStopped", err)
	}
}

func TestKillRestart(t *testing.T) {
	s := StartT(t, Options{})
	c := login(t, s.Addr, s.User, s.Password)
	msg := testMessage("before kill")
	appendMessage(t, c, "INBOX", msg)

	pid := s.PID()
	t0 := time.Now()
	if err := s.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	t.Logf("Kill: %v", time.Since(t0))
	checkGone(t, pid)
	if err := s.Pause(); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Pause after Kill = %v, want ErrNotRunning", err)
	}
	if err := s.Kill(); err != nil {
		t.Errorf("second Kill = %v, want nil", err)
	}

	t0 = time.Now()
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart after Kill: %v", err)
	}
	t.Logf("Restart after Kill: %v", time.Since(t0))
	c = login(t, s.Addr, s.User, s.Password)
	got := bodies(t, c, "INBOX")
	if len(got) != 1 || !bytes.Equal(got[0], msg) {
		t.Fatalf("INBOX after Kill and Restart = %q, want [%q]", got, msg)
	}
}

func TestPauseResume(t *testing.T) {
	s := StartT(t, Options{})
	if err := s.Pause(); err != nil {
		t.Fatalf("Pause: %v", err)
	}
	conn, err := net.Dial("tcp", s.Addr) // the kernel still accepts
	if err != nil {
		t.Fatalf("Dial while paused: %v", err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	r := bufio.NewReader(conn)
	if line, err := r.ReadString('\n'); err == nil {
		t.Fatalf("greeting while paused = %q, want a timeout", line)
	}
	if err := s.Resume(); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("greeting after Resume: %v", err)
		}
		if !strings.Contains(line, "Waiting for authentication") {
			if !strings.HasPrefix(line, "* OK") {
				t.Errorf("greeting after Resume = %q, want * OK", line)
			}
			break
		}
	}
}

func TestFormats(t *testing.T) {
	for _, format := range []string{FormatSdbox, FormatMdbox, FormatMaildir} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			s := StartT(t, Options{Format: format, FSync: format == FormatMdbox})
			c := login(t, s.Addr, s.User, s.Password)
			if err := c.Create("Archive/2024", nil).Wait(); err != nil {
				t.Fatalf("CREATE Archive/2024: %v", err)
			}
			msg := testMessage("format " + format)
			appendMessage(t, c, "Archive/2024", msg)
			if got := bodies(t, c, "Archive/2024"); len(got) != 1 || !bytes.Equal(got[0], msg) {
				t.Errorf("Archive/2024 = %q, want [%q]", got, msg)
			}
			list, err := c.List("", "*", nil).Collect()
			if err != nil {
				t.Fatalf("LIST: %v", err)
			}
			var names []string
			for _, l := range list {
				names = append(names, l.Mailbox)
				if l.Delim != '/' {
					t.Errorf("LIST %s delimiter = %q, want '/'", l.Mailbox, l.Delim)
				}
			}
			for _, want := range []string{"INBOX", "Drafts", "Junk", "Sent", "Trash", "Archive", "Archive/2024"} {
				if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
					t.Errorf("LIST = %q, lacks %q", names, want)
				}
			}
			if _, err := os.Stat(filepath.Join(s.Dir, "home", s.User, "mail")); err != nil {
				t.Errorf("mail store: %v", err)
			}
		})
	}
}

func TestUsers(t *testing.T) {
	s := StartT(t, Options{Users: []string{"alice", "bob"}})
	if s.User != "alice" || len(s.Users) != 2 {
		t.Fatalf("User, Users = %q, %q; want alice, [alice bob]", s.User, s.Users)
	}
	a := login(t, s.Addr, "alice", Password("alice"))
	appendMessage(t, a, "INBOX", testMessage("for alice"))
	b := login(t, s.Addr, "bob", Password("bob"))
	if got := bodies(t, b, "INBOX"); len(got) != 0 {
		t.Errorf("bob's INBOX = %q, want empty", got)
	}

	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", Password("bob")).Wait(); err == nil {
		t.Errorf("Login(alice, bob's password) succeeded")
	}
	if err := c.Login("carol", Password("carol")).Wait(); err == nil {
		t.Errorf("Login(carol) succeeded, want unknown user")
	}
	// No growing penalty for repeated failures from 127.0.0.1.
	t0 := time.Now()
	for range 3 {
		c.Login("alice", "wrong").Wait()
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("3 failed logins took %v, want about 1.5 s", d)
	}
	checkLog(t, s)

	if _, err := Start(Options{Users: []string{"a:b"}}); err == nil {
		t.Errorf(`Start(Users: "a:b") succeeded, want an error`)
	}
	if _, err := Start(Options{Format: "mbox"}); err == nil {
		t.Errorf(`Start(Format: "mbox") succeeded, want an error`)
	}
}

// lmtpCmd sends one LMTP command and returns the code of the reply.
func lmtpCmd(t *testing.T, tp *textproto.Conn, format string, args ...any) int {
	t.Helper()
	id, err := tp.Cmd(format, args...)
	if err != nil {
		t.Fatalf("LMTP %s: %v", fmt.Sprintf(format, args...), err)
	}
	tp.StartResponse(id)
	defer tp.EndResponse(id)
	code, _, err := tp.ReadResponse(0)
	if err != nil && code == 0 {
		t.Fatalf("LMTP %s: %v", fmt.Sprintf(format, args...), err)
	}
	return code
}

func TestLMTP(t *testing.T) {
	s := StartT(t, Options{LMTP: true})
	if s.LMTPAddr == "" || s.LMTPAddr == s.Addr {
		t.Fatalf("LMTPAddr = %q, want an address of its own", s.LMTPAddr)
	}
	tp, err := textproto.Dial("tcp", s.LMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	if _, _, err := tp.ReadResponse(220); err != nil {
		t.Fatalf("LMTP greeting: %v", err)
	}
	if code := lmtpCmd(t, tp, "LHLO test.example"); code != 250 {
		t.Fatalf("LHLO = %d, want 250", code)
	}
	if code := lmtpCmd(t, tp, "MAIL FROM:<sender@example.org>"); code != 250 {
		t.Fatalf("MAIL FROM = %d, want 250", code)
	}
	if code := lmtpCmd(t, tp, "RCPT TO:<nosuchuser@example.org>"); code/100 != 5 {
		t.Errorf("RCPT TO unknown user = %d, want 5xx", code)
	}
	if code := lmtpCmd(t, tp, "RCPT TO:<%s@example.org>", s.User); code != 250 {
		t.Fatalf("RCPT TO = %d, want 250", code)
	}
	if code := lmtpCmd(t, tp, "DATA"); code != 354 {
		t.Fatalf("DATA = %d, want 354", code)
	}
	msg := testMessage("over lmtp")
	w := tp.DotWriter()
	w.Write(msg)
	w.Close()
	if code, line, err := tp.ReadResponse(250); err != nil {
		t.Fatalf("end of DATA = %d %s: %v", code, line, err)
	}
	lmtpCmd(t, tp, "QUIT")

	c := login(t, s.Addr, s.User, s.Password)
	got := bodies(t, c, "INBOX")
	if len(got) != 1 || !bytes.Contains(got[0], []byte("Subject: over lmtp\r\n")) {
		t.Fatalf("INBOX after LMTP = %q, want the message", got)
	}

	// Restart keeps the LMTP port too.
	lmtpAddr := s.LMTPAddr
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", lmtpAddr)
	if err != nil {
		t.Fatalf("Dial LMTP after Restart: %v", err)
	}
	conn.Close()
	checkLog(t, s)
}

func TestConcurrentUse(t *testing.T) {
	s := StartT(t, Options{})
	done := make(chan struct{})
	defer func() { <-done }()
	go func() {
		defer close(done)
		for range 3 {
			t0 := time.Now()
			if err := s.Restart(); err != nil {
				t.Errorf("Restart: %v", err)
			}
			t.Logf("Restart while clients connect: %v", time.Since(t0))
		}
	}()
	for range 50 {
		_ = s.PID()
		_ = s.LogTail(3)
		if conn, err := net.Dial("tcp", s.Addr); err == nil {
			conn.Close()
		}
	}
}

func TestLogTail(t *testing.T) {
	s := StartT(t, Options{})
	tail := s.LogTail(5)
	if n := strings.Count(tail, "\n") + 1; n > 5 {
		t.Errorf("LogTail(5) has %d lines", n)
	}
	if !strings.Contains(s.LogTail(1000), "starting up") {
		t.Errorf("log lacks the master's start-up line:\n%s", s.LogTail(1000))
	}
}
