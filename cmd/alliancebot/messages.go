package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coe-congress/alliancebot/config"
	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/store"
)

// openReader reaches the store through a running daemon, or opens the file
// when none runs. close must be called when done.
func openReader(cfg config.Config) (r control.Reader, close func(), err error) {
	if c, err := control.Dial(control.SocketPath(cfg.Store.Path)); err == nil {
		return c, func() {}, nil
	}
	if _, err := os.Stat(cfg.Store.Path); err != nil {
		return nil, nil, fmt.Errorf("open store: %w (set store.path or ALLIANCEBOT_STORE_PATH)", err)
	}
	db, err := store.Open(cfg.Store.Path, nil)
	if errors.Is(err, store.ErrLocked) {
		return nil, nil, fmt.Errorf("%w, and no daemon answers on %s", err, control.SocketPath(cfg.Store.Path))
	}
	if err != nil {
		return nil, nil, err
	}
	return control.Local{DB: db}, func() { db.Close() }, nil
}

// loadReader loads the configuration and reaches the store (openReader).
func loadReader(load func() (config.Config, error)) (control.Reader, func(), error) {
	cfg, err := load()
	if err != nil {
		return nil, nil, err
	}
	return openReader(cfg)
}

func runMessages(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New("messages: say list or show ID")
	}
	switch args[0] {
	case "list":
		return runMessagesList(ctx, e, args[1:])
	case "show":
		return runMessagesShow(ctx, e, args[1:])
	}
	return fmt.Errorf("messages: unknown subcommand %q (list, show)", args[0])
}

// listLine is one line of `messages list --json`.
type listLine struct {
	ID        uint64    `json:"id"`
	MessageID string    `json:"message_id"`
	SHA256    string    `json:"sha256"`
	From      string    `json:"from"`
	Subject   string    `json:"subject"`
	Date      time.Time `json:"date,omitzero"`
	Received  time.Time `json:"received"`
	Folder    string    `json:"folder"`
	State     string    `json:"state"`
	Class     string    `json:"class"`
	Language  string    `json:"language"`
	Errors    []string  `json:"errors"`
	Warnings  int       `json:"warnings"`
}

func runMessagesList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "messages list", "[--config FILE] [--json]")
	load := configFlag(fs, e)
	asJSON := fs.Bool("json", false, "one JSON object a line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, done, err := loadReader(load)
	if err != nil {
		return err
	}
	defer done()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		return r.List(ctx, func(m *store.Message) error {
			errs := m.Errors
			if errs == nil {
				errs = []string{}
			}
			return enc.Encode(listLine{ID: m.ID, MessageID: m.MessageID, SHA256: m.SHA256, From: m.From,
				Subject: m.Subject, Date: m.Date, Received: m.Received, Folder: m.Folder, State: string(m.State),
				Class: m.Class, Language: m.Language,
				Errors: errs, Warnings: len(m.Warnings)})
		})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tCLASS\tSTATE\tFROM\tSUBJECT")
	n := 0
	err = r.List(ctx, func(m *store.Message) error {
		n++
		state := string(m.State)
		if len(m.Errors) > 0 {
			state += " (!)"
		}
		_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Received.Local().Format("2006-01-02 15:04"),
			orDash(m.Class), state, clip(m.From, 40), clip(m.Subject, 60))
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%d messages\n", n)
	return err
}

func runMessagesShow(ctx context.Context, e *env, args []string) error {
	return showRecord(ctx, e, args, "messages show", "message ID (a number from messages list)",
		"print the message exactly as it was received", control.Reader.Raw, control.Reader.Get, printMessage)
}

// showRecord is a `show ID [--raw | --json]` command: it prints one record,
// as a table (print), as JSON, or its raw bytes.
func showRecord[T any](ctx context.Context, e *env, args []string, name, what, rawDoc string,
	raw func(control.Reader, context.Context, uint64) ([]byte, error),
	get func(control.Reader, context.Context, uint64) (*T, error),
	print func(io.Writer, *T) error) error {
	fs := newFlags(e, name, "[--config FILE] [--raw | --json] ID")
	load := configFlag(fs, e)
	asRaw := fs.Bool("raw", false, rawDoc)
	asJSON := fs.Bool("json", false, "print the whole record as JSON")
	id, err := parseID(name, what, args, fs)
	if err != nil {
		return err
	}
	r, done, err := loadReader(load)
	if err != nil {
		return err
	}
	defer done()
	if *asRaw {
		b, err := raw(r, ctx, id)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(b)
		return err
	}
	v, err := get(r, ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return print(e.stdout, v)
}

// parseID parses fs from args and returns the one ID argument, written
// before or after the flags.
func parseID(name, what string, args []string, fs *flag.FlagSet) (uint64, error) {
	var idArg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		idArg, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if idArg == "" {
		idArg = fs.Arg(0)
	}
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("%s: want a %s, got %q", name, what, idArg)
	}
	return id, nil
}

func printMessage(w io.Writer, m *store.Message) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("ID", strconv.FormatUint(m.ID, 10))
	row("Message-ID", m.MessageID)
	from := m.From
	if m.FromName != "" {
		from = m.FromName + " <" + m.From + ">"
	}
	row("From", from)
	row("To", strings.Join(m.To, ", "))
	row("Cc", strings.Join(m.Cc, ", "))
	row("Subject", m.Subject)
	if !m.Date.IsZero() {
		row("Date", m.Date.Format(time.RFC1123Z))
	}
	row("In-Reply-To", m.InReplyTo)
	row("Received", m.Received.Local().Format(time.RFC1123Z))
	row("Size", fmt.Sprintf("%d bytes", m.Size))
	row("SHA-256", m.SHA256)
	row("Class", m.Class)
	row("Language", m.Language)
	row("State", string(m.State))
	row("Folder", m.Folder)
	row("Found in", fmt.Sprintf("%s, UIDVALIDITY %d, UID %d", m.Source.Mailbox, m.Source.UIDValidity, m.Source.UID))
	for _, a := range m.Attachments {
		row("Attachment", fmt.Sprintf("%s (%s, %d bytes)", a.Name, a.ContentType, a.Size))
	}
	for _, x := range m.Errors {
		row("Error", x)
	}
	for _, id := range m.Replies {
		row("Reply", fmt.Sprintf("outbox %d (alliancebot outbox show %d)", id, id))
	}
	row("No acknowledgement", m.NoReply)
	for _, x := range m.Warnings {
		row("Warning", x)
	}
	return tw.Flush()
}

// clip shortens s to n runes for a table cell, on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
