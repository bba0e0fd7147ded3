package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/coe-congress/alliancebot/config"
	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/mailbox"
	"github.com/coe-congress/alliancebot/reply"
	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

// replies is what answers the stored mail: the responder decides and queues
// the replies, the sender sends the outbox.
type replies struct {
	responder *reply.Responder // nil when there is no address to write from
	sender    *mailbox.Sender
	log       *slog.Logger
}

// newReplies builds the responder and the sender of cfg. observe, when not
// nil, sees each new message first (reply.ResponderOptions.Observe).
func newReplies(cfg config.Config, db *store.DB, log *slog.Logger, observe func(*store.Message) ([]store.Outgoing, string, error)) (*replies, error) {
	r := &replies{log: log}
	r.sender = mailbox.NewSender(senderConfig(cfg.SMTP), db, log)
	from := cfg.FromAddress()
	if from == "" {
		log.Warn("no address to write from (smtp.from): acknowledgements and notices wait until one is set")
		return r, nil
	}
	set, err := templates.Load(cfg.Reply.Templates)
	if err != nil {
		return nil, err
	}
	rc := reply.Config{
		From: from, FromName: cfg.SMTP.FromName, Own: cfg.Reply.OwnAddresses,
		NoAck: !cfg.Reply.Enabled, DefaultLang: cfg.Reply.Language, Interval: cfg.Reply.Interval.Duration,
		Staff: cfg.Staff.Addresses, StaffLang: cfg.Staff.Language, ReviewFolder: cfg.IMAP.Review,
	}
	if cfg.DKIM.KeyFile != "" {
		if rc.Signer, err = reply.LoadSigner(cfg.DKIM.KeyFile, cfg.SigningDomain(), cfg.DKIM.Selector); err != nil {
			return nil, err
		}
	}
	c, err := reply.New(rc, set)
	if err != nil {
		return nil, err
	}
	r.responder, err = reply.NewResponder(c, db, log, reply.ResponderOptions{
		SummaryTime: cfg.Staff.SummaryTime,
		OnQueued:    r.sender.Wake,
		Observe:     observe,
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// wake tells the responder that messages were stored.
func (r *replies) wake() {
	if r.responder != nil {
		r.responder.Wake()
	}
}

// flush queues the replies of what is stored and sends the outbox: the end
// of `serve --once`. No SMTP server configured is a warning: the messages
// wait in the outbox.
func (r *replies) flush(ctx context.Context) error {
	if r.responder != nil {
		if _, err := r.responder.Process(ctx); err != nil {
			return err
		}
	}
	st, err := r.sender.Flush(ctx)
	if errors.Is(err, mailbox.ErrNoServer) {
		r.log.Warn("outbox not sent", slog.Any("err", err))
		return nil
	}
	if st.Sent+st.Deferred+st.Failed > 0 {
		r.log.Info("outbox flushed", slog.Int("sent", st.Sent), slog.Int("deferred", st.Deferred), slog.Int("failed", st.Failed))
	}
	if err != nil {
		return fmt.Errorf("send outbox: %w", err)
	}
	return nil
}

// run runs the responder and the sender until ctx is done.
func (r *replies) run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.sender.Run(ctx); err != nil {
			r.log.Error("sender stopped", slog.Any("err", err))
		}
	}()
	if r.responder != nil {
		if err := r.responder.Run(ctx); err != nil {
			r.log.Error("responder stopped", slog.Any("err", err))
		}
	}
	<-done
}

// senderConfig maps the configuration onto the sender's.
func senderConfig(c config.SMTP) mailbox.SenderConfig {
	return mailbox.SenderConfig{
		Addr: c.HostPort(), Username: c.Username, Password: string(c.Password),
		TLS: c.TLS, Insecure: c.Insecure,
		Timeout: c.Timeout.Duration, GiveUpAfter: c.GiveUpAfter.Duration,
	}
}

// intakeOptions tells intake about the mailbox: who the staff are, and the
// bot's news and unsubscribe addresses.
func intakeOptions(cfg config.Config) intake.Options {
	opt := intake.Options{}
	for _, a := range cfg.Staff.Addresses {
		opt.Staff = append(opt.Staff, strings.ToLower(a))
	}
	if from := cfg.FromAddress(); from != "" {
		at := strings.LastIndexByte(from, '@')
		opt.NewsAddress = strings.ToLower(from[:at] + "+news" + from[at:])
		opt.UnsubscribeAddress = strings.ToLower(from[:at] + "+unsubscribe" + from[at:])
	}
	return opt
}
