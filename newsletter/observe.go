package newsletter

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
)

// Soft bounces: an address that fails temporarily SoftThreshold times within
// SoftWindow is suppressed as if it had bounced for good.
const (
	SoftThreshold = 3
	SoftWindow    = 14 * 24 * time.Hour
)

// Observe applies what a newly stored message says about the mailing list:
//
//   - a bounce suppresses its recipient (the member named by the VERP
//     return path it was sent to, else the recipient the report names): a
//     permanent failure at once, temporary ones when they add up;
//   - a request to unsubscribe, by mail or through the List-Unsubscribe
//     mailto, suppresses the address it names (or its sender);
//   - news mailed by staff becomes a draft, and its author gets a preview
//     (returned in outs) with the address that approves it;
//   - a reply from staff to that address approves the draft;
//   - an abuse report (ARF, a "this is spam" click) suppresses the recipient
//     who complained.
//
// skip, when set, says why the message gets no other reply (no
// acknowledgement, no staff notice).
func (n *Newsletter) Observe(m *store.Message) (outs []store.Outgoing, skip string, err error) {
	var res intake.Result
	if len(m.Result) > 0 {
		if err := json.Unmarshal(m.Result, &res); err != nil {
			return nil, "", fmt.Errorf("read result of message %d: %w", m.ID, err)
		}
	}
	if ok, err := n.approveByReply(m); ok {
		return nil, "a reply to a news preview", err
	}
	if res.Class == intake.ClassOther || res.Class == intake.ClassAutoReply {
		// An abuse report (ARF) reads as neither bounce nor request: look
		// inside the few messages that could be one.
		if raw, err := n.db.Raw(m.ID); err == nil {
			if rcpt, ok := intake.Complaint(raw, intake.Limits{}); ok {
				_, err := n.db.Suppress(store.Suppression{Email: rcpt, Kind: "complaint", Reason: "abuse report (ARF) from " + m.From, MessageRef: m.ID})
				return nil, "an abuse report", err
			}
		}
	}
	switch res.Class {
	case intake.ClassNews:
		outs, err := n.newsFromMail(m)
		return outs, "news from staff: a draft to approve", err
	case intake.ClassBounce:
		return nil, "", n.bounce(m, &res)
	case intake.ClassUnsubscribe:
		addr := m.From
		if res.Unsubscribe != nil && res.Unsubscribe.Address != "" {
			addr = res.Unsubscribe.Address
		}
		if addr == "" {
			return nil, "", nil
		}
		_, err := n.db.Suppress(store.Suppression{Email: addr, Kind: "unsubscribe", Reason: "asked by mail", MessageRef: m.ID})
		return nil, "", err
	}
	return nil, "", nil
}

// bounce suppresses the recipient of the bounce m.
func (n *Newsletter) bounce(m *store.Message, res *intake.Result) error {
	addr := ""
	for _, to := range append(append([]string(nil), m.To...), m.Cc...) {
		if id, ok := n.BounceMember(to); ok {
			if mem, err := n.db.MemberByID(id); err == nil {
				addr = mem.Email
			}
			break
		}
	}
	if addr == "" && res.Bounce != nil {
		addr = res.Bounce.Recipient
	}
	if addr == "" {
		return nil
	}
	permanent := res.Bounce != nil && res.Bounce.Permanent
	status := ""
	if res.Bounce != nil {
		status = res.Bounce.Status
	}
	if permanent {
		_, err := n.db.Suppress(store.Suppression{Email: addr, Kind: "hard_bounce",
			Reason: strings.TrimSpace("permanent failure " + status), MessageRef: m.ID})
		return err
	}
	_, err := n.db.SoftBounce(addr, m.Received, m.ID, SoftWindow, SoftThreshold)
	return err
}
