package main

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/coe-congress/alliancebot/internal/imaptest"
)

// Folders of the benchmark mailbox.
const (
	folderSource    = "Source" // the message set, appended once
	folderInbox     = "INBOX"
	folderProcessed = "Processed" // alliancebot's defaults
	folderReview    = "Review"
)

// server is how the benchmark reaches Dovecot.
type server struct {
	addr, user, password string
}

func (s server) dial() (*imapclient.Client, error) {
	c, err := imaptest.Dial(s.addr, s.user, s.password)
	if err != nil {
		return nil, fmt.Errorf("log in to %s: %w", s.addr, err)
	}
	return c, nil
}

// appendWindow is how many APPENDs are in flight at once on the seeding
// connection (LITERAL+ lets the client send without waiting).
const appendWindow = 64

// seed appends every message of set to Source on one connection, pipelined.
// Messages the server refuses are replaced by generated ones and appended in
// a second pass.
func seed(s server, set *messageSet, gen *generator) error {
	c, err := s.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if !c.Caps().Has(imap.CapLiteralPlus) {
		return errors.New("seed: the server does not offer LITERAL+; appends would not be pipelined")
	}
	if err := c.Create(folderSource, nil).Wait(); err != nil {
		return fmt.Errorf("create %s: %w", folderSource, err)
	}
	todo := make([]int, len(set.msgs))
	for i := range todo {
		todo[i] = i
	}
	for pass := 1; len(todo) > 0; pass++ {
		if pass > 3 {
			return fmt.Errorf("seed: Dovecot still refuses %d messages after %d passes", len(todo), pass-1)
		}
		refused, err := appendAll(c, set, todo)
		if err != nil {
			return err
		}
		for _, i := range refused {
			set.replace(i, gen)
		}
		todo = refused
	}
	n, err := imaptest.Count(c, folderSource)
	if err != nil {
		return fmt.Errorf("count %s: %w", folderSource, err)
	}
	if n != len(set.msgs) {
		return fmt.Errorf("seed: %s holds %d messages, want %d", folderSource, n, len(set.msgs))
	}
	return c.Logout().Wait()
}

// appendAll appends the messages of set at indexes idx and returns the indexes
// of those the server answered NO or BAD to.
func appendAll(c *imapclient.Client, set *messageSet, idx []int) (refused []int, err error) {
	type pending struct {
		i   int
		cmd *imapclient.AppendCommand
	}
	var queue []pending
	wait := func(p pending) error {
		if _, err := p.cmd.Wait(); err != nil {
			var ie *imap.Error
			if errors.As(err, &ie) {
				refused = append(refused, p.i)
				return nil
			}
			return fmt.Errorf("append %s to %s: %w", set.msgs[p.i].name, folderSource, err)
		}
		return nil
	}
	for _, i := range idx {
		raw := set.msgs[i].raw
		cmd := c.Append(folderSource, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			return nil, fmt.Errorf("append %s: %w", set.msgs[i].name, err)
		}
		if err := cmd.Close(); err != nil {
			return nil, fmt.Errorf("append %s: %w", set.msgs[i].name, err)
		}
		queue = append(queue, pending{i, cmd})
		if len(queue) >= appendWindow {
			if err := wait(queue[0]); err != nil {
				return nil, err
			}
			queue = queue[1:]
		}
	}
	for _, p := range queue {
		if err := wait(p); err != nil {
			return nil, err
		}
	}
	return refused, nil
}

// empty expunges every message of the listed folders that exist.
func empty(c *imapclient.Client, folders ...string) error {
	for _, f := range folders {
		n, err := imaptest.Count(c, f)
		if err != nil {
			return fmt.Errorf("count %s: %w", f, err)
		}
		if n == 0 {
			continue
		}
		if _, err := c.Select(f, nil).Wait(); err != nil {
			return fmt.Errorf("select %s: %w", f, err)
		}
		flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
		if err := c.Store(imap.SeqSet{{Start: 1, Stop: 0}}, flags, nil).Close(); err != nil {
			return fmt.Errorf("flag %s deleted: %w", f, err)
		}
		if err := c.Expunge().Close(); err != nil {
			return fmt.Errorf("expunge %s: %w", f, err)
		}
		if err := c.Unselect().Wait(); err != nil {
			return fmt.Errorf("unselect %s: %w", f, err)
		}
	}
	return nil
}

// reset empties INBOX, Processed and Review, then, when fill is set, copies
// Source into INBOX on the server (UID COPY 1:*) and checks that INBOX holds
// want messages.
func reset(s server, fill bool, want int) error {
	c, err := s.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := empty(c, folderInbox, folderProcessed, folderReview); err != nil {
		return err
	}
	if fill {
		if _, err := c.Select(folderSource, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return fmt.Errorf("examine %s: %w", folderSource, err)
		}
		if _, err := c.Copy(imap.UIDSet{{Start: 1, Stop: 0}}, folderInbox).Wait(); err != nil {
			return fmt.Errorf("copy %s to %s: %w", folderSource, folderInbox, err)
		}
		if err := c.Unselect().Wait(); err != nil {
			return fmt.Errorf("unselect %s: %w", folderSource, err)
		}
	} else {
		want = 0
	}
	n, err := imaptest.Count(c, folderInbox)
	if err != nil {
		return fmt.Errorf("count %s: %w", folderInbox, err)
	}
	if n != want {
		return fmt.Errorf("reset: %s holds %d messages, want %d", folderInbox, n, want)
	}
	return c.Logout().Wait()
}

// counts returns how many messages each folder holds.
func counts(s server, folders ...string) (map[string]int, error) {
	c, err := s.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out := make(map[string]int, len(folders))
	for _, f := range folders {
		n, err := imaptest.Count(c, f)
		if err != nil {
			return nil, fmt.Errorf("count %s: %w", f, err)
		}
		out[f] = n
	}
	return out, c.Logout().Wait()
}
