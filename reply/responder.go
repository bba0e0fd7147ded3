package reply

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/coe-congress/alliancebot/store"
)

// ResponderOptions tune a Responder. The zero value sends no summary.
type ResponderOptions struct {
	// SummaryTime is the time of day ("08:00") of the staff's daily summary;
	// "" sends none.
	SummaryTime string
	// Location is the time zone of SummaryTime; nil means time.Local.
	Location *time.Location
	// OnQueued, when set, is called after messages were queued (to wake the
	// sender).
	OnQueued func()
	// Observe, when set, sees every new message before its replies are
	// decided (the newsletter suppresses bounced and unsubscribed addresses
	// there, and turns staff news into drafts). What it returns is queued
	// with the replies; a skip reason replaces the replies: the message gets
	// none. Its errors are logged; they do not hold the message up.
	Observe func(m *store.Message) (outs []store.Outgoing, skip string, err error)
}

// Responder queues the replies of newly stored messages, and the staff's
// daily summary.
type Responder struct {
	c    *Composer
	db   *store.DB
	log  *slog.Logger
	opts ResponderOptions
	at   time.Duration // SummaryTime as time since midnight; -1 for none
	wake chan struct{}
}

// NewResponder returns a responder that queues c's replies in db. A nil
// logger discards logs.
func NewResponder(c *Composer, db *store.DB, logger *slog.Logger, opts ResponderOptions) (*Responder, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	r := &Responder{c: c, db: db, log: logger, opts: opts, at: -1, wake: make(chan struct{}, 1)}
	if opts.SummaryTime != "" {
		t, err := time.Parse("15:04", opts.SummaryTime)
		if err != nil {
			return nil, fmt.Errorf("reply: summary time %q: want HH:MM", opts.SummaryTime)
		}
		r.at = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	return r, nil
}

// Wake tells the responder that new messages were stored.
func (r *Responder) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Process queues the replies of every message waiting for them, then the
// daily summary when its time has come today and it is not queued yet. It
// returns how many messages it queued.
func (r *Responder) Process(ctx context.Context) (int, error) {
	n, err := r.queuePending(ctx)
	if err != nil {
		return n, err
	}
	if r.at < 0 {
		return n, nil
	}
	now := r.c.cfg.Now().In(r.opts.Location)
	if now.Before(r.summaryTime(now)) {
		return n, nil
	}
	m, err := r.queueSummary(now)
	return n + m, err
}

// Run processes at start, whenever woken, and at the summary time, until ctx
// is done.
func (r *Responder) Run(ctx context.Context) error {
	for {
		if _, err := r.Process(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.log.Error("queue replies", slog.Any("err", err))
		}
		var summary <-chan time.Time
		var t *time.Timer
		if r.at >= 0 {
			t = time.NewTimer(time.Until(r.nextSummary(r.c.cfg.Now().In(r.opts.Location))))
			summary = t.C
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-summary:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// queuePending composes and queues the replies of the messages waiting for
// them. A message whose replies cannot be written is recorded with the error
// and not retried: it must not block the others.
func (r *Responder) queuePending(ctx context.Context) (int, error) {
	ids, err := r.db.PendingReplies()
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return queued, err
		}
		m, err := r.db.Get(id)
		if errors.Is(err, store.ErrNotFound) {
			_, err = r.db.Queue(id, nil, "")
			if err != nil {
				return queued, err
			}
			continue
		}
		if err != nil {
			return queued, err
		}
		var extra []store.Outgoing
		skip := ""
		if r.opts.Observe != nil {
			if extra, skip, err = r.opts.Observe(m); err != nil {
				r.log.Error("observe message", slog.Uint64("id", id), slog.Any("err", err))
			}
		}
		var outs []store.Outgoing
		noAck := skip
		if skip == "" {
			outs, noAck, err = r.c.Replies(m)
			if err != nil {
				r.log.Error("write replies", slog.Uint64("id", id), slog.Any("err", err))
				outs, noAck = nil, "the replies could not be written: "+err.Error()
			}
		}
		outs = r.undeliverable(outs, &noAck)
		outs = append(outs, extra...)
		res, err := r.db.Queue(id, outs, noAck)
		if err != nil {
			return queued, err
		}
		for _, q := range res {
			if !q.Existing && !q.Throttled {
				queued++
			}
		}
	}
	if queued > 0 && r.opts.OnQueued != nil {
		r.opts.OnQueued()
	}
	return queued, nil
}

// undeliverable drops from outs the messages to addresses that bounce for
// good or complained of abuse (store.Suppression): they would bounce again,
// or be unwelcome. An unsubscribed address still gets its answers: leaving
// the digest is not leaving the conversation.
func (r *Responder) undeliverable(outs []store.Outgoing, noAck *string) []store.Outgoing {
	kept := outs[:0]
	for _, o := range outs {
		blocked := ""
		for _, to := range o.To {
			if s, err := r.db.Suppressed(to); err == nil && s.Kind != "unsubscribe" {
				blocked = fmt.Sprintf("%s is suppressed (%s)", to, s.Kind)
			}
		}
		if blocked == "" || len(o.To) > 1 {
			kept = append(kept, o)
			continue
		}
		if o.Kind == KindAck && *noAck == "" {
			*noAck = blocked
		}
	}
	return kept
}

// queueSummary queues today's summary unless it is queued already. It covers
// what arrived since the previous summary (or the day before now).
func (r *Responder) queueSummary(now time.Time) (int, error) {
	day := now.Format(time.DateOnly)
	since := now.Add(-24 * time.Hour)
	last, err := r.db.LastOutgoing(KindStaffSummary)
	switch {
	case err == nil && last.Key == "staff_summary:"+day:
		return 0, nil
	case err == nil:
		since = last.Created
	case !errors.Is(err, store.ErrNotFound):
		return 0, err
	}
	o, ok, err := r.c.Summary(r.db, day, since, now)
	if err != nil || !ok {
		return 0, err
	}
	res, err := r.db.Queue(0, []store.Outgoing{o}, "")
	if err != nil {
		return 0, err
	}
	if res[0].Existing {
		return 0, nil
	}
	r.log.Info("daily summary queued", slog.String("day", day))
	if r.opts.OnQueued != nil {
		r.opts.OnQueued()
	}
	return 1, nil
}

// summaryTime returns the summary time on now's day.
func (r *Responder) summaryTime(now time.Time) time.Time {
	y, m, d := now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, now.Location()).Add(r.at)
}

// nextSummary returns the first summary time after now.
func (r *Responder) nextSummary(now time.Time) time.Time {
	t := r.summaryTime(now)
	if !t.After(now) {
		y, m, d := now.Date()
		t = time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()).Add(r.at)
	}
	return t
}
