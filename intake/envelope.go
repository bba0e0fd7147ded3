// Package intake turns the raw bytes of a message into what alliancebot
// understands of it. It is pure: bytes in, values out, no I/O, no globals that
// change. Every function here must accept any input without panicking; broken
// mail gives warnings and errors, never a lost message.
package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// Limits bound the work spent on one message. The zero value of a field means
// its default.
type Limits struct {
	// MaxSize is the largest message that is parsed (default 64 MiB). A larger
	// one is still archived whole, and goes to review.
	MaxSize int
	// MaxParts is the most MIME parts read (default 1000).
	MaxParts int
	// MaxDepth is the deepest nesting of multiparts read (default 50); real
	// mail nests a few levels, torture tests hundreds.
	MaxDepth int
	// MaxAttachment is the largest attachment, in bytes, that is read for
	// answers (default 20 MiB). A larger one is named in Result.Errors.
	MaxAttachment int
	// MaxExpanded is the most uncompressed bytes read out of one zip container
	// (.docx, .odt, .xlsx; default 50 MiB). A container that expands further,
	// or an entry over 1 MiB compressed more than 100:1, is taken for a zip
	// bomb: it is named in Result.Errors and not read.
	MaxExpanded int
	// MaxDocuments is the most attachments read for answers in one message
	// (default 20); the others are named in Result.Errors.
	MaxDocuments int
}

const (
	defaultMaxSize  = 64 << 20
	defaultMaxParts = 1000
	defaultMaxDepth = 50
)

// ErrLimit reports that a message goes over one of the Limits.
var ErrLimit = errors.New("over limit")

// Attachment describes one attachment or named inline part.
type Attachment struct {
	Name        string
	ContentType string
	Size        int
}

// Envelope is what the headers and the MIME structure of a message say.
type Envelope struct {
	// MessageID is the first <...> token of the Message-ID header, brackets
	// included; "" when there is none.
	MessageID string
	From      string // the address, lower-cased
	FromName  string
	To, Cc    []string
	// Subject is decoded (RFC 2047) to UTF-8.
	Subject    string
	Date       time.Time // zero when missing or unreadable
	InReplyTo  string
	References []string
	// Attachments lists the attachments and named inline parts.
	Attachments []Attachment
	// Warnings are the parser's remarks on malformed input.
	Warnings []string
	// Fingerprint identifies the content independently of trace headers
	// (Received, Delivered-To...): the same message delivered twice has the same
	// fingerprint, while a reused Message-ID with other content does not.
	Fingerprint string
	// ReplyTo are the Reply-To addresses, lower-cased: where the sender wants
	// answers to go.
	ReplyTo []string
	// NoReply says why the message must never get an automatic answer
	// (Auto-Submitted, Precedence: bulk, a mailing list, a null or machine
	// sender); "" when nothing in its header forbids one. See RFC 3834.
	NoReply string
}

var parser = enmime.NewParser(
	enmime.MaxStoredPartErrors(20),
	enmime.StripMediaTypeInvalidCharacters(true),
	// Trust a declared charset: guessing it for every part costs most of the
	// parse. Parts that declare none are still guessed, and fixC1 mends the
	// common lie (windows-1252 bytes labelled iso-8859-1).
	enmime.DisableCharacterDetection(true),
)

// ReadEnvelope reads the envelope of raw. It always returns an Envelope with
// whatever could be read. The error is non-nil when the message could not be
// understood well enough to process it (over a limit, unreadable structure):
// such a message is archived and goes to review.
func ReadEnvelope(raw []byte, lim Limits) (*Envelope, error) {
	m, err := read(raw, lim)
	return m.env, err
}

// message is a parsed message: its envelope and what the extractors read.
type message struct {
	env *Envelope
	// header is the top-level header, with RFC 2047 words as written.
	header textproto.MIMEHeader
	// text is the plain-text body (from HTML when there is no text part).
	text string
	html string
	// parts are the leaf MIME parts, depth first.
	parts []*enmime.Part

	// What the detectors derive from the text, computed once on first use
	// and shared: see lines, htmlText and strippedHTML.
	split      []splitText
	html2text  *string
	htmlNoTags *string
	// own is what ownText read, up to ownLimit.
	own      *string
	ownLimit int
}

// splitText is a text and its lines, as splitLines cuts them, with what a
// longer text that starts with the same lines needs to classify its own
// lines from resume on: the kinds snap of the lines from resume-1 before
// classifyLines reached resume. The lines before resume-1 and their kinds
// are the same in both texts. resume is -1 when the text is too short.
type splitText struct {
	text   string
	lines  []tline
	whole  int // the lines before the text's last, which a longer one may continue
	resume int
	snap   []lineKind
}

// lines returns splitLines(text), cut once per message and text: the
// language, questionnaire and join detectors all read the body's lines,
// some of them capped at different lengths. The lines are shared: callers
// must not change them.
func (m *message) lines(text string) []tline {
	for _, s := range m.split {
		if len(s.text) == len(text) && s.text == text {
			return s.lines
		}
	}
	lines, whole := cutLines(text)
	resume := whole - classifyWindow
	from := 0
	for _, s := range m.split {
		if s.resume > 0 && s.resume <= resume && sameLines(lines, s.lines, s.whole) {
			// The classification of the lines before s.resume reads
			// only lines before s.whole: it is the same here.
			for j := range s.resume - 1 {
				lines[j].kind = s.lines[j].kind
			}
			for k, kind := range s.snap {
				lines[s.resume-1+k].kind = kind
			}
			from = s.resume
			break
		}
	}
	if resume < from {
		resume = -1
	}
	snap := classifyLines(lines, from, resume)
	m.split = append(m.split, splitText{text: text, lines: lines, whole: whole, resume: resume, snap: snap})
	return lines
}

// sameLines says whether the first n lines of a and b have the same text,
// quote depth and blankness.
func sameLines(a, b []tline, n int) bool {
	if len(a) < n || len(b) < n {
		return false
	}
	for i := range n {
		if a[i].text != b[i].text || a[i].depth != b[i].depth || a[i].blank != b[i].blank {
			return false
		}
	}
	return true
}

// htmlText returns htmlToText(m.html), converted once.
func (m *message) htmlText() string {
	if m.html2text == nil {
		t := htmlToText(m.html)
		m.html2text = &t
	}
	return *m.html2text
}

// strippedHTML returns stripTags(m.html), stripped once.
func (m *message) strippedHTML() string {
	if m.htmlNoTags == nil {
		t := stripTags(m.html)
		m.htmlNoTags = &t
	}
	return *m.htmlNoTags
}

// read parses raw into a message. It always returns a message with an
// envelope; the error says why the rest may be missing.
func read(raw []byte, lim Limits) (m *message, err error) {
	if lim.MaxSize == 0 {
		lim.MaxSize = defaultMaxSize
	}
	if lim.MaxParts == 0 {
		lim.MaxParts = defaultMaxParts
	}
	if lim.MaxDepth == 0 {
		lim.MaxDepth = defaultMaxDepth
	}
	norm := Normalize(raw)
	m = &message{env: &Envelope{Fingerprint: fingerprint(norm)}}
	if len(raw) > lim.MaxSize {
		m.env.fillFromHeaders(raw)
		return m, fmt.Errorf("%w: message of %d bytes is larger than the %d bytes read", ErrLimit, len(raw), lim.MaxSize)
	}
	defer func() {
		// enmime is third-party code fed hostile input; a panic there must not
		// take the daemon down.
		if p := recover(); p != nil {
			err = fmt.Errorf("read message: parser panic: %v", p)
		}
	}()
	e, perr := parser.ReadEnvelope(bytes.NewReader(norm))
	if perr != nil {
		m.env.fillFromHeaders(raw)
		return m, fmt.Errorf("read message: %w", perr)
	}
	m.env.fill(e)
	if e.Root != nil {
		m.header = e.Root.Header
	}
	m.text, m.html = fixC1(e.Text), fixC1(e.HTML)
	m.env.Subject, m.env.FromName = fixC1(m.env.Subject), fixC1(m.env.FromName)
	type item struct {
		p     *enmime.Part
		depth int
	}
	n := 0
	stack := []item{{e.Root, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.p == nil {
			continue
		}
		if n++; n > lim.MaxParts {
			return m, fmt.Errorf("%w: more than %d MIME parts", ErrLimit, lim.MaxParts)
		}
		if it.depth > lim.MaxDepth {
			return m, fmt.Errorf("%w: MIME parts nested more than %d deep", ErrLimit, lim.MaxDepth)
		}
		if it.p.FirstChild == nil {
			m.parts = append(m.parts, it.p)
		}
		stack = append(stack, item{it.p.NextSibling, it.depth}, item{it.p.FirstChild, it.depth + 1})
	}
	return m, nil
}

func (env *Envelope) fill(e *enmime.Envelope) {
	env.MessageID = firstMsgID(e.GetHeader("Message-Id"))
	env.InReplyTo = firstMsgID(e.GetHeader("In-Reply-To"))
	env.References = msgIDs(e.GetHeader("References"))
	env.Subject = strings.TrimSpace(e.GetHeader("Subject"))
	if from, err := e.AddressList("From"); err == nil && len(from) > 0 {
		env.From = strings.ToLower(from[0].Address)
		env.FromName = from[0].Name
	} else {
		env.From = strings.TrimSpace(e.GetHeader("From"))
	}
	env.To = addresses(e, "To")
	env.Cc = addresses(e, "Cc")
	env.ReplyTo = addresses(e, "Reply-To")
	if e.Root != nil {
		env.NoReply = noReply(e.Root.Header, env.From)
	}
	if d, ok := parseUsualDate(e.GetHeader("Date")); ok {
		env.Date = d
	} else if d, err := e.Date(); err == nil {
		env.Date = d
	} else {
		env.Date = parseDate(e.GetHeader("Date"))
	}
	for _, parts := range [][]*enmime.Part{e.Attachments, e.Inlines, e.OtherParts} {
		for _, p := range parts {
			if p.FileName == "" && p.Disposition != "attachment" {
				continue
			}
			env.Attachments = append(env.Attachments, Attachment{
				Name: p.FileName, ContentType: p.ContentType, Size: len(p.Content),
			})
		}
	}
	for _, w := range e.Errors {
		env.Warnings = append(env.Warnings, w.Error())
	}
}

// fillFromHeaders reads what it can of the header block alone, for messages
// that the MIME parser could not or should not read.
func (env *Envelope) fillFromHeaders(raw []byte) {
	end := len(raw)
	if end > 1<<20 {
		end = 1 << 20
	}
	msg, err := mail.ReadMessage(bytes.NewReader(Normalize(raw[:end])))
	if err != nil {
		return
	}
	h := msg.Header
	dec := new(mimeWordDecoder)
	env.MessageID = firstMsgID(h.Get("Message-Id"))
	env.InReplyTo = firstMsgID(h.Get("In-Reply-To"))
	env.References = msgIDs(h.Get("References"))
	env.Subject = dec.decode(h.Get("Subject"))
	if a, err := mail.ParseAddress(h.Get("From")); err == nil {
		env.From, env.FromName = strings.ToLower(a.Address), a.Name
	} else {
		env.From = strings.TrimSpace(h.Get("From"))
	}
	if list, err := h.AddressList("Reply-To"); err == nil {
		for _, a := range list {
			env.ReplyTo = append(env.ReplyTo, strings.ToLower(a.Address))
		}
	}
	env.Date = parseDate(h.Get("Date"))
	env.NoReply = noReply(textproto.MIMEHeader(h), env.From)
}

func addresses(e *enmime.Envelope, key string) []string {
	list, err := e.AddressList(key)
	if err != nil {
		if v := strings.TrimSpace(e.GetHeader(key)); v != "" {
			return []string{v}
		}
		return nil
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, strings.ToLower(a.Address))
	}
	return out
}

// firstMsgID returns the first <...> token of s, or s trimmed when it has no
// brackets.
func firstMsgID(s string) string {
	ids := msgIDs(s)
	if len(ids) > 0 {
		return ids[0]
	}
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, " \t") {
		return ""
	}
	return "<" + s + ">"
}

func msgIDs(s string) []string {
	var ids []string
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return ids
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return ids
		}
		if id := s[i : i+j+1]; len(id) > 2 {
			ids = append(ids, id)
		}
		s = s[i+j+1:]
	}
}

// usualDateLayout is the form of most Date fields.
const usualDateLayout = "Mon, 2 Jan 2006 15:04:05 -0700"

// parseUsualDate is mail.ParseDate for a field of the form usualDateLayout
// and nothing else (ok false for any other): ParseDate tries its layouts in
// turn and allocates an error for each that fails, and the 12 before this
// one fail on a field that starts with a letter, as they start with the day.
// A field that parses whole with this layout holds no "+" or "-" before its
// zone, nor anything after it, so ParseDate reads it all and gives the same
// time.
func parseUsualDate(s string) (time.Time, bool) {
	if len(s) < 4 || s[3] != ',' || !isDigit(s[len(s)-1]) {
		return time.Time{}, false
	}
	d, err := time.Parse(usualDateLayout, s)
	return d, err == nil
}

var dateLayouts = []string{
	time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700", "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 06 15:04:05 -0700",
}

func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if d, err := mail.ParseDate(s); err == nil {
		return d
	}
	// Drop a trailing comment such as "(CEST)".
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	for _, l := range dateLayouts {
		if d, err := time.Parse(l, s); err == nil {
			return d
		}
	}
	return time.Time{}
}

// fingerprintFields are the header fields that fingerprint hashes, in order.
var fingerprintFields = [...]string{"from", "date", "subject", "message-id"}

// fingerprint hashes the headers that identify a message to its sender (From,
// Date, Subject, Message-ID) and the body, with line endings and trailing white
// space normalised: what stays the same when a server adds trace headers. norm
// is the message, Normalized.
func fingerprint(norm []byte) string {
	head, body := norm, []byte(nil)
	if i := bytes.Index(norm, []byte("\r\n\r\n")); i >= 0 {
		head, body = norm[:i+2], norm[i+4:]
	} else if i := bytes.Index(norm, []byte("\n\n")); i >= 0 {
		head, body = norm[:i+1], norm[i+2:]
	}
	// What is hashed is gathered in buf and written a few KB at a time, not
	// in a Write for each piece.
	h := sha256.New()
	buf := make([]byte, 0, 8<<10)
	for i, f := range headerFields(head) {
		buf = append(buf, fingerprintFields[i]...)
		buf = append(buf, ':')
		// The value unfolded: each line trimmed, the first after its colon.
		for line := range bytes.Lines(head[f.start:f.end]) {
			buf = append(buf, bytes.TrimSpace(line)...)
		}
		buf = append(buf, '\n')
	}
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		for len(line) > 0 && isLineSpace(line[len(line)-1]) {
			line = line[:len(line)-1]
		}
		buf = append(buf, line...)
		buf = append(buf, '\n')
		if len(buf) >= 4<<10 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// isLineSpace says whether c is trimmed from the end of a fingerprinted line.
func isLineSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// fieldSpan is where a header field's value is in a header block: from just
// after the colon to the end of its last continuation line.
type fieldSpan struct{ start, end int }

// headerFields returns where the value of the first header field of each of
// fingerprintFields is in head, an empty span for a missing one: one pass
// for all. A continuation line (a space or tab first) may also start a field.
func headerFields(head []byte) (spans [len(fingerprintFields)]fieldSpan) {
	var in, done [len(fingerprintFields)]bool
	off := 0
	for line := range bytes.Lines(head) {
		start := off
		off += len(line)
		cont := line[0] == ' ' || line[0] == '\t'
		key := ""
		if colon := bytes.IndexByte(line, ':'); colon > 0 {
			// A rune that folds to an ASCII letter has at most 3 bytes: a
			// longer key is none of the names.
			if k := bytes.TrimSpace(line[:colon]); len(k) <= 3*len("message-id") {
				key = string(k)
			}
			start += colon + 1
		}
		for i, name := range fingerprintFields {
			switch {
			case done[i]:
			case in[i]:
				if cont {
					spans[i].end = off
				} else {
					done[i] = true
				}
			case key != "" && strings.EqualFold(key, name):
				in[i] = true
				spans[i] = fieldSpan{start, off}
			}
		}
	}
	return spans
}
