// Command digest is the newsletter benchmark of alliancebot: it sends one
// digest to n member authorities (130,000 by default: every authority the
// Congress represents) through a loopback SMTP sink that counts what each
// recipient receives, and in the same run times a bare go-mail loop at the
// same concurrency sending the same messages. It reports the throughput
// ratio, the daemon's peak RSS at each n, and what a kill -9 at random
// points costs: recipients missed and duplicated. It prints one table with
// the targets.
//
// Run it through bench/run-digest, which builds the binary; see
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
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/coe-congress/alliancebot/bench/internal/summary"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	if len(os.Args) > 1 && os.Args[1] == bareChildArg {
		err = bareChild(ctx, os.Args[2:])
	} else {
		err = runBench(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "digest: %v\n", err)
		os.Exit(1)
	}
}

// Targets from the issue.
const (
	targetVsBare  = 0.8   // alliancebot msg/s / bare msg/s, at least
	targetRSS     = 200e6 // peak RSS in bytes, below
	targetRSSFlat = 1.25  // peak RSS at the largest n / at the smallest, at most
)

type options struct {
	ns         []int
	conns      int
	rounds     int
	kills      int
	killN      int
	bin        string
	cpuProfile string
	describe   string
	seed       uint64
	keep       bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nList := fs.String("n", "10000,130000", "comma-separated `list` of recipient counts; each is timed for both contenders")
	fs.IntVar(&o.conns, "c", 4, "SMTP `connections` (ALLIANCEBOT_SMTP_CONNECTIONS, and the bare loop's goroutines)")
	fs.IntVar(&o.rounds, "rounds", 2, "timed rounds at each n; each runs both contenders, in an order that alternates")
	fs.IntVar(&o.kills, "kills", 20, "kill -9 points of the kill test (0 skips it)")
	fs.IntVar(&o.killN, "kill-n", 0, "recipients of the kill test (default: the largest -n)")
	fs.StringVar(&o.bin, "bin", "", "path of the alliancebot `binary` (required)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "after the rounds, send the digest to the largest n once more in this process (newsletter.Send, same options) and write its CPU profile to `file`")
	fs.StringVar(&o.describe, "describe", "", "what the binary was built from, for the table (run-digest passes git describe --always --dirty)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated members and of the kill points")
	fs.BoolVar(&o.keep, "keep", false, "keep the work folder (stores, daemon output) and print its path")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, f := range strings.Split(*nList, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return o, fmt.Errorf("-n: %q is not a positive number", f)
		}
		o.ns = append(o.ns, v)
	}
	slices.Sort(o.ns)
	o.ns = slices.Compact(o.ns)
	if o.killN == 0 {
		o.killN = o.ns[len(o.ns)-1]
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.bin == "":
		return o, errors.New("-bin is required: build with go build -o DIR/alliancebot ./cmd/alliancebot")
	case o.conns < 1 || o.rounds < 1 || o.kills < 0 || o.killN < 1:
		return o, errors.New("-c, -rounds and -kill-n must be at least 1, -kills at least 0")
	}
	return o, nil
}

// contender keys.
const (
	keyAlliancebot = "alliancebot"
	keyBare        = "bare"
)

var contenderNames = map[string]string{
	keyAlliancebot: "alliancebot digest send",
	keyBare:        "bare go-mail loop",
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	progress := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() {
		return fmt.Errorf("-bin %s is not a file", o.bin)
	}

	largest := max(o.ns[len(o.ns)-1], o.killN)
	b := &bench{bin: bin, conns: o.conns, members: members(largest, o.seed), seed: o.seed}
	for _, m := range b.members {
		b.emails = append(b.emails, m.email)
	}
	if b.bodies, err = renderBodies(); err != nil {
		return err
	}
	if b.sink, err = startSink(); err != nil {
		return err
	}
	defer b.sink.close()

	work, err := os.MkdirTemp("", "alliancebot-bench-digest-")
	if err != nil {
		return err
	}
	if o.keep {
		progress("work folder: %s", work)
	} else {
		defer os.RemoveAll(work)
	}

	// One prepared store per n, copied for every run.
	templatesByN := map[int]string{}
	for _, n := range append(slices.Clone(o.ns), o.killN) {
		if templatesByN[n] != "" || (n == o.killN && o.kills == 0 && !slices.Contains(o.ns, n)) {
			continue
		}
		start := time.Now()
		path, err := b.prepareStore(ctx, filepath.Join(work, fmt.Sprintf("store-%d", n)), n)
		if err != nil {
			return err
		}
		fi, _ := os.Stat(path)
		progress("store with %d members and 1 news item: %.1f MB, prepared in %.1f s (members import of CSV files of %d rows, news add)", n, float64(fi.Size())/1e6, time.Since(start).Seconds(), importChunk)
		templatesByN[n] = path
	}

	runs := map[string]map[int][]run{keyAlliancebot: {}, keyBare: {}}
	for _, n := range o.ns {
		for round := 1; round <= o.rounds; round++ {
			order := []string{keyAlliancebot, keyBare}
			if round%2 == 0 {
				order = []string{keyBare, keyAlliancebot}
			}
			for _, key := range order {
				if err := ctx.Err(); err != nil {
					return err
				}
				dir := filepath.Join(work, fmt.Sprintf("n%d-round%d-%s", n, round, key))
				if err := os.Mkdir(dir, 0o700); err != nil {
					return err
				}
				var r run
				if key == keyAlliancebot {
					r, err = b.alliancebot(ctx, dir, templatesByN[n], n)
				} else {
					r, err = b.bare(ctx, dir, n)
				}
				if err != nil {
					return fmt.Errorf("n=%d, round %d, %s: %w", n, round, contenderNames[key], err)
				}
				runs[key][n] = append(runs[key][n], r)
				line := fmt.Sprintf("n=%-6d round %d  %-24s %7.2f s  %6.0f msg/s", n, round, contenderNames[key], r.elapsed.Seconds(), float64(n)/r.elapsed.Seconds())
				line += fmt.Sprintf("  peak RSS %.0f MB (anon %.0f, file %.0f)  CPU %.1f s", float64(r.rss)/1e6, float64(r.anon)/1e6, float64(r.file)/1e6, r.cpu.Seconds())
				progress("%s", line)
				if !o.keep {
					os.RemoveAll(dir)
				}
			}
		}
	}

	var kr *killResult
	if o.kills > 0 {
		dir := filepath.Join(work, "kill")
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
		progress("kill test: %d recipients, %d kills", o.killN, o.kills)
		rng := rand.New(rand.NewPCG(o.seed, 7))
		if kr, err = b.killTest(ctx, dir, templatesByN[o.killN], o.killN, o.kills, rng, progress); err != nil {
			return fmt.Errorf("kill test: %w", err)
		}
		progress("kill test done in %.0f s: %d runs, %d deliveries, %d missed, %d duplicated", kr.elapsed.Seconds(), kr.runs, kr.delivered, kr.missed, kr.dups)
	}

	if o.cpuProfile != "" {
		n := o.ns[len(o.ns)-1]
		dir := filepath.Join(work, "profile")
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
		wall, user, sys, err := b.profileSend(ctx, dir, templatesByN[n], o.cpuProfile, n)
		if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		progress("in-process Start+Send to %d: %.2f s wall, %.2f s user + %.2f s system CPU (sink included); profile in %s",
			n, wall.Seconds(), user.Seconds(), sys.Seconds(), o.cpuProfile)
	}

	report(stdout, o, b, runs, kr)
	return nil
}

// report prints the result table.
func report(w io.Writer, o options, b *bench, runs map[string]map[int][]run, kr *killResult) {
	fr := 0
	for _, m := range b.members {
		if m.lang == "fr" {
			fr++
		}
	}
	fmt.Fprintf(w, "alliancebot digest benchmark, %s\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "digest: 1 news item (%d bytes of text), rendered with the built-in templates: %d-byte text and %d-byte HTML body (en)\n",
		len(newsText()), len(b.bodies["en"].Text), len(b.bodies["en"].HTML))
	fmt.Fprintf(w, "members: generated authorities of the 46 member states, %.0f %% in French\n", 100*float64(fr)/float64(len(b.members)))
	built := summary.BuildOf(o.bin)
	if o.describe != "" {
		built = "built from " + o.describe
	}
	fmt.Fprintf(w, "alliancebot: %s\n", built)
	fmt.Fprintf(w, "sink: go-smtp server on 127.0.0.1 in the benchmark process; %d SMTP connections; rate and daily limit off; %d round(s), order alternated\n\n", o.conns, o.rounds)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "contender\tn\t"
	for r := 1; r <= o.rounds; r++ {
		header += fmt.Sprintf("round %d s\t", r)
	}
	if o.rounds > 1 {
		header += "median s\t"
	}
	fmt.Fprintln(tw, header+"msg/s\tpeak RSS MB\tanon MB\tfile MB\tCPU s\tKB/msg\t")
	med := map[string]map[int]time.Duration{keyAlliancebot: {}, keyBare: {}}
	peak := map[int]int64{}
	for _, n := range o.ns {
		for _, key := range []string{keyAlliancebot, keyBare} {
			rs := runs[key][n]
			line := contenderNames[key] + "\t" + strconv.Itoa(n) + "\t"
			var ds, cpus []time.Duration
			var rss, anon, file, bytes int64
			for _, r := range rs {
				line += fmt.Sprintf("%.2f\t", r.elapsed.Seconds())
				ds = append(ds, r.elapsed)
				cpus = append(cpus, r.cpu)
				rss, anon, file = max(rss, r.rss), max(anon, r.anon), max(file, r.file)
				bytes = r.bytes
			}
			m := summary.Median(ds)
			med[key][n] = m
			if o.rounds > 1 {
				line += fmt.Sprintf("%.2f\t", m.Seconds())
			}
			line += fmt.Sprintf("%.0f\t", float64(n)/m.Seconds())
			if key == keyAlliancebot {
				peak[n] = rss
			}
			line += fmt.Sprintf("%.0f\t%.0f\t%.0f\t%.1f\t", float64(rss)/1e6, float64(anon)/1e6, float64(file)/1e6, summary.Median(cpus).Seconds())
			line += fmt.Sprintf("%.1f\t", float64(bytes)/float64(n)/1024)
			fmt.Fprintln(tw, line)
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "time: wall clock from process start to exit (alliancebot: preparing the deliveries included); both are child processes, the sink is in the parent")
	fmt.Fprintln(w, "peak RSS: VmHWM of the process; anon/file: largest RssAnon/RssFile; all from /proc/PID/status every 20 ms (file: bbolt's mmap, the binary)")
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tvalue\ttarget\tresult\tdetail")
	for _, n := range o.ns {
		ratio := med[keyBare][n].Seconds() / med[keyAlliancebot][n].Seconds()
		var per []string
		for i := range runs[keyAlliancebot][n] {
			per = append(per, fmt.Sprintf("%.2f", runs[keyBare][n][i].elapsed.Seconds()/runs[keyAlliancebot][n][i].elapsed.Seconds()))
		}
		detail := fmt.Sprintf("%.0f vs %.0f msg/s", float64(n)/med[keyAlliancebot][n].Seconds(), float64(n)/med[keyBare][n].Seconds())
		if o.rounds > 1 {
			detail += "; per round " + strings.Join(per, " ")
		}
		fmt.Fprintf(tw, "alliancebot msg/s / bare msg/s, n=%d\t%.2f\t>= %.1f\t%s\t%s\n", n, ratio, targetVsBare, summary.Verdict(ratio >= targetVsBare), detail)
	}
	for _, n := range o.ns {
		fmt.Fprintf(tw, "alliancebot peak RSS, n=%d\t%.0f MB\t< %.0f MB\t%s\t\n", n, float64(peak[n])/1e6, targetRSS/1e6, summary.Verdict(float64(peak[n]) < targetRSS))
	}
	if len(o.ns) > 1 {
		lo, hi := o.ns[0], o.ns[len(o.ns)-1]
		ratio := float64(peak[hi]) / float64(peak[lo])
		fmt.Fprintf(tw, "peak RSS n=%d / n=%d\t%.2f\t<= %.2f\t%s\t%.0f MB -> %.0f MB for %.0fx the recipients\n", hi, lo, ratio, targetRSSFlat,
			summary.Verdict(ratio <= targetRSSFlat), float64(peak[lo])/1e6, float64(peak[hi])/1e6, float64(hi)/float64(lo))
	}
	if kr != nil {
		sum, most := kr.inFlight()
		fmt.Fprintf(tw, "kill -9 x%d, n=%d: recipients missed\t%d\t0\t%s\t%d runs, %d deliveries in %.0f s\n", len(kr.kills), kr.n, kr.missed, summary.Verdict(kr.missed == 0),
			kr.runs, kr.delivered, kr.elapsed.Seconds())
		fmt.Fprintf(tw, "kill -9 x%d, n=%d: recipients duplicated\t%d\t<= in flight %d\t%s\tin flight: claimed in the store after each kill (at most %d at one kill)\n",
			len(kr.kills), kr.n, kr.dups, sum, summary.Verdict(kr.dups <= sum && kr.strays == 0), most)
	}
	tw.Flush()

	if kr != nil && len(kr.kills) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "kills (at = sink deliveries, all runs, at which the kill was due):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "kill\tat\tdelivered\tprocess age s\tdigest\tin flight\tnext run printed\t")
		for i, k := range kr.kills {
			fmt.Fprintf(tw, "%d\t%d\t%d\t%.2f\t%s\t%d\t%s\t\n", i+1, k.at, k.delivered, k.after.Seconds(), k.phase, k.inFlight, k.resumed)
		}
		tw.Flush()
	}
}
