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

// claimBatch is how many deliveries are claimed per connection at a time.
// What is claimed and not yet recorded is in flight: a crash sends it again.
const claimBatch = 4

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
	authorities := map[uint64]string{}
	n.db.ForEachMember(func(m *store.Member) error {
		authorities[m.ID] = m.Authority
		return nil
	})

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

	jobs := make(chan store.Delivery, opts.Connections*claimBatch)
	results := make(chan store.DeliveryResult, opts.Connections*claimBatch)
	sendCtx, stop := context.WithCancel(ctx)
	defer stop()

	var workers sync.WaitGroup
	for range opts.Connections {
		workers.Go(func() {
			n.worker(sendCtx, is, authorities, jobs, results, limiter, daily, &opts)
		})
	}
	recorded := make(chan error, 1)
	prog := &Progress{Digest: id, Total: d.Total, Resent: resent, startedAt: time.Now(), doneAtStart: done(d)}
	go func() { recorded <- n.record(id, results, prog, &opts) }()

	claimErr := n.claim(sendCtx, id, jobs, opts)
	close(jobs)
	workers.Wait()
	close(results)
	recErr := <-recorded
	if err := errors.Join(claimErr, recErr); err != nil {
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

// claim hands the pending deliveries to the workers, a few at a time, pass
// after pass until none is pending (waiting for retry times between
// passes).
func (n *Newsletter) claim(ctx context.Context, id uint64, jobs chan<- store.Delivery, opts SendOptions) error {
	after := ""
	for {
		batch, next, err := n.db.ClaimDeliveries(id, after, opts.Connections*claimBatch, time.Now())
		if err != nil {
			return err
		}
		for _, dl := range batch {
			select {
			case jobs <- dl:
			case <-ctx.Done():
				return nil // the claims stay: the next Send resumes them
			}
		}
		after = next
		if next != "" {
			continue
		}
		// A pass is over. Wait for the deliveries in flight, then for the
		// earliest retry, or stop when nothing is pending.
		for len(jobs) > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(10 * time.Millisecond):
			}
		}
		d, err := n.db.GetDigest(id)
		if err != nil {
			return err
		}
		if d.Counts[store.DeliveryPending] == 0 {
			if d.Counts[store.DeliveryClaimed] == 0 {
				return nil
			}
			// The last ones are being sent; their failures may come back.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(recordEvery):
			}
			continue
		}
		at, err := n.db.NextDeliveryAttempt(id)
		if err != nil {
			return err
		}
		if wait := time.Until(at); wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
	}
}

// worker sends the deliveries it is given over its own SMTP session.
func (n *Newsletter) worker(ctx context.Context, is *issue, authorities map[uint64]string, jobs <-chan store.Delivery,
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
			from, raw, err := n.message(is, &dl, authorities[dl.MemberID])
			if err != nil {
				return permanentError{err}
			}
			if conn == nil {
				if conn, err = opts.Dial(ctx); err != nil {
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
			continue // stopping: the claim stays, the next Send resumes it
		case errors.As(err, &pe) || opts.Permanent(err) || dl.Attempts >= opts.MaxAttempts:
			res.State, res.Error = store.DeliveryFailed, err.Error()
		default:
			res.State, res.Error = store.DeliveryPending, err.Error()
			res.NextAttempt = time.Now().Add(opts.RetryMin << min(dl.Attempts-1, 10))
		}
		results <- res
	}
}

// permanentError is a failure that no retry can mend (the message could not
// be rendered for this recipient).
type permanentError struct{ error }

// record writes the workers' results to the store, a few at a time.
func (n *Newsletter) record(id uint64, results <-chan store.DeliveryResult, prog *Progress, opts *SendOptions) error {
	var batch []store.DeliveryResult
	tick := time.NewTicker(recordEvery)
	defer tick.Stop()
	var firstErr error
	flush := func() {
		if len(batch) == 0 || firstErr != nil {
			batch = batch[:0]
			return
		}
		d, err := n.db.FinishDeliveries(id, batch)
		batch = batch[:0]
		if err != nil {
			firstErr = err
			return
		}
		if opts.Progress != nil {
			n.report(prog, d, opts.Progress, false)
		}
	}
	for {
		select {
		case r, ok := <-results:
			if !ok {
				flush()
				return firstErr
			}
			batch = append(batch, r)
			if len(batch) >= 256 {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

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
