package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/coe-congress/alliancebot/config"
	"github.com/coe-congress/alliancebot/mailbox"
)

// configFlag adds --config to fs and returns a loader for after fs.Parse.
func configFlag(fs *flag.FlagSet, e *env) func() (config.Config, error) {
	path := fs.String("config", "", "TOML configuration `file` (optional: ALLIANCEBOT_* variables suffice)")
	return func() (config.Config, error) { return config.Load(*path, e.environ) }
}

func runConfig(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "config", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tENVIRONMENT\tDEFAULT\tMEANING")
	for _, k := range config.Keys() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Key, k.Env, k.Default, k.Doc)
	}
	return tw.Flush()
}

// newLogger builds the one slog handler of the process.
func newLogger(cfg config.Log, e *env) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level)) // validated by config.Load
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// watcherConfig maps the configuration onto the mailbox watcher's.
func watcherConfig(cfg config.Config) mailbox.Config {
	c := cfg.IMAP
	return mailbox.Config{
		Intake:       intakeOptions(cfg),
		Addr:         c.HostPort(),
		Username:     c.Username,
		Password:     string(c.Password),
		TLS:          c.TLS,
		Insecure:     c.Insecure,
		Mailbox:      c.Mailbox,
		Processed:    c.Processed,
		Review:       c.Review,
		DisableIdle:  !c.Idle,
		PollInterval: c.PollInterval.Duration,
		IdleRecheck:  c.IdleRecheck.Duration,
		MaxAttempts:  c.MaxAttempts,
		BatchSize:    c.BatchSize,
	}
}
