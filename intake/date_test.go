package intake

import (
	"net/mail"
	"testing"
	"time"
)

var dateSamples = []string{
	"", "Mon, 2 Jan 2006 15:04:05 -0700", "Tue, 14 Apr 2026 09:30:00 +0000",
	"Tue, 14 Apr 2026 09:30:00 +0200 (CEST)", "14 Apr 2026 09:30:00 +0200", "Tue, 14 Apr 26 09:30:00 +0200",
	"Tue, 14 Apr 2026 09:30 +0200", "Tue, 14 Apr 2026 09:30:00 GMT", " Tue, 14 Apr 2026 09:30:00 +0200",
	"Tue, 14 Apr 2026 09:30:00 +0200 ", "Tue,  14  Apr 2026 9:30:00   -0000", "tue, 14 apr 2026 09:30:00 +0200",
	"Tue, 31 Feb 2026 09:30:00 +0200", "Tue, 14 Apr 2026 09:30:00.123 +0200", "Tue, 14 Apr 2026 09:30:60 +0200",
	"Tue, 14 Apr 2026 09:30:00 +02000", "Tue, 14 Apr 2026 09:30:00 +0260", "Tue,\r\n 14 Apr 2026 09:30:00 +0200",
	"Tuesday, 14 Apr 2026 09:30:00 +0200", "Tue, 14 April 2026 09:30:00 +0200", "Tue, 14 Apr 2026 09:30:00 Z0200",
}

// checkUsualDate holds parseUsualDate to mail.ParseDate, which enmime's
// Envelope.Date calls: whatever it parses, ParseDate parses the same.
func checkUsualDate(t *testing.T, s string) {
	d, ok := parseUsualDate(s)
	if !ok {
		if d != (time.Time{}) {
			t.Errorf("parseUsualDate(%q) = %v, false", s, d)
		}
		return
	}
	// Two parses of one zone offset may give two *time.Location: compare
	// the instant, the zone and the wall clock.
	want, err := mail.ParseDate(s)
	if err != nil || !d.Equal(want) || d.String() != want.String() {
		t.Errorf("parseUsualDate(%q) = %v, mail.ParseDate %v, %v", s, d, want, err)
	}
}

func TestParseUsualDate(t *testing.T) {
	parsed := 0
	for _, s := range dateSamples {
		checkUsualDate(t, s)
		if _, ok := parseUsualDate(s); ok {
			parsed++
		}
	}
	if parsed < 5 {
		t.Errorf("parseUsualDate parsed %d samples, want the usual form read", parsed)
	}
}

func FuzzParseUsualDate(f *testing.F) {
	for _, s := range dateSamples {
		f.Add(s)
	}
	f.Fuzz(checkUsualDate)
}
