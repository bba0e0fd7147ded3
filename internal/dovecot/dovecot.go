package dovecot

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
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

	run *procgroup.Runner // the runs of the master and its process group
}

// Available returns the path of the dovecot binary: the first in PATH, else
// /usr/sbin/dovecot or /usr/local/sbin/dovecot (a non-root PATH often lacks
// sbin). It does not check that the IMAP and LMTP parts are installed.
func Available() (path string, ok bool) {
	if !procgroup.Supported {
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
	s.run = &procgroup.Runner{
		Name:          "dovecot",
		Dir:           dir,
		Options:       stopOptions,
		Launch:        s.tryLaunch,
		RebindTimeout: rebindTimeout,
		ErrStopped:    ErrStopped,
		ErrNotRunning: ErrNotRunning,
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
		p, inUse, err := s.tryLaunch()
		if err == nil {
			s.run.Started(p)
			return nil
		}
		// Another process may take a free port before Dovecot binds it.
		if attempt == startAttempts || !inUse {
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
// it returns the new run.
func (s *Server) launch() (*procgroup.Process, error) {
	run := filepath.Join(s.Dir, "run")
	// A fresh base_dir: a stale master.pid could name a reused PID.
	if err := os.RemoveAll(run); err != nil {
		return nil, fmt.Errorf("clear base_dir: %w", err)
	}
	if err := os.Mkdir(run, 0o755); err != nil {
		return nil, fmt.Errorf("create base_dir: %w", err)
	}
	// A master killed while it held the dotlock of state/instances leaves
	// the lock behind, and the next master logs an error for it. No master
	// of this server runs now: the lock is stale.
	if err := os.Remove(filepath.Join(s.Dir, "state", "instances.lock")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("clear stale lock: %w", err)
	}
	logf, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open dovecot log: %w", err)
	}
	cmd := exec.Command(s.bin, "-F", "-c", s.conf)
	cmd.Dir = s.Dir
	cmd.Stdout = logf // early errors, before log_path is open
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	p, err := procgroup.Start(cmd)
	logf.Close()
	if err != nil {
		return nil, fmt.Errorf("start dovecot: %w", err)
	}
	if err := s.waitReady(p); err != nil {
		if kerr := p.Stop(false, stopOptions); kerr != nil {
			err = errors.Join(err, kerr)
		}
		return nil, fmt.Errorf("start dovecot on %s: %w\n%s", s.Addr, err, s.logTailBlock())
	}
	return p, nil
}

// tryLaunch is launch that also reports whether it failed because Dovecot
// found a port taken.
func (s *Server) tryLaunch() (p *procgroup.Process, inUse bool, err error) {
	off := s.logSize()
	p, err = s.launch()
	return p, err != nil && s.addrInUseSince(off), err
}

// waitReady polls until the server greets on every address, the master
// exits, or startTimeout passes.
func (s *Server) waitReady(p *procgroup.Process) error {
	deadline := time.Now().Add(startTimeout)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for {
		select {
		case <-p.Done():
			return fmt.Errorf("dovecot exited during start-up: %v", p.Err())
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

// stopOptions is how Stop, Restart and Kill end a run. Graceful: SIGTERM
// to the whole group (an imap process serving a client outlives a master
// stopped alone), then SIGKILL to what is left once the master is reaped, no
// worker is left (see workersAlive) or after stopTimeout. Once the workers
// are gone nothing is left to save: the master may still sleep a second
// before it exits and login processes wait seconds for clients that have not
// logged in. Otherwise SIGKILL at once. Either way the run ends once the
// master is reaped and no other process of the group is left.
var stopOptions = procgroup.StopOptions{
	Grace:            stopTimeout,
	GoneTimeout:      groupTimeout,
	UntilLeaderExits: true,
	Busy:             workersAlive,
}

// workersAlive reports whether process group pgid still has a process that
// may be writing mail: one other than the master (the group leader) and the
// login processes, which hold only connections that have not logged in, and
// which wait for those for seconds after SIGTERM. Where the processes of a
// group cannot be told apart (Unix other than Linux) it reports true: Stop
// waits for the master.
func workersAlive(pgid int) bool {
	return procgroup.Has(pgid, func(pid int, comm string) bool {
		return pid != pgid && !strings.HasSuffix(comm, "-login")
	})
}

// Stop stops the server gracefully (SIGTERM to every process, SIGKILL after
// a second), waits until every process it started is gone and removes Dir. It
// usually takes 5 to 30 ms. Stop may be called more than once, and after Kill.
func (s *Server) Stop() error { return s.run.Stop() }

// Restart stops the server gracefully, if it is running, and starts it again
// with the same ports, users and mail store; it takes about 50 ms. Clients
// are disconnected and must reconnect to the same Addr. After Kill, Restart
// only starts the server.
func (s *Server) Restart() error { return s.run.Restart() }

// Kill ends every process of the server at once with SIGKILL, as a crash
// would, and reaps them; Dir is kept. Restart brings the server back, Stop
// removes it. Kill on a server that is not running does nothing.
func (s *Server) Kill() error { return s.run.Kill() }

// Pause stops (SIGSTOP) every process of the server: connections stay open
// and new ones are accepted by the kernel, but nothing answers until Resume,
// Restart or Stop.
func (s *Server) Pause() error { return s.run.Signal(procgroup.SigStop) }

// Resume continues (SIGCONT) a paused server.
func (s *Server) Resume() error { return s.run.Signal(procgroup.SigCont) }

// PID returns the PID of the Dovecot master, which is also the process group
// of all its children, or 0 when the server is not running.
func (s *Server) PID() int { return s.run.PID() }

// LogTail returns the last n lines of the Dovecot log, for error messages.
func (s *Server) LogTail(n int) string { return procgroup.LogFile(s.logPath).Tail(n) }

// logTailBlock is LogTail framed for an error message.
func (s *Server) logTailBlock() string { return procgroup.LogFile(s.logPath).Block(errorLogLines) }

func (s *Server) logSize() int64 { return procgroup.LogFile(s.logPath).Size() }

// addrInUseSince reports whether Dovecot logged a failed bind after offset
// off of its log.
func (s *Server) addrInUseSince(off int64) bool {
	return procgroup.LogFile(s.logPath).AddrInUseSince(off)
}
