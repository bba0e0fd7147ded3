// Package mailbox is alliancebot's wire to the mail servers: it watches the
// shared mailbox over IMAP, stores every message and moves it out of the inbox.
//
// The promise it keeps: no message is lost and none is handled twice.
//
//   - A message is stored (raw bytes and record, one bbolt transaction) before
//     it is moved out of the inbox. A crash between the two leaves it in the
//     inbox; the next pass recognises it and finishes the move.
//   - Nothing leaves the inbox without a record in the store: when even the
//     record cannot be written, the message stays where it is.
//   - A message that cannot be processed goes to the review folder with its
//     error recorded, after at most MaxAttempts tries. A message whose handling
//     crashed the process is retried alone, so that it cannot block the ones
//     behind it.
package mailbox

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
)

// Config says which mailbox to watch and how. Zero fields take the defaults
// documented on each.
type Config struct {
	Addr      string // host:port
	Username  string
	Password  string
	TLS       string      // TLSImplicit (default), TLSStartTLS or TLSNone
	TLSConfig *tls.Config // nil: system roots, server name from Addr
	Insecure  bool        // skip certificate verification

	Mailbox   string // watched folder, default "INBOX"
	Processed string // default "Processed"
	Review    string // default "Review"

	DisableIdle  bool          // poll even when the server offers IDLE
	PollInterval time.Duration // without IDLE: how often to look, default 1m
	IdleRecheck  time.Duration // with IDLE: look anyway this often, default 5m
	MaxAttempts  int           // tries before review, default 3
	BatchSize    int           // messages fetched and stored together, default 200

	// Intake tells the reader about the mailbox (staff, special addresses)
	// and its limits.
	Intake intake.Options

	// OnMessage, when set, is called once for every message handled, in order.
	OnMessage func(Event)
}

// Event tells what happened to one message.
type Event struct {
	UID       uint32
	ID        uint64 // store ID; 0 when nothing could be stored
	Duplicate bool   // the store had it already
	Folder    string // where it was moved
	From      string
	Subject   string
	Errors    []string
}

// Stats counts what a pass did.
type Stats struct {
	Stored     int // new messages stored
	Duplicates int // messages that were already stored
	Review     int // messages moved to review
}

func (s *Stats) add(o Stats) {
	s.Stored += o.Stored
	s.Duplicates += o.Duplicates
	s.Review += o.Review
}

// Watcher watches one mailbox and stores what arrives.
type Watcher struct {
	cfg   Config
	db    *store.DB
	log   *slog.Logger
	grace time.Duration // how long a shutdown waits for the message in hand

	idling func() // test hook: called each time IDLE has started
}

// New returns a watcher of cfg's mailbox that stores into db. A nil logger
// discards logs.
func New(cfg Config, db *store.DB, logger *slog.Logger) *Watcher {
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	if cfg.Processed == "" {
		cfg.Processed = "Processed"
	}
	if cfg.Review == "" {
		cfg.Review = "Review"
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Minute
	}
	if cfg.IdleRecheck <= 0 {
		cfg.IdleRecheck = 5 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 200
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Watcher{cfg: cfg, db: db, log: logger.With(slog.String(logKeyMailbox, cfg.Mailbox)), grace: 30 * time.Second}
}

// Log attribute keys.
const (
	logKeyMailbox = "mailbox"
	logKeyUID     = "uid"
	logKeyErr     = "err"
	logKeyCount   = "count"
	logKeyRetry   = "retry_in"
)

// Drain processes the messages that are in the mailbox now and returns; it is
// `serve --once`. It makes one connection and does not retry: a failure is
// returned, and nothing is lost by it.
func (w *Watcher) Drain(ctx context.Context) (Stats, error) {
	s, err := w.connect(ctx)
	if err != nil {
		return Stats{}, err
	}
	defer s.close()
	return s.drain(ctx)
}

// Run watches the mailbox until ctx is done, reconnecting with capped
// exponential backoff and jitter. It returns nil when ctx is cancelled, after
// finishing the batch in hand, or an error that retrying cannot mend (a
// refused login).
func (w *Watcher) Run(ctx context.Context) error {
	b := backoff{min: time.Second, max: 5 * time.Minute}
	failures := 0
	for {
		start := time.Now()
		err := w.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrAuth) {
			return err
		}
		if time.Since(start) > time.Minute {
			b.reset()
		}
		failures++
		delay := b.next()
		// One warning per outage, then quieter: a server down for an hour must
		// not fill the log.
		if failures == 1 || failures%10 == 0 {
			w.log.Warn("imap session ended; reconnecting", slog.Any(logKeyErr, err), slog.Duration(logKeyRetry, delay), slog.Int("failures", failures))
		} else {
			w.log.Debug("imap reconnect failed", slog.Any(logKeyErr, err), slog.Duration(logKeyRetry, delay))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// session runs one connection: drain, wait for news, drain again, until the
// connection fails or ctx is done.
func (w *Watcher) session(ctx context.Context) error {
	s, err := w.connect(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	w.log.Info("watching", slog.Bool("idle", s.idle))
	for {
		if _, err := s.drain(ctx); err != nil {
			return err
		}
		if err := s.wait(ctx); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// conn is one logged-in connection with the watched mailbox selected.
type conn struct {
	w           *Watcher
	c           *imapclient.Client
	stop        func() bool // cancels the shutdown timer of c
	uidValidity uint32
	idle        bool
	news        chan struct{} // a new message arrived (EXISTS)
}

func (w *Watcher) connect(ctx context.Context) (*conn, error) {
	s := &conn{w: w, news: make(chan struct{}, 1)}
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				select {
				case s.news <- struct{}{}:
				default:
				}
			}
		},
	}
	c, stop, err := w.dial(ctx, handler)
	if err != nil {
		return nil, err
	}
	s.c, s.stop = c, stop
	if err := ensureFolders(c, w.cfg.Processed, w.cfg.Review); err != nil {
		s.close()
		return nil, err
	}
	sel, err := c.Select(w.cfg.Mailbox, nil).Wait()
	if err != nil {
		s.close()
		return nil, fmt.Errorf("select %s: %w", w.cfg.Mailbox, err)
	}
	s.uidValidity = sel.UIDValidity
	s.idle = !w.cfg.DisableIdle && (c.Caps().Has(imap.CapIdle) || c.Caps().Has(imap.CapIMAP4rev2))
	if err := w.db.PruneAttempts(w.cfg.Mailbox, s.uidValidity); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *conn) close() {
	s.stop()
	// Logout politely, but do not wait long for a server that is going away.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.c.Logout().Wait()
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	s.c.Close()
}

// wait returns when there may be new mail: an EXISTS during IDLE, the recheck
// or poll interval, ctx done, or the connection closed (then with an error).
func (s *conn) wait(ctx context.Context) error {
	cfg := &s.w.cfg
	if !s.idle {
		t := time.NewTimer(cfg.PollInterval)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-s.c.Closed():
			return errors.New("connection closed")
		}
		return nil
	}
	select {
	case <-s.news: // arrived while draining
		return nil
	default:
	}
	idle, err := s.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	if s.w.idling != nil {
		s.w.idling()
	}
	t := time.NewTimer(cfg.IdleRecheck)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-s.news:
	case <-s.c.Closed():
	}
	if err := idle.Close(); err != nil {
		return fmt.Errorf("end idle: %w", err)
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return nil
}

// drain handles every message in the mailbox, batch by batch, until a search
// finds none. Between batches it stops early when ctx is done.
func (s *conn) drain(ctx context.Context) (Stats, error) {
	var total Stats
	for ctx.Err() == nil {
		data, err := s.c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
		if err != nil {
			return total, fmt.Errorf("search %s: %w", s.w.cfg.Mailbox, err)
		}
		uids := data.AllUIDs()
		if len(uids) == 0 {
			// The inbox is empty: every move not confirmed yet (those of
			// this drain, and any a crash left) did happen.
			if n, err := s.w.db.Settle(s.w.cfg.Mailbox, s.w.cfg.Review); err != nil {
				return total, err
			} else if n > 0 {
				s.w.log.Debug("moves confirmed", slog.Int(logKeyCount, n))
			}
			return total, nil
		}
		slices.Sort(uids)
		attempts, err := s.w.db.Attempts(s.w.cfg.Mailbox, s.uidValidity, toU32(uids))
		if err != nil {
			return total, err
		}
		// Messages whose earlier handling never finished are suspects: each is
		// handled alone, so that one that crashes the process cannot hold back
		// the others.
		var clean []imap.UID
		for _, uid := range uids {
			if attempts[uint32(uid)] == 0 {
				clean = append(clean, uid)
				continue
			}
			if ctx.Err() != nil {
				return total, nil
			}
			st, err := s.batch([]imap.UID{uid}, attempts[uint32(uid)])
			total.add(st)
			if err != nil {
				return total, err
			}
		}
		st, err := s.batches(ctx, clean)
		total.add(st)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// batches handles the clean uids batch by batch, in a pipeline: while one
// batch is fetched and parsed, the one before it is stored, and once the
// fetch has been read, moved, and the attempts of the one after it are
// recorded. Each batch keeps the promises of batch: its attempts are
// recorded before it is fetched, and its messages stored before they are
// moved. A crash while three batches are in hand leaves an attempt on the
// messages of all three, which come back alone, as suspects. It stops early
// when ctx is done, after the batches in hand.
func (s *conn) batches(ctx context.Context, clean []imap.UID) (Stats, error) {
	var (
		total Stats
		prev  []fetched // parsed, not yet stored
	)
	// finish stores and moves prev; stored is Put's answer when it has run.
	finish := func(stored <-chan putDone) error {
		if prev == nil {
			return nil
		}
		var done putDone
		if stored != nil {
			done = <-stored
		} else {
			done.results, done.err = s.w.db.Put(incoming(prev))
		}
		msgs := prev
		prev = nil
		if done.err != nil {
			return done.err
		}
		st, err := s.move(msgs, done.results)
		total.add(st)
		return err
	}
	// begin records the attempts of uids, in the background; the channel
	// says when they are committed.
	begin := func(uids []imap.UID) <-chan error {
		begun := make(chan error, 1)
		go func() { begun <- s.w.db.BeginAttempts(s.w.cfg.Mailbox, s.uidValidity, toU32(uids)) }()
		return begun
	}
	next := func() []imap.UID {
		n := min(len(clean), s.w.cfg.BatchSize)
		uids := clean[:n]
		clean = clean[n:]
		return uids
	}
	uids := next()
	begun := begin(uids)
	for len(uids) > 0 {
		if err := <-begun; err != nil {
			return total, errors.Join(err, finish(nil))
		}
		// bbolt has one writer at a time: the previous batch is stored
		// after this one's attempts are recorded.
		var stored chan putDone
		if prev != nil {
			stored = make(chan putDone, 1)
			batch := incoming(prev)
			go func() {
				var done putDone
				done.results, done.err = s.w.db.Put(batch)
				stored <- done
			}()
		}
		wait := s.fetch(uids)
		// The connection is free while the parsers work: the next batch's
		// attempts are recorded and the previous batch moved meanwhile.
		var following []imap.UID
		if ctx.Err() == nil {
			following = next()
		}
		begun = begin(following)
		err := finish(stored)
		msgs, fetchErr := wait()
		if err != nil {
			<-begun
			return total, err
		}
		if msgs, err = s.keep(uids, msgs, fetchErr, 0); err != nil {
			<-begun
			return total, err
		}
		prev = msgs
		uids = following
	}
	<-begun
	return total, finish(nil)
}

// putDone is what Put returned.
type putDone struct {
	results []store.PutResult
	err     error
}

// fetched is one message read from the server and parsed.
type fetched struct {
	uid uint32
	in  store.Incoming
}

// batch fetches, stores and moves uids. prior is how many unfinished attempts
// the (single) message in a suspect batch already has.
func (s *conn) batch(uids []imap.UID, prior uint64) (Stats, error) {
	w := s.w
	if err := w.db.BeginAttempts(w.cfg.Mailbox, s.uidValidity, toU32(uids)); err != nil {
		return Stats{}, err
	}
	msgs, fetchErr := s.fetch(uids)()
	msgs, err := s.keep(uids, msgs, fetchErr, prior)
	if err != nil {
		return Stats{}, err
	}
	results, err := w.db.Put(incoming(msgs))
	if err != nil {
		return Stats{}, err
	}
	return s.move(msgs, results)
}

// keep decides what to store of the batch uids, of which fetch returned
// msgs and fetchErr: the messages read, or, for a suspect message that
// reached its last attempt without being read, a record of the failure.
// prior is how many unfinished attempts the (single) message in a suspect
// batch already has.
func (s *conn) keep(uids []imap.UID, msgs []fetched, fetchErr error, prior uint64) ([]fetched, error) {
	cfg := &s.w.cfg
	giveUp := prior >= uint64(cfg.MaxAttempts)
	if fetchErr != nil && giveUp && len(msgs) == 0 {
		// Even the raw bytes cannot be had: record the failure, then move the
		// message aside so that it does not block the queue. It is still on the
		// server, in review.
		uid := uint32(uids[0])
		msgs = []fetched{{uid: uid, in: store.Incoming{NoRaw: true, Msg: store.Message{
			Source: s.location(uid), Folder: cfg.Review, State: store.StateStored,
			Errors: []string{fmt.Sprintf("fetch failed %d times: %v", prior+1, fetchErr)},
		}}}}
	} else if fetchErr != nil && len(msgs) == 0 {
		return nil, fetchErr
	} else if fetchErr != nil {
		// The others are handled now; the missing ones keep their attempt and
		// come back alone on the next pass.
		s.w.log.Warn("fetch incomplete", slog.Any(logKeyErr, fetchErr))
	}
	if giveUp {
		for i := range msgs {
			m := &msgs[i].in.Msg
			if m.Folder != cfg.Review {
				m.Folder = cfg.Review
				m.Errors = append(m.Errors, fmt.Sprintf("handling was interrupted %d times; moved to review", prior))
			}
		}
	}
	return msgs, nil
}

// incoming returns the records of msgs, for Put.
func incoming(msgs []fetched) []store.Incoming {
	batch := make([]store.Incoming, len(msgs))
	for i := range msgs {
		batch[i] = msgs[i].in
	}
	return batch
}

// move moves the stored msgs out of the inbox, results being what Put
// said of them, and tells of each.
func (s *conn) move(msgs []fetched, results []store.PutResult) (Stats, error) {
	w := s.w
	cfg := &w.cfg
	// Move each message to its folder: new ones where their record says,
	// duplicates where the stored copy went.
	var st Stats
	byFolder := make(map[string][]int)
	for i, r := range results {
		folder := r.Folder
		if folder == "" {
			folder = cfg.Processed
		}
		byFolder[folder] = append(byFolder[folder], i)
		switch {
		case r.Duplicate:
			st.Duplicates++
		case folder == cfg.Review:
			st.Review++
			st.Stored++
		default:
			st.Stored++
		}
	}
	for _, folder := range sortedKeys(byFolder) {
		idx := byFolder[folder]
		var set imap.UIDSet
		for _, i := range idx {
			set.AddNum(imap.UID(msgs[i].uid))
		}
		// The records say "stored" until the drain ends with an empty inbox and
		// Settle confirms the moves in one transaction: one commit per batch
		// fewer, and the same answer after a crash.
		if _, err := s.c.Move(set, folder).Wait(); err != nil {
			return st, fmt.Errorf("move %d messages to %s: %w", len(idx), folder, err)
		}
	}
	if cfg.OnMessage != nil {
		for i, r := range results {
			m := &msgs[i].in.Msg
			folder := r.Folder
			if folder == "" {
				folder = cfg.Processed
			}
			cfg.OnMessage(Event{UID: msgs[i].uid, ID: r.ID, Duplicate: r.Duplicate, Folder: folder,
				From: m.From, Subject: m.Subject, Errors: m.Errors})
		}
	}
	for i, r := range results {
		if !r.Duplicate && r.Folder == cfg.Review {
			w.log.Warn("message moved to review", slog.Uint64(logKeyUID, uint64(msgs[i].uid)),
				slog.Uint64("id", r.ID), slog.Any("errors", msgs[i].in.Msg.Errors))
		}
	}
	w.log.Debug("batch done", slog.Int(logKeyCount, len(results)), slog.Int("duplicates", st.Duplicates))
	return st, nil
}

// fetch reads the raw bytes of uids and starts parsing each as soon as it
// has arrived, while the others are read. It returns once the server has
// sent them all, with a function that waits for the parsers. Messages the
// server did not return are left out; the error says why.
func (s *conn) fetch(uids []imap.UID) (wait func() ([]fetched, error)) {
	cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var (
		got []*fetched
		wg  sync.WaitGroup
		sem = make(chan struct{}, runtime.GOMAXPROCS(0))
	)
	for {
		md := cmd.Next()
		if md == nil {
			break
		}
		buf, err := md.Collect()
		if err != nil || buf.UID == 0 || len(buf.BodySection) == 0 {
			continue
		}
		f := &fetched{uid: uint32(buf.UID)}
		f.in.Raw = buf.BodySection[0].Bytes
		if f.in.Raw == nil {
			f.in.Raw = []byte{}
		}
		got = append(got, f)
		// The reading goes on while the parsers wait for a turn.
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			f.in.Msg, f.in.Answers = s.parse(f.uid, f.in.Raw)
		})
	}
	fetchErr := cmd.Close()
	return func() ([]fetched, error) {
		wg.Wait()
		out := make([]fetched, len(got))
		for i, f := range got {
			out[i] = *f
		}
		if fetchErr != nil {
			return out, fmt.Errorf("fetch %d messages: %w", len(uids), fetchErr)
		}
		if len(out) < len(uids) {
			return out, fmt.Errorf("fetch: server returned %d of %d messages", len(out), len(uids))
		}
		return out, nil
	}
}

// parse reads raw into a record: its envelope and what it is. It never
// fails: problems become the record's errors, and a message that staff must
// look at (unreadable, of no known class) goes to review.
func (s *conn) parse(uid uint32, raw []byte) (m store.Message, answers []store.AnswerRef) {
	cfg := &s.w.cfg
	m = store.Message{Source: s.location(uid), Folder: cfg.Processed, State: store.StateStored}
	defer func() {
		if p := recover(); p != nil {
			m.Folder = cfg.Review
			m.Errors = append(m.Errors, fmt.Sprintf("read message: panic: %v", p))
		}
	}()
	env, res := intake.Read(raw, cfg.Intake)
	m.MessageID = env.MessageID
	m.Fingerprint = env.Fingerprint
	m.From, m.FromName = env.From, env.FromName
	m.To, m.Cc = env.To, env.Cc
	m.Subject = env.Subject
	m.Date = env.Date
	m.InReplyTo, m.References = env.InReplyTo, env.References
	m.ReplyTo, m.AutoReason = env.ReplyTo, env.NoReply
	m.Warnings = env.Warnings
	for _, a := range env.Attachments {
		m.Attachments = append(m.Attachments, store.Attachment{Name: a.Name, ContentType: a.ContentType, Size: a.Size})
	}
	m.Class, m.Language = string(res.Class), res.Language
	if js, err := json.Marshal(res); err == nil {
		m.Result = js
	}
	qs := res.Questionnaires
	if res.Questionnaire != nil {
		qs = append(qs, res.Questionnaire)
	}
	for _, q := range qs {
		ref := store.AnswerRef{Key: intake.AuthorityKey(q, env.From), BySender: q.AuthorityName == nil}
		if q.AuthorityName != nil {
			ref.Name = *q.AuthorityName
		}
		if q.Country != nil {
			ref.Country = *q.Country
		}
		answers = append(answers, ref)
	}
	if res.NeedsReview() {
		m.Folder = cfg.Review
		// Warnings are kept apart; the errors say why staff must look.
		for _, e := range res.Errors {
			if !slices.Contains(env.Warnings, e) {
				m.Errors = append(m.Errors, e)
			}
		}
		if len(m.Errors) == 0 {
			m.Errors = append(m.Errors, "not understood: staff must read it")
		}
	}
	return m, answers
}

func (s *conn) location(uid uint32) store.Location {
	return store.Location{Mailbox: s.w.cfg.Mailbox, UIDValidity: s.uidValidity, UID: uid}
}

func toU32(uids []imap.UID) []uint32 {
	out := make([]uint32, len(uids))
	for i, u := range uids {
		out[i] = uint32(u)
	}
	return out
}

func sortedKeys(m map[string][]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// backoff is capped exponential backoff with full jitter.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(b.cur*2, b.max)
	}
	// Jitter in [cur/2, cur): reconnects of many clients spread out.
	return b.cur/2 + rand.N(b.cur/2+1)
}

func (b *backoff) reset() { b.cur = 0 }
