// Command intake is the intake benchmark of alliancebot: it fills a throw-away
// Dovecot (sdbox) with a realistic mailbox and, in the same run and on the
// same messages, times `alliancebot serve --once` draining it against mbsync
// mirroring it to a Maildir and a bare go-imap UID FETCH loop; then it
// measures how long a message appended while the daemon is in IDLE takes to
// be stored. It prints one table with the ratios and the targets.
//
// Run it through bench/run-intake, which builds the binary; see
// bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/coe-congress/alliancebot/bench/internal/summary"
	"github.com/coe-congress/alliancebot/internal/corpus"
	"github.com/coe-congress/alliancebot/internal/dovecot"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "intake: %v\n", err)
		os.Exit(1)
	}
}

// Targets from the issue.
const (
	targetVsMbsync = 1.0                    // alliancebot time / mbsync time, at most
	targetVsBare   = 0.7                    // alliancebot rate / bare rate, at least
	targetIdle     = 500 * time.Millisecond // median APPEND -> stored, below
)

type options struct {
	n, rounds, idle int
	bin, corpus     string
	cpuProfile      string
	describe        string
	logLevel        string
	seed            uint64
	keep            bool
	dump            string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("intake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.n, "n", 10000, "number of `messages` in the mailbox")
	fs.IntVar(&o.rounds, "rounds", 3, "timed rounds; each runs every contender once, in a rotating order")
	fs.IntVar(&o.idle, "idle", 50, "IDLE latency samples (0 skips the IDLE measurement)")
	fs.StringVar(&o.bin, "bin", "", "path of the alliancebot `binary` (required)")
	fs.StringVar(&o.corpus, "corpus", os.Getenv(corpus.EnvVar), "corpus `folder` (default $CORPUS_DIR; empty: samples and generated mail only)")
	fs.StringVar(&o.logLevel, "log-level", "info", "ALLIANCEBOT_LOG_LEVEL of the daemon runs (debug adds one line per batch)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated messages and of the mailbox order")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "after the rounds, drain once more in this process (mailbox.Watcher.Drain, same defaults) and write its CPU profile to `file`")
	fs.StringVar(&o.describe, "describe", "", "what the binary was built from, for the table (run-intake passes git describe --always --dirty)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work folder (stores, Maildirs, logs) and print its path")
	fs.StringVar(&o.dump, "dump", "", "write what intake.Read makes of each message of the set (envelope and result, one JSON line each, in the set's order) to `file`, and stop: no server, no binary")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.bin == "" && o.dump == "":
		return o, errors.New("-bin is required: build with go build -o DIR/alliancebot ./cmd/alliancebot")
	case o.n < 1 || o.rounds < 1 || o.idle < 0:
		return o, errors.New("-n and -rounds must be at least 1, -idle at least 0")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	progress := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
	}
	if o.dump != "" {
		progress("building %d messages (corpus: %q)", o.n, o.corpus)
		set, err := buildSet(o.n, o.corpus, o.seed)
		if err != nil {
			return err
		}
		if err := dump(o.dump, set); err != nil {
			return err
		}
		progress("wrote what intake.Read makes of %d messages to %s", len(set.msgs), o.dump)
		return nil
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() {
		return fmt.Errorf("-bin %s is not a file", o.bin)
	}
	mbsync, err := exec.LookPath("mbsync")
	if err != nil {
		return errors.New("mbsync is not installed (apt-get install isync)")
	}

	progress("building %d messages (corpus: %q)", o.n, o.corpus)
	rng := rand.New(rand.NewPCG(o.seed, 2))
	set, err := buildSet(o.n, o.corpus, o.seed)
	if err != nil {
		return err
	}
	gen := newGenerator(rng) // replacements for messages Dovecot refuses
	gen.count = 1_000_000

	progress("starting Dovecot (sdbox)")
	dc, err := dovecot.Start(dovecot.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if err := dc.Stop(); err != nil {
			progress("stop dovecot: %v", err)
		}
	}()
	srv := server{addr: dc.Addr, user: dc.User, password: dc.Password}

	start := time.Now()
	if err := seed(srv, set, gen); err != nil {
		return fmt.Errorf("%w\n%s", err, dc.LogTail(20))
	}
	progress("appended %d messages (%.1f MB) to %s in %.1f s", len(set.msgs), float64(set.bytes)/1e6, folderSource, time.Since(start).Seconds())

	work, err := os.MkdirTemp("", "alliancebot-bench-intake-")
	if err != nil {
		return err
	}
	if o.keep {
		progress("work folder: %s", work)
	} else {
		defer os.RemoveAll(work)
	}

	b := &bench{srv: srv, bin: bin, mbsync: mbsync, logLevel: o.logLevel}
	cs := b.contenders()
	times := make(map[string][]time.Duration)
	for round := 1; round <= o.rounds; round++ {
		k := (round - 1) % len(cs)
		order := append(slices.Clone(cs[k:]), cs[:k]...)
		for _, c := range order {
			if err := ctx.Err(); err != nil {
				return err
			}
			dir := filepath.Join(work, fmt.Sprintf("round%d-%s", round, c.key))
			if err := os.Mkdir(dir, 0o700); err != nil {
				return err
			}
			if err := reset(srv, true, len(set.msgs)); err != nil {
				return err
			}
			// Start every contender with the previous one's writes on disk,
			// not still being flushed.
			syscall.Sync()
			d, err := c.run(ctx, dir, len(set.msgs))
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round, c.name, err)
			}
			times[c.key] = append(times[c.key], d)
			progress("round %d  %-28s %7.2f s  %7.0f msg/s", round, c.name, d.Seconds(), float64(len(set.msgs))/d.Seconds())
			if !o.keep {
				os.RemoveAll(dir)
			}
		}
	}

	if o.cpuProfile != "" {
		dir := filepath.Join(work, "profile")
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
		wall, user, sys, err := b.profileDrain(ctx, dir, o.cpuProfile, len(set.msgs))
		if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		progress("in-process Drain: %.2f s wall, %.2f s user + %.2f s system CPU; profile in %s", wall.Seconds(), user.Seconds(), sys.Seconds(), o.cpuProfile)
	}

	var lat, floor []time.Duration
	if o.idle > 0 {
		progress("IDLE latency: %d messages appended one by one to a running alliancebot serve", o.idle)
		idleGen := newGenerator(rand.New(rand.NewPCG(o.seed, 3)))
		idleGen.count = 2_000_000
		msgs := make([][]byte, o.idle)
		for i := range msgs {
			msgs[i] = idleGen.next()
		}
		dir := filepath.Join(work, "idle")
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
		if floor, err = b.idleFloor(ctx, msgs); err != nil {
			return fmt.Errorf("IDLE floor: %w", err)
		}
		if lat, err = b.idleLatency(ctx, dir, msgs); err != nil {
			return fmt.Errorf("IDLE latency: %w", err)
		}
	}

	report(stdout, o, set, b, cs, times, lat, floor, mbsyncVersion(mbsync))
	return nil
}

// report prints the result table.
func report(w io.Writer, o options, set *messageSet, b *bench, cs []contender, times map[string][]time.Duration, lat, floor []time.Duration, mbsyncVer string) {
	n := len(set.msgs)
	fmt.Fprintf(w, "alliancebot intake benchmark, %s\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "mailbox: %d messages, %.1f MB (%d samplemail, %d corpus, %d generated questionnaire replies; %d got a new Message-ID)\n",
		n, float64(set.bytes)/1e6, set.byOrigin[originSample], set.byOrigin[originCorpus], set.byOrigin[originGenerated], set.rewritten)
	if len(set.skipped) > 0 {
		fmt.Fprintf(w, "left out: %s\n", strings.Join(set.skipped, ", "))
	}
	built := summary.BuildOf(o.bin)
	if o.describe != "" {
		built = "built from " + o.describe
	}
	fmt.Fprintf(w, "alliancebot: %s\n", built)
	fmt.Fprintf(w, "server: %s sdbox on 127.0.0.1 (mail_fsync=never); %s; %d rounds, order rotated each round\n\n", dovecotVersion(), mbsyncVer, o.rounds)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "contender\t"
	for r := 1; r <= o.rounds; r++ {
		header += fmt.Sprintf("round %d\t", r)
	}
	fmt.Fprintln(tw, header+"median s\tmsg/s\tCPU s\t")
	med := make(map[string]time.Duration)
	for _, c := range cs {
		line := c.name + "\t"
		for _, d := range times[c.key] {
			line += fmt.Sprintf("%.2f\t", d.Seconds())
		}
		med[c.key] = summary.Median(times[c.key])
		line += fmt.Sprintf("%.2f\t%.0f\t", med[c.key].Seconds(), float64(n)/med[c.key].Seconds())
		if cpu := b.cpu[c.key]; len(cpu) > 0 {
			line += fmt.Sprintf("%.2f\t", summary.Median(cpu).Seconds())
		} else {
			line += "-\t"
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	if b.bareBytes > 0 {
		fmt.Fprintf(w, "bare loop read %.1f MB of bodies (Dovecot sends bare-LF mail with CRLF)\n", float64(b.bareBytes)/1e6)
	}
	if len(b.review) > 0 {
		fmt.Fprintf(w, "alliancebot stored all %d and moved %d of them to Review (broken mail from the corpus)\n", n, b.review[0])
	}
	if len(b.mbsyncSkipped) > 0 && b.mbsyncSkipped[0] > 0 {
		fmt.Fprintf(w, "mbsync fetched all %d but wrote %d: it skips %d messages with no end of header it can find (bare-CR line endings)\n",
			n, n-b.mbsyncSkipped[0], b.mbsyncSkipped[0])
	}
	fmt.Fprintln(w)

	vsMbsync := med["alliancebot"].Seconds() / med["mbsync"].Seconds()
	vsBare := med["bare"].Seconds() / med["alliancebot"].Seconds() // rate ratio = inverse time ratio
	perRound := func(f func(i int) float64) string {
		var s []string
		for i := range times["alliancebot"] {
			s = append(s, fmt.Sprintf("%.2f", f(i)))
		}
		return strings.Join(s, " ")
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ratio (of medians)\tvalue\ttarget\tresult\tper round")
	fmt.Fprintf(tw, "alliancebot time / mbsync time\t%.2f\t<= %.1f\t%s\t%s\n", vsMbsync, targetVsMbsync, summary.Verdict(vsMbsync <= targetVsMbsync),
		perRound(func(i int) float64 { return times["alliancebot"][i].Seconds() / times["mbsync"][i].Seconds() }))
	fmt.Fprintf(tw, "alliancebot msg/s / bare msg/s\t%.2f\t>= %.1f\t%s\t%s\n", vsBare, targetVsBare, summary.Verdict(vsBare >= targetVsBare),
		perRound(func(i int) float64 { return times["bare"][i].Seconds() / times["alliancebot"][i].Seconds() }))
	if len(lat) > 0 {
		m := summary.Median(lat)
		fmt.Fprintf(tw, "IDLE: APPEND -> stored, median of %d\t%.3f s\t< %.1f s\t%s\tp90 %.3f s, min %.3f s, max %.3f s\n",
			len(lat), m.Seconds(), targetIdle.Seconds(), summary.Verdict(m < targetIdle),
			summary.Percentile(lat, 0.9).Seconds(), slices.Min(lat).Seconds(), slices.Max(lat).Seconds())
		fm := summary.Median(floor)
		fmt.Fprintf(tw, "  floor: bare IDLE client, APPEND -> EXISTS\t%.3f s\t\t\tp90 %.3f s; alliancebot adds %.0f ms (median)\n",
			fm.Seconds(), summary.Percentile(floor, 0.9).Seconds(), float64(m-fm)/float64(time.Millisecond))
	}
	tw.Flush()
}
