package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coe-congress/alliancebot/config"
	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/mailbox"
	"github.com/coe-congress/alliancebot/newsletter"
	"github.com/coe-congress/alliancebot/reply"
	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

// newNewsletter builds the newsletter of cfg on db.
func newNewsletter(cfg config.Config, db *store.DB, log *slog.Logger) (*newsletter.Newsletter, error) {
	from := cfg.FromAddress()
	if from == "" {
		return nil, errors.New("newsletter: no address to write from (smtp.from)")
	}
	set, err := templates.Load(cfg.Reply.Templates)
	if err != nil {
		return nil, err
	}
	nc := newsletter.Config{From: from, FromName: cfg.SMTP.FromName, PublicURL: cfg.HTTP.PublicURL, Staff: cfg.Staff.Addresses}
	if cfg.DKIM.KeyFile != "" {
		s, err := reply.LoadSigner(cfg.DKIM.KeyFile, cfg.SigningDomain(), cfg.DKIM.Selector)
		if err != nil {
			return nil, err
		}
		nc.Signer = s
	}
	return newsletter.New(nc, db, set, log)
}

// digestOptions are the sending options of cfg.
func digestOptions(cfg config.Config) newsletter.SendOptions {
	sc := senderConfig(cfg.SMTP)
	return newsletter.SendOptions{
		Dial: func(ctx context.Context) (newsletter.Conn, error) {
			return mailbox.DialSMTP(ctx, sc)
		},
		Permanent:   mailbox.IsPermanent,
		Connections: cfg.SMTP.Connections,
		Rate:        cfg.SMTP.Rate,
		DailyLimit:  cfg.SMTP.DailyLimit,
	}
}

// withStore runs a command that changes the store: inside the daemon when one
// runs (bbolt lets one process have the file), else on the file itself.
func withStore(ctx context.Context, e *env, cfg config.Config, args []string, fn func(db *store.DB) error) error {
	if c, err := control.Dial(control.SocketPath(cfg.Store.Path)); err == nil {
		return c.Exec(ctx, args, e.stdout)
	}
	db, err := store.Open(cfg.Store.Path, nil)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w, and no daemon answers on %s", err, control.SocketPath(cfg.Store.Path))
	}
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// execInDaemon runs a command line sent over the control socket, on the
// daemon's store. Only the commands that change the newsletter run there.
func execInDaemon(cfg config.Config, db *store.DB, log *slog.Logger) func(ctx context.Context, args []string, w io.Writer) error {
	return func(ctx context.Context, args []string, w io.Writer) error {
		if len(args) < 2 {
			return errors.New("no command")
		}
		e := &env{stdout: w, stderr: w}
		d := &daemonStore{cfg: cfg, db: db, log: log}
		switch args[0] {
		case "members":
			return membersCmd(ctx, e, d, args[1:])
		case "news":
			return newsCmd(ctx, e, d, args[1:])
		case "digest":
			return digestCmd(ctx, e, d, args[1:])
		}
		return fmt.Errorf("the daemon does not run %q", args[0])
	}
}

// nlEnv reaches the store for the newsletter commands: in the daemon, or
// from the command line.
type nlEnv interface {
	// run runs fn on the store with the configuration; args is the whole
	// command line, for a daemon to run it.
	run(ctx context.Context, e *env, args []string, fn func(cfg config.Config, db *store.DB) error) error
}

// daemonStore is the store of the daemon itself.
type daemonStore struct {
	cfg config.Config
	db  *store.DB
	log *slog.Logger
}

func (d *daemonStore) run(_ context.Context, _ *env, _ []string, fn func(config.Config, *store.DB) error) error {
	return fn(d.cfg, d.db)
}

// cliStore loads the configuration from the command line's flags.
type cliStore struct {
	load func() (config.Config, error)
}

func (c *cliStore) run(ctx context.Context, e *env, args []string, fn func(config.Config, *store.DB) error) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	return withStore(ctx, e, cfg, args, func(db *store.DB) error { return fn(cfg, db) })
}

// parseCmd parses the flags of a newsletter subcommand, with --config on
// the command line; it returns the store access and the positional args.
func parseCmd(e *env, d nlEnv, name, usage string, args []string, define func(fs flagSet)) (nlEnv, []string, error) {
	fs := newFlags(e, name, usage)
	load := configFlag(fs, e) // in the daemon, its own configuration counts
	if d == nil {
		d = &cliStore{load: load}
	}
	define(fs)
	// Accept positional arguments before the flags too.
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	return d, append(pos, fs.Args()...), nil
}

// flagSet is what the commands define their flags on.
type flagSet = interface {
	String(name, value, usage string) *string
	Bool(name string, value bool, usage string) *bool
}

func runMembers(ctx context.Context, e *env, args []string) error {
	return membersCmd(ctx, e, nil, args)
}
func runNews(ctx context.Context, e *env, args []string) error   { return newsCmd(ctx, e, nil, args) }
func runDigest(ctx context.Context, e *env, args []string) error { return digestCmd(ctx, e, nil, args) }

func membersCmd(ctx context.Context, e *env, d nlEnv, args []string) error {
	if len(args) == 0 {
		return errors.New("members: say add, list, remove, import FILE or approve")
	}
	whole := append([]string{"members"}, args...)
	switch args[0] {
	case "add":
		var authority, country, lang *string
		d, pos, err := parseCmd(e, d, "members add", "EMAIL --authority NAME --country CC [--language en|fr]", args[1:], func(fs flagSet) {
			authority = fs.String("authority", "", "the authority's name")
			country = fs.String("country", "", "its country, two letters (FR)")
			lang = fs.String("language", "en", "language of the digest: en or fr")
		})
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("members add: want one address")
		}
		row := "email,authority,country,language\n" + csvRow(pos[0], *authority, *country, *lang)
		ms, bad, err := newsletter.ReadMembers(strings.NewReader(row))
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			return fmt.Errorf("members add: %v", bad[0].Err)
		}
		return d.run(ctx, e, whole, func(_ config.Config, db *store.DB) error {
			ms[0].Source = "cli"
			added, _, err := db.PutMembers(ms)
			if err != nil {
				return err
			}
			verb := "updated"
			if added == 1 {
				verb = "added"
			}
			_, err = fmt.Fprintf(e.stdout, "%s %s\n", verb, ms[0].Email)
			return err
		})
	case "list":
		var asJSON, suppressed *bool
		d, _, err := parseCmd(e, d, "members list", "[--json] [--suppressed]", args[1:], func(fs flagSet) {
			asJSON = fs.Bool("json", false, "one JSON object a line")
			suppressed = fs.Bool("suppressed", false, "list the suppressed addresses instead, with why")
		})
		if err != nil {
			return err
		}
		return d.run(ctx, e, whole, func(_ config.Config, db *store.DB) error {
			if *suppressed {
				return listSuppressed(e.stdout, db, *asJSON)
			}
			return listMembers(e.stdout, db, *asJSON)
		})
	case "remove":
		d, pos, err := parseCmd(e, d, "members remove", "EMAIL", args[1:], func(flagSet) {})
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("members remove: want one address")
		}
		return d.run(ctx, e, whole, func(_ config.Config, db *store.DB) error {
			if err := db.RemoveMember(pos[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(e.stdout, "removed %s\n", strings.ToLower(pos[0]))
			return err
		})
	case "import":
		d, pos, err := parseCmd(e, d, "members import", "FILE.csv", args[1:], func(flagSet) {})
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("members import: want one CSV file (header: email,authority,country,language)")
		}
		// The daemon may run in another folder: give it the whole path.
		path, err := filepath.Abs(pos[0])
		if err != nil {
			return err
		}
		whole = []string{"members", "import", path}
		return d.run(ctx, e, whole, func(_ config.Config, db *store.DB) error {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			ms, bad, err := newsletter.ReadMembers(f)
			if err != nil {
				return fmt.Errorf("members import %s: %w", path, err)
			}
			added, updated, err := db.PutMembers(ms)
			if err != nil {
				return err
			}
			for _, b := range bad {
				fmt.Fprintf(e.stdout, "%s: %v (not imported)\n", filepath.Base(path), b)
			}
			_, err = fmt.Fprintf(e.stdout, "%d added, %d updated, %d rows not imported\n", added, updated, len(bad))
			return err
		})
	case "approve":
		var lang *string
		d, pos, err := parseCmd(e, d, "members approve", "[AUTHORITY-KEY...]  (none: list who waits)", args[1:], func(fs flagSet) {
			lang = fs.String("language", "", "language of their digest (default: of their answer, else en)")
		})
		if err != nil {
			return err
		}
		return d.run(ctx, e, whole, func(_ config.Config, db *store.DB) error {
			return approveMembers(ctx, e.stdout, db, pos, *lang)
		})
	}
	return fmt.Errorf("members: unknown subcommand %q (add, list, remove, import, approve)", args[0])
}

func csvRow(fields ...string) string {
	for i, f := range fields {
		fields[i] = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
	}
	return strings.Join(fields, ",") + "\n"
}

func listMembers(w io.Writer, db *store.DB, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		return db.ForEachMember(func(m *store.Member) error { return enc.Encode(m) })
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tAUTHORITY\tCOUNTRY\tLANG\tADDED\tSTATUS")
	n := 0
	err := db.ForEachMember(func(m *store.Member) error {
		n++
		status := "receives the digest"
		if s, err := db.Suppressed(m.Email); err == nil {
			status = "suppressed: " + s.Kind
		}
		_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Email, clip(m.Authority, 40), m.Country, m.Language, m.Added.Local().Format(time.DateOnly), status)
		return err
	})
	if err != nil {
		return err
	}
	tw.Flush()
	_, err = fmt.Fprintf(w, "%d members\n", n)
	return err
}

func listSuppressed(w io.Writer, db *store.DB, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		return db.ForEachSuppressed(func(s *store.Suppression) error { return enc.Encode(s) })
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tKIND\tSINCE\tWHY")
	err := db.ForEachSuppressed(func(s *store.Suppression) error {
		_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Email, s.Kind, s.At.Local().Format("2006-01-02 15:04"), clip(s.Reason, 60))
		return err
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

// approveMembers makes members of the authorities keys whose current
// answers say newsletter = yes; with no keys, it lists those that wait.
func approveMembers(ctx context.Context, w io.Writer, db *store.DB, keys []string, lang string) error {
	local := control.Local{DB: db}
	type candidate struct {
		key, name, country, email, lang string
	}
	var waiting []candidate
	err := db.Authorities(func(a *store.Authority) error {
		m, q, err := current(ctx, local, a)
		if err != nil || q == nil || q.Newsletter == nil || *q.Newsletter != "yes" {
			return err
		}
		c := candidate{key: a.Key, name: a.Name, country: a.Country, email: m.From, lang: "en"}
		if q.ContactEmail != nil && *q.ContactEmail != "" {
			c.email = *q.ContactEmail
		}
		if m.Language == "fr" {
			c.lang = "fr"
		}
		if _, err := db.GetMember(c.email); err == nil {
			return nil // a member already
		}
		waiting = append(waiting, c)
		return nil
	})
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		if len(waiting) == 0 {
			_, err := fmt.Fprintln(w, "No authority waits: every one whose answers say newsletter = yes is a member.")
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KEY\tAUTHORITY\tCOUNTRY\tADDRESS\tLANG")
		for _, c := range waiting {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.key, clip(c.name, 40), c.country, c.email, c.lang)
		}
		tw.Flush()
		_, err := fmt.Fprintf(w, "%d authorities want the newsletter. Approve with: alliancebot members approve KEY...\n", len(waiting))
		return err
	}
	for _, k := range keys {
		i := -1
		for j, c := range waiting {
			if c.key == k {
				i = j
			}
		}
		if i < 0 {
			return fmt.Errorf("members approve: %q is not an authority waiting (run members approve to list them)", k)
		}
		c := waiting[i]
		if lang != "" {
			c.lang = lang
		}
		m := store.Member{Email: strings.ToLower(c.email), Authority: c.name, Country: c.country, Language: c.lang, Source: "approved", AuthorityKey: c.key}
		if _, _, err := db.PutMembers([]store.Member{m}); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s (%s) is a member: the digest goes to %s in %s\n", c.name, c.country, m.Email, c.lang)
	}
	return nil
}

func newsCmd(ctx context.Context, e *env, d nlEnv, args []string) error {
	if len(args) == 0 {
		return errors.New("news: say add, list, approve N or remove N")
	}
	whole := append([]string{"news"}, args...)
	switch args[0] {
	case "add":
		var title, bodyFile, link *string
		d, _, err := parseCmd(e, d, "news add", "--title T --body-file F [--link URL]", args[1:], func(fs flagSet) {
			title = fs.String("title", "", "the item's title")
			bodyFile = fs.String("body-file", "", "`file` of the item's text (.txt) or HTML (.html)")
			link = fs.String("link", "", "https address to read more")
		})
		if err != nil {
			return err
		}
		if strings.TrimSpace(*title) == "" || *bodyFile == "" {
			return errors.New("news add: --title and --body-file are required")
		}
		body, err := os.ReadFile(*bodyFile)
		if err != nil {
			return err
		}
		item := store.NewsItem{Title: strings.TrimSpace(*title), Link: *link, Source: "cli", State: store.NewsApproved, Date: time.Now()}
		if strings.HasSuffix(strings.ToLower(*bodyFile), ".html") || strings.HasSuffix(strings.ToLower(*bodyFile), ".htm") {
			item.HTML = newsletter.SanitizeHTML(string(body))
			item.Text, _, _ = intake.Bodies([]byte("Content-Type: text/html; charset=utf-8\r\n\r\n"+string(body)), intake.Limits{})
		} else {
			item.Text = string(body)
		}
		// The daemon reads no files of the caller: it gets the item whole.
		js, _ := json.Marshal(item)
		whole = []string{"news", "add-item", string(js)}
		return d.run(ctx, e, whole, func(_ config.Config, db *store.DB) error { return addNews(e.stdout, db, item) })
	case "add-item": // news add, run in the daemon
		if len(args) != 2 || d == nil {
			return errors.New("news add-item: internal command")
		}
		var item store.NewsItem
		if err := json.Unmarshal([]byte(args[1]), &item); err != nil {
			return err
		}
		return d.run(ctx, e, nil, func(_ config.Config, db *store.DB) error { return addNews(e.stdout, db, item) })
	case "list":
		var asJSON *bool
		d, _, err := parseCmd(e, d, "news list", "[--json]", args[1:], func(fs flagSet) {
			asJSON = fs.Bool("json", false, "one JSON object a line")
		})
		if err != nil {
			return err
		}
		return d.run(ctx, e, whole, func(_ config.Config, db *store.DB) error { return listNews(e.stdout, db, *asJSON) })
	case "approve", "remove":
		d, pos, err := parseCmd(e, d, "news "+args[0], "N", args[1:], func(flagSet) {})
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return fmt.Errorf("news %s: want one news number (from news list)", args[0])
		}
		id, err := strconv.ParseUint(pos[0], 10, 64)
		if err != nil {
			return fmt.Errorf("news %s: %q is not a news number", args[0], pos[0])
		}
		state := store.NewsApproved
		if args[0] == "remove" {
			state = store.NewsRemoved
		}
		return d.run(ctx, e, whole, func(_ config.Config, db *store.DB) error {
			n, err := db.SetNewsState(id, state)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "news %d %q is %s\n", n.ID, n.Title, n.State)
			return err
		})
	}
	return fmt.Errorf("news: unknown subcommand %q (add, list, approve, remove)", args[0])
}

func addNews(w io.Writer, db *store.DB, item store.NewsItem) error {
	id, _, err := db.AddNews(item)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "news %d %q added, approved for the next digest\n", id, item.Title)
	return err
}

func listNews(w io.Writer, db *store.DB, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		return db.ForEachNews(func(n *store.NewsItem) error { return enc.Encode(n) })
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tCREATED\tSTATE\tSOURCE\tTITLE")
	err := db.ForEachNews(func(n *store.NewsItem) error {
		state := string(n.State)
		if n.Digest != 0 {
			state = fmt.Sprintf("sent (digest %d)", n.Digest)
		}
		_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", n.ID, n.Created.Local().Format("2006-01-02 15:04"), state, clip(n.Source, 30), clip(n.Title, 60))
		return err
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

func digestCmd(ctx context.Context, e *env, d nlEnv, args []string) error {
	if len(args) == 0 {
		return errors.New("digest: say preview or send")
	}
	whole := append([]string{"digest"}, args...)
	switch args[0] {
	case "preview":
		var out *string
		d, _, err := parseCmd(e, d, "digest preview", "[--out DIR]", args[1:], func(fs flagSet) {
			out = fs.String("out", ".", "`folder` to write digest-en.html, digest-en.txt, digest-fr.html and digest-fr.txt in")
		})
		if err != nil {
			return err
		}
		dir, err := filepath.Abs(*out)
		if err != nil {
			return err
		}
		whole = []string{"digest", "preview", "--out", dir}
		return d.run(ctx, e, whole, func(cfg config.Config, db *store.DB) error {
			nl, err := newNewsletter(cfg, db, nil)
			if err != nil {
				return err
			}
			for _, lang := range []string{"en", "fr"} {
				r, items, err := nl.Preview(lang)
				if err != nil {
					return fmt.Errorf("digest preview: %w", err)
				}
				for ext, body := range map[string]string{"html": r.HTML, "txt": "Subject: " + r.Subject + "\n\n" + r.Text} {
					path := filepath.Join(dir, "digest-"+lang+"."+ext)
					if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "wrote %s (%d items)\n", path, items)
				}
			}
			return nil
		})
	case "send":
		d, _, err := parseCmd(e, d, "digest send", "", args[1:], func(flagSet) {})
		if err != nil {
			return err
		}
		return d.run(ctx, e, whole, func(cfg config.Config, db *store.DB) error {
			if cfg.SMTP.Addr == "" {
				return fmt.Errorf("digest send: %w", mailbox.ErrNoServer)
			}
			// Warnings (an SMTP server that cannot be reached pauses the
			// digest) go where the user sees them.
			log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			nl, err := newNewsletter(cfg, db, log)
			if err != nil {
				return err
			}
			return sendDigest(ctx, e.stdout, db, nl, digestOptions(cfg))
		})
	}
	return fmt.Errorf("digest: unknown subcommand %q (preview, send)", args[0])
}

// sendDigest resumes the unfinished digest, or starts the next one, and
// sends it, printing its progress.
func sendDigest(ctx context.Context, w io.Writer, db *store.DB, nl *newsletter.Newsletter, opts newsletter.SendOptions) error {
	d, err := db.UnfinishedDigest()
	switch {
	case errors.Is(err, store.ErrNotFound):
		if d, err = nl.Start(); err != nil {
			return fmt.Errorf("digest send: %w", err)
		}
		fmt.Fprintf(w, "digest %d (vol. %d, no. %d): %d news items to %d members\n", d.ID, d.Volume, d.Issue, len(d.Items), d.Total)
	case err != nil:
		return err
	default:
		fmt.Fprintf(w, "resuming digest %d (vol. %d, no. %d): %d of %d done\n", d.ID, d.Volume, d.Issue,
			d.Counts[store.DeliverySent]+d.Counts[store.DeliveryFailed]+d.Counts[store.DeliverySkipped], d.Total)
	}
	opts.Progress = func(p newsletter.Progress) {
		eta := "-"
		if p.ETA > 0 {
			eta = p.ETA.Round(time.Second).String()
		}
		fmt.Fprintf(w, "%d/%d done (%d sent, %d failed, %d skipped)  %.1f/s  ETA %s\n", p.Done, p.Total, p.Sent, p.Failed, p.Skipped, p.Rate, eta)
	}
	d, err = nl.Send(ctx, d.ID, opts)
	if err != nil {
		return fmt.Errorf("digest send: %w (run it again to resume)", err)
	}
	_, err = fmt.Fprintf(w, "digest %d %s: %d sent, %d failed, %d skipped\n", d.ID, d.State,
		d.Counts[store.DeliverySent], d.Counts[store.DeliveryFailed], d.Counts[store.DeliverySkipped])
	return err
}
