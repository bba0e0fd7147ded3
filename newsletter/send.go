package newsletter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/coe-congress/alliancebot/store"
)

// Conn is one SMTP session.
type Conn interface {
	Send(from string, to []string, raw []byte) (response string, err error)
	Close() error
}

// SendOptions say how fast and over how many connections a digest goes.
type SendOptions struct {
	// Dial opens an SMTP session.
	Dial func(ctx context.Context) (Conn, error)
	// Permanent says whether an error of Conn.Send is a permanent refusal.
	Permanent func(error) bool
	// Connections is how many sessions send at once; default 1.
	Connections int
	// Rate is the most messages a second, over all connections; 0 is no
	// limit.
	Rate float64
	// DailyLimit is the most recipients in any 24 hours; 0 is no limit.
	DailyLimit int
	// MaxAttempts is how often a recipient is tried; default 5.
	MaxAttempts int
	// RetryMin is the first wait after a temporary failure, doubling each
	// time; default 1m.
	RetryMin time.Duration
	// Progress, when set, is called about once a second, and at the end.
	Progress func(Progress)
}

// Progress tells how a digest is going.
type Progress struct {
	Digest                uint64
	Total, Done           int // recipients, and those done (sent, failed, skipped)
	Sent, Failed, Skipped int
	Resent                int     // in flight at an earlier interruption, sent again
	Rate                  float64 // recipients done a second in this run
	ETA                   time.Duration
	Elapsed               time.Duration

	doneAtStart           int
	startedAt, lastReport time.Time
}

// claimBatch is how many deliveries are claimed per connection at a time,
// in one transaction. What is claimed and not yet recorded is in flight: a
// crash sends it again. Fewer, larger claims cost fewer commits (each waits
// for the disk) and widen that window a little.
const claimBatch = 16

// releaseEvery is how many claims go by between two releases of the
// store's mapped pages.
const releaseEvery = 2000

// recordEvery bounds how long a finished delivery waits to be recorded.
const recordEvery = 100 * time.Millisecond

// Send sends digest id to every recipient whose delivery is not done, and
// returns when all are done, or when ctx ends (nothing is lost: the next
// Send resumes). A digest still preparing is prepared first.
func (n *Newsletter) Send(ctx context.Context, id uint64, opts SendOptions) (*store.Digest, error) {
	if opts.Connections <= 0 {
		opts.Connections = 1
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = time.Minute
	}
	if opts.Permanent == nil {
		opts.Permanent = func(error) bool { return false }
	}
	d, err := n.db.GetDigest(id)
	if err != nil {
		return nil, err
	}
	if d.State == store.DigestPreparing {
		if d, err = n.db.PrepareDeliveries(id); err != nil {
			return nil, err
		}
	}
	if d.State == store.DigestDone {
		return d, nil
	}
	resent, err := n.db.ResetClaims(id)
	if err != nil {
		return nil, err
	}
	if resent > 0 {
		n.log.Warn("digest resumed: sending again what was in flight", slog.Uint64("digest", id), slog.Int("in_flight", resent))
	}
	is, err := n.render(d)
	if err != nil {
		return nil, err
	}

	var limiter *rate.Limiter
	if opts.Rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	daily := newWindow(opts.DailyLimit, 24*time.Hour)
	if opts.DailyLimit > 0 {
		n.db.ForEachDelivery(id, func(dl *store.Delivery) error {
			if dl.State == store.DeliverySent {
				daily.add(dl.Sent)
			}
			return nil
		})
	}

	// The workers hold one message each: what is claimed waits in the
	// pump, which records outcomes with the next claim, in one commit.
	jobs := make(chan store.Delivery)
	results := make(chan store.DeliveryResult, opts.Connections)
	sendCtx, stop := context.WithCancel(ctx)
	defer stop()
	var workers sync.WaitGroup
	for range opts.Connections {
		workers.Go(func() {
			n.worker(sendCtx, is, jobs, results, limiter, daily, &opts)
		})
	}
	prog := &Progress{Digest: id, Total: d.Total, Resent: resent, startedAt: time.Now(), doneAtStart: done(d)}
	pumpErr := n.pump(sendCtx, id, jobs, results, prog, &opts)
	close(jobs)
	// The workers finish the message in hand; their outcomes are recorded
	// whatever stopped the pump, so that nothing sent is sent again.
	var late []store.DeliveryResult
	collected := make(chan struct{})
	go func() {
		for r := range results {
			if r.State != "" {
				late = append(late, r)
			}
		}
		close(collected)
	}()
	workers.Wait()
	close(results)
	<-collected
	var recErr error
	if len(late) > 0 {
		_, recErr = n.db.FinishDeliveries(id, late)
	}
	if err := errors.Join(pumpErr, recErr); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if d, err = n.db.CloseDigest(id); err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		n.report(prog, d, opts.Progress, true)
	}
	return d, ctx.Err()
}

// pump hands the pending deliveries to the workers and records their
// outcomes: each claim of a batch also records the outcomes received since
// the last commit, and outcomes are recorded at least every recordEvery. It
// scans the deliveries pass after pass (waiting for retry times between
// passes) until none is pending, or ctx is done.
func (n *Newsletter) pump(ctx context.Context, id uint64, jobs chan<- store.Delivery, results <-chan store.DeliveryResult, prog *Progress, opts *SendOptions) error {
	var (
		ready   []store.Delivery       // claimed, not yet handed out
		pending []store.DeliveryResult // outcomes not yet recorded
		after   string                 // where the pass goes on
		passEnd bool                   // the pass reached the last delivery
		inWork  int                    // handed out, outcome not back yet
		claims  int                    // claimed since the store's pages were released
	)
	batch := opts.Connections * claimBatch
	tick := time.NewTicker(recordEvery)
	defer tick.Stop()
	record := func() error {
		d, err := n.db.FinishDeliveries(id, pending)
		pending = pending[:0]
		if err == nil && opts.Progress != nil {
			n.report(prog, d, opts.Progress, false)
		}
		return err
	}
	for {
		switch {
		case ctx.Err() != nil:
			// The claims in hand stay claimed: the next Send sends them.
			for inWork > 0 {
				if r := <-results; r.State != "" {
					pending = append(pending, r)
				}
				inWork--
			}
			return record()
		case len(ready) == 0 && !passEnd:
			claimed, next, d, err := n.db.Advance(id, pending, after, batch, time.Now())
			if err != nil {
				return err
			}
			pending = pending[:0]
			if opts.Progress != nil {
				n.report(prog, d, opts.Progress, false)
			}
			ready, after, passEnd = claimed, next, next == ""
			if claims += len(claimed); claims >= releaseEvery {
				// Keep memory flat over a long pass (store.ReleaseMapped).
				claims = 0
				if err := n.db.ReleaseMapped(); err != nil {
					return err
				}
			}
			continue
		case len(ready) == 0 && inWork == 0:
			// A pass is over and every outcome is back.
			if err := record(); err != nil {
				return err
			}
			d, err := n.db.GetDigest(id)
			if err != nil {
				return err
			}
			if d.Counts[store.DeliveryPending] == 0 {
				return nil
			}
			at, err := n.db.NextDeliveryAttempt(id)
			if err != nil {
				return err
			}
			if wait := time.Until(at); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
			after, passEnd = "", false
			continue
		}
		var out chan<- store.Delivery
		var next store.Delivery
		if len(ready) > 0 {
			out, next = jobs, ready[0]
		}
		select {
		case out <- next:
			ready = ready[1:]
			inWork++
		case r := <-results:
			inWork--
			if r.State != "" {
				pending = append(pending, r)
			}
		case <-tick.C:
			if len(pending) > 0 {
				if err := record(); err != nil {
					return err
				}
			}
		case <-ctx.Done():
		}
	}
}

// worker sends the deliveries it is given over its own SMTP session.
func (n *Newsletter) worker(ctx context.Context, is *issue, jobs <-chan store.Delivery,
	results chan<- store.DeliveryResult, limiter *rate.Limiter, daily *window, opts *SendOptions) {
	var conn Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for dl := range jobs {
		res := store.DeliveryResult{Email: dl.Email}
		err := func() error {
			if limiter != nil {
				if err := limiter.Wait(ctx); err != nil {
					return err
				}
			}
			if err := daily.wait(ctx); err != nil {
				return err
			}
			from, raw, err := n.message(is, &dl)
			if err != nil {
				return permanentError{err}
			}
			if conn == nil {
				if conn, err = n.dial(ctx, opts); err != nil {
					return err
				}
			}
			if _, err = conn.Send(from, []string{dl.Email}, raw); err != nil {
				conn.Close()
				conn = nil
				return err
			}
			daily.add(time.Now())
			return nil
		}()
		var pe permanentError
		switch {
		case err == nil:
			res.State = store.DeliverySent
		case ctx.Err() != nil:
			// Stopping before it was sent: the claim stays, the next Send
			// sends it.
			res.State = ""
		case errors.As(err, &pe) || opts.Permanent(err) || dl.Attempts >= opts.MaxAttempts:
			res.State, res.Error = store.DeliveryFailed, err.Error()
		default:
			res.State, res.Error = store.DeliveryPending, err.Error()
			res.NextAttempt = time.Now().Add(opts.RetryMin << min(dl.Attempts-1, 10))
		}
		results <- res
	}
}

// dial opens an SMTP session. While the server cannot be reached it waits,
// with capped backoff, and tries again: an outage pauses the digest, it
// does not fail the recipients. It returns only with a session, or when ctx
// is done.
func (n *Newsletter) dial(ctx context.Context, opts *SendOptions) (Conn, error) {
	wait := time.Second
	for {
		conn, err := opts.Dial(ctx)
		if err == nil {
			return conn, nil
		}
		n.log.Warn("digest paused: SMTP server unreachable", slog.Any("err", err), slog.Duration("retry_in", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

// permanentError is a failure that no retry can mend (the message could not
// be rendered for this recipient).
type permanentError struct{ error }

// report calls fn with the progress of d, at most once a second unless
// final.
func (n *Newsletter) report(p *Progress, d *store.Digest, fn func(Progress), final bool) {
	now := time.Now()
	if !final && now.Sub(p.lastReport) < time.Second {
		return
	}
	p.lastReport = now
	p.Total = d.Total
	p.Sent, p.Failed, p.Skipped = d.Counts[store.DeliverySent], d.Counts[store.DeliveryFailed], d.Counts[store.DeliverySkipped]
	p.Done = done(d)
	p.Elapsed = now.Sub(p.startedAt)
	if secs := p.Elapsed.Seconds(); secs > 0 {
		p.Rate = float64(p.Done-p.doneAtStart) / secs
	}
	if p.Rate > 0 {
		p.ETA = time.Duration(float64(p.Total-p.Done) / p.Rate * float64(time.Second))
	}
	fn(*p)
}

func done(d *store.Digest) int {
	return d.Counts[store.DeliverySent] + d.Counts[store.DeliveryFailed] + d.Counts[store.DeliverySkipped]
}

// window limits events to max in any period: a sliding window of their
// times.
type window struct {
	mu     sync.Mutex
	max    int
	period time.Duration
	times  []time.Time // oldest first
}

func newWindow(max int, period time.Duration) *window { return &window{max: max, period: period} }

func (w *window) add(t time.Time) {
	if w.max <= 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.times = append(w.times, t)
	if len(w.times) > w.max {
		w.times = w.times[len(w.times)-w.max:]
	}
}

// wait returns when one more event fits in the window.
func (w *window) wait(ctx context.Context) error {
	if w.max <= 0 {
		return nil
	}
	for {
		w.mu.Lock()
		var until time.Time
		cut := time.Now().Add(-w.period)
		for len(w.times) > 0 && w.times[0].Before(cut) {
			w.times = w.times[1:]
		}
		if len(w.times) >= w.max {
			until = w.times[0].Add(w.period)
		}
		w.mu.Unlock()
		if until.IsZero() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(until)):
		}
	}
}

// ErrNoMembers is returned when a digest would go to nobody.
var ErrNoMembers = errors.New("no members to send to")

// Start creates the next digest from the approved news and prepares its
// deliveries; it does not send it.
func (n *Newsletter) Start() (*store.Digest, error) {
	d, err := n.db.CreateDigest()
	if err != nil {
		return nil, err
	}
	if d, err = n.db.PrepareDeliveries(d.ID); err != nil {
		return nil, err
	}
	if d.Total == 0 {
		if d, err = n.db.CloseDigest(d.ID); err != nil {
			return nil, err
		}
		return d, fmt.Errorf("digest %d: %w", d.ID, ErrNoMembers)
	}
	return d, nil
}
