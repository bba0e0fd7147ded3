package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coe-congress/alliancebot/config"
	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/internal/memserver"
	"github.com/coe-congress/alliancebot/internal/samplemail"
	"github.com/coe-congress/alliancebot/mailbox"
	"github.com/coe-congress/alliancebot/store"
)

// runDemo runs the real daemon code on in-process IMAP and SMTP servers filled
// with sample mail, and tells what happened to each message.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--keep] [--db FILE]")
	keep := fs.Bool("keep", false, "keep the servers and the daemon running, for a mail client to send more (Ctrl-C stops)")
	dbPath := fs.String("db", "", "database `file` to keep (default: a temporary one, removed at exit)")
	verbose := fs.Bool("v", false, "log what the daemon does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// The report says what happened to each message; the log only adds to it
	// with -v.
	level := slog.LevelError
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))

	// Mail to the bot's address lands in its INBOX; what the bot sends to
	// authorities and staff leaves for the outside world (the report shows
	// it).
	srv, err := memserver.Start(memserver.Options{Local: func(addr string) bool {
		return strings.EqualFold(addr, demoFrom) || strings.HasPrefix(strings.ToLower(addr), "roma.summit+")
	}})
	if err != nil {
		return err
	}
	defer srv.Close()

	if *dbPath == "" {
		dir, err := os.MkdirTemp("", "alliancebot-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*dbPath = filepath.Join(dir, "demo.db")
	}
	db, err := store.Open(*dbPath, nil)
	if err != nil {
		return err
	}
	defer db.Close()

	samples := samplemail.All()
	raws := make([][]byte, len(samples))
	for i, s := range samples {
		raws[i] = s.Raw
	}
	// One message arrives twice, as when a server redelivers: the daemon must
	// store it once. And a scanner sends a multipart message without its
	// boundary: it cannot be read, so it is archived and goes to review.
	raws = append(raws, samples[0].Raw, []byte(brokenScan))
	if err := srv.Append("INBOX", raws...); err != nil {
		return err
	}
	out := e.stdout
	fmt.Fprintf(out, "alliancebot demo\n\n")
	fmt.Fprintf(out, "In-process IMAP server on %s and SMTP server on %s (loopback only).\n", srv.IMAPAddr, srv.SMTPAddr)
	fmt.Fprintf(out, "INBOX holds %d sample messages from authorities, one of them twice, and one that cannot be read.\n\n", len(raws))

	cfg := mailbox.Config{
		Addr: srv.IMAPAddr, Username: srv.User, Password: srv.Password, TLS: mailbox.TLSNone,
		PollInterval: time.Second,
	}
	rc := config.Default()
	rc.IMAP.Username = srv.User
	rc.SMTP.Addr, rc.SMTP.TLS, rc.SMTP.From = srv.SMTPAddr, config.TLSNone, demoFrom
	rc.Staff.Addresses = []string{demoStaff}
	rc.Staff.SummaryTime = ""
	rp, err := newReplies(rc, db, log, nil)
	if err != nil {
		return err
	}
	cfg.Intake = intakeOptions(rc)
	rep := &report{w: out, db: db}
	cfg.OnMessage = func(ev mailbox.Event) {
		rep.add(ev)
		rp.wake()
	}
	w := mailbox.New(cfg, db, log)
	start := time.Now()
	st, err := w.Drain(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := rp.flush(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	elapsed := time.Since(start)
	rep.flush()
	if err := printOutbox(out, db, srv); err != nil {
		return err
	}
	inbox, _ := srv.Count("INBOX")
	processed, _ := srv.Count("Processed")
	review, _ := srv.Count("Review")
	n, _ := db.Count()
	fmt.Fprintf(out, "\nDrained and answered in %v: %d stored, %d recognised as already stored, %d sent to review.\n",
		elapsed.Round(time.Millisecond), st.Stored, st.Duplicates, st.Review)
	fmt.Fprintf(out, "Server folders now: INBOX %d, Processed %d, Review %d. Database: %d messages in %s.\n",
		inbox, processed, review, n, *dbPath)
	if err := demoDigest(ctx, out, rc, db, srv, log); err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	if !*keep {
		return nil
	}
	ln, err := control.Listen(control.SocketPath(*dbPath))
	if err != nil {
		return err
	}
	ctlCtx, stopCtl := context.WithCancel(context.Background())
	ctlDone := make(chan struct{})
	go func() {
		defer close(ctlDone)
		_ = control.ServeListener(ctlCtx, ln, db, nil)
	}()
	defer func() {
		stopCtl()
		<-ctlDone
	}()
	fmt.Fprintf(out, `
The daemon keeps watching (IDLE). Point a mail client at the servers:
  IMAP  %s  user %q  password %q  (no TLS)
  SMTP  %s  no authentication: every message sent is delivered into INBOX
Then, in another terminal:
  ALLIANCEBOT_STORE_PATH=%s alliancebot messages list
Ctrl-C stops.

`, srv.IMAPAddr, srv.User, srv.Password, srv.SMTPAddr, *dbPath)
	rep.live = true
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	repliesDone := make(chan struct{})
	go func() {
		defer close(repliesDone)
		rp.run(runCtx)
	}()
	err = w.Run(runCtx)
	stop()
	<-repliesDone
	return err
}

// demoDigest makes three members, approves a news item and sends the
// digest through the demo's SMTP server.
func demoDigest(ctx context.Context, w io.Writer, cfg config.Config, db *store.DB, srv *memserver.Server, log *slog.Logger) error {
	members := []store.Member{
		{Email: "h.garnier@mairie-montreuil.example.fr", Authority: "Ville de Montreuil", Country: "FR", Language: "fr", Source: "demo"},
		{Email: "kovarova.jana@brno.example.cz", Authority: "Statutory City of Brno", Country: "CZ", Language: "en", Source: "demo"},
		{Email: "skeane@galwaycoco.example.ie", Authority: "Galway County Council", Country: "IE", Language: "en", Source: "demo"},
	}
	if _, _, err := db.PutMembers(members); err != nil {
		return err
	}
	if _, _, err := db.AddNews(store.NewsItem{Title: "Roma Week 2026: member authorities meet in Strasbourg",
		Text:   "Representatives of member authorities of the Alliance met in Strasbourg to compare what works in housing and schooling.",
		Source: "Congress secretariat", State: store.NewsApproved, Date: time.Now()}); err != nil {
		return err
	}
	nl, err := newNewsletter(cfg, db, log)
	if err != nil {
		return err
	}
	before := len(srv.Deliveries())
	d, err := nl.Start()
	if err != nil {
		return err
	}
	opts := digestOptions(cfg)
	opts.Rate = 0
	if d, err = nl.Send(ctx, d.ID, opts); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nNews digest vol. %d, no. %d (alliancebot digest send): %d sent to members in their language (the SMTP server got %d), each with its own one-click unsubscribe link.\n",
		d.Volume, d.Issue, d.Counts[store.DeliverySent], len(srv.Deliveries())-before)
	return nil
}

// The demo's addresses.
const (
	demoFrom  = "roma.summit@coe.int"
	demoStaff = "secretariat.roma@coe.int"
)

// printOutbox prints what the bot sent, and what the SMTP server received.
func printOutbox(w io.Writer, db *store.DB, srv *memserver.Server) error {
	fmt.Fprintf(w, "\nOutbox (alliancebot outbox list):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tLANG\tSTATE\tTO\tSUBJECT")
	n := 0
	err := db.ForEachOutgoing(func(o *store.Outgoing) error {
		n++
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Kind, o.Language, o.State, clip(strings.Join(o.To, ", "), 36), clip(o.Subject, 60))
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d messages queued; the SMTP server received %d. Read one with: alliancebot outbox show ID --raw\n", n, len(srv.Deliveries()))
	return nil
}

// report prints one line per message handled.
type report struct {
	w      io.Writer
	db     *store.DB
	events []mailbox.Event
	live   bool
}

func (r *report) add(ev mailbox.Event) {
	if r.live {
		class, what := r.understood(ev)
		fmt.Fprintf(r.w, "%s  #%d  %s  %q  %s %s  -> %s\n", time.Now().Format("15:04:05"), ev.ID, ev.From, ev.Subject, class, what, ev.Folder)
		return
	}
	r.events = append(r.events, ev)
}

// understood returns the class of the message of ev and a few words on what
// was understood of it.
func (r *report) understood(ev mailbox.Event) (class, what string) {
	m, err := r.db.Get(ev.ID)
	if err != nil || len(m.Result) == 0 {
		return "-", ""
	}
	var res intake.Result
	if json.Unmarshal(m.Result, &res) != nil {
		return m.Class, ""
	}
	class = string(res.Class)
	switch {
	case res.Bounce != nil:
		kind := "temporary"
		if res.Bounce.Permanent {
			kind = "permanent"
		}
		what = fmt.Sprintf("%s failed (%s %s)", res.Bounce.Recipient, orDash(res.Bounce.Status), kind)
	case res.Unsubscribe != nil:
		what = res.Unsubscribe.Address + " leaves"
	case res.JoinRequest != nil:
		what = deref(res.JoinRequest.AuthorityName) + ", " + deref(res.JoinRequest.Country)
	case res.Questionnaire != nil || len(res.Questionnaires) > 0:
		qs := res.Questionnaires
		if res.Questionnaire != nil {
			qs = append(qs, res.Questionnaire)
		}
		var parts []string
		for _, q := range qs {
			p := fmt.Sprintf("%s, %s: %d/16 answered from %s", deref(q.AuthorityName), deref(q.Country), 16-len(q.Missing), q.Source)
			parts = append(parts, p)
		}
		what = strings.Join(parts, "; ")
	}
	if res.Language != "" {
		class += " (" + res.Language + ")"
	}
	return class, what
}

// answer says what the bot sent in answer to the message of ev.
func (r *report) answer(ev mailbox.Event) string {
	if ev.Duplicate {
		return "-"
	}
	m, err := r.db.Get(ev.ID)
	if err != nil {
		return "-"
	}
	var parts []string
	for _, id := range m.Replies {
		o, err := r.db.GetOutgoing(id)
		if err == nil {
			parts = append(parts, fmt.Sprintf("%s #%d", o.Kind, id))
		}
	}
	if m.NoReply != "" {
		parts = append(parts, "no ack: "+clip(m.NoReply, 40))
	}
	return strings.Join(parts, ", ")
}

func (r *report) flush() {
	tw := tabwriter.NewWriter(r.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "UID\tSTORED\tFROM\tCLASS\tUNDERSTOOD\tMOVED TO\tANSWER")
	for _, ev := range r.events {
		class, what := r.understood(ev)
		if ev.Duplicate {
			what = "a copy of a message already stored"
		}
		if len(ev.Errors) > 0 && what == "" {
			what = strings.Join(ev.Errors, "; ")
		}
		fmt.Fprintf(tw, "%d\t#%d\t%s\t%s\t%s\t%s\t%s\n", ev.UID, ev.ID, clip(ev.From, 34), class, clip(what, 60), ev.Folder, r.answer(ev))
	}
	tw.Flush()
	r.events = nil
}

const brokenScan = "From: scanner@town-hall.example.ro\r\n" +
	"To: roma.summit@coe.int\r\n" +
	"Subject: Scan from MFP-3F\r\n" +
	"Date: Wed, 15 Apr 2026 08:01:12 +0300\r\n" +
	"Message-ID: <scan-0001@mfp-3f.town-hall.example.ro>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed\r\n" +
	"\r\n" +
	"--\r\nContent-Type: application/pdf; name=scan0001.pdf\r\n\r\nJVBERi0xLjQK\r\n"
