package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TLS modes for Config.TLS.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 993)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 143)
	TLSNone     = "none"     // no TLS: loopback or explicitly insecure only
)

// ErrAuth reports that the server refused the login: retrying will not help
// until the configuration changes.
var ErrAuth = errors.New("login refused")

// dial connects and logs in. The returned client is closed when ctx is done
// and grace has passed, so that a shutdown lets the message in hand finish but
// never hangs on a dead server.
func (w *Watcher) dial(ctx context.Context, handler *imapclient.UnilateralDataHandler) (c *imapclient.Client, stop func() bool, err error) {
	cfg := &w.cfg
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", cfg.Addr, err)
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", cfg.Addr, err)
	}
	tlsConfig := cfg.TLSConfig.Clone()
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	if cfg.Insecure {
		tlsConfig.InsecureSkipVerify = true
	}
	opts := &imapclient.Options{TLSConfig: tlsConfig, UnilateralDataHandler: handler}

	switch cfg.TLS {
	case TLSImplicit, "":
		tc := tls.Client(conn, tlsConfig)
		hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("tls handshake with %s: %w", cfg.Addr, err)
		}
		c = imapclient.New(tc, opts)
	case TLSStartTLS:
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		c, err = imapclient.NewStartTLS(conn, opts)
		stop()
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("starttls with %s: %w", cfg.Addr, err)
		}
	case TLSNone:
		c = imapclient.New(conn, opts)
	default:
		conn.Close()
		return nil, nil, fmt.Errorf("dial %s: unknown tls mode %q", cfg.Addr, cfg.TLS)
	}
	stop = context.AfterFunc(ctx, func() {
		time.AfterFunc(w.grace, func() { c.Close() })
	})
	if err := c.WaitGreeting(); err != nil {
		stop()
		c.Close()
		return nil, nil, fmt.Errorf("greeting from %s: %w", cfg.Addr, err)
	}
	if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
		stop()
		c.Close()
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return nil, nil, fmt.Errorf("log in to %s as %s: %w: %v", cfg.Addr, cfg.Username, ErrAuth, err)
		}
		return nil, nil, fmt.Errorf("log in to %s as %s: %w", cfg.Addr, cfg.Username, err)
	}
	return c, stop, nil
}

// ensureFolders creates the processed and review folders when missing.
func ensureFolders(c *imapclient.Client, names ...string) error {
	for _, name := range names {
		list, err := c.List("", name, nil).Collect()
		if err != nil {
			return fmt.Errorf("list %s: %w", name, err)
		}
		if len(list) > 0 {
			continue
		}
		if err := c.Create(name, nil).Wait(); err != nil {
			// Another client may have created it in between.
			if list, lerr := c.List("", name, nil).Collect(); lerr == nil && len(list) > 0 {
				continue
			}
			return fmt.Errorf("create %s: %w", name, err)
		}
	}
	return nil
}
