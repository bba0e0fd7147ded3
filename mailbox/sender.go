package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/coe-congress/alliancebot/store"
)

// SenderConfig says how to reach the SMTP server. Zero fields take the
// defaults documented on each.
type SenderConfig struct {
	Addr      string // host:port; "" sends nothing and keeps the outbox
	Username  string // "" logs in with no authentication
	Password  string
	TLS       string      // TLSImplicit, TLSStartTLS (default) or TLSNone
	TLSConfig *tls.Config // nil: system roots, server name from Addr
	Insecure  bool        // skip certificate verification
	HELO      string      // name given in EHLO; default the host name

	Timeout     time.Duration // per step of the SMTP dialogue, default 30s
	GiveUpAfter time.Duration // a message failing temporarily is given up this long after it was queued, default 72h
	RetryMin    time.Duration // first wait after a temporary failure, default 1m
	RetryMax    time.Duration // longest wait between tries, default 1h
	Batch       int           // messages read from the outbox at a time, default 100

	// OnResult, when set, is called after every attempt to send a message.
	OnResult func(o *store.Outgoing, err error)
}

// Sender sends what the outbox holds.
type Sender struct {
	cfg  SenderConfig
	db   *store.DB
	log  *slog.Logger
	wake chan struct{}
}

// NewSender returns a sender of db's outbox. A nil logger discards logs.
func NewSender(cfg SenderConfig, db *store.DB, logger *slog.Logger) *Sender {
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = 72 * time.Hour
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Minute
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = time.Hour
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{cfg: cfg, db: db, log: logger.With(slog.String("smtp", cfg.Addr)), wake: make(chan struct{}, 1)}
}

// Wake tells the sender that the outbox has new messages.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// SendStats counts what a flush did.
type SendStats struct {
	Sent     int // accepted by the server
	Deferred int // failed temporarily, to be tried again
	Failed   int // given up on
}

// ErrNoServer is returned by Flush when no SMTP server is configured and the
// outbox holds messages to send.
var ErrNoServer = errors.New("no SMTP server is configured (smtp.addr)")

// Flush sends every message whose time has come, then returns. An error
// means the server could not be reached or the store failed: the messages
// not sent stay queued, and nothing is lost by it.
func (s *Sender) Flush(ctx context.Context) (SendStats, error) {
	var st SendStats
	var c *SMTPConn
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for {
		due, _, err := s.db.Due(time.Now(), s.cfg.Batch)
		if err != nil || len(due) == 0 {
			return st, err
		}
		if s.cfg.Addr == "" {
			return st, fmt.Errorf("%d messages wait in the outbox: %w", len(due), ErrNoServer)
		}
		for _, o := range due {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			if c == nil {
				if c, err = DialSMTP(ctx, s.cfg); err != nil {
					return st, err
				}
			}
			resp, err := c.Send(o.From, o.To, o.Raw)
			if err != nil {
				// After a failure the session may be in any state (a server
				// that rejects DATA sends no RSET): start a new one.
				c.Close()
				c = nil
			}
			if err := s.record(o, resp, err, &st); err != nil {
				return st, err
			}
			if s.cfg.OnResult != nil {
				s.cfg.OnResult(o, err)
			}
		}
	}
}

// Run sends whatever is due, whenever the outbox is woken or a retry time
// comes, until ctx is done. While the server cannot be reached it waits with
// capped exponential backoff and jitter.
func (s *Sender) Run(ctx context.Context) error {
	b := backoff{min: time.Second, max: 5 * time.Minute}
	for {
		wait := time.Duration(0)
		_, err := s.Flush(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrNoServer):
			wait = time.Hour
		case err != nil:
			wait = b.next()
			s.log.Warn("send mail", slog.Any(logKeyErr, err), slog.Duration(logKeyRetry, wait))
		default:
			b.reset()
			_, next, err := s.db.Due(time.Now(), 1)
			if err != nil {
				return err
			}
			wait = time.Hour
			if !next.IsZero() {
				wait = min(wait, time.Until(next))
			}
		}
		t := time.NewTimer(max(wait, 10*time.Millisecond))
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// SMTPConn is one SMTP session, for sending message after message. After a
// failed Send, close it and dial again: the session may be in any state.
type SMTPConn struct {
	c       *smtp.Client
	timeout time.Duration
}

// DialSMTP connects to cfg's server, says EHLO, secures the connection and
// logs in.
func DialSMTP(ctx context.Context, cfg SenderConfig) (*SMTPConn, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: bad port", cfg.Addr)
	}
	tc := cfg.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	if cfg.Insecure {
		tc = tc.Clone()
		tc.InsecureSkipVerify = true
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(cfg.Timeout), gomail.WithTLSConfig(tc)}
	switch cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	c, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Addr, err)
	}
	return &SMTPConn{c: c, timeout: cfg.Timeout}, nil
}

// Close ends the session politely, then closes the connection.
func (c *SMTPConn) Close() error {
	c.c.Quit()
	return c.c.Close()
}

// IsPermanent says whether err, from Send, is a permanent refusal (5xx):
// sending the same message again would fail the same way.
func IsPermanent(err error) bool {
	var se *sendError
	return errors.As(err, &se) && se.permanent
}

// sendError is a failure to send one message, decided once at the protocol
// edge as temporary or permanent.
type sendError struct {
	step      string // "MAIL FROM", "RCPT TO", "DATA"...
	err       error
	permanent bool
}

func (e *sendError) Error() string { return e.step + ": " + e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// classify wraps err from step: a 5xx reply is permanent; a 4xx reply, a
// broken connection or a timeout is temporary.
func classify(step string, err error) *sendError {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &sendError{step: step, err: err, permanent: te.Code >= 500}
	}
	return &sendError{step: step, err: err}
}

// Send transmits raw from the envelope sender from to rcpts, and returns the
// server's reply to its data. A recipient refused does not stop the others;
// when all are refused, the error is permanent only if every refusal was.
// Errors are temporary or permanent (IsPermanent).
func (conn *SMTPConn) Send(from string, rcpts []string, raw []byte) (string, error) {
	c := conn.c
	if err := c.UpdateDeadline(conn.timeout); err != nil {
		return "", classify("connection", err)
	}
	if err := c.Mail(angle(from)); err != nil {
		return "", classify("MAIL FROM", err)
	}
	var refused []string
	permanent := true
	for _, to := range rcpts {
		if err := c.Rcpt(angle(to)); err != nil {
			e := classify("RCPT TO", err)
			refused = append(refused, to+": "+err.Error())
			permanent = permanent && e.permanent
		}
	}
	if len(refused) == len(rcpts) {
		c.Reset()
		return "", &sendError{step: "RCPT TO", err: errors.New(strings.Join(refused, "; ")), permanent: permanent}
	}
	w, err := c.Data()
	if err != nil {
		return "", classify("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return "", classify("DATA", err)
	}
	if err := w.Close(); err != nil {
		return "", classify("end of DATA", err)
	}
	resp := ""
	if dc, ok := w.(*smtp.DataCloser); ok {
		resp = dc.ServerResponse()
	}
	if len(refused) > 0 {
		resp += " (refused: " + strings.Join(refused, "; ") + ")"
	}
	return resp, nil
}

// record writes the outcome of sending o to the outbox.
func (s *Sender) record(o *store.Outgoing, resp string, err error, st *SendStats) error {
	log := s.log.With(slog.Uint64("outbox", o.ID), slog.String("kind", o.Kind))
	if err == nil {
		st.Sent++
		log.Info("sent", slog.Any("to", o.To))
		return s.db.MarkSent(o.ID, resp)
	}
	var se *sendError
	if !errors.As(err, &se) {
		se = classify("send", err)
	}
	age := time.Since(o.Created)
	switch {
	case se.permanent:
		st.Failed++
		log.Warn("sending failed for good", slog.Any(logKeyErr, err))
		return s.db.Fail(o.ID, err.Error())
	case age >= s.cfg.GiveUpAfter:
		st.Failed++
		log.Warn("sending given up", slog.Any(logKeyErr, err), slog.Duration("after", age))
		return s.db.Fail(o.ID, fmt.Sprintf("gave up after %d attempts over %s: %v", o.Attempts+1, age.Round(time.Minute), err))
	}
	st.Deferred++
	wait := retryWait(o.Attempts, s.cfg.RetryMin, s.cfg.RetryMax)
	log.Info("sending deferred", slog.Any(logKeyErr, err), slog.Duration(logKeyRetry, wait))
	return s.db.Defer(o.ID, err.Error(), time.Now().Add(wait))
}

// retryWait is the wait after the attempts-th failure: doubling from lo, at
// most hi, with up to a quarter of jitter.
func retryWait(attempts int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 0; i < attempts && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d - rand.N(d/4+1)
}

// angle returns addr in angle brackets for MAIL FROM and RCPT TO; "" gives
// the null path "<>".
func angle(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	return "<" + addr + ">"
}
