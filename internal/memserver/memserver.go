// Package memserver runs real mail protocol servers inside the process, on
// loopback: go-imap's in-memory IMAP server and a go-smtp server that delivers
// what it receives into the IMAP inbox (and keeps a copy for inspection). The
// demo runs on it, and so do the fast tests: real protocol, no fakes.
package memserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"github.com/coe-congress/alliancebot/internal/imaptest"
)

// Options choose what the servers offer. The zero value is a modern server
// (IMAP4rev2: IDLE, MOVE, UIDPLUS).
type Options struct {
	// IMAP4rev1Only offers plain IMAP4rev1: no IDLE (the client must poll) and
	// no MOVE (the client must COPY, flag \Deleted and expunge).
	IMAP4rev1Only bool
	// User and Password default to "alliance" and "demo".
	User, Password string
	// TLS serves IMAP with implicit TLS (the listener speaks TLS from the
	// first byte) and offers STARTTLS on a second, plain listener; both use a
	// certificate for 127.0.0.1 and localhost made at start, signed by
	// Server.RootCAs. The SMTP server then offers STARTTLS with the same
	// certificate.
	TLS bool
	// Local says which recipients are the mailbox's own: mail to them is
	// delivered into INBOX. Nil: every recipient. Every message is recorded
	// in Deliveries either way.
	Local func(addr string) bool
	// SMTPAddr is where the SMTP server listens; "" is a free loopback
	// port.
	SMTPAddr string
	// SMTPHook, when set, is called at each step of an SMTP transaction
	// ("MAIL" with the sender, "RCPT" with a recipient, "DATA" with the
	// first recipient) and may refuse it by returning an error, such as an
	// *smtp.SMTPError with the reply code to send.
	SMTPHook func(step, arg string) error
}

// Delivery is one message received over SMTP.
type Delivery struct {
	From string
	To   []string
	Data []byte
}

// Server is a running IMAP + SMTP pair.
type Server struct {
	IMAPAddr string
	SMTPAddr string
	User     string
	Password string
	// With Options.TLS: IMAPAddr speaks implicit TLS, StartTLSAddr plain
	// IMAP with STARTTLS, and RootCAs verifies the certificate.
	StartTLSAddr string
	RootCAs      *x509.CertPool

	opts    Options
	imap    *imapserver.Server
	smtp    *smtp.Server
	smtpLn  net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex // guards the fields below
	deliver []Delivery
}

// Start starts both servers on free loopback ports.
func Start(opts Options) (*Server, error) {
	if opts.User == "" {
		opts.User = "alliance"
	}
	if opts.Password == "" {
		opts.Password = "demo"
	}
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(opts.User, opts.Password)
	if err := user.Create("INBOX", nil); err != nil {
		return nil, fmt.Errorf("create INBOX: %w", err)
	}
	mem.AddUser(user)
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if opts.IMAP4rev1Only {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}
	}
	s := &Server{User: opts.User, Password: opts.Password, opts: opts}
	var tlsConfig *tls.Config
	if opts.TLS {
		cert, pool, err := selfSigned()
		if err != nil {
			return nil, err
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.RootCAs = pool
	}
	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		TLSConfig:    tlsConfig,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen imap: %w", err)
	}
	s.IMAPAddr = ln.Addr().String()
	if opts.TLS {
		// The plain listener offers STARTTLS; the main one speaks TLS.
		s.StartTLSAddr = s.IMAPAddr
		s.serveIMAP(ln)
		tln, err := tls.Listen("tcp", "127.0.0.1:0", tlsConfig)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("listen imaps: %w", err)
		}
		s.IMAPAddr = tln.Addr().String()
		ln = tln
	}
	s.serveIMAP(ln)

	smtpAddr := opts.SMTPAddr
	if smtpAddr == "" {
		smtpAddr = "127.0.0.1:0"
	}
	sln, err := net.Listen("tcp", smtpAddr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("listen smtp: %w", err)
	}
	s.SMTPAddr = sln.Addr().String()
	s.smtpLn = sln
	s.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s}, nil
	}))
	s.smtp.Domain = "localhost"
	s.smtp.TLSConfig = tlsConfig
	s.smtp.AllowInsecureAuth = true
	s.smtp.MaxMessageBytes = 50 << 20
	s.smtp.ReadTimeout = time.Minute
	s.smtp.WriteTimeout = time.Minute
	s.smtp.ErrorLog = log.New(io.Discard, "", 0)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.smtp.Serve(sln)
	}()
	return s, nil
}

func (s *Server) serveIMAP(ln net.Listener) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.imap.Serve(ln)
	}()
}

// selfSigned makes a certificate for 127.0.0.1 and localhost and a pool that
// trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "alliancebot test server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// Close stops both servers and waits for them.
func (s *Server) Close() error {
	var errs []error
	if s.smtp != nil {
		errs = append(errs, s.smtp.Close())
		// Close the listener too: a Serve that had not started when
		// smtp.Close ran would otherwise accept forever.
		s.smtpLn.Close()
	}
	if s.imap != nil {
		errs = append(errs, s.imap.Close())
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Deliveries returns the messages received over SMTP so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliver...)
}

// Dial returns a logged-in IMAP client.
func (s *Server) Dial() (*imapclient.Client, error) {
	if s.RootCAs != nil {
		c, err := imapclient.DialTLS(s.IMAPAddr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: s.RootCAs}})
		if err != nil {
			return nil, err
		}
		if err := c.Login(s.User, s.Password).Wait(); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	return imaptest.Dial(s.IMAPAddr, s.User, s.Password)
}

// Append adds messages to mailbox, creating it when missing.
func (s *Server) Append(mailbox string, msgs ...[]byte) error {
	c, err := s.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	return imaptest.Append(c, mailbox, msgs...)
}

// Count returns how many messages mailbox holds (0 when it does not exist).
func (s *Server) Count(mailbox string) (int, error) {
	c, err := s.Dial()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return imaptest.Count(c, mailbox)
}

// smtpSession accepts any sender and recipient, and delivers into INBOX.
type smtpSession struct {
	s    *Server
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string { return nil }
func (ss *smtpSession) Reset()                   { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error            { return nil }

func (ss *smtpSession) hook(step, arg string) error {
	if h := ss.s.opts.SMTPHook; h != nil {
		return h(step, arg)
	}
	return nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if err := ss.hook("MAIL", from); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.hook("RCPT", to); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	first := ""
	if len(ss.to) > 0 {
		first = ss.to[0]
	}
	if err := ss.hook("DATA", first); err != nil {
		io.Copy(io.Discard, r)
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("Return-Path: <" + ss.from + ">\r\n")
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.deliver = append(ss.s.deliver, Delivery{From: ss.from, To: append([]string(nil), ss.to...), Data: bytes.Clone(buf.Bytes())})
	ss.s.mu.Unlock()
	local := ss.s.opts.Local == nil
	for _, to := range ss.to {
		local = local || ss.s.opts.Local(to)
	}
	if !local {
		return nil
	}
	return ss.s.Append("INBOX", buf.Bytes())
}
