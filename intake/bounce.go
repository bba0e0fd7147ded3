package intake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/textproto"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// This file recognises delivery status notifications: RFC 3464 reports
// (multipart/report; report-type=delivery-status) and the many non-standard
// reports that mail servers write in prose (Exim, qmail, Sendmail, Postfix,
// Exchange, Lotus Domino, Gmail, Yahoo, Japanese carriers...). It says who
// could not be reached, with what status, and whether for good.

// ownMailbox is the shared mailbox the bot reads: a bounce goes back to it, so
// it is never the failed recipient while any other address is named.
const ownMailbox = "roma.summit@coe.int"

// maxBounceText bounds the text searched for prose reports: the explanation
// of a failure is always near the top.
const maxBounceText = 128 << 10

// findBounce returns the failed delivery that m reports, or nil when m is not
// a delivery status notification. Successful-delivery reports, read receipts
// (RFC 8098) and abuse feedback reports (RFC 5965) are not bounces. A bounce
// whose failed address cannot be found still gives a Bounce, with Recipient
// "". Delay warnings give Permanent false.
func findBounce(m *message) *Bounce {
	if m == nil || m.env == nil {
		return nil
	}
	if isFeedbackOrReceipt(m) || !mayBeBounce(m) {
		return nil
	}
	x := newBounceContext(m)
	if b, decided := fromSESNotification(m, x); decided {
		return b
	}
	if b, decided := fromDSNParts(m, x); decided {
		return b
	}
	if !x.looksLikeBounce() {
		return nil
	}
	return x.fromProse()
}

// mayBeBounce is a cheap first look: it is false for the ordinary mail that
// no later test could take for a report.
func mayBeBounce(m *message) bool {
	if m.header.Get("X-Failed-Recipients") != "" || isDSNReport(m) || isDaemonSender(m.env) || bounceSubjectRe.MatchString(m.env.Subject) {
		return true
	}
	for _, p := range m.parts {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status", "text/delivery-status":
			return true
		}
	}
	head := m.text
	if head == "" {
		head = m.html
	}
	if len(head) > 8<<10 {
		head = head[:8<<10]
	}
	t := &foldedText{s: head}
	return strings.Contains(head, "notificationType") || strongBodyRe.matchText(t) || mayHoldDSNField(head) && dsnFieldRe.matchText(t)
}

// isFeedbackOrReceipt says whether m is an abuse/feedback report (ARF), a
// read or disposition receipt, or a TLS report: reports, but not bounces.
func isFeedbackOrReceipt(m *message) bool {
	if ct := m.header.Get("Content-Type"); lowerContains(ct, "multipart/report") {
		ct = strings.ToLower(ct)
		_, params, err := mime.ParseMediaType(ct)
		rt := ""
		if err == nil {
			rt = params["report-type"]
		} else if i := strings.Index(ct, "report-type="); i >= 0 {
			rt, _, _ = strings.Cut(ct[i+len("report-type="):], ";")
			rt = strings.TrimSpace(rt)
		}
		switch strings.Trim(rt, `"`) {
		case "feedback-report", "disposition-notification", "tlsrpt":
			return true
		}
	}
	hasDSN := false
	other := false
	for _, p := range m.parts {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status":
			hasDSN = true
		case "message/feedback-report", "message/disposition-notification",
			"message/global-disposition-notification", "application/tlsrpt+gzip", "application/tlsrpt+json":
			other = true
		}
	}
	return other && !hasDSN
}

// isDSNReport says whether m's top-level type is a delivery-status report.
func isDSNReport(m *message) bool {
	ct := m.header.Get("Content-Type")
	return lowerContains(ct, "multipart/report") && lowerContains(ct, "delivery-status")
}

// bounceContext holds what the prose and DSN readers share about m.
type bounceContext struct {
	m *message
	// human is the explanation part of the report; returned is what follows
	// it in the same text (a copy of the original message, inline).
	human, returned string
	// avoid are addresses that are never the failed recipient while another
	// is found: ours, the report's sender and addressees, the original's sender.
	avoid map[string]bool
	// origTo are the addressees of the returned original message.
	origTo []string
	from   string
	subj   string
}

func newBounceContext(m *message) *bounceContext {
	x := &bounceContext{m: m, avoid: map[string]bool{ownMailbox: true}}
	x.from = strings.ToLower(m.env.From)
	x.subj = m.env.Subject
	x.avoid[x.from] = true
	for _, a := range m.env.To {
		x.avoid[strings.ToLower(a)] = true
	}
	for _, a := range m.env.Cc {
		x.avoid[strings.ToLower(a)] = true
	}
	for _, k := range []string{"Return-Path", "Sender", "Reply-To"} {
		for _, a := range bounceAddrRe.FindAllString(m.header.Get(k), -1) {
			x.avoid[strings.ToLower(a)] = true
		}
	}
	text := bounceBodyText(m)
	x.human, x.returned = splitReturned(text)
	// The returned original: a message/rfc822 or text/rfc822-headers part,
	// else the copy inline in the text.
	var origHeader textproto.MIMEHeader
	for _, p := range m.parts {
		switch p.ContentType {
		case "message/rfc822", "text/rfc822-headers", "text/rfc822-header", "message/rfc822-headers", "message/global", "message/global-headers":
			if h := readHeaderBlock(decodedContent(p)); h != nil {
				origHeader = h
			}
		}
		if origHeader != nil {
			break
		}
	}
	if origHeader == nil && x.returned != "" {
		origHeader = headerFromText(x.returned)
	}
	if origHeader != nil {
		for _, a := range bounceAddrRe.FindAllString(origHeader.Get("From"), -1) {
			x.avoid[strings.ToLower(a)] = true
		}
		for _, k := range []string{"To", "Cc"} {
			for _, a := range bounceAddrRe.FindAllString(origHeader.Get(k), -1) {
				x.origTo = append(x.origTo, strings.ToLower(a))
			}
		}
	}
	return x
}

// bounceBodyText is the text of m's report: its body, and the other inline
// text parts that are not the returned message.
func bounceBodyText(m *message) string {
	var b strings.Builder
	b.WriteString(m.text)
	if m.text == "" && m.html != "" {
		b.WriteString(m.strippedHTML())
	}
	for i, p := range m.parts {
		if b.Len() > maxBounceText || i > 50 {
			break
		}
		if p.Disposition == "attachment" && p.ContentType != "text/plain" {
			continue
		}
		switch {
		case p.ContentType == "text/plain", p.ContentType == "", strings.HasPrefix(p.ContentType, "multipart/"):
			c := string(p.Content)
			if c == "" || strings.Contains(b.String(), strings.TrimSpace(firstN(c, 200))) {
				continue
			}
			b.WriteString("\n")
			b.WriteString(c)
		case p.ContentType == "application/octet-stream" && p.FileName == "" && len(p.Content) < 16<<10 && looksLikeText(p.Content):
			b.WriteString("\n")
			b.Write(p.Content)
		}
	}
	s := b.String()
	if len(s) > maxBounceText {
		s = s[:maxBounceText]
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// looksLikeText says whether b is readable text rather than binary data.
func looksLikeText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var tagRe = regexp.MustCompile(`(?s)<(?:style|script)[^>]*>.*?</(?:style|script)>|<br\s*/?>|</(?:p|div|tr|li|h\d)>|<[^>]*>`)

// stripTags is a crude HTML to text for reports that come as HTML only.
func stripTags(h string) string {
	s := tagRe.ReplaceAllStringFunc(h, func(t string) string {
		lt := strings.ToLower(t)
		if strings.HasPrefix(lt, "<br") || strings.HasPrefix(lt, "</") {
			return "\n"
		}
		return " "
	})
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&nbsp;", " ", "&quot;", `"`, "&#39;", "'")
	return r.Replace(s)
}

// returnedSepRe finds the line that starts the copy of the original message
// inside a prose report.
//
// No match spans lines: it is the start of a line that returnedLineRe
// matches.
var returnedSepRe = mustCompileLit(`(?im)` + returnedSep)

// returnedLineRe is returnedSepRe for one line, anchored at its start.
var returnedLineRe = mustCompileLit(`(?i)` + returnedSep)

const returnedSep = `^[ \t>|]*(?:` +
	// Decorated separators: "----- Original message -----".
	`[-=_*]{2,}[ \t]*[^\n]{0,40}(?:origin|returned|unsent|copy of|message text|message header|headers? of|included message|rejected message|text you sent|ursprüngliche|d'origine)|` +
	`this is a copy of|below this line is a copy|a copy of the original message|` +
	`original message (?:follows|headers?)|original message:|the original message (?:follows|headers?|is attached)|` +
	`returned message|unsent message (?:below|follows)|message header follows|` +
	`the headers? of the original message|headers? of (?:the )?(?:original|returned) message|` +
	`returned mail follows|message text follows|message headers follow|returned content|original mail as follows|` +
	`your original message|content of the original|the text you sent|` +
	`the header of the original|original headers|included is a copy|` +
	`[^\n]{0,60}original message follows)`

// splitReturned cuts text where the copy of the original message starts:
// at the first line that returnedSepRe matches, below some text.
func splitReturned(text string) (human, returned string) {
	if !returnedSepRe.mayMatch(text) {
		return text, ""
	}
	top := true // only spaces so far
	for p := 0; p < len(text); {
		line := text[p:]
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		// A separator right at the top is a heading, not the copy.
		if !top && returnedLineRe.MatchString(strings.TrimSuffix(line, "\n")) {
			return text[:p], text[p:]
		}
		top = top && strings.TrimSpace(line) == ""
		p += len(line)
	}
	return text, ""
}

// readHeaderBlock reads the header of a message or a header block. It
// returns nil when there is none.
func readHeaderBlock(b []byte) textproto.MIMEHeader {
	b = bytes.TrimLeft(b, "\r\n \t")
	if len(b) > 64<<10 {
		b = b[:64<<10]
	}
	return headerFromText(string(b))
}

var headerLineRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*:`)

// headerFromText finds the first block of header lines in s that holds From,
// To or Subject, and reads it leniently.
func headerFromText(s string) textproto.MIMEHeader {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	h := textproto.MIMEHeader{}
	key := ""
	inBlock := false
	count := 0
	for _, line := range lines {
		t := strings.TrimLeft(line, "> ")
		if headerLineRe.MatchString(t) {
			i := strings.IndexByte(t, ':')
			key = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(t[:i]))
			h.Add(key, strings.TrimSpace(t[i+1:]))
			inBlock = true
			count++
			continue
		}
		if inBlock && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) && key != "" && strings.TrimSpace(line) != "" {
			vs := h[key]
			vs[len(vs)-1] += " " + strings.TrimSpace(line)
			continue
		}
		if inBlock && strings.TrimSpace(t) == "" {
			if h.Get("To") != "" || h.Get("From") != "" || h.Get("Subject") != "" {
				break
			}
			h = textproto.MIMEHeader{}
			inBlock = false
			continue
		}
		if inBlock && count > 0 && (h.Get("To") != "" || h.Get("From") != "") {
			break
		}
	}
	if len(h) == 0 {
		return nil
	}
	return h
}

// decodedContent returns the content of p, decoding a transfer encoding that
// the parser left in place on message/* parts.
func decodedContent(p *enmime.Part) []byte {
	c := p.Content
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "base64":
		if d, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(c))); err == nil && len(d) > 0 {
			return d
		}
	case "quoted-printable":
		if d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(c))); err == nil && len(d) > 0 {
			return d
		}
	}
	return c
}

// dsnRecord is one per-recipient block of a delivery-status report.
type dsnRecord struct {
	final, original, action, status, diag string
}

// fromDSNParts reads the RFC 3464 delivery-status parts of m, and DSN fields
// written in the text of reports that lost their structure. decided is true
// when such fields were found: then b is the bounce, or nil for a report of
// successful delivery.
func fromDSNParts(m *message, x *bounceContext) (b *Bounce, decided bool) {
	var recs []dsnRecord
	for _, p := range m.parts {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status", "text/delivery-status":
			recs = append(recs, parseDSN(string(decodedContent(p)))...)
		}
	}
	if len(recs) == 0 {
		// Some servers write the fields into the text, or the report's
		// structure broke.
		if dsnFieldRe.MatchString(x.human) || dsnFieldRe.MatchString(x.returned) {
			recs = parseDSN(x.human + "\n" + x.returned)
			humanReply := replyPrefixRe.MatchString(x.subj) && !x.fromDaemon()
			if !x.looksLikeBounce() && (humanReply || !hasFailedAction(recs)) {
				return nil, false
			}
		}
	}
	if len(recs) == 0 {
		return nil, false
	}
	// The first failed recipient; else the first with a permanent status;
	// else the first delayed; else, if all were delivered, none.
	pick := -1
	for i, r := range recs {
		if strings.HasPrefix(r.action, "failed") {
			pick = i
			break
		}
	}
	if pick < 0 {
		for i, r := range recs {
			if strings.HasPrefix(enhancedCode(r.status), "5") && r.action == "" {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		for i, r := range recs {
			if strings.HasPrefix(r.action, "delayed") || strings.HasPrefix(enhancedCode(r.status), "4") && r.action == "" {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		delivered := true
		for _, r := range recs {
			switch {
			case strings.HasPrefix(r.action, "deliver"), strings.HasPrefix(r.action, "relay"), strings.HasPrefix(r.action, "expand"):
			case r.action == "" && strings.HasPrefix(enhancedCode(r.status), "2"):
			default:
				delivered = false
			}
		}
		if delivered {
			return nil, true
		}
		pick = 0
	}
	r := recs[pick]
	b = &Bounce{}
	b.Recipient = dsnAddress(r.original, x)
	if b.Recipient == "" {
		b.Recipient = dsnAddress(r.final, x)
	}
	if b.Recipient == "" {
		if r.original == "" && r.final == "" && !x.looksLikeBounce() {
			return nil, false
		}
		b.Recipient = x.findRecipient()
	}
	b.Status = enhancedCode(r.status)
	if b.Status == "" || strings.HasSuffix(b.Status, ".0.0") {
		if c := enhancedCode(r.diag); c != "" && (b.Status == "" || c[0] == b.Status[0]) {
			b.Status = c
		}
	}
	if (b.Status == "" || strings.HasSuffix(b.Status, ".0.0")) && b.Recipient != "" {
		// The explanation may say more than the fields.
		if i := strings.Index(strings.ToLower(x.human), b.Recipient); i >= 0 {
			if c := failureCode(x.human[i:min(len(x.human), i+400)]); c != "" && (b.Status == "" || c[0] == b.Status[0]) {
				b.Status = c
			}
		}
	}
	if b.Status == "" {
		b.Status = smtpCodeStatus(r.diag)
	}
	switch {
	case strings.HasPrefix(r.action, "failed"):
		b.Permanent = true
	case strings.HasPrefix(r.action, "delayed"):
		b.Permanent = false
	case b.Status != "":
		b.Permanent = b.Status[0] == '5'
	default:
		b.Permanent = !x.isDelay()
	}
	return b, true
}

func hasFailedAction(recs []dsnRecord) bool {
	for _, r := range recs {
		if strings.HasPrefix(r.action, "failed") || strings.HasPrefix(r.action, "delayed") {
			return true
		}
	}
	return false
}

var dsnFieldRe = mustCompileLit(`(?im)^\s*(?:final-recipient|original-recipient)\s*:`)

// mayHoldDSNField is false when dsnFieldRe cannot match s: both its fields
// end in "-recipient", which no rune beyond ASCII folds to, and a search
// for "-" finds it faster than the pattern's literals are looked for.
func mayHoldDSNField(s string) bool {
	const tail = "-RECIPIENT"
	for i := strings.IndexByte(s, '-'); i >= 0; {
		if hasPrefixWith(s[i:], tail, &asciiUpper) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '-')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// parseDSN reads the per-recipient fields of a delivery-status body: blocks
// separated by blank lines (RFC 3464 section 2.1), fields in any order. It
// tolerates missing blank lines between recipients.
func parseDSN(s string) []dsnRecord {
	var recs []dsnRecord
	cur := dsnRecord{}
	var last *string
	flush := func() {
		if cur.final != "" || cur.original != "" {
			recs = append(recs, cur)
		}
		cur, last = dsnRecord{}, nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && last != nil {
			*last += " " + strings.TrimSpace(line)
			continue
		}
		last = nil
		i := strings.IndexByte(line, ':')
		if i <= 0 {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(line[:i]))
		val := strings.TrimSpace(line[i+1:])
		switch key {
		case "original-recipient":
			if cur.original != "" {
				flush()
			}
			cur.original = val
			last = &cur.original
		case "final-recipient":
			if cur.final != "" {
				flush()
			}
			cur.final = val
			last = &cur.final
		case "action":
			cur.action = strings.ToLower(val)
			last = &cur.action
		case "status":
			cur.status = val
			last = &cur.status
		case "diagnostic-code", "x-diagnostic-code":
			cur.diag = val
			last = &cur.diag
		}
	}
	flush()
	return recs
}

// dsnAddress returns the address of a recipient field ("rfc822; a@b"), or ""
// when it holds none or only one to avoid.
func dsnAddress(v string, x *bounceContext) string {
	if i := strings.IndexByte(v, ';'); i >= 0 && !strings.Contains(v[:i], "@") {
		v = v[i+1:]
	}
	for _, a := range anyAddrRe.FindAllString(v, -1) {
		a = cleanAddr(a)
		if a != "" {
			return a
		}
	}
	return ""
}

// bounceAddrRe matches an e-mail address whose domain has a dot; anyAddrRe
// also accepts local domains ("user@localhost").
var (
	bounceAddrRe = mustCompileLit(`[^\s<>()\[\]\\,;:@"]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+`)
	anyAddrRe    = mustCompileLit(`[^\s<>()\[\]\\,;:@"]+@[\p{L}\p{N}](?:[\p{L}\p{N}.-]*[\p{L}\p{N}])?`)
)

// cleanAddr lower-cases a and trims what an address cannot start or end with.
func cleanAddr(a string) string {
	a = strings.Trim(a, ".'`")
	if strings.HasPrefix(strings.ToLower(a), "mailto:") {
		a = a[len("mailto:"):]
	}
	if i := strings.IndexByte(a, '@'); i <= 0 || i == len(a)-1 {
		return ""
	}
	return strings.ToLower(a)
}

// enhancedCode returns the first RFC 3463 enhanced status code in s
// ("5.1.1"), or "". A code inside a longer dotted number (an IP address, a
// version) does not count.
func enhancedCode(s string) string {
	for i := 0; i+5 <= len(s); i++ {
		c := s[i]
		if c != '2' && c != '4' && c != '5' {
			continue
		}
		if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.') {
			continue
		}
		if s[i+1] != '.' {
			continue
		}
		j := i + 2
		n := 0
		for j < len(s) && isDigit(s[j]) && n < 4 {
			j++
			n++
		}
		if n == 0 || n > 3 || j >= len(s) || s[j] != '.' {
			continue
		}
		k := j + 1
		n = 0
		for k < len(s) && isDigit(s[k]) && n < 4 {
			k++
			n++
		}
		if n == 0 || n > 3 {
			continue
		}
		if k < len(s) && (s[k] == '.' && k+1 < len(s) && isDigit(s[k+1]) || isDigit(s[k])) {
			continue
		}
		return s[i:k]
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

var smtpReplyRe = regexp.MustCompile(`(?:^|[\s:;(\[<"'])([245][0-5][0-9])(?:[ -]|$)`)

// smtpCodeStatus derives a coarse status from the first SMTP reply code of
// class 4 or 5 in s: "550" gives "5.0.0".
func smtpCodeStatus(s string) string {
	for _, m := range smtpReplyRe.FindAllStringSubmatch(s, -1) {
		if c := m[1]; c[0] == '4' || c[0] == '5' {
			return string(c[0]) + ".0.0"
		}
	}
	return ""
}

// sesNotification is the part of an Amazon SES notification that matters.
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Message          string `json:"Message"` // SNS wraps the notification as a string
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Status         string `json:"status"`
			Action         string `json:"action"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
}

// fromSESNotification reads an Amazon SES notification delivered by SNS as a
// JSON body. decided is true when m is one: then b is the bounce, or nil for
// a delivery or complaint notification.
func fromSESNotification(m *message, x *bounceContext) (b *Bounce, decided bool) {
	t := strings.TrimSpace(m.text)
	if !strings.Contains(t, "notificationType") && !strings.Contains(t, "eventType") {
		return nil, false
	}
	i := strings.IndexByte(t, '{')
	if i < 0 {
		return nil, false
	}
	var n sesNotification
	if err := json.NewDecoder(strings.NewReader(t[i:])).Decode(&n); err != nil {
		// A notification cut or wrapped: look for the fields by hand.
		if !strings.Contains(t, "Bounce") {
			return nil, false
		}
		rec := sesFieldRe.FindStringSubmatch(t)
		if rec == nil {
			return nil, false
		}
		b = &Bounce{Recipient: cleanAddr(rec[1]), Permanent: !strings.Contains(t, "Transient")}
		if s := sesStatusRe.FindStringSubmatch(t); s != nil {
			b.Status = enhancedCode(s[1])
		}
		return b, true
	}
	if n.NotificationType == "" && n.EventType == "" && n.Message != "" {
		var inner sesNotification
		if err := json.Unmarshal([]byte(n.Message), &inner); err != nil {
			return nil, false
		}
		n = inner
	}
	kind := n.NotificationType
	if kind == "" {
		kind = n.EventType
	}
	if kind == "" {
		return nil, false
	}
	if !strings.EqualFold(kind, "Bounce") {
		return nil, true
	}
	b = &Bounce{Permanent: !strings.EqualFold(n.Bounce.BounceType, "Transient")}
	for _, r := range n.Bounce.BouncedRecipients {
		b.Recipient = cleanAddr(r.EmailAddress)
		b.Status = enhancedCode(r.Status)
		if b.Status == "" {
			b.Status = enhancedCode(r.DiagnosticCode)
		}
		if b.Status == "" {
			b.Status = smtpCodeStatus(r.DiagnosticCode)
		}
		break
	}
	return b, true
}

var (
	sesFieldRe  = regexp.MustCompile(`\\?"emailAddress\\?"\s*:\s*\\?"([^"\\]+)`)
	sesStatusRe = regexp.MustCompile(`\\?"status\\?"\s*:\s*\\?"([^"\\]+)`)
)

// daemonLocalRe matches the local parts that mail servers send reports from.
var daemonLocalRe = regexp.MustCompile(`(?i)^(?:mailer[-_.]?daemon|mail[-_.]?daemon|maildaemon|postmaster|post_master|poostmaster|mdaemon|mail[-_.]?delivery[-_.]?(?:system|subsystem)?|mail\.delivery\.system|bounces?|bounce[-+].*|nobody|mailadmin|mailerdaemon|microsoftexchange[0-9a-f]+|root|sysadmin|mmdf|smtp|mail-?router|mailsystem|no-?reply|notifications?|.*-admin|.*-owner|owner-.*|.*-bounces?)$`)

// fromDaemon says whether m comes from a mail server rather than a person.
func (x *bounceContext) fromDaemon() bool { return isDaemonSender(x.m.env) }

// isDaemonSender says whether env's sender is a mail server rather than a
// person: MAILER-DAEMON, postmaster, "Mail Delivery System"...
func isDaemonSender(env *Envelope) bool {
	f := strings.ToLower(env.From)
	if strings.Contains(f, "mailer-daemon") || strings.Contains(f, "<>") {
		return true
	}
	if strings.Contains(env.Subject, "FOLDER INTERNAL DATA") {
		// The first message of a UW-IMAP mailbox file.
		return false
	}
	if f == "" || f == "<>" || !strings.Contains(f, "@") {
		// "MAILER-DAEMON" without a domain, or an empty From.
		return f == "" || daemonLocalRe.MatchString(strings.Trim(f, "<> ")) || strings.Contains(strings.ToLower(env.FromName), "mailer-daemon")
	}
	local := f[:strings.IndexByte(f, '@')]
	if daemonLocalRe.MatchString(local) && !strings.HasPrefix(local, "no") && local != "root" && !strings.HasPrefix(local, "notification") {
		return true
	}
	name := strings.ToLower(env.FromName)
	for _, n := range []string{"mail delivery", "mailer-daemon", "mailer daemon", "postmaster", "mail deliver", "mail administrator", "system administrator", "microsoft outlook", "mail system"} {
		if strings.Contains(name, n) {
			return true
		}
	}
	return false
}

// bounceSubjectRe matches the subjects of delivery reports, in many languages.
var bounceSubjectRe = mustCompileLit(`(?i)(?:` +
	`undeliver|undelivered mail|returned mail|returned to sender|return(?:ed|ing)(?: message)? to sender|` +
	`delivery status notification|delivery (?:status )?notification|mail delivery (?:failed|failure|status|subsystem|system)|` +
	`delivery fail|failed delivery|failure delivery|delivery failure|delivery has failed|delivery report|` +
	`failure notice|non[- ]?delivery|nondeliverable|not delivered|could not (?:be )?deliver|couldn't be delivered|` +
	`message not delivered|mail failure|mail system error|message delivery has failed|delivery problem|` +
	`delivery notification|returned mail|mail could not be delivered|permanent (?:delivery )?failure|` +
	`delivery (?:delayed|delay)|delayed mail|warning: (?:could not send|message .* delayed)|warning--could not send|` +
	`there was an error sending your mail|error sending message|message (?:you sent )?(?:was |has been )?blocked|` +
	`mail delivery failed|rejected:|^error\b|email delivery failure|errors from|` +
	// German, Dutch, French, Spanish, Portuguese, Italian, Polish...
	`unzustellbar|nicht zustellbar|zustellung fehlgeschlagen|nicht zugestellt|unzustellbare|` +
	`onbestelbaar|niet (?:be)?zorgd|niet afgeleverd|kan niet worden bezorgd|` +
	`non remis|non distribu|impossible de (?:remettre|distribuer)|[ée]chec de (?:la )?(?:remise|distribution|livraison)|remise (?:impossible|en [ée]chec)|message non d[ée]livr|` +
	`no (?:se ha podido|se pudo) entregar|no entregad|no entregable|imposible entregar|error de entrega|devuelto|` +
	`n[ãa]o entregue|n[ãa]o (?:foi )?entregue|n[ãa]o foi poss[ií]vel entregar|falha na entrega|` +
	`non recapitat|mancato recapito|impossibile recapitare|consegna non riuscita|non consegnat|` +
	`niedostarczaln|nie dostarczon|nie mo[żz]na dostarczy|` +
	`nedoru[čc]iteln|nedoru[čc]en|nepodarilo sa doru[čc]i|` +
	`nedostavljiv|nije isporu[čc]en|nedostavljen|ni bilo mogo[čc]e dostaviti|` +
	`nu a putut fi livrat|nelivrat|` +
	`k[ée]zbes[ií]thetetlen|nem k[ée]zbes[ií]thet|` +
	`недоставен|не може да бъде доставено|не доставлено|недоставлен|не удалось доставить|не було доставлено|недоставлене|` +
	`ανεπίδοτο|δεν (?:ήταν δυνατή|παραδόθηκε)|` +
	`teslim edilemedi|iletilemedi|` +
	`kan inte levereras|kunde inte levereras|ej levererat|ikke levert|kunne ikke leveres|kan ikke leveres|ikke leveret|` +
	`toimitus ep[äa]onnistui|ei voitu toimittaa|` +
	`nepristatyt|nepiegād|ei saanud kohale|kohaletoimetamine eba|` +
	`メッセージを配信できません|メールエラー|配信できません|送信できませんでした|未送達|` +
	`退信|无法投递|系統退信|邮件退回)`)

// bounceBodyRe matches wording that only delivery reports use.
var bounceBodyRe = mustCompileLit(`(?i)(?:` +
	`this message was created automatically by mail delivery software|` +
	`this is the qmail-send program|` +
	`this is the mail system at host|` +
	`the following addresses had permanent fatal errors|transcript of session follows|` +
	`delivery has failed to these recipients|your message to .{1,200} couldn't be delivered|` +
	`your message (?:wasn't|was not|could not be|couldn't be) delivered|` +
	`delivery to the following recipients? (?:failed|has been delayed)|` +
	`did not reach the following recipient|could not be delivered to (?:one or more|the following|any)|` +
	`was not delivered to|has not yet been delivered to|could not deliver (?:the )?(?:message|mail)|` +
	`i'm afraid i wasn't able to deliver|i was unable to deliver your message|` +
	`unable to deliver (?:your )?(?:message|mail)|` +
	`message (?:could not|cannot|can't) be delivered|mail could not be delivered|` +
	`the following (?:message|recipients?|addresses?) (?:to|was|were|could not|failed|had|has)|` +
	`following addresses? failed|failed addresses follow|following addresses had|` +
	`not a member of this (?:mailing )?list|your mail sent on:|` +
	`permanent fatal errors|non[- ]delivery report|delivery status notification|` +
	`sorry, (?:we were unable to deliver|your message|i couldn't find any host|no mailbox here)|` +
	`your mail (?:could not|cannot|was not|sent on)|` +
	`undeliverable (?:mail|message)|returned mail|mail delivery failed|` +
	`message delivery (?:has )?failed|failed to deliver|delivery (?:to|of) .{0,120} (?:failed|has failed)|` +
	`the email account that you tried to reach|user unknown|unknown user|` +
	`no such user|mailbox (?:unavailable|not found|is full|full)|recipient address rejected|` +
	`550[ -]5\.\d|554[ -]5\.\d|smtp error from remote mail server|remote host said|host .{1,100} said:|` +
	`could not send message for past|will be retried|will retry|still trying|` +
	`nicht zugestellt werden|konnte nicht zugestellt|unzustellbar|` +
	`n'a pas pu [êe]tre (?:remis|distribu|d[ée]livr)|ne peut pas [êe]tre (?:remis|distribu)|impossible de remettre|` +
	`no se ha podido entregar|no se pudo entregar|n[ãa]o p[ôo]de ser entregue|n[ãa]o foi poss[ií]vel entregar|` +
	`non è stato possibile (?:recapitare|consegnare)|kon niet worden bezorgd|kan niet worden bezorgd|` +
	`не может быть доставлено|не доставлено|не удалось доставить|` +
	`配信できません|送信できませんでした|宛先不明)`)

// delayRe matches the wording of delay warnings.
var delayRe = mustCompileLit(`(?i)(?:` +
	`warning:? (?:could not send|message .{0,80} delayed)|warning--could not send|` +
	`delivery (?:status notification \()?(?:has been )?delay|delayed mail|\(delay\)|delayed:|message delayed|` +
	`has not yet been delivered|not been delivered yet|will (?:be )?retr(?:y|ied)|still (?:trying|being retried)|` +
	`no action is required on your part|notification: warning|delivery status notification: warning|` +
	`zustellung verz[öo]gert|verz[öo]gert|remise (?:diff[ée]r[ée]e|retard[ée]e)|retard[ée]|` +
	`entrega (?:retrasada|atrasada)|consegna ritardata|vertraagd)`)

// isDelay says whether m reads as a warning about a delay rather than a
// failure.
func (x *bounceContext) isDelay() bool {
	if delayRe.MatchString(x.subj) {
		return true
	}
	h := x.human
	if len(h) > 4000 {
		h = h[:4000]
	}
	if !delayRe.MatchString(h) {
		return false
	}
	// Some failure reports say "will not be retried" or "gave up".
	return !failureWordRe.MatchString(h)
}

var failureWordRe = mustCompileLit(`(?i)permanent(?:ly)? fail|failed permanently|will not be retried|gave up|giving up|has been returned|returned to sender|permanent error|fatal error|could not be delivered|couldn't be delivered|undeliverable`)

// isReplyOrForward says whether the subject is a person's reply ("Re:",
// "AW:"...); a forward ("Fwd:") of a report is still a report.
var replyPrefixRe = regexp.MustCompile(`(?i)^\s*(?:re|aw|sv|vs|odp|antw|r|rif|res|ynt|отв|απ)\s*(?:\[\d+\])?\s*:`)

// looksLikeBounce says whether m is a delivery report written in prose.
func (x *bounceContext) looksLikeBounce() bool {
	m := x.m
	if m.header.Get("X-Failed-Recipients") != "" || isDSNReport(m) {
		return true
	}
	daemon := x.fromDaemon()
	subj := bounceSubjectRe.MatchString(x.subj)
	head := x.human
	if len(head) > 8000 {
		head = head[:8000]
	}
	body := bounceBodyRe.MatchString(head)
	if replyPrefixRe.MatchString(x.subj) && !daemon {
		// A person answering a report, quoting it.
		return false
	}
	switch {
	case daemon && (subj || body):
		return true
	case subj && body:
		return true
	case body && strongBodyRe.MatchString(head):
		return true
	}
	return false
}

// strongBodyRe matches wording that no person writes.
var strongBodyRe = mustCompileLit(`(?i)this message was created automatically by mail delivery software|this is the qmail-send program|this is the mail system at host|the following addresses had permanent fatal errors|----- ?transcript of session follows|delivery has failed to these recipients or groups|delivery to the following recipients? failed permanently|your mail sent on:[^\n]*\n\s*could not be delivered to`)

// fromProse reads a report written for people.
func (x *bounceContext) fromProse() *Bounce {
	b := &Bounce{Recipient: x.findRecipient()}
	h := x.human
	at := 0
	if b.Recipient != "" {
		if i := strings.Index(strings.ToLower(h), b.Recipient); i >= 0 {
			at = i
		}
	}
	b.Status = failureCode(h[at:])
	if b.Status == "" {
		b.Status = failureCode(h)
	}
	if b.Status == "" {
		b.Status = smtpCodeStatus(h[at:])
	}
	switch {
	case x.isDelay():
		b.Permanent = false
	case strings.HasPrefix(b.Status, "4"):
		b.Permanent = failureWordRe.MatchString(x.subj) || failureWordRe.MatchString(h)
	default:
		b.Permanent = true
	}
	return b
}

// failureCode returns the first enhanced status code of class 4 or 5 in s.
func failureCode(s string) string {
	for len(s) > 0 {
		c := enhancedCode(s)
		if c == "" {
			return ""
		}
		if c[0] != '2' {
			return c
		}
		s = s[strings.Index(s, c)+len(c):]
	}
	return ""
}

// Patterns that put a failed address at a known place.
var (
	lineAddrRe = mustCompileLit(`(?m)^[ \t]*(?:` +
		`<([^<>\s]+@[^<>\s]+)>[ \t]*(?::|$|\.\.\.|\s+\(|\s+-)|` + // qmail, Postfix, Courier: "<a@b>:"
		`([^<>\s:]+@[^<>\s:]+)\.\.\.[ \t])`) // Sendmail: "a@b... User unknown"
	rcptRe      = mustCompileLit(`(?i)RCPT TO:\s*<([^<>\s]+@[^<>\s]+)>`)
	replyAddrRe = mustCompileLit(`(?i)\b[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}[ \t]+)?(?:<|recipient <|user <|mailbox <)([^<>\s]+@[^<>\s]+)>`)
	anchorRe    = mustCompileLit(`(?i)(?:` +
		`following address(?:\(es\)|es)? failed|following addresses had|failed addresses|had delivery (?:errors|problems)|could not be delivered to|couldn'?t be delivered to|` +
		`could not deliver (?:the )?(?:mail|message|e-?mail)? ?to|delivery has failed to these recipients|` +
		`your message to|(?:wasn'?t|was not|not|could not be|cannot be) delivered to|did not reach the following recipient|` +
		`following recipients?(?:\(s\))? (?:could not|cannot|failed|was|were|had)|permanent fatal errors|` +
		`delivery to the following recipients?|failed permanently|has been delayed|` +
		`unknown user|user unknown|no such user|unknown recipient|recipient unknown|invalid recipient|` +
		`recipient not found|address not found|mailbox (?:unavailable|not found|is full|full|does not exist)|` +
		`does not exist|doesn'?t exist|not listed in|recipient address rejected|address rejected|` +
		`over quota|quota exceeded|unrouteable|undeliverable to|failed recipient|bad recipient|` +
		`error delivering (?:your )?(?:mail|message) to|failure reasons?|delivery to [^\n]{0,80}failed|failed to deliver to|unable to deliver (?:to|your message to)|` +
		`message to [^\n]{0,120} (?:was|could|has)|` +
		`recipient(?:s|\(s\))?:|rejected|denied|error for|` +
		`konnte nicht zugestellt|nicht zugestellt werden|empf[äa]nger|` +
		`n'a pas pu [êe]tre|destinataires? suivants?|destinataire|` +
		`no se (?:ha podido|pudo) entregar|destinatari|` +
		`получател|адресат|送信先|宛先)`)
)

// candidate is an address found in a report, with how it was found.
type candidate struct {
	addr string
	tier int // lower is better
	pos  int
}

// findRecipient finds the failed address of a prose report: from the
// X-Failed-Recipients field, the lines and phrases that name it, the
// returned original's To, or the text.
func (x *bounceContext) findRecipient() string {
	var cands []candidate
	for _, a := range anyAddrRe.FindAllString(x.m.header.Get("X-Failed-Recipients"), -1) {
		cands = append(cands, candidate{cleanAddr(a), 0, 0})
	}
	h := x.human
	for _, loc := range lineAddrRe.FindAllStringSubmatchIndex(h, 50) {
		for g := 2; g+1 < len(loc); g += 2 {
			if loc[g] >= 0 {
				cands = append(cands, candidate{cleanAddr(h[loc[g]:loc[g+1]]), 1, loc[g]})
				break
			}
		}
	}
	for _, loc := range rcptRe.FindAllStringSubmatchIndex(h, 50) {
		cands = append(cands, candidate{cleanAddr(h[loc[2]:loc[3]]), 1, loc[2]})
	}
	for _, loc := range replyAddrRe.FindAllStringSubmatchIndex(h, 50) {
		cands = append(cands, candidate{cleanAddr(h[loc[2]:loc[3]]), 1, loc[2]})
	}
	// The later tiers cannot beat an address found so far: the rest of the
	// search is only for when there is none.
	if best := x.bestCandidate(cands); best >= 0 {
		return cands[best].addr
	}
	for _, loc := range anchorRe.FindAllStringIndex(h, 100) {
		start := strings.LastIndexByte(h[:loc[0]], '\n') + 1
		end := min(loc[1]+600, len(h))
		for _, al := range anyAddrRe.FindAllStringIndex(h[start:end], 20) {
			a := cleanAddr(h[start+al[0] : start+al[1]])
			if a != "" && !x.avoided(a) && !incidentalAddr(h, start+al[0]) {
				cands = append(cands, candidate{a, 2, start + al[0]})
				break
			}
		}
	}
	if s := x.subj; s != "" {
		// "Undeliverable: a@b", Lotus "DELIVERY FAILURE: User x (a@b) not listed".
		for _, loc := range bounceAddrRe.FindAllStringIndex(s, 3) {
			if strings.HasSuffix(strings.ToLower(strings.TrimRight(s[:loc[0]], " <")), "from") {
				continue
			}
			cands = append(cands, candidate{cleanAddr(s[loc[0]:loc[1]]), 3, loc[0]})
		}
	}
	for i, a := range x.origTo {
		cands = append(cands, candidate{a, 4, i})
	}
	for _, al := range bounceAddrRe.FindAllStringIndex(h, 50) {
		if !incidentalAddr(h, al[0]) {
			cands = append(cands, candidate{cleanAddr(h[al[0]:al[1]]), 5, al[0]})
		}
	}
	if best := x.bestCandidate(cands); best >= 0 {
		return cands[best].addr
	}
	fallback := -1
	for i, c := range cands {
		if c.addr == "" || !plausibleAddr(c.addr) || !x.avoided(c.addr) {
			continue
		}
		if c.addr != x.from && (fallback < 0 || better(c, cands[fallback])) {
			fallback = i
		}
	}
	if fallback >= 0 {
		return cands[fallback].addr
	}
	return ""
}

// bestCandidate returns the index of the best plausible candidate that is
// not avoided, or -1.
func (x *bounceContext) bestCandidate(cands []candidate) int {
	best := -1
	for i, c := range cands {
		if c.addr == "" || !plausibleAddr(c.addr) || x.avoided(c.addr) {
			continue
		}
		if best < 0 || better(c, cands[best]) {
			best = i
		}
	}
	return best
}

// incidentalRe matches the lines whose addresses are not recipients: help
// contacts, message IDs, trace fields.
var incidentalRe = regexp.MustCompile(`(?i)^[ \t]*(?:message-id|references|in-reply-to|content-id|received|x-[a-z-]+|return-path|from|reply-to|sender|errors-to)\s*:|contact|assistance|administrator|helpdesk|help desk|for more information|please send|\bid <|envelope-from|postmaster`)

// incidentalAddr says whether the address at i in h is on a line that names
// it for another reason than its failure.
func incidentalAddr(h string, i int) bool {
	start := strings.LastIndexByte(h[:i], '\n') + 1
	end := strings.IndexByte(h[i:], '\n')
	if end < 0 {
		end = len(h)
	} else {
		end += i
	}
	line := h[start:end]
	// The address itself may contain the words ("postmaster@...").
	j := i - start
	k := j
	for k < len(line) && line[k] != ' ' && line[k] != '>' && line[k] != '\t' {
		k++
	}
	return incidentalRe.MatchString(line[:j] + line[k:])
}

func better(a, b candidate) bool {
	if a.tier != b.tier {
		return a.tier < b.tier
	}
	return a.pos < b.pos
}

// avoided says whether a should not be the failed recipient while another
// address is found.
func (x *bounceContext) avoided(a string) bool {
	if i, j := strings.IndexByte(a, '+'), strings.IndexByte(a, '@'); i > 0 && i < j && x.avoid[a[:i]+a[j:]] {
		return true // a sub-address of ours: roma.summit+news@coe.int
	}
	return x.avoid[a] || isDaemonAddr(a)
}

func isDaemonAddr(a string) bool {
	i := strings.IndexByte(a, '@')
	if i <= 0 {
		return false
	}
	l := a[:i]
	return l == "mailer-daemon" || l == "postmaster" || l == "mailerdaemon" || l == "mailer_daemon" || l == "mail-daemon" || strings.HasPrefix(l, "microsoftexchange")
}

// plausibleAddr rejects what the address patterns catch but is not an
// address: message IDs, file names.
func plausibleAddr(a string) bool {
	i := strings.LastIndexByte(a, '@')
	if i <= 0 || i == len(a)-1 {
		return false
	}
	dom := a[i+1:]
	if strings.HasSuffix(dom, ".png") || strings.HasSuffix(dom, ".jpg") || strings.HasSuffix(dom, ".gif") {
		return false
	}
	return len(a) <= 254
}
