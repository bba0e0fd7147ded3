package intake

import (
	"net/textproto"
	"strings"
)

// separators drops the characters people put between the words of a local
// part: no-reply, do_not_reply, mailer.daemon. Shared: a Replacer is safe
// for concurrent use, and building one is most of its cost.
var separators = strings.NewReplacer("-", "", "_", "", ".", "")

// noReply says why a message with header h, from the address from, must
// never be answered automatically; "" when nothing forbids it. The rules are
// those of RFC 3834 section 2 and what mail systems actually send:
//
//   - Auto-Submitted other than "no": the message was sent by a program;
//   - Precedence bulk, list, junk or auto_reply: mass or automatic mail;
//   - any List-* field (RFC 2369, 2919) or a list server's own field
//     (Mailman, fml, X-Loop): a mailing list relayed it;
//   - X-Auto-Response-Suppress asking for no automatic replies (Exchange);
//   - a null return path, or a sender that is no person: MAILER-DAEMON,
//     postmaster, noreply and its spellings, owner-*, *-request, bounces.
func noReply(h textproto.MIMEHeader, from string) string {
	if v := headerKeyword(h.Get("Auto-Submitted")); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	switch v := headerKeyword(h.Get("Precedence")); v {
	case "bulk", "list", "junk", "auto_reply", "auto-reply":
		return "Precedence: " + v
	}
	// The first List-* field in name order, so that the reason is the same
	// each time the message is read, whatever the map's order.
	list := ""
	for key := range h {
		if strings.HasPrefix(key, "List-") && (list == "" || key < list) {
			list = key
		}
	}
	if list != "" {
		return "mailing list (" + list + ")"
	}
	// What list servers and loop guards add besides List-*.
	for _, key := range []string{"Mailing-List", "X-Mailman-Version", "X-Ml-Name", "X-Mlserver", "X-Loop"} {
		if _, ok := h[key]; ok {
			return "mailing list (" + key + ")"
		}
	}
	for _, v := range strings.Split(h.Get("X-Auto-Response-Suppress"), ",") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "all", "autoreply", "oof":
			return "X-Auto-Response-Suppress: " + strings.TrimSpace(v)
		}
	}
	if rp, ok := h["Return-Path"]; ok && len(rp) > 0 && strings.TrimSpace(strings.Trim(strings.TrimSpace(rp[0]), "<>")) == "" {
		return "null return path"
	}
	if reason := MachineAddress(from); reason != "" {
		return reason
	}
	return ""
}

// MachineAddress says why addr is not a person to answer: empty, not an
// address, or a local part that mail systems use for their own mail
// (MAILER-DAEMON, postmaster, noreply...); "" for an ordinary address.
func MachineAddress(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if addr == "" || addr == "<>" {
		return "no sender address"
	}
	if at <= 0 || at == len(addr)-1 {
		return "sender is not an address"
	}
	local := strings.ToLower(addr[:at])
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	plain := separators.Replace(local)
	switch {
	case plain == "mailerdaemon", plain == "postmaster", plain == "mailer":
		return "machine sender " + local
	case strings.HasPrefix(plain, "noreply"), strings.HasPrefix(plain, "donotreply"), strings.HasPrefix(plain, "dontreply"),
		strings.HasSuffix(plain, "noreply"), strings.HasSuffix(plain, "donotreply"):
		return "no-reply sender " + local
	case strings.HasPrefix(local, "owner-"), strings.HasSuffix(local, "-request"), strings.HasSuffix(local, "-owner"):
		return "mailing list sender " + local
	case plain == "bounce", plain == "bounces", strings.HasPrefix(local, "bounce-"), strings.HasPrefix(local, "bounces-"):
		return "bounce sender " + local
	}
	return ""
}
