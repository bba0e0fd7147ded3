package postfix_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/coe-congress/alliancebot/internal/dovecot"
	"github.com/coe-congress/alliancebot/internal/postfix"
)

// Tests use StartT, which skips or fails the test when Postfix cannot run
// and stops the server at the end of the test. Start is for the rest, such
// as a benchmark harness or a demo.
func ExampleStart() {
	d, err := dovecot.Start(dovecot.Options{Users: []string{"someone"}, LMTP: true})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Stop()
	p, err := postfix.Start(postfix.Options{LMTP: d.LMTPAddr})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Stop()

	// Dovecot down: Postfix accepts the message and defers it.
	d.Kill()
	msg := "From: a@example.org\r\nTo: someone@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"
	if err := smtp.SendMail(p.Addr, nil, "a@example.org", []string{"someone@example.org"}, strings.NewReader(msg)); err != nil {
		log.Fatal(err)
	}

	// Dovecot back: retry now rather than within four seconds.
	d.Restart()
	p.Flush()
	if err := p.WaitEmpty(30 * time.Second); err != nil {
		log.Fatal(err)
	}
	fmt.Println("delivered to the INBOX of someone on", d.Addr)
}
