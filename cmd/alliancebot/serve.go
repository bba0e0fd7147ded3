package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"

	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/mailbox"
	"github.com/coe-congress/alliancebot/newsletter"
	"github.com/coe-congress/alliancebot/store"
)

// serveGCPercent is the garbage collector's GOGC while serve runs, unless the
// environment sets GOGC. Reading mail makes much short-lived garbage (some 20
// bytes for each byte of a message) while the live heap stays small (under
// 20 MB), so Go's default of 100 collects very often: with 400, draining
// 10,000 messages took a tenth less CPU for some 55 MB more peak memory
// (README, "Memory"). Other commands keep Go's default.
const serveGCPercent = 400

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[--config FILE] [--once]")
	load := configFlag(fs, e)
	once := fs.Bool("once", false, "process what is in the mailbox now, then exit (for cron and tests)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	if err := cfg.RequireIMAP(); err != nil {
		return err
	}
	log := newLogger(cfg.Log, e)
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(serveGCPercent))
	}

	db, err := store.Open(cfg.Store.Path, nil)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w: is another serve running on %s?", err, cfg.Store.Path)
	}
	if err != nil {
		return err
	}
	defer db.Close()

	// The control socket lets `messages` and `backup` read the store while
	// this process holds it.
	ln, err := control.Listen(control.SocketPath(cfg.Store.Path))
	if err != nil {
		return err
	}
	// The newsletter needs an address to write from; without one, the
	// mailbox is still watched and stored.
	var nl *newsletter.Newsletter
	var observe func(*store.Message) ([]store.Outgoing, string, error)
	if cfg.FromAddress() != "" {
		if nl, err = newNewsletter(cfg, db, log); err != nil {
			ln.Close()
			return err
		}
		observe = nl.Observe
	}
	rp, err := newReplies(cfg, db, log, observe)
	if err != nil {
		ln.Close()
		return err
	}
	var web net.Listener
	if cfg.HTTP.Addr != "" && nl != nil && !*once {
		if web, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
			ln.Close()
			return fmt.Errorf("http listener: %w", err)
		}
	}
	ctlCtx, stopCtl := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		hooks := &control.Hooks{OnRetry: rp.sender.Wake, Exec: execInDaemon(cfg, db, log)}
		if err := control.ServeListener(ctlCtx, ln, db, hooks); err != nil {
			log.Warn("control socket stopped", slog.Any("err", err))
		}
	})
	defer func() {
		stopCtl()
		wg.Wait()
	}()

	wcfg := watcherConfig(cfg)
	wcfg.OnMessage = func(mailbox.Event) { rp.wake() }
	w := mailbox.New(wcfg, db, log)
	if *once {
		st, err := w.Drain(ctx)
		log.Info("drained", slog.Int("stored", st.Stored), slog.Int("duplicates", st.Duplicates), slog.Int("review", st.Review))
		if err != nil {
			return err
		}
		return rp.flush(ctx)
	}
	log.Info("serving", slog.String("imap", cfg.IMAP.HostPort()), slog.String("smtp", cfg.SMTP.HostPort()), slog.String("store", cfg.Store.Path))
	// The watcher, the responder and the sender run side by side; when one
	// stops, so do the others.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var loops sync.WaitGroup
	loops.Go(func() {
		defer stop()
		rp.run(runCtx)
	})
	if nl != nil {
		loops.Go(func() { newsletterLoops(runCtx, cfg, db, nl, web, log) })
	}
	err = w.Run(runCtx)
	stop()
	loops.Wait()
	log.Info("stopped")
	return err
}
