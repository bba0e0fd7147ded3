// Package imaptest has the client-side helpers that tests and benchmarks use
// on a real IMAP server (in-process or Dovecot): log in, append, count, fetch
// back, and count the distinct messages the store should end up with.
package imaptest

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
)

// Dial returns a client logged in over plain TCP (loopback test servers).
func Dial(addr, user, password string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, password).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Append adds msgs to mailbox, creating the mailbox when missing.
func Append(c *imapclient.Client, mailbox string, msgs ...[]byte) error {
	if list, err := c.List("", mailbox, nil).Collect(); err == nil && len(list) == 0 {
		if err := c.Create(mailbox, nil).Wait(); err != nil {
			return fmt.Errorf("create %s: %w", mailbox, err)
		}
	}
	for _, raw := range msgs {
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			return fmt.Errorf("append to %s: %w", mailbox, err)
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("append to %s: %w", mailbox, err)
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append to %s: %w", mailbox, err)
		}
	}
	return nil
}

// Count returns how many messages mailbox holds (0 when it does not exist).
func Count(c *imapclient.Client, mailbox string) (int, error) {
	st, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && (ie.Code == imap.ResponseCodeNonExistent || ie.Type == imap.StatusResponseTypeNo) {
			return 0, nil
		}
		return 0, err
	}
	if st.NumMessages == nil {
		return 0, nil
	}
	return int(*st.NumMessages), nil
}

// FetchAll returns the raw bytes of every message in mailbox, read-only.
func FetchAll(c *imapclient.Client, mailbox string) ([][]byte, error) {
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, err
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(msgs))
	for _, m := range msgs {
		if len(m.BodySection) == 0 {
			return nil, fmt.Errorf("fetch %s: message %d has no body", mailbox, m.SeqNum)
		}
		out = append(out, m.BodySection[0].Bytes)
	}
	return out, nil
}

// Distinct counts the messages of raws that the store keeps apart: the same
// Message-ID with the same content, or the same bytes, are one message.
func Distinct(raws [][]byte) int {
	seen := make(map[[32]byte]bool)
	for _, raw := range raws {
		key := store.SHA256(raw)
		if env, _ := intake.ReadEnvelope(raw, intake.Limits{}); env.MessageID != "" {
			key = store.SHA256([]byte(env.MessageID + "\x00" + env.Fingerprint))
		}
		seen[key] = true
	}
	return len(seen)
}
