package intake

import (
	"bufio"
	"bytes"
	"net/mail"
	"net/textproto"
	"strings"
)

// Complaint reads an abuse report (ARF, RFC 5965: multipart/report with
// report-type=feedback-report) and returns the address of the recipient who
// complained: the report's Original-Rcpt-To or Removal-Recipient, else the To
// of the message it quotes. ok is false when raw is no abuse report, or names
// no recipient.
func Complaint(raw []byte, lim Limits) (recipient string, ok bool) {
	m, err := read(raw, lim)
	if err != nil || m.header == nil || !isFeedbackOrReceipt(m) {
		return "", false
	}
	if !strings.Contains(strings.ToLower(m.header.Get("Content-Type")), "feedback-report") {
		hasFeedback := false
		for _, p := range m.parts {
			hasFeedback = hasFeedback || p.ContentType == "message/feedback-report"
		}
		if !hasFeedback {
			return "", false
		}
	}
	var quotedTo string
	for _, p := range m.parts {
		switch p.ContentType {
		case "message/feedback-report":
			h := readFields(p.Content)
			for _, key := range []string{"Original-Rcpt-To", "Removal-Recipient"} {
				if a := firstAddress(h.Get(key)); a != "" {
					return a, true
				}
			}
		case "message/rfc822", "text/rfc822-headers", "message/rfc822-headers":
			if msg, err := mail.ReadMessage(bytes.NewReader(p.Content)); err == nil {
				quotedTo = firstAddress(msg.Header.Get("To"))
			} else {
				quotedTo = firstAddress(readFields(p.Content).Get("To"))
			}
		}
	}
	return quotedTo, quotedTo != ""
}

// readFields reads a block of header fields, as the machine-readable part of a
// report is written.
func readFields(b []byte) textproto.MIMEHeader {
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(bytes.TrimLeft(b, "\r\n"), "\r\n\r\n"...)))).ReadMIMEHeader()
	return h
}

// firstAddress returns the first address of v ("rfc822; a@b", "<a@b>",
// "Name <a@b>"), lower-cased, or "".
func firstAddress(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ';'); i >= 0 && !strings.Contains(v[:i], "@") {
		v = strings.TrimSpace(v[i+1:])
	}
	if list, err := mail.ParseAddressList(v); err == nil && len(list) > 0 {
		return strings.ToLower(list[0].Address)
	}
	v = strings.Trim(v, "<> ")
	if strings.Count(v, "@") == 1 && !strings.ContainsAny(v, " ,") {
		return strings.ToLower(v)
	}
	return ""
}
