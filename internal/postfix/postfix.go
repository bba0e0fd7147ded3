package postfix

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
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

	mu      sync.Mutex
	proc    *process // nil after Kill or Stop
	stopped bool     // Stop has run and removed Dir
}

// process is one run of the Postfix master and its process group.
type process struct {
	cmd  *exec.Cmd
	pgid int           // the master's PID, also its process group
	done chan struct{} // closed once the master has been reaped
	err  error         // from Wait; read only after done is closed
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
	if !supported {
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
		off := s.logSize()
		err = s.launch()
		// Another process may take a free port before Postfix binds it.
		if err == nil || attempt == startAttempts || !s.addrInUseSince(off) {
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
// s.proc is the new run.
func (s *Server) launch() error {
	logf, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open postfix log: %w", err)
	}
	// -s keeps stdout open for maillog_file = /dev/stdout, which postlogd
	// inherits; "postfix start-fg" runs the same, under a shell.
	cmd := exec.Command(s.master, "-c", s.etc, "-s")
	cmd.Dir = s.Dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	logf.Close()
	if err != nil {
		return fmt.Errorf("start postfix: %w", err)
	}
	p := &process{cmd: cmd, pgid: cmd.Process.Pid, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p); err != nil {
		if kerr := p.stop(false); kerr != nil {
			err = errors.Join(err, kerr)
		}
		return fmt.Errorf("start postfix on %s: %w\n%s", s.Addr, err, s.logTailBlock())
	}
	s.proc = p
	return nil
}

// waitReady polls until smtpd greets, the master exits, or startTimeout
// passes.
func (s *Server) waitReady(p *process) error {
	deadline := time.Now().Add(startTimeout)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("postfix master exited during start-up: %v", p.err)
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

// stop ends the run. Graceful: SIGTERM to the whole group, which is what
// "postfix stop" sends to the master (the master passes it on to its
// children), then SIGKILL to what is left after stopTimeout. Otherwise
// SIGKILL at once. Either way stop returns once the master is reaped and no
// other process of the group is left.
func (p *process) stop(graceful bool) error {
	if graceful {
		_ = signalGroup(p.pgid, sigCont) // in case of Pause
		_ = signalGroup(p.pgid, sigTerm)
		deadline := time.NewTimer(stopTimeout)
		defer deadline.Stop()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case <-deadline.C:
				break wait
			case <-tick.C:
			}
			if !groupAlive(p.pgid) {
				break
			}
		}
	}
	// The group outlives the master while any member is left, so its ID
	// cannot be reused by then.
	if groupAlive(p.pgid) {
		_ = signalGroup(p.pgid, sigKill)
	}
	<-p.done
	return waitGroupGone(p.pgid, groupTimeout)
}

// waitGroupGone polls until no live process is left in group pgid.
func waitGroupGone(pgid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for groupAlive(pgid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("processes of group %d still running after %v", pgid, timeout)
		}
		<-tick.C
	}
	return nil
}

// Stop stops the server gracefully (SIGTERM to every process, SIGKILL after
// 5 s), waits until every process it started is gone and removes Dir, queue
// included. It usually takes 10 to 50 ms. Stop may be called more than once,
// and after Kill.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	var errs []error
	if s.proc != nil {
		if err := s.proc.stop(true); err != nil {
			errs = append(errs, fmt.Errorf("stop postfix: %w", err))
		}
		s.proc = nil
	}
	if err := os.RemoveAll(s.Dir); err != nil {
		errs = append(errs, fmt.Errorf("remove postfix directory: %w", err))
	}
	return errors.Join(errs...)
}

// Restart stops the server gracefully, if it is running, and starts it again
// with the same port, configuration and queue: mail accepted before is
// delivered after. Clients are disconnected and must reconnect to the same
// Addr. It takes about 50 ms. After Kill, Restart only starts the server.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return ErrStopped
	}
	if s.proc != nil {
		err := s.proc.stop(true)
		s.proc = nil
		if err != nil {
			return fmt.Errorf("stop postfix: %w", err)
		}
	}
	// The port is fixed now: wait a little if someone else holds it.
	deadline := time.Now().Add(rebindTimeout)
	for {
		off := s.logSize()
		err := s.launch()
		if err == nil || time.Now().After(deadline) || !s.addrInUseSince(off) {
			return err
		}
		t := time.NewTimer(100 * time.Millisecond)
		<-t.C
	}
}

// Kill ends every process of the server at once with SIGKILL, as a crash
// would, and reaps them; Dir and the queue are kept. Mail that Postfix
// acknowledged is in the queue and is delivered after Restart. Restart
// brings the server back, Stop removes it. Kill on a server that is not
// running does nothing.
func (s *Server) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	err := s.proc.stop(false)
	s.proc = nil
	if err != nil {
		return fmt.Errorf("kill postfix: %w", err)
	}
	return nil
}

// Pause stops (SIGSTOP) every process of the server: connections stay open
// and new ones are accepted by the kernel, but nothing answers until Resume,
// Restart or Stop.
func (s *Server) Pause() error { return s.signal(sigStop) }

// Resume continues (SIGCONT) a paused server.
func (s *Server) Resume() error { return s.signal(sigCont) }

func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return ErrNotRunning
	}
	if err := signalGroup(s.proc.pgid, sig); err != nil {
		return fmt.Errorf("send %v to postfix: %w", sig, err)
	}
	return nil
}

// PID returns the PID of the Postfix master, which is also the process
// group of all its children, or 0 when the server is not running.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.pgid
}

// Flush asks Postfix to retry every deferred message now ("postqueue -f"),
// also to destinations it marked dead. It returns once the queue manager
// has been told, not once the mail is delivered: see WaitEmpty.
func (s *Server) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopped:
		return ErrStopped
	case s.proc == nil:
		return ErrNotRunning
	}
	if out, err := s.command(s.postqueue, "-f"); err != nil {
		return fmt.Errorf("postqueue -f: %w\n%s", err, out)
	}
	return nil
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, ErrStopped
	}
	out, err := s.command(s.postqueue, "-j")
	if err != nil {
		return nil, fmt.Errorf("postqueue -j: %w\n%s", err, out)
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
// It returns "" once Stop has removed the log.
func (s *Server) LogTail(n int) string {
	const maxRead = 64 << 10
	f, err := os.Open(s.logPath)
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

// logTailBlock is LogTail framed for an error message.
func (s *Server) logTailBlock() string {
	return fmt.Sprintf("--- last lines of %s ---\n%s", s.logPath, s.LogTail(errorLogLines))
}

func (s *Server) logSize() int64 {
	fi, err := os.Stat(s.logPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// addrInUseSince reports whether Postfix logged a failed bind after offset
// off of its log.
func (s *Server) addrInUseSince(off int64) bool {
	f, err := os.Open(s.logPath)
	if err != nil {
		return false
	}
	defer f.Close()
	b, _ := io.ReadAll(io.NewSectionReader(f, off, 1<<20))
	return strings.Contains(string(b), "Address already in use")
}
