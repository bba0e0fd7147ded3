package dovecot_test

import (
	"fmt"
	"log"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/coe-congress/alliancebot/internal/dovecot"
)

// Tests use StartT, which skips or fails the test when Dovecot is missing
// and stops the server at the end of the test. Start is for the rest, such as
// a benchmark harness or a demo.
func ExampleStart() {
	s, err := dovecot.Start(dovecot.Options{Users: []string{"alliance", "staff"}, LMTP: true})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Stop()

	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("staff", dovecot.Password("staff")).Wait(); err != nil {
		log.Fatal(err)
	}

	// Bounce the server: same Addr, same mail; clients reconnect.
	if err := s.Restart(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("IMAP on", s.Addr, "LMTP on", s.LMTPAddr)
}
