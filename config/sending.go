package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// checkServer reports what is wrong with the address and TLS mode of the
// server of section ("imap" or "smtp"); hostPort is addr with its default
// port. An empty addr is not checked.
func checkServer(bad func(string, ...any), section, addr, hostPort, tls string, insecure bool) {
	switch tls {
	case TLSImplicit, TLSStartTLS, TLSNone:
	default:
		bad("%s.tls = %q is not valid; use %s, %s or %s", section, tls, TLSImplicit, TLSStartTLS, TLSNone)
	}
	if addr == "" {
		return
	}
	host, port, err := net.SplitHostPort(hostPort)
	switch {
	case strings.Contains(addr, "://"):
		bad("%s.addr = %q must be host or host:port, not a URL", section, addr)
	case err != nil:
		bad("%s.addr = %q is not host or host:port: %v", section, addr, err)
	case host == "":
		bad("%s.addr = %q has no host", section, addr)
	case !validPort(port):
		bad("%s.addr = %q has an invalid port; use a number from 1 to 65535", section, addr)
	case tls == TLSNone && !insecure && !isLoopback(host):
		bad("%s.tls = %q would send the password in clear to %s; use %s or %s, or set %s.insecure = true",
			section, TLSNone, host, TLSImplicit, TLSStartTLS, section)
	}
}

// validateSending reports what is wrong in the smtp, reply, staff and dkim
// sections.
func (c Config) validateSending(bad func(string, ...any)) {
	s := c.SMTP
	checkServer(bad, "smtp", s.Addr, s.HostPort(), s.TLS, s.Insecure)
	if s.From != "" && !isAddress(s.From) {
		bad("smtp.from = %q is not an e-mail address", s.From)
	}
	if s.Addr != "" && c.FromAddress() == "" {
		bad("smtp.from is not set (%s), and imap.username is not an address to use instead", envName("smtp", "from"))
	}
	if strings.ContainsAny(s.FromName, "\r\n") {
		bad("smtp.from_name must be one line")
	}
	if s.Timeout.Duration <= 0 {
		bad("smtp.timeout = %s must be greater than zero", s.Timeout)
	}
	if s.GiveUpAfter.Duration <= 0 {
		bad("smtp.give_up_after = %s must be greater than zero", s.GiveUpAfter)
	}

	for _, l := range []struct{ key, lang string }{{"reply.language", c.Reply.Language}, {"staff.language", c.Staff.Language}} {
		if l.lang != "en" && l.lang != "fr" {
			bad("%s = %q is not valid; use en or fr", l.key, l.lang)
		}
	}
	if c.Reply.Interval.Duration < 0 {
		bad("reply.interval = %s must not be negative", c.Reply.Interval)
	}
	for _, a := range c.Reply.OwnAddresses {
		if !isAddress(a) {
			bad("reply.own_addresses: %q is not an e-mail address", a)
		}
	}
	for _, a := range c.Staff.Addresses {
		if !isAddress(a) {
			bad("staff.addresses: %q is not an e-mail address", a)
		}
	}
	if t := c.Staff.SummaryTime; t != "" {
		if _, err := time.Parse("15:04", t); err != nil {
			bad("staff.summary_time = %q is not a time of day such as 08:00", t)
		}
	}

	if s.Connections < 1 || s.Connections > 100 {
		bad("smtp.connections = %d must be from 1 to 100", s.Connections)
	}
	if s.Rate < 0 {
		bad("smtp.rate = %v must not be negative (0 is no limit)", s.Rate)
	}
	if s.DailyLimit < 0 {
		bad("smtp.daily_limit = %d must not be negative (0 is no limit)", s.DailyLimit)
	}
	if a := c.HTTP.Addr; a != "" {
		if _, port, err := net.SplitHostPort(a); err != nil || !validPort(port) {
			bad("http.addr = %q is not host:port", a)
		}
	}
	if u := c.HTTP.PublicURL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || pu.RawQuery != "" {
			bad("http.public_url = %q is not an http(s) URL such as https://alliance.example.org/bot", u)
		}
	}
	if _, _, err := ParseSchedule(c.Digest.Schedule); err != nil {
		bad("digest.schedule = %q: %v", c.Digest.Schedule, err)
	}
	for _, f := range c.Digest.Feeds {
		if fu, err := url.Parse(f); err != nil || (fu.Scheme != "https" && fu.Scheme != "http") || fu.Host == "" {
			bad("digest.feeds: %q is not an http(s) URL", f)
		}
	}
	if c.Digest.FeedInterval.Duration < time.Minute {
		bad("digest.feed_interval = %s must be at least 1m", c.Digest.FeedInterval)
	}

	d := c.DKIM
	if d.KeyFile != "" && d.Selector == "" {
		bad("dkim.selector is not set, and dkim.key_file is (%s)", envName("dkim", "selector"))
	}
	if d.KeyFile != "" && d.Domain == "" && c.FromAddress() == "" {
		bad("dkim.domain is not set, and there is no smtp.from to take it from")
	}
}

// ParseSchedule reads a weekly time such as "mon 09:00" (English or French
// weekday, full or three letters) as a weekday and a time since midnight.
// "" is no schedule: at is -1.
func ParseSchedule(s string) (day time.Weekday, at time.Duration, err error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, -1, nil
	}
	dayText, timeText, ok := strings.Cut(s, " ")
	if !ok {
		return 0, 0, errors.New(`want a weekday and a time, such as "mon 09:00"`)
	}
	days := map[string]time.Weekday{
		"sun": time.Sunday, "sunday": time.Sunday, "dim": time.Sunday, "dimanche": time.Sunday,
		"mon": time.Monday, "monday": time.Monday, "lun": time.Monday, "lundi": time.Monday,
		"tue": time.Tuesday, "tuesday": time.Tuesday, "mar": time.Tuesday, "mardi": time.Tuesday,
		"wed": time.Wednesday, "wednesday": time.Wednesday, "mer": time.Wednesday, "mercredi": time.Wednesday,
		"thu": time.Thursday, "thursday": time.Thursday, "jeu": time.Thursday, "jeudi": time.Thursday,
		"fri": time.Friday, "friday": time.Friday, "ven": time.Friday, "vendredi": time.Friday,
		"sat": time.Saturday, "saturday": time.Saturday, "sam": time.Saturday, "samedi": time.Saturday,
	}
	day, ok = days[dayText]
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a weekday", dayText)
	}
	t, err := time.Parse("15:04", strings.TrimSpace(timeText))
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a time such as 09:00", timeText)
	}
	return day, time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// isAddress reports whether s is one bare e-mail address.
func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && strings.Contains(s, "@")
}

// HostPort returns Addr with the default port added when it has none: 465
// for implicit TLS, 587 otherwise. It returns "" when Addr is empty.
func (s SMTP) HostPort() string {
	return withPort(s.Addr, s.TLS, "465", "587")
}

// FromAddress returns the address the bot writes from: smtp.from, else
// imap.username when that is an address, else "".
func (c Config) FromAddress() string {
	if c.SMTP.From != "" {
		return c.SMTP.From
	}
	if isAddress(c.IMAP.Username) {
		return c.IMAP.Username
	}
	return ""
}

// SigningDomain returns the DKIM signing domain: dkim.domain, else the
// domain of smtp.from.
func (c Config) SigningDomain() string {
	if c.DKIM.Domain != "" {
		return c.DKIM.Domain
	}
	return Domain(c.FromAddress())
}

// Domain returns the part of addr after its last @, lower-cased.
func Domain(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}
