package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config is alliancebot's whole configuration, one field per section of the
// TOML file. Every field of a section needs a toml tag (the key) and a doc tag
// (one sentence for [Keys]).
type Config struct {
	IMAP   IMAP   `toml:"imap"`
	SMTP   SMTP   `toml:"smtp"`
	Reply  Reply  `toml:"reply"`
	Staff  Staff  `toml:"staff"`
	DKIM   DKIM   `toml:"dkim"`
	HTTP   HTTP   `toml:"http"`
	Digest Digest `toml:"digest"`
	Store  Store  `toml:"store"`
	Log    Log    `toml:"log"`
}

// The values of IMAP.TLS.
const (
	TLSImplicit = "implicit" // TLS from the first byte, port 993 by default.
	TLSStartTLS = "starttls" // STARTTLS upgrade on the plain port, 143 by default.
	TLSNone     = "none"     // No TLS: only to a loopback host or with Insecure.
)

// IMAP says which mailbox to watch and how to reach it.
type IMAP struct {
	Addr         string   `toml:"addr" doc:"Address of the IMAP server as host or host:port; the port defaults to 993 with tls = implicit and 143 otherwise."`
	Username     string   `toml:"username" doc:"User name to log in with."`
	Password     Secret   `toml:"password" doc:"Password to log in with; prefer password_file."`
	PasswordFile string   `toml:"password_file" doc:"File holding the password, read at start-up with trailing newlines removed; cannot be combined with password."`
	TLS          string   `toml:"tls" doc:"How to secure the connection: implicit, starttls or none."`
	Insecure     bool     `toml:"insecure" doc:"Skip certificate verification and allow tls = none to a host that is not loopback."`
	Mailbox      string   `toml:"mailbox" doc:"Mailbox where new messages arrive."`
	Processed    string   `toml:"processed" doc:"Mailbox where messages go once stored."`
	Review       string   `toml:"review" doc:"Mailbox where messages go that staff must look at."`
	Idle         bool     `toml:"idle" doc:"Use IDLE when the server offers it; false polls every poll_interval instead."`
	PollInterval Duration `toml:"poll_interval" doc:"How often to check for new messages when the server has no IDLE (or idle = false)."`
	IdleRecheck  Duration `toml:"idle_recheck" doc:"How often to check for new messages even while in IDLE."`
	MaxAttempts  int      `toml:"max_attempts" doc:"How many times a message is tried before it goes to review."`
	BatchSize    int      `toml:"batch_size" doc:"How many messages are fetched, stored and moved together (1 to 10000)."`
}

// SMTP says how mail is sent.
type SMTP struct {
	Addr         string   `toml:"addr" doc:"Address of the SMTP submission server as host or host:port; the port defaults to 465 with tls = implicit and 587 otherwise. Empty: nothing is sent, and the outbox keeps every message until it is set."`
	Username     string   `toml:"username" doc:"User name to authenticate with; empty: no authentication."`
	Password     Secret   `toml:"password" doc:"Password to authenticate with; prefer password_file."`
	PasswordFile string   `toml:"password_file" doc:"File holding the SMTP password, read at start-up with trailing newlines removed; cannot be combined with password."`
	TLS          string   `toml:"tls" doc:"How to secure the connection: implicit, starttls or none."`
	Insecure     bool     `toml:"insecure" doc:"Skip certificate verification and allow tls = none to a host that is not loopback."`
	From         string   `toml:"from" doc:"Address the bot writes from, such as roma.summit@coe.int; defaults to imap.username when that is an address."`
	FromName     string   `toml:"from_name" doc:"Display name shown with the from address."`
	Timeout      Duration `toml:"timeout" doc:"How long to wait for the SMTP server at each step before trying again later."`
	GiveUpAfter  Duration `toml:"give_up_after" doc:"How long a message that keeps failing temporarily is retried before it is given up and shown to staff."`
	Connections  int      `toml:"connections" doc:"How many SMTP connections send a digest at once."`
	Rate         float64  `toml:"rate" doc:"Most digest messages a second over all connections; 0 is no limit."`
	DailyLimit   int      `toml:"daily_limit" doc:"Most digest recipients in any 24 hours; 0 is no limit."`
}

// HTTP configures the web listener of the one-click unsubscribe links.
type HTTP struct {
	Addr      string `toml:"addr" doc:"Address (host:port) serve listens on for the unsubscribe links; empty: no listener."`
	PublicURL string `toml:"public_url" doc:"Public https URL of that listener (behind a proxy), the base of the links in the digest; empty: the digest offers the mailto way only."`
}

// Digest configures the news digest.
type Digest struct {
	Schedule     string   `toml:"schedule" doc:"When serve sends the digest of the approved news: a weekday and a local time such as \"mon 09:00\"; empty: only by command."`
	Feeds        []string `toml:"feeds" doc:"RSS or Atom feeds whose new items become news drafts (comma-separated in the environment)."`
	FeedInterval Duration `toml:"feed_interval" doc:"How often serve reads the feeds."`
}

// Reply configures the automatic acknowledgements.
type Reply struct {
	Enabled      bool     `toml:"enabled" doc:"Acknowledge every message that may be answered; false queues staff notices only."`
	Language     string   `toml:"language" doc:"Language of an acknowledgement when the message is neither French nor English: en or fr."`
	Interval     Duration `toml:"interval" doc:"At most one acknowledgement goes to the same address in this time."`
	OwnAddresses []string `toml:"own_addresses" doc:"Other addresses of the bot or the secretariat (comma-separated in the environment); mail from them is never acknowledged."`
	Templates    string   `toml:"templates" doc:"Folder of template files that replace the built-in ones of the same name; empty: built-in only."`
}

// Staff says who is told what needs a decision.
type Staff struct {
	Addresses   []string `toml:"addresses" doc:"Staff addresses (comma-separated in the environment): they get notices of join requests and of messages to review, and the daily summary."`
	Language    string   `toml:"language" doc:"Language of the staff notices: en or fr."`
	SummaryTime string   `toml:"summary_time" doc:"Local time (HH:MM) of the daily summary of new answers, corrections and bounces; empty: no summary."`
}

// DKIM configures the signing of outgoing mail.
type DKIM struct {
	KeyFile  string `toml:"key_file" doc:"PEM file of the DKIM private key (RSA or Ed25519); empty: mail is not signed."`
	Selector string `toml:"selector" doc:"DKIM selector: the DNS name selector._domainkey.domain holds the public key."`
	Domain   string `toml:"domain" doc:"Signing domain; defaults to the domain of smtp.from."`
}

// Store says where the database lives.
type Store struct {
	Path string `toml:"path" doc:"Path of the bbolt database file."`
}

// Log configures the one slog handler that main builds.
type Log struct {
	Level  string `toml:"level" doc:"Least severe level logged: debug, info, warn or error."`
	Format string `toml:"format" doc:"Log line format: text or json."`
}

// Default returns the configuration used for every key that neither the file
// nor the environment sets. Its IMAP.Addr is empty.
func Default() Config {
	return Config{
		IMAP: IMAP{
			TLS:          TLSImplicit,
			Mailbox:      "INBOX",
			Processed:    "Processed",
			Review:       "Review",
			Idle:         true,
			PollInterval: Duration{time.Minute},
			IdleRecheck:  Duration{5 * time.Minute},
			MaxAttempts:  3,
			BatchSize:    200,
		},
		SMTP: SMTP{
			TLS:         TLSStartTLS,
			FromName:    "European Alliance of Cities and Regions for Roma Inclusion",
			Timeout:     Duration{30 * time.Second},
			GiveUpAfter: Duration{72 * time.Hour},
			// Microsoft 365: 30 messages a minute, 10,000 recipients a day.
			Connections: 1,
			Rate:        0.5,
			DailyLimit:  10000,
		},
		Digest: Digest{Schedule: "mon 09:00", Feeds: []string{}, FeedInterval: Duration{time.Hour}},
		Reply:  Reply{Enabled: true, Language: "en", Interval: Duration{24 * time.Hour}, OwnAddresses: []string{}},
		Staff:  Staff{Addresses: []string{}, Language: "en", SummaryTime: "08:00"},
		Store:  Store{Path: "alliancebot.db"},
		Log:    Log{Level: "info", Format: "text"},
	}
}

// maxPasswordFile bounds how much of imap.password_file is read, so that a
// path such as /dev/zero cannot exhaust memory.
const maxPasswordFile = 64 << 10

// Load returns the defaults overridden by the TOML file at path (skipped when
// path is ""), then by the ALLIANCEBOT_* variables in environ (in the form of
// [os.Environ]; later entries win), with imap.password_file read (relative to
// the working directory) and the result validated. Variables without the
// ALLIANCEBOT_ prefix are ignored. Every error names the key and its source.
func Load(path string, environ []string) (Config, error) {
	var text string
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		text = string(data)
	}
	return load(path, text, environ)
}

// load is Load with the file, named path, already read into text.
func load(path, text string, environ []string) (Config, error) {
	cfg := Default()
	root := reflect.ValueOf(&cfg).Elem()
	if path != "" {
		if err := decodeTOML(root, path, text); err != nil {
			return Config{}, err
		}
	}
	if err := decodeEnv(root, environ); err != nil {
		return Config{}, err
	}
	if err := readPasswordFile("imap", &cfg.IMAP.Password, cfg.IMAP.PasswordFile); err != nil {
		return Config{}, err
	}
	if err := readPasswordFile("smtp", &cfg.SMTP.Password, cfg.SMTP.PasswordFile); err != nil {
		return Config{}, err
	}

	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// readPasswordFile sets *pw from the file path of section's password_file,
// if set, with trailing CR and LF removed. Setting both is an error, as is an
// empty file.
func readPasswordFile(section string, pw *Secret, path string) error {
	if path == "" {
		return nil
	}
	key := section + ".password_file"
	if *pw != "" {
		return fmt.Errorf("config: %s.password and %s are both set; set only one", section, key)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config: %s: %w", key, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPasswordFile+1))
	if err != nil {
		return fmt.Errorf("config: %s: %w", key, err)
	}
	if len(data) > maxPasswordFile {
		return fmt.Errorf("config: %s: %s is larger than %d bytes", key, path, maxPasswordFile)
	}
	v := strings.TrimRight(string(data), "\r\n")
	if v == "" {
		return fmt.Errorf("config: %s: %s is empty", key, path)
	}
	*pw = Secret(v)
	return nil
}

// Validate reports every value that is out of range, each on its own line.
// An empty imap.addr is valid here; see [Config.RequireIMAP].
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: "+format, args...))
	}
	i := c.IMAP

	checkServer(bad, "imap", i.Addr, i.HostPort(), i.TLS, i.Insecure)

	if i.PollInterval.Duration <= 0 {
		bad("imap.poll_interval = %s must be greater than zero", i.PollInterval)
	}
	if i.IdleRecheck.Duration <= 0 {
		bad("imap.idle_recheck = %s must be greater than zero", i.IdleRecheck)
	}
	if i.MaxAttempts < 1 {
		bad("imap.max_attempts = %d must be at least 1", i.MaxAttempts)
	}
	if i.BatchSize < 1 || i.BatchSize > 10000 {
		bad("imap.batch_size = %d must be from 1 to 10000", i.BatchSize)
	}

	mailboxes := []struct{ key, name string }{
		{"imap.mailbox", i.Mailbox},
		{"imap.processed", i.Processed},
		{"imap.review", i.Review},
	}
	for n, a := range mailboxes {
		if a.name == "" {
			bad("%s must not be empty", a.key)
			continue
		}
		for _, b := range mailboxes[:n] {
			if b.name != "" && sameMailbox(a.name, b.name) {
				bad("%s and %s must be different mailboxes (both %q)", b.key, a.key, a.name)
			}
		}
	}

	c.validateSending(bad)

	if c.Store.Path == "" {
		bad("store.path must not be empty")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level = %q is not valid; use debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format = %q is not valid; use text or json", c.Log.Format)
	}
	return errors.Join(errs...)
}

// RequireIMAP reports what is missing to log in to the IMAP server: the
// address, the user name and the password. Commands that talk to the server
// call it after [Load].
func (c Config) RequireIMAP() error {
	var errs []error
	if c.IMAP.Addr == "" {
		errs = append(errs, fmt.Errorf("config: imap.addr is not set (%s)", envName("imap", "addr")))
	}
	if c.IMAP.Username == "" {
		errs = append(errs, fmt.Errorf("config: imap.username is not set (%s)", envName("imap", "username")))
	}
	if c.IMAP.Password == "" {
		errs = append(errs, fmt.Errorf("config: imap.password is not set (%s, or imap.password_file, %s)",
			envName("imap", "password"), envName("imap", "password_file")))
	}
	return errors.Join(errs...)
}

// HostPort returns Addr with the default port added when it has none: 993
// for implicit TLS, 143 otherwise. A bare IPv6 address gets its brackets. It
// returns "" when Addr is empty.
func (i IMAP) HostPort() string {
	return withPort(i.Addr, i.TLS, "993", "143")
}

// withPort returns addr with a port added when it has none: implicit for
// implicit TLS (also when tls is empty), other otherwise. A bare IPv6 address
// gets its brackets. It returns "" when addr is empty.
func withPort(addr, tls, implicit, other string) string {
	if addr == "" {
		return ""
	}
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	port := implicit
	if tls != "" && tls != TLSImplicit {
		port = other
	}
	host := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	return net.JoinHostPort(host, port)
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

// isLoopback reports whether host names this machine: localhost, an address
// in 127.0.0.0/8 or ::1 (also as an IPv4-mapped address or with a zone).
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// sameMailbox compares IMAP mailbox names: INBOX is case-insensitive (RFC
// 9051 section 5.1), other names are compared exactly.
func sameMailbox(a, b string) bool {
	if strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX") {
		return true
	}
	return a == b
}

// Duration is a [time.Duration] written in the file and the environment as a
// Go duration string such as "30s", "5m" or "1h30m".
type Duration struct{ time.Duration }

// String returns the duration without zero trailing units: "1m", not "1m0s".
func (d Duration) String() string {
	s := d.Duration.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// MarshalText returns the text of [Duration.String].
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText parses a duration as [time.ParseDuration] does.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q; use a number and a unit, such as 30s, 5m or 1h", text)
	}
	d.Duration = v
	return nil
}

// redacted is what a non-empty Secret shows instead of its value.
const redacted = "[redacted]"

// Secret is a string that never shows its value: every fmt verb, JSON, TOML,
// text marshalling and slog print "[redacted]", or "" when it is empty. Use
// string(s) to get the value.
type Secret string

// String returns "[redacted]", or "" when s is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the same as [Secret.String], so that %#v hides it too.
func (s Secret) GoString() string { return s.String() }

// Format implements [fmt.Formatter], so that no verb (%d, %x included) prints
// the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, s.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
}

// MarshalText returns the text of [Secret.String].
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements [slog.LogValuer].
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// KeyDoc describes one configuration key.
type KeyDoc struct {
	Key     string // Name in the file, such as "imap.poll_interval".
	Env     string // Environment variable, such as "ALLIANCEBOT_IMAP_POLL_INTERVAL".
	Default string // Default value as text as the environment takes it; "" for secrets.
	Doc     string // One sentence.
}

// Keys lists every key in the order of the struct fields, generated from the
// toml and doc tags of [Config] and the values of [Default].
func Keys() []KeyDoc {
	def := reflect.ValueOf(Default())
	var keys []KeyDoc
	for _, f := range fieldsOf(def.Type()) {
		keys = append(keys, KeyDoc{
			Key:     f.key,
			Env:     f.env,
			Default: formatValue(def.FieldByIndex(f.index)),
			Doc:     f.doc,
		})
	}
	return keys
}
