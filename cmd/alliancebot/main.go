// Command alliancebot runs the shared mailbox of the European Alliance of
// Cities and Regions for Roma Inclusion: it watches the mailbox, stores and
// understands every message, and answers. Run `alliancebot help` for the
// commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "alliancebot: %v\n", err)
		os.Exit(1)
	}
}

// env is what a command gets from the outside world.
type env struct {
	stdout, stderr io.Writer
	environ        []string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "run the whole loop on in-process IMAP and SMTP servers with sample mail", runDemo},
		{"serve", "watch the mailbox, store and answer every message (--once: drain, answer, exit)", runServe},
		{"messages", "list or show stored messages", runMessages},
		{"outbox", "list, show or retry the mail the bot sends (acknowledgements, staff notices)", runOutbox},
		{"members", "add, list, remove, import (CSV) or approve the members who receive the digest", runMembers},
		{"news", "add, list, approve or remove the news items of the next digest", runNews},
		{"digest", "preview the next digest, or send it (resumes an unfinished one)", runDigest},
		{"answers", "list the authorities that answered, or show one with its history", runAnswers},
		{"parse", "print what is understood of message files (--json: the parse-json contract)", runParse},
		{"backup", "write a consistent copy of the database, even while serve runs", runBackup},
		{"config", "print every configuration key with its environment variable and default", runConfig},
	}
}

// run is the composition root: it picks the command and runs it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) error {
	e := &env{stdout: stdout, stderr: stderr, environ: environ}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return flag.ErrHelp
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: alliancebot COMMAND [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Configuration comes from --config FILE (TOML) and ALLIANCEBOT_* variables; see README.md.")
	fmt.Fprintln(w, "Run 'alliancebot COMMAND -h' for a command's flags.")
}

// newFlags returns a flag set for a subcommand that prints its errors and
// usage to e.stderr.
func newFlags(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: alliancebot %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}
