package dovecot

import (
	"bufio"
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
	// send SIGKILL. Dovecot usually stops within 30 ms, but a process with a
	// connection in flight can wait 5 s for helpers that are gone already.
	// Mail that Dovecot acknowledged is written by then: SIGKILL loses none.
	stopTimeout = time.Second
	// groupTimeout bounds the wait for the last process of the group to go.
	groupTimeout = 5 * time.Second
	// pollInterval paces the readiness and exit polls.
	pollInterval = 20 * time.Millisecond
	// startAttempts is how many times Start picks new ports when Dovecot
	// finds one taken.
	startAttempts = 3
	// rebindTimeout is how long Restart retries while another process holds
	// one of the server's ports.
	rebindTimeout = 3 * time.Second
	// errorLogLines is how many log lines errors quote.
	errorLogLines = 30
)

var (
	// ErrNotInstalled is returned by Start when no dovecot binary is found.
	ErrNotInstalled = errors.New("dovecot is not installed")
	// ErrStopped is returned by Restart after Stop.
	ErrStopped = errors.New("dovecot server is stopped")
	// ErrNotRunning is returned by Pause and Resume between Kill and Restart.
	ErrNotRunning = errors.New("dovecot server is not running")
)

// Options configures Start. The zero value is a server in sdbox format with
// fsync off and the single login DefaultUser.
type Options struct {
	// Format is the mailbox format: FormatSdbox (the default), FormatMdbox or
	// FormatMaildir. Maildir is much slower for large folders; with the "/"
	// hierarchy separator used here it also refuses "." in mailbox names.
	Format string
	// FSync keeps Dovecot's default mail_fsync = optimized; by default mail
	// is never fsynced (mail_fsync = never), which is much faster and enough
	// for tests: a Restart or a Kill does not lose acknowledged mail, only a
	// crash of the machine would.
	FSync bool
	// Users are the logins to create; DefaultUser when empty. Names are made
	// of ASCII letters, digits and "._-+". The password of u is Password(u).
	Users []string
	// LMTP also serves LMTP on Server.LMTPAddr, for an MTA to deliver into
	// the users' INBOXes.
	LMTP bool
}

// Server is a running Dovecot. Its exported fields do not change after
// Start, not even across Restart.
type Server struct {
	Addr     string   // IMAP "127.0.0.1:port", plaintext, LOGIN and AUTHENTICATE PLAIN
	LMTPAddr string   // LMTP "127.0.0.1:port" when Options.LMTP is set, else ""
	User     string   // the first login
	Password string   // Password(User)
	Users    []string // all logins
	Dir      string   // the server's temporary directory, see the package doc

	bin     string
	conf    string
	logPath string

	mu      sync.Mutex
	proc    *process // nil after Kill or Stop
	stopped bool     // Stop has run and removed Dir
}

// process is one run of the Dovecot master and its process group.
type process struct {
	cmd  *exec.Cmd
	pgid int           // the master's PID, also its process group
	done chan struct{} // closed once the master has been reaped
	err  error         // from Wait; read only after done is closed
}

// Available returns the path of the dovecot binary: the first in PATH, else
// /usr/sbin/dovecot or /usr/local/sbin/dovecot (a non-root PATH often lacks
// sbin). It does not check that the IMAP and LMTP parts are installed.
func Available() (path string, ok bool) {
	if !supported {
		return "", false
	}
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, true
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// Start starts a Dovecot server with a fresh configuration, mail store and
// ports, and returns once it greets IMAP (and LMTP) clients. The caller must
// call Stop; tests use StartT, which does.
func Start(opts Options) (*Server, error) {
	bin, ok := Available()
	if !ok {
		return nil, ErrNotInstalled
	}
	cfg, uid, gid, err := mailOwner()
	if err != nil {
		return nil, err
	}
	cfg.Format = opts.Format
	switch cfg.Format {
	case "":
		cfg.Format = FormatSdbox
	case FormatSdbox, FormatMdbox, FormatMaildir:
	default:
		return nil, fmt.Errorf("start dovecot: unknown mailbox format %q", opts.Format)
	}
	cfg.FSync = opts.FSync
	users := opts.Users
	if len(users) == 0 {
		users = []string{DefaultUser}
	}
	seen := make(map[string]bool, len(users))
	for _, u := range users {
		if !validUser(u) || seen[u] {
			return nil, fmt.Errorf("start dovecot: invalid or repeated user %q", u)
		}
		seen[u] = true
	}

	dir, err := os.MkdirTemp(tempBase(), "alliancebot-dovecot-")
	if err != nil {
		return nil, fmt.Errorf("create dovecot directory: %w", err)
	}
	cfg.Dir = dir
	s := &Server{
		User:     users[0],
		Password: Password(users[0]),
		Users:    append([]string(nil), users...),
		Dir:      dir,
		bin:      bin,
		conf:     filepath.Join(dir, "dovecot.conf"),
		logPath:  filepath.Join(dir, "dovecot.log"),
	}
	if err := s.start(cfg, uid, gid, opts.LMTP); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// start prepares s.Dir and launches the first run of s.
func (s *Server) start(cfg config, uid, gid int, lmtp bool) error {
	// The mail and login processes do not run as the caller: they must be
	// able to reach the home directories and the passwd file.
	if err := os.Chmod(s.Dir, 0o755); err != nil {
		return fmt.Errorf("chmod dovecot directory: %w", err)
	}
	home := filepath.Join(s.Dir, "home")
	for _, d := range []string{filepath.Join(s.Dir, "state"), home} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("create dovecot directory: %w", err)
		}
	}
	if err := os.Chown(home, uid, gid); err != nil {
		return fmt.Errorf("chown %s: %w", home, err)
	}
	var passwd strings.Builder
	for _, u := range s.Users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s\n", u, Password(u))
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "passwd"), []byte(passwd.String()), 0o644); err != nil {
		return fmt.Errorf("write passwd file: %w", err)
	}

	for attempt := 1; ; attempt++ {
		var err error
		if cfg.IMAPPort, err = freePort(); err != nil {
			return err
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.IMAPPort))
		if lmtp {
			// The kernel may hand out the port it just gave for IMAP.
			for cfg.LMTPPort = cfg.IMAPPort; cfg.LMTPPort == cfg.IMAPPort; {
				if cfg.LMTPPort, err = freePort(); err != nil {
					return err
				}
			}
			s.LMTPAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.LMTPPort))
		}
		conf, err := cfg.render()
		if err != nil {
			return err
		}
		if err := os.WriteFile(s.conf, conf, 0o644); err != nil {
			return fmt.Errorf("write dovecot.conf: %w", err)
		}
		if attempt == 1 {
			if out, err := exec.Command(s.bin, "-n", "-c", s.conf).CombinedOutput(); err != nil {
				return fmt.Errorf("check dovecot.conf: %w\n%s", err, out)
			}
		}
		off := s.logSize()
		err = s.launch()
		// Another process may take a free port before Dovecot binds it.
		if err == nil || attempt == startAttempts || !s.addrInUseSince(off) {
			return err
		}
	}
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

// launch runs the Dovecot master and waits for its greetings; on success
// s.proc is the new run.
func (s *Server) launch() error {
	run := filepath.Join(s.Dir, "run")
	// A fresh base_dir: a stale master.pid could name a reused PID.
	if err := os.RemoveAll(run); err != nil {
		return fmt.Errorf("clear base_dir: %w", err)
	}
	if err := os.Mkdir(run, 0o755); err != nil {
		return fmt.Errorf("create base_dir: %w", err)
	}
	logf, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open dovecot log: %w", err)
	}
	cmd := exec.Command(s.bin, "-F", "-c", s.conf)
	cmd.Dir = s.Dir
	cmd.Stdout = logf // early errors, before log_path is open
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	logf.Close()
	if err != nil {
		return fmt.Errorf("start dovecot: %w", err)
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
		return fmt.Errorf("start dovecot on %s: %w\n%s", s.Addr, err, s.logTailBlock())
	}
	s.proc = p
	return nil
}

// waitReady polls until the server greets on every address, the master
// exits, or startTimeout passes.
func (s *Server) waitReady(p *process) error {
	deadline := time.Now().Add(startTimeout)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("dovecot exited during start-up: %v", p.err)
		case <-timer.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no greeting after %v: %w", startTimeout, last)
		}
		last = probe(s.Addr, imapGreeting, deadline)
		if last == nil && s.LMTPAddr != "" {
			last = probe(s.LMTPAddr, lmtpGreeting, deadline)
		}
		if last == nil {
			return nil
		}
		timer.Reset(pollInterval)
	}
}

// probe connects to addr and reads lines until greeted reports the greeting
// complete or fails.
func probe(addr string, greeted func(line string) (bool, error), deadline time.Time) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	d := time.Now().Add(2 * time.Second)
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
		if ok, err := greeted(line); ok || err != nil {
			return err
		}
	}
}

// imapGreeting accepts "* OK ... ready" and skips the "* OK Waiting for
// authentication process to respond.." Dovecot sends first while its auth
// process starts.
func imapGreeting(line string) (bool, error) {
	switch {
	case !strings.HasPrefix(line, "* OK"):
		return false, fmt.Errorf("unexpected IMAP greeting %q", line)
	case strings.Contains(line, "Waiting for authentication"):
		return false, nil
	}
	return true, nil
}

// lmtpGreeting accepts "220 " after any "220-" lines.
func lmtpGreeting(line string) (bool, error) {
	switch {
	case strings.HasPrefix(line, "220 "):
		return true, nil
	case strings.HasPrefix(line, "220-"):
		return false, nil
	}
	return false, fmt.Errorf("unexpected LMTP greeting %q", line)
}

// stop ends the run. Graceful: SIGTERM to the whole group (an imap process
// serving a client outlives a master stopped alone), then SIGKILL to what is
// left once no worker is (see workersAlive) or after stopTimeout. Otherwise
// SIGKILL at once. Either way stop returns once the master is reaped and no
// other process of the group is left.
func (p *process) stop(graceful bool) error {
	if graceful {
		_ = signalGroup(p.pgid, sigCont) // in case of Pause
		_ = signalGroup(p.pgid, sigTerm)
		deadline := time.Now().Add(stopTimeout)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case <-p.done:
				break wait
			case <-tick.C:
			}
			// Once the workers are gone nothing is left to save: the master
			// may still sleep a second before it exits and login processes
			// wait seconds for clients that have not logged in.
			if !workersAlive(p.pgid) || time.Now().After(deadline) {
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
// a second), waits until every process it started is gone and removes Dir. It
// usually takes 5 to 30 ms. Stop may be called more than once, and after Kill.
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
			errs = append(errs, fmt.Errorf("stop dovecot: %w", err))
		}
		s.proc = nil
	}
	if err := os.RemoveAll(s.Dir); err != nil {
		errs = append(errs, fmt.Errorf("remove dovecot directory: %w", err))
	}
	return errors.Join(errs...)
}

// Restart stops the server gracefully, if it is running, and starts it again
// with the same ports, users and mail store; it takes about 50 ms. Clients
// are disconnected and must reconnect to the same Addr. After Kill, Restart
// only starts the server.
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
			return fmt.Errorf("stop dovecot: %w", err)
		}
	}
	// The ports are fixed now: wait a little if someone else holds one.
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
// would, and reaps them; Dir is kept. Restart brings the server back, Stop
// removes it. Kill on a server that is not running does nothing.
func (s *Server) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	err := s.proc.stop(false)
	s.proc = nil
	if err != nil {
		return fmt.Errorf("kill dovecot: %w", err)
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
		return fmt.Errorf("send %v to dovecot: %w", sig, err)
	}
	return nil
}

// PID returns the PID of the Dovecot master, which is also the process group
// of all its children, or 0 when the server is not running.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.pgid
}

// LogTail returns the last n lines of the Dovecot log, for error messages.
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

// addrInUseSince reports whether Dovecot logged a failed bind after offset
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
