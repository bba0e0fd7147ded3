package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/coe-congress/alliancebot/templates"
)

// The digest's sender and links, as the issue sets them.
const (
	fromAddr  = "roma.summit@coe.int"
	fromName  = "European Alliance of Cities and Regions for Roma Inclusion" // config's default smtp.from_name
	publicURL = "https://alliance.example.org/bot"
)

// bench holds what every contender needs.
type bench struct {
	bin     string // alliancebot binary
	sink    *sink
	conns   int
	members []member // the largest n; smaller runs take a prefix
	emails  []string // their addresses, in the same order
	bodies  map[string]templates.Rendered
	seed    uint64 // of the members
}

// run is one timed run of a contender.
type run struct {
	elapsed time.Duration
	rss     int64         // peak resident set of the process (VmHWM), bytes
	anon    int64         // largest RssAnon seen (heap, stacks), bytes
	file    int64         // largest RssFile seen (the bbolt mmap, the binary), bytes
	cpu     time.Duration // user + system CPU of the process; 0: not measured
	bytes   int64         // message bytes the sink received
}

// daemonEnv is the environment of an alliancebot child: ours without any
// ALLIANCEBOT_* variable, plus the benchmark's configuration.
func (b *bench) daemonEnv(storePath string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ALLIANCEBOT_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"ALLIANCEBOT_SMTP_ADDR="+b.sink.addr,
		"ALLIANCEBOT_SMTP_TLS=none",
		"ALLIANCEBOT_SMTP_RATE=0",
		"ALLIANCEBOT_SMTP_DAILY_LIMIT=0",
		"ALLIANCEBOT_SMTP_CONNECTIONS="+strconv.Itoa(b.conns),
		"ALLIANCEBOT_SMTP_FROM="+fromAddr,
		"ALLIANCEBOT_HTTP_PUBLIC_URL="+publicURL,
		"ALLIANCEBOT_STORE_PATH="+storePath,
	)
}

// daemon is a running `alliancebot digest send`.
type daemon struct {
	cmd     *exec.Cmd
	logPath string
	start   time.Time
	exited  chan struct{} // closed once Wait returned
	err     error         // of Wait
	elapsed time.Duration
	hwm     atomic.Int64
	anon    atomic.Int64
	file    atomic.Int64
}

// startDigestSend starts `alliancebot digest send` on the store at
// storePath, its output to logPath, and polls its memory until it exits.
func (b *bench) startDigestSend(storePath, logPath string) (*daemon, error) {
	cmd := exec.Command(b.bin, "digest", "send")
	cmd.Env = b.daemonEnv(storePath)
	return startChild(cmd, logPath)
}

// startChild starts cmd, its output to logPath, and polls its memory until
// it exits.
func startChild(cmd *exec.Cmd, logPath string) (*daemon, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	d := &daemon{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	d.start = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", strings.Join(cmd.Args, " "), err)
	}
	go func() {
		d.err = cmd.Wait()
		d.elapsed = time.Since(d.start)
		logf.Close()
		close(d.exited)
	}()
	go d.pollMemory()
	return d, nil
}

// pollMemory records the peak RSS (VmHWM) and the largest RssAnon and
// RssFile of the process, every 20 ms until it exits. (wait4's ru_maxrss
// would not do: for a child that Go starts with vfork, it counts the
// parent's RSS at the exec too, and the benchmark's is tens of MB.)
func (d *daemon) pollMemory() {
	path := fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if f, err := os.Open(path); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				k, v, _ := strings.Cut(sc.Text(), ":")
				var dst *atomic.Int64
				switch k {
				case "VmHWM":
					dst = &d.hwm
				case "RssAnon":
					dst = &d.anon
				case "RssFile":
					dst = &d.file
				default:
					continue
				}
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				if kb*1024 > dst.Load() {
					dst.Store(kb * 1024)
				}
			}
			f.Close()
		}
		select {
		case <-d.exited:
			return
		case <-t.C:
		}
	}
}

// wait waits for the process and returns its run: wall time, peak RSS as
// polled, and CPU time from wait4's rusage.
func (d *daemon) wait() (run, error) {
	<-d.exited
	r := run{elapsed: d.elapsed, rss: d.hwm.Load(), anon: d.anon.Load(), file: d.file.Load()}
	if ru, ok := d.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return r, d.err
}

// alliancebot runs `alliancebot digest send` on a copy of the store
// prepared with n members, from process start to exit, and checks that
// every member received the digest exactly once.
func (b *bench) alliancebot(ctx context.Context, dir, template string, n int) (run, error) {
	storePath := filepath.Join(dir, "alliancebot.db")
	if err := copyFile(storePath, template); err != nil {
		return run{}, err
	}
	syscall.Sync()
	b.sink.reset()
	d, err := b.startDigestSend(storePath, filepath.Join(dir, "digest-send.log"))
	if err != nil {
		return run{}, err
	}
	stop := context.AfterFunc(ctx, func() { d.cmd.Process.Kill() })
	defer stop()
	r, err := d.wait()
	if err != nil {
		return r, fmt.Errorf("alliancebot digest send: %w\n%s", err, tail(d.logPath, 10))
	}
	want := fmt.Sprintf("digest 1 done: %d sent, 0 failed, 0 skipped", n)
	if last := lastLine(d.logPath); last != want {
		return r, fmt.Errorf("alliancebot digest send ended with %q, want %q\n%s", last, want, tail(d.logPath, 10))
	}
	if err := b.checkOnce(n); err != nil {
		return r, fmt.Errorf("alliancebot digest send: %w", err)
	}
	r.bytes = b.sink.bytes.Load()
	return r, nil
}

// checkOnce checks that the sink received one message for each of the
// first n members, and none for anyone else.
func (b *bench) checkOnce(n int) error {
	missed, dups, strays := b.sink.tally(b.emails[:n])
	if missed > 0 || dups > 0 || strays > 0 {
		return fmt.Errorf("the sink received %d messages for %d members: %d missed, %d duplicates, %d to others",
			b.sink.total.Load(), n, missed, dups, strays)
	}
	return nil
}

// bare is the floor: a child process (this program, run as bareChild) in
// which conns goroutines, each with one go-mail Client connection, build a
// go-mail Msg per recipient (the same text and HTML as the digest, rendered
// once with the real templates, the unsubscribe link put in per recipient;
// From, To, Subject, List-Unsubscribe) and send it. No store, no tokens, no
// records. Like alliancebot it runs in its own process, against the sink in
// this one, and is timed from process start to exit.
func (b *bench) bare(ctx context.Context, dir string, n int) (run, error) {
	self, err := os.Executable()
	if err != nil {
		return run{}, err
	}
	b.sink.reset()
	cmd := exec.Command(self, bareChildArg, "-addr", b.sink.addr, "-n", strconv.Itoa(n), "-c", strconv.Itoa(b.conns), "-seed", strconv.FormatUint(b.seed, 10))
	d, err := startChild(cmd, filepath.Join(dir, "bare.log"))
	if err != nil {
		return run{}, err
	}
	stop := context.AfterFunc(ctx, func() { d.cmd.Process.Kill() })
	defer stop()
	r, err := d.wait()
	if err != nil {
		return r, fmt.Errorf("bare go-mail loop: %w\n%s", err, tail(d.logPath, 10))
	}
	if err := b.checkOnce(n); err != nil {
		return r, fmt.Errorf("bare go-mail loop: %w", err)
	}
	r.bytes = b.sink.bytes.Load()
	return r, nil
}

// bareChildArg, as the first argument, makes this program the bare loop.
const bareChildArg = "bare-child"

// bareChild is the bare loop's process: it sends the digest to the first n
// generated members through the sink at -addr over -c connections.
func bareChild(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet(bareChildArg, flag.ContinueOnError)
	addr := fs.String("addr", "", "sink address")
	n := fs.Int("n", 0, "recipients")
	conns := fs.Int("c", 1, "connections")
	seed := fs.Uint64("seed", 1, "seed of the members")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b := &bench{conns: *conns, members: members(*n, *seed)}
	var err error
	if b.bodies, err = renderBodies(); err != nil {
		return err
	}
	host, portStr, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	port, _ := strconv.Atoi(portStr)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, b.conns)
	for w := range b.conns {
		wg.Go(func() {
			// WithoutNoop: go-mail would otherwise send a NOOP before each
			// message; alliancebot does not.
			c, err := mail.NewClient(host, mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS),
				mail.WithoutNoop(), mail.WithTimeout(30*time.Second))
			if err != nil {
				errs[w] = err
				return
			}
			if err := c.DialWithContext(ctx); err != nil {
				errs[w] = fmt.Errorf("dial %s: %w", *addr, err)
				return
			}
			defer c.Close()
			for {
				i := int(next.Add(1) - 1)
				if i >= *n || ctx.Err() != nil {
					return
				}
				msg, err := b.bareMsg(i)
				if err != nil {
					errs[w] = err
					return
				}
				if err := c.Send(msg); err != nil {
					errs[w] = fmt.Errorf("send to %s: %w", b.members[i].email, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ctx.Err()
}

// bareMsg is the bare loop's message to member i.
func (b *bench) bareMsg(i int) (*mail.Msg, error) {
	m := b.members[i]
	body := b.bodies[m.lang]
	// As long as alliancebot's links (a base64url token of an ID and an
	// HMAC).
	link := fmt.Sprintf("%s/unsubscribe/%d.%016x%016x", publicURL, i+1, uint64(i)*0x9e3779b97f4a7c15, uint64(i)*0xc2b2ae3d27d4eb4f)
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(fromName, fromAddr); err != nil {
		return nil, err
	}
	if err := msg.AddToFormat(m.authority, m.email); err != nil {
		return nil, err
	}
	msg.Subject(body.Subject)
	msg.SetGenHeaderPreformatted(mail.Header("List-Unsubscribe"), "<"+link+">, <mailto:roma.summit+unsubscribe@coe.int?subject=unsubscribe>")
	msg.SetBodyString(mail.TypeTextPlain, strings.ReplaceAll(body.Text, templates.UnsubscribePlaceholder, link))
	msg.AddAlternativeString(mail.TypeTextHTML, strings.ReplaceAll(body.HTML, templates.UnsubscribePlaceholder, html.EscapeString(link)))
	return msg, nil
}

// renderBodies renders the digest once per language with the built-in
// templates, as alliancebot does before it personalises each message.
func renderBodies() (map[string]templates.Rendered, error) {
	set, err := templates.Load("")
	if err != nil {
		return nil, err
	}
	item := templates.DigestItem{Title: newsTitle, Text: newsText(), Link: "https://www.coe.int/en/web/congress", Date: time.Now(), Source: "cli"}
	out := map[string]templates.Rendered{}
	for _, lang := range []string{"en", "fr"} {
		r, err := set.Digest(templates.Digest{Lang: lang, Volume: 1, Issue: 1, Date: time.Now(), Items: []templates.DigestItem{item},
			UnsubscribeURL: templates.UnsubscribePlaceholder, ListAddress: fromAddr})
		if err != nil {
			return nil, err
		}
		out[lang] = r
	}
	return out, nil
}

// lastLine returns the last non-empty line of the file at path.
func lastLine(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return lines[len(lines)-1]
}

// tail returns the last lines of the file at path, indented, for errors.
func tail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return "    " + strings.Join(all, "\n    ")
}
