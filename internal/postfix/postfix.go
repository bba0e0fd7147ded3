package postfix

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/coe-congress/alliancebot/internal/procgroup"
)

const (
	// startTimeout bounds the wait for the first greeting after a (re)start.
	startTimeout = 15 * time.Second
	// stopTimeout is how long Stop and Restart wait after SIGTERM before they
	// send SIGKILL, as "postfix stop" does. The master exits at once and
	// SIGTERMs its children, which usually takes about 10 ms.
	stopTimeout = 5 * time.Second
	// groupTimeout bounds the wait for the last process of the group to go.
	groupTimeout = 5 * time.Second
	// commandTimeout bounds postfix, postconf and postqueue runs.
	commandTimeout = 30 * time.Second
	// pollInterval paces the readiness, exit and queue polls.
	pollInterval = 20 * time.Millisecond
	// startAttempts is how many times Start picks a new port when Postfix
	// finds one taken.
	startAttempts = 3
	// rebindTimeout is how long Restart retries while another process holds
	// the server's port.
	rebindTimeout = 3 * time.Second
	// errorLogLines is how many log lines errors quote.
	errorLogLines = 30
)

var (
	// ErrNotInstalled is returned by Start when no postfix binary is found.
	ErrNotInstalled = errors.New("postfix is not installed")
	// ErrNotRoot is returned by Start when the caller is not root: the
	// Postfix master must start as root.
	ErrNotRoot = errors.New("postfix must run as root")
	// ErrStopped is returned by Restart, Queue and Flush after Stop.
	ErrStopped = errors.New("postfix server is stopped")
	// ErrNotRunning is returned by Flush, Pause and Resume between Kill and
	// Restart.
	ErrNotRunning = errors.New("postfix server is not running")
)

// Options configures Start. The zero value is a server that accepts mail
// for every domain and keeps it in its queue, deferred, until Stop.
type Options struct {
	// LMTP "host:port" delivers mail for every domain over LMTP to that
	// address, such as the LMTPAddr of a dovecot.Server started with
	// dovecot.Options{LMTP: true}.
	LMTP string
	// Relay "host:port" delivers mail for every domain over SMTP (no TLS,
	// no AUTH, no MX lookup) to that address, such as an in-process go-smtp
	// server. At most one of LMTP and Relay may be set.
	Relay string
}

// Server is a running Postfix. Its exported fields do not change after
// Start, not even across Restart.
type Server struct {
	Addr      string // SMTP "127.0.0.1:port", plaintext, no AUTH; mail to any domain is accepted from 127.0.0.0/8
	Transport string // default_transport: "lmtp:inet:[host]:port", "smtp:[host]:port" or "retry:..." (deferred)
	Dir       string // the server's temporary directory, see the package doc

	postfix   string // the postfix command
	postqueue string
	master    string
	etc       string // config_directory
	logPath   string

	run *procgroup.Runner // the runs of the master and its process group
}

// Available returns the path of the postfix command: the first in PATH,
// else /usr/sbin/postfix or /usr/local/sbin/postfix (a non-root PATH often
// lacks sbin). ok is false when it is missing or when the caller is not
// root, as Postfix must start as root.
func Available() (path string, ok bool) {
	path = find()
	return path, path != "" && os.Geteuid() == 0
}

// find returns the path of the postfix command, or "".
func find() string {
	if !procgroup.Supported {
		return ""
	}
	if p, err := exec.LookPath("postfix"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/postfix", "/usr/local/sbin/postfix"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// Start starts a Postfix server with a fresh configuration, queue and port,
// and returns once smtpd greets. The caller must call Stop; tests use
// StartT, which does.
func Start(opts Options) (*Server, error) {
	bin := find()
	if bin == "" {
		return nil, ErrNotInstalled
	}
	if os.Geteuid() != 0 {
		return nil, ErrNotRoot
	}
	tr, err := transport(opts)
	if err != nil {
		return nil, err
	}
	cmdDir := filepath.Dir(bin)
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	out, err := exec.CommandContext(ctx, filepath.Join(cmdDir, "postconf"), "-d", "-h", "daemon_directory").Output()
	cancel()
	if err != nil {
		return nil, fmt.Errorf("start postfix: postconf daemon_directory: %w", err)
	}
	master := filepath.Join(strings.TrimSpace(string(out)), "master")

	dir, err := os.MkdirTemp(tempBase(), "alliancebot-postfix-")
	if err != nil {
		return nil, fmt.Errorf("create postfix directory: %w", err)
	}
	s := &Server{
		Transport: tr,
		Dir:       dir,
		postfix:   bin,
		postqueue: filepath.Join(cmdDir, "postqueue"),
		master:    master,
		etc:       filepath.Join(dir, "etc"),
		logPath:   filepath.Join(dir, "postfix.log"),
	}
	s.run = &procgroup.Runner{
		Name:          "postfix",
		Dir:           dir,
		Options:       stopOptions,
		Launch:        s.tryLaunch,
		RebindTimeout: rebindTimeout,
		ErrStopped:    ErrStopped,
		ErrNotRunning: ErrNotRunning,
	}
	if err := s.start(config{Dir: dir, Hostname: Hostname, Transport: tr}); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// start prepares s.Dir and launches the first run of s.
func (s *Server) start(cfg config) error {
	// The daemons run as user postfix: they must reach the queue.
	if err := os.Chmod(s.Dir, 0o755); err != nil {
		return fmt.Errorf("chmod postfix directory: %w", err)
	}
	for _, d := range []string{"etc", "queue"} {
		if err := os.Mkdir(filepath.Join(s.Dir, d), 0o755); err != nil {
			return fmt.Errorf("create postfix directory: %w", err)
		}
	}
	for attempt := 1; ; attempt++ {
		var err error
		if cfg.SMTPPort, err = freePort(); err != nil {
			return err
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.SMTPPort))
		if err := cfg.write(); err != nil {
			return err
		}
		if attempt == 1 {
			// Checks the configuration and creates the queue and data
			// directories with the owners and modes Postfix wants.
			if out, err := s.command(s.postfix, "check"); err != nil {
				return fmt.Errorf("postfix check: %w\n%s\n%s", err, out, s.logTailBlock())
			}
		}
		p, inUse, err := s.tryLaunch()
		if err == nil {
			s.run.Started(p)
			return nil
		}
		// Another process may take a free port before Postfix binds it.
		if attempt == startAttempts || !inUse {
			return err
		}
	}
}

// command runs a Postfix command on s's configuration and returns its
// combined output.
func (s *Server) command(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, append([]string{"-c", s.etc}, args...)...)
	cmd.Dir = s.Dir
	return cmd.CombinedOutput()
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch runs the Postfix master and waits for smtpd's greeting; on success
// it returns the new run.
func (s *Server) launch() (*procgroup.Process, error) {
	logf, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open postfix log: %w", err)
	}
	// -s keeps stdout open for maillog_file = /dev/stdout, which postlogd
	// inherits; "postfix start-fg" runs the same, under a shell.
	cmd := exec.Command(s.master, "-c", s.etc, "-s")
	cmd.Dir = s.Dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	p, err := procgroup.Start(cmd)
	logf.Close()
	if err != nil {
		return nil, fmt.Errorf("start postfix: %w", err)
	}
	if err := s.waitReady(p); err != nil {
		if kerr := p.Stop(false, stopOptions); kerr != nil {
			err = errors.Join(err, kerr)
		}
		return nil, fmt.Errorf("start postfix on %s: %w\n%s", s.Addr, err, s.logTailBlock())
	}
	return p, nil
}

// tryLaunch is launch that also reports whether it failed because Postfix
// found a port taken.
func (s *Server) tryLaunch() (p *procgroup.Process, inUse bool, err error) {
	off := s.logSize()
	p, err = s.launch()
	return p, err != nil && s.addrInUseSince(off), err
}

// waitReady polls until smtpd greets, the master exits, or startTimeout
// passes.
func (s *Server) waitReady(p *procgroup.Process) error {
	deadline := time.Now().Add(startTimeout)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for {
		select {
		case <-p.Done():
			return fmt.Errorf("postfix master exited during start-up: %v", p.Err())
		case <-timer.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no greeting after %v: %w", startTimeout, last)
		}
		if last = probe(s.Addr, deadline); last == nil {
			return nil
		}
		timer.Reset(pollInterval)
	}
}

// probe connects to addr, reads the SMTP greeting and says QUIT.
func probe(addr string, deadline time.Time) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	d := time.Now().Add(3 * time.Second)
	if d.After(deadline) {
		d = deadline
	}
	conn.SetDeadline(d.Add(time.Second))
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("read greeting from %s: %w", addr, err)
		}
		switch {
		case strings.HasPrefix(line, "220-"):
			continue
		case strings.HasPrefix(line, "220 "):
			conn.Write([]byte("QUIT\r\n"))
			r.ReadString('\n')
			return nil
		}
		return fmt.Errorf("unexpected SMTP greeting %q", line)
	}
}

// stopOptions is how Stop, Restart and Kill end a run. Graceful: SIGTERM
// to the whole group, which is what "postfix stop" sends to the master (the
// master passes it on to its children), then SIGKILL to what is left after
// stopTimeout; the master exits at once, so the wait is for the whole group
// to go. Otherwise SIGKILL at once. Either way the run ends once the master
// is reaped and no other process of the group is left.
var stopOptions = procgroup.StopOptions{
	Grace:       stopTimeout,
	GoneTimeout: groupTimeout,
}

// Stop stops the server gracefully (SIGTERM to every process, SIGKILL after
// 5 s), waits until every process it started is gone and removes Dir, queue
// included. It usually takes 10 to 50 ms. Stop may be called more than once,
// and after Kill.
func (s *Server) Stop() error { return s.run.Stop() }

// Restart stops the server gracefully, if it is running, and starts it again
// with the same port, configuration and queue: mail accepted before is
// delivered after. Clients are disconnected and must reconnect to the same
// Addr. It takes about 50 ms. After Kill, Restart only starts the server.
func (s *Server) Restart() error { return s.run.Restart() }

// Kill ends every process of the server at once with SIGKILL, as a crash
// would, and reaps them; Dir and the queue are kept. Mail that Postfix
// acknowledged is in the queue and is delivered after Restart. Restart
// brings the server back, Stop removes it. Kill on a server that is not
// running does nothing.
func (s *Server) Kill() error { return s.run.Kill() }

// Pause stops (SIGSTOP) every process of the server: connections stay open
// and new ones are accepted by the kernel, but nothing answers until Resume,
// Restart or Stop.
func (s *Server) Pause() error { return s.run.Signal(procgroup.SigStop) }

// Resume continues (SIGCONT) a paused server.
func (s *Server) Resume() error { return s.run.Signal(procgroup.SigCont) }

// PID returns the PID of the Postfix master, which is also the process
// group of all its children, or 0 when the server is not running.
func (s *Server) PID() int { return s.run.PID() }

// Flush asks Postfix to retry every deferred message now ("postqueue -f"),
// also to destinations it marked dead. It returns once the queue manager
// has been told, not once the mail is delivered: see WaitEmpty.
func (s *Server) Flush() error {
	return s.run.Do(func(running bool) error {
		if !running {
			return ErrNotRunning
		}
		if out, err := s.command(s.postqueue, "-f"); err != nil {
			return fmt.Errorf("postqueue -f: %w\n%s", err, out)
		}
		return nil
	})
}

// QueuedMessage is a message in the Postfix queue, as "postqueue -j"
// reports it.
type QueuedMessage struct {
	Queue      string            // "incoming", "active", "deferred", "hold" or "maildrop"
	ID         string            // the queue ID, as in the log
	Arrival    time.Time         // when Postfix accepted it
	Size       int64             // bytes
	Sender     string            // envelope sender
	Recipients []QueuedRecipient // those not yet delivered
}

// QueuedRecipient is a recipient of a QueuedMessage.
type QueuedRecipient struct {
	Address     string
	DelayReason string // why the last attempt failed; "" before the first attempt
}

// Queue lists the messages in the queue: accepted and not yet delivered (or
// bounced). It works between Kill and Restart too.
func (s *Server) Queue() ([]QueuedMessage, error) {
	var out []byte
	err := s.run.Do(func(bool) error {
		var err error
		if out, err = s.command(s.postqueue, "-j"); err != nil {
			return fmt.Errorf("postqueue -j: %w\n%s", err, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return parseQueue(out)
}

// parseQueue decodes the output of "postqueue -j": one JSON object a line.
// When Postfix is down postqueue warns on stderr, which is skipped here.
func parseQueue(out []byte) ([]QueuedMessage, error) {
	var msgs []QueuedMessage
	for _, line := range bytes.Split(out, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var m struct {
			QueueName   string `json:"queue_name"`
			QueueID     string `json:"queue_id"`
			ArrivalTime int64  `json:"arrival_time"`
			MessageSize int64  `json:"message_size"`
			Sender      string `json:"sender"`
			Recipients  []struct {
				Address     string `json:"address"`
				DelayReason string `json:"delay_reason"`
			} `json:"recipients"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("postqueue -j: %w in %q", err, line)
		}
		q := QueuedMessage{
			Queue:   m.QueueName,
			ID:      m.QueueID,
			Arrival: time.Unix(m.ArrivalTime, 0),
			Size:    m.MessageSize,
			Sender:  m.Sender,
		}
		for _, r := range m.Recipients {
			q.Recipients = append(q.Recipients, QueuedRecipient{Address: r.Address, DelayReason: r.DelayReason})
		}
		msgs = append(msgs, q)
	}
	return msgs, nil
}

// WaitEmpty polls Queue until the queue is empty, that is until every
// message was delivered or bounced, and fails after timeout with what is
// left.
func (s *Server) WaitEmpty(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		q, err := s.Queue()
		if err != nil {
			return err
		}
		if len(q) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, m := range q {
				fmt.Fprintf(&b, "\n  %s %s from <%s>:", m.Queue, m.ID, m.Sender)
				for _, r := range m.Recipients {
					fmt.Fprintf(&b, " <%s> (%s)", r.Address, r.DelayReason)
				}
			}
			return fmt.Errorf("postfix queue not empty after %v:%s", timeout, b.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// LogTail returns the last n lines of the Postfix log, for error messages.
func (s *Server) LogTail(n int) string { return procgroup.LogFile(s.logPath).Tail(n) }

// logTailBlock is LogTail framed for an error message.
func (s *Server) logTailBlock() string { return procgroup.LogFile(s.logPath).Block(errorLogLines) }

func (s *Server) logSize() int64 { return procgroup.LogFile(s.logPath).Size() }

// addrInUseSince reports whether Postfix logged a failed bind after offset
// off of its log.
func (s *Server) addrInUseSince(off int64) bool {
	return procgroup.LogFile(s.logPath).AddrInUseSince(off)
}
