package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coe-congress/alliancebot/config"
	"github.com/coe-congress/alliancebot/newsletter"
	"github.com/coe-congress/alliancebot/store"
)

// newsletterLoops runs what serve does for the newsletter until ctx is done:
// the unsubscribe listener, the weekly digest (and the resumption of an
// unfinished one), and the feeds.
func newsletterLoops(ctx context.Context, cfg config.Config, db *store.DB, nl *newsletter.Newsletter, ln net.Listener, log *slog.Logger) {
	var wg sync.WaitGroup
	if ln != nil {
		srv := &http.Server{Handler: nl.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http listener stopped", slog.Any("err", err))
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		})
	}
	if cfg.SMTP.Addr != "" {
		wg.Go(func() { digestLoop(ctx, cfg, db, nl, log) })
	}
	if len(cfg.Digest.Feeds) > 0 {
		wg.Go(func() { feedLoop(ctx, cfg, nl, log) })
	}
	wg.Wait()
}

// digestLoop resumes an unfinished digest, then sends the digest of the
// approved news at each scheduled time.
func digestLoop(ctx context.Context, cfg config.Config, db *store.DB, nl *newsletter.Newsletter, log *slog.Logger) {
	send := func() {
		opts := digestOptions(cfg)
		last := time.Time{}
		opts.Progress = func(p newsletter.Progress) {
			if time.Since(last) >= time.Minute || p.Done == p.Total {
				last = time.Now()
				log.Info("digest progress", slog.Uint64("digest", p.Digest), slog.Int("done", p.Done), slog.Int("total", p.Total),
					slog.Float64("rate", p.Rate), slog.Duration("eta", p.ETA.Round(time.Second)))
			}
		}
		d, err := db.UnfinishedDigest()
		if errors.Is(err, store.ErrNotFound) {
			if d, err = nl.Start(); errors.Is(err, store.ErrNothingToSend) {
				log.Info("no digest this time: no approved news")
				return
			}
		}
		if err != nil {
			log.Error("digest", slog.Any("err", err))
			return
		}
		if d, err = nl.Send(ctx, d.ID, opts); err != nil {
			if ctx.Err() == nil {
				log.Error("digest send", slog.Any("err", err))
			}
			return
		}
		log.Info("digest sent", slog.Uint64("digest", d.ID), slog.Int("sent", d.Counts[store.DeliverySent]),
			slog.Int("failed", d.Counts[store.DeliveryFailed]), slog.Int("skipped", d.Counts[store.DeliverySkipped]))
	}
	if _, err := db.UnfinishedDigest(); err == nil {
		send()
	}
	day, at, _ := config.ParseSchedule(cfg.Digest.Schedule)
	if at < 0 {
		return
	}
	for {
		t := time.NewTimer(time.Until(nextWeekly(time.Now(), day, at)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			send()
		}
	}
}

// nextWeekly returns the first time after now that is weekday day at at
// past midnight, local time.
func nextWeekly(now time.Time, day time.Weekday, at time.Duration) time.Time {
	y, m, d := now.Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, now.Location()).Add(at)
	for t.Weekday() != day || !t.After(now) {
		y, m, d = t.Date()
		t = time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()).Add(at)
	}
	return t
}

// feedLoop imports the feeds now and every feed_interval.
func feedLoop(ctx context.Context, cfg config.Config, nl *newsletter.Newsletter, log *slog.Logger) {
	for {
		for _, url := range cfg.Digest.Feeds {
			n, err := nl.ImportFeed(ctx, url)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn("feed", slog.String("url", url), slog.Any("err", err))
			case n > 0:
				log.Info("news drafts from a feed", slog.String("url", url), slog.Int("added", n))
			}
		}
		t := time.NewTimer(cfg.Digest.FeedInterval.Duration)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
