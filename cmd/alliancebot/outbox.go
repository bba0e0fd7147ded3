package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/store"
)

func runOutbox(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New("outbox: say list, show ID or retry ID")
	}
	switch args[0] {
	case "list":
		return runOutboxList(ctx, e, args[1:])
	case "show":
		return runOutboxShow(ctx, e, args[1:])
	case "retry":
		return runOutboxRetry(ctx, e, args[1:])
	}
	return fmt.Errorf("outbox: unknown subcommand %q (list, show, retry)", args[0])
}

func runOutboxList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "outbox list", "[--config FILE] [--json] [--state queued|sent|failed]")
	load := configFlag(fs, e)
	asJSON := fs.Bool("json", false, "one JSON object a line")
	state := fs.String("state", "", "only the messages in this state: queued, sent or failed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch store.OutState(*state) {
	case "", store.OutQueued, store.OutSent, store.OutFailed:
	default:
		return fmt.Errorf("outbox list: --state %q: use queued, sent or failed", *state)
	}
	r, done, err := loadReader(load)
	if err != nil {
		return err
	}
	defer done()
	keep := func(o *store.Outgoing) bool { return *state == "" || string(o.State) == *state }
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		return r.Outbox(ctx, func(o *store.Outgoing) error {
			if !keep(o) {
				return nil
			}
			return enc.Encode(o)
		})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tKIND\tSTATE\tTRIES\tTO\tSUBJECT")
	counts := map[store.OutState]int{}
	err = r.Outbox(ctx, func(o *store.Outgoing) error {
		counts[o.State]++
		if !keep(o) {
			return nil
		}
		_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", o.ID, o.Created.Local().Format("2006-01-02 15:04"),
			o.Kind, outState(o), o.Attempts, clip(strings.Join(o.To, ", "), 40), clip(o.Subject, 50))
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%d queued, %d sent, %d failed\n", counts[store.OutQueued], counts[store.OutSent], counts[store.OutFailed])
	return err
}

// outState is o's state for a table: a queued message that failed before
// says when it is tried again.
func outState(o *store.Outgoing) string {
	if o.State == store.OutQueued && o.Attempts > 0 && !o.NextAttempt.IsZero() {
		return "retry " + o.NextAttempt.Local().Format("15:04")
	}
	return string(o.State)
}

func runOutboxShow(ctx context.Context, e *env, args []string) error {
	return showRecord(ctx, e, args, "outbox show", "outbox ID (a number from outbox list)",
		"print the message exactly as it is sent", control.Reader.OutgoingRaw, control.Reader.GetOutgoing, printOutgoing)
}

func printOutgoing(w io.Writer, o *store.Outgoing) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format(time.RFC1123Z)
	}
	row("ID", strconv.FormatUint(o.ID, 10))
	row("Kind", o.Kind)
	row("Message-ID", o.MessageID)
	row("From", o.From)
	row("To", strings.Join(o.To, ", "))
	row("Subject", o.Subject)
	row("Language", o.Language)
	if o.Trigger != 0 {
		row("In answer to", fmt.Sprintf("message %d (alliancebot messages show %d)", o.Trigger, o.Trigger))
	}
	row("Size", fmt.Sprintf("%d bytes", o.Size))
	row("Created", at(o.Created))
	row("State", string(o.State))
	row("Attempts", strconv.Itoa(o.Attempts))
	if o.State == store.OutQueued {
		row("Next attempt", at(o.NextAttempt))
	}
	row("Sent", at(o.Sent))
	row("Server said", o.Response)
	row("Last error", o.LastError)
	return tw.Flush()
}

func runOutboxRetry(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "outbox retry", "[--config FILE] ID")
	load := configFlag(fs, e)
	id, err := parseID("outbox retry", "outbox ID (a number from outbox list)", args, fs)
	if err != nil {
		return err
	}
	r, done, err := loadReader(load)
	if err != nil {
		return err
	}
	defer done()
	o, err := r.Retry(ctx, id)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "outbox %d to %s is queued to be sent now (%d attempts so far)\n", o.ID, strings.Join(o.To, ", "), o.Attempts)
	return err
}
