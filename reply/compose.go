package reply

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/wneessen/go-mail"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

// Kinds of outgoing message.
const (
	KindAck          = "ack"
	KindStaffJoin    = "staff_join"
	KindStaffReview  = "staff_review"
	KindStaffSummary = "staff_summary"
)

// Config says who the bot is and whom it tells what. Zero fields take the
// defaults documented on each.
type Config struct {
	From     string   // the bot's address: envelope sender and From
	FromName string   // display name with From
	Own      []string // further addresses of the bot or the secretariat: never acknowledged

	NoAck       bool          // send no acknowledgements (staff notices still go)
	DefaultLang string        // language of an acknowledgement to a message neither French nor English; default "en"
	Interval    time.Duration // at most one acknowledgement per address in this time; default 24h

	Staff        []string // staff addresses; none: no staff notices
	StaffLang    string   // default "en"
	ReviewFolder string   // the review folder's name, for the notices; default "Review"

	// Signer signs every message; nil sends them unsigned.
	Signer *Signer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Location is the time zone of the dates in the messages; nil means
	// time.Local.
	Location *time.Location
}

// Composer writes the replies to stored messages.
type Composer struct {
	cfg    Config
	t      *templates.Set
	domain string
	own    map[string]bool
}

// New returns a composer that words its messages with t.
func New(cfg Config, t *templates.Set) (*Composer, error) {
	if !strings.Contains(cfg.From, "@") {
		return nil, fmt.Errorf("reply: from address %q is not an address", cfg.From)
	}
	if cfg.DefaultLang == "" {
		cfg.DefaultLang = "en"
	}
	if cfg.StaffLang == "" {
		cfg.StaffLang = "en"
	}
	if cfg.Interval == 0 {
		cfg.Interval = 24 * time.Hour
	}
	if cfg.ReviewFolder == "" {
		cfg.ReviewFolder = "Review"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	c := &Composer{cfg: cfg, t: t, domain: domainOf(cfg.From), own: make(map[string]bool)}
	for _, a := range append([]string{cfg.From}, cfg.Own...) {
		c.own[baseAddress(a)] = true
	}
	return c, nil
}

// Replies returns the messages that m, newly stored, calls for: its
// acknowledgement and the staff notices. noAck says why there is no
// acknowledgement among them.
func (c *Composer) Replies(m *store.Message) (out []store.Outgoing, noAck string, err error) {
	res := new(intake.Result)
	if len(m.Result) > 0 {
		if err := json.Unmarshal(m.Result, res); err != nil {
			return nil, "", fmt.Errorf("read result of message %d: %w", m.ID, err)
		}
	}
	to, noAck := c.ackRecipient(m)
	if noAck == "" {
		o, err := c.ack(m, res, to)
		if err != nil {
			return nil, "", err
		}
		out = append(out, o)
	}
	if len(c.cfg.Staff) == 0 {
		return out, noAck, nil
	}
	// Automatic mail (and the bot's own) that needs review is only in the
	// daily summary: an immediate notice could answer an out-of-office of a
	// staff member with another notice.
	automatic := m.AutoReason != "" || m.Class == string(intake.ClassBounce) || m.Class == string(intake.ClassAutoReply) || c.isOwn(m.From)
	switch {
	case m.Folder == c.cfg.ReviewFolder && !automatic:
		o, err := c.staffReview(m)
		if err != nil {
			return nil, "", err
		}
		out = append(out, o)
	case m.Class == string(intake.ClassJoinRequest) && !automatic:
		o, err := c.staffJoin(m, res)
		if err != nil {
			return nil, "", err
		}
		out = append(out, o)
	}
	return out, noAck, nil
}

// recipient is an address with its display name.
type recipient struct{ name, addr string }

// ackRecipient returns where m's acknowledgement goes, or why it gets none.
func (c *Composer) ackRecipient(m *store.Message) (recipient, string) {
	switch {
	case c.cfg.NoAck:
		return recipient{}, "acknowledgements are turned off"
	case m.Class == string(intake.ClassBounce):
		return recipient{}, "a bounce"
	case m.Class == string(intake.ClassAutoReply):
		return recipient{}, "an automatic reply"
	case m.Class == string(intake.ClassNews):
		return recipient{}, "news from staff"
	case m.AutoReason != "":
		return recipient{}, m.AutoReason
	case c.isOwn(m.From):
		return recipient{}, "our own mail"
	}
	to := recipient{name: m.FromName, addr: m.From}
	for _, a := range m.ReplyTo {
		if strings.Contains(a, "@") {
			to = recipient{addr: a}
			break
		}
	}
	to.addr = strings.ToLower(strings.TrimSpace(to.addr))
	if why := intake.MachineAddress(to.addr); why != "" {
		return recipient{}, why
	}
	if !validAddress(to.addr) {
		return recipient{}, "the reply address is not valid"
	}
	if c.isOwn(to.addr) {
		return recipient{}, "the reply address is our own"
	}
	return to, ""
}

// isOwn says whether addr is one of the bot's addresses, +tags ignored.
func (c *Composer) isOwn(addr string) bool { return c.own[baseAddress(addr)] }

// lang is the language of an acknowledgement to a message in language.
func (c *Composer) lang(language string) string {
	switch language {
	case "fr", "en":
		return language
	}
	return c.cfg.DefaultLang
}

// Ref is the reference under which a stored message is known to senders and
// staff.
func Ref(id uint64) string { return fmt.Sprintf("AL-%06d", id) }

func (c *Composer) ack(m *store.Message, res *intake.Result, to recipient) (store.Outgoing, error) {
	lang := c.lang(m.Language)
	d := templates.Ack{Lang: lang, Kind: string(intake.ClassOther), Reference: Ref(m.ID), Received: m.Received.In(c.cfg.Location)}
	switch {
	case res.Class == intake.ClassQuestionnaire && (res.Questionnaire != nil || len(res.Questionnaires) > 0):
		d.Kind = string(res.Class)
		if res.Questionnaire != nil {
			d.Questionnaires = append(d.Questionnaires, res.Questionnaire)
		}
		d.Questionnaires = append(d.Questionnaires, res.Questionnaires...)
	case res.Class == intake.ClassJoinRequest:
		d.Kind = string(res.Class)
		d.Join = res.JoinRequest
		if d.Join == nil {
			d.Join = &intake.JoinRequest{}
		}
	case res.Class == intake.ClassUnsubscribe:
		d.Kind = string(res.Class)
		d.Unsubscribed = m.From
		if res.Unsubscribe != nil && res.Unsubscribe.Address != "" {
			d.Unsubscribed = res.Unsubscribe.Address
		}
	}
	r, err := c.t.Ack(d)
	if err != nil {
		return store.Outgoing{}, fmt.Errorf("write acknowledgement of message %d: %w", m.ID, err)
	}
	o, err := c.build(draft{
		kind: KindAck, key: fmt.Sprintf("ack:%d:%s", m.ID, to.addr), lang: lang, trigger: m.ID,
		to:      []recipient{to},
		subject: replySubject(m.Subject, r.Subject),
		replyOf: m, auto: "auto-replied", body: r,
	})
	o.Throttle, o.ThrottleFor = to.addr, c.cfg.Interval
	return o, err
}

func (c *Composer) staffJoin(m *store.Message, res *intake.Result) (store.Outgoing, error) {
	r, err := c.t.StaffJoin(templates.StaffJoin{
		Lang: c.cfg.StaffLang, MessageRef: m.ID, From: m.From, FromName: m.FromName, Subject: m.Subject,
		Received: m.Received.In(c.cfg.Location), Language: m.Language, Join: res.JoinRequest,
	})
	if err != nil {
		return store.Outgoing{}, fmt.Errorf("write join notice for message %d: %w", m.ID, err)
	}
	return c.build(draft{kind: KindStaffJoin, key: fmt.Sprintf("staff_join:%d", m.ID), lang: c.cfg.StaffLang, trigger: m.ID,
		to: c.staff(), subject: r.Subject, auto: "auto-generated", body: r})
}

func (c *Composer) staffReview(m *store.Message) (store.Outgoing, error) {
	r, err := c.t.StaffReview(templates.StaffReview{
		Lang: c.cfg.StaffLang, MessageRef: m.ID, From: m.From, Subject: m.Subject, Received: m.Received.In(c.cfg.Location),
		Class: m.Class, Reasons: m.Errors, Folder: c.cfg.ReviewFolder,
	})
	if err != nil {
		return store.Outgoing{}, fmt.Errorf("write review notice for message %d: %w", m.ID, err)
	}
	return c.build(draft{kind: KindStaffReview, key: fmt.Sprintf("staff_review:%d", m.ID), lang: c.cfg.StaffLang, trigger: m.ID,
		to: c.staff(), subject: r.Subject, auto: "auto-generated", body: r})
}

func (c *Composer) staff() []recipient {
	out := make([]recipient, len(c.cfg.Staff))
	for i, a := range c.cfg.Staff {
		out[i] = recipient{addr: a}
	}
	return out
}

// draft is an outgoing message before it is rendered.
type draft struct {
	kind, key, lang string
	trigger         uint64
	to              []recipient
	subject         string
	replyOf         *store.Message // the message answered, for threading; nil for none
	auto            string         // the Auto-Submitted value
	body            templates.Rendered
}

// build renders d as a MIME message (text with an HTML alternative), signs
// it when a signer is configured, and returns it ready for the outbox.
func (c *Composer) build(d draft) (store.Outgoing, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(oneLine(c.cfg.FromName), c.cfg.From); err != nil {
		return store.Outgoing{}, fmt.Errorf("from %q: %w", c.cfg.From, err)
	}
	var to []string
	for _, r := range d.to {
		if err := msg.AddToFormat(oneLine(r.name), r.addr); err != nil {
			return store.Outgoing{}, fmt.Errorf("recipient %q: %w", r.addr, err)
		}
		to = append(to, r.addr)
	}
	subject := oneLine(d.subject)
	msg.Subject(subject)
	id := c.messageID(d.kind, d.key)
	msg.SetMessageIDWithValue(id)
	msg.SetDateWithValue(c.cfg.Now())
	if d.replyOf != nil {
		if parent := msgID(d.replyOf.MessageID); parent != "" {
			msg.SetGenHeader(mail.HeaderInReplyTo, parent)
			refs := threadRefs(d.replyOf.References, parent)
			msg.SetGenHeaderPreformatted(mail.HeaderReferences, strings.Join(refs, "\r\n "))
		}
	}
	msg.SetGenHeader(mail.Header("Auto-Submitted"), d.auto)
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader(mail.HeaderContentLang, d.lang)
	msg.SetUserAgent("alliancebot")
	msg.SetBodyString(mail.TypeTextPlain, d.body.Text)
	if d.body.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, d.body.HTML)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return store.Outgoing{}, fmt.Errorf("render %s: %w", d.key, err)
	}
	raw := buf.Bytes()
	if c.cfg.Signer != nil {
		signed, err := c.cfg.Signer.Sign(raw)
		if err != nil {
			return store.Outgoing{}, fmt.Errorf("sign %s: %w", d.key, err)
		}
		raw = signed
	}
	return store.Outgoing{
		Key: d.key, Kind: d.kind, MessageID: "<" + id + ">", From: c.cfg.From, To: to,
		Subject: subject, Language: d.lang, Trigger: d.trigger, Raw: raw,
	}, nil
}

// messageID derives the Message-ID (without brackets) of the message with
// key: the same key always gives the same ID, so a message rendered twice is
// recognisably the same message.
func (c *Composer) messageID(kind, key string) string {
	sum := sha256.Sum256([]byte(key))
	return fmt.Sprintf("alliancebot.%s.%s@%s", strings.ReplaceAll(kind, "_", "-"), hex.EncodeToString(sum[:10]), c.domain)
}

// replyPrefixRe matches the reply prefixes of the languages of the member
// states, as mail programs write them.
var replyPrefixRe = regexp.MustCompile(`(?i)^\s*(re|aw|sv|vs|antw|odp|ynt|réf|ref|rif|r|atb|vá|odg|отг|отв|απ)\s*(\[\d+\])?\s*:`)

// replySubject returns "Re: " and subject, or fallback when subject is empty;
// a subject that is already a reply keeps its prefix.
func replySubject(subject, fallback string) string {
	subject = oneLine(subject)
	if subject == "" {
		return fallback
	}
	if replyPrefixRe.MatchString(subject) {
		return subject
	}
	return "Re: " + subject
}

// maxHeaderText bounds a subject or a name taken from input.
const maxHeaderText = 200

// oneLine returns s with every control or line-separating character replaced
// by a space, spaces collapsed, trimmed, and cut to maxHeaderText runes: what
// is left cannot start a header field of its own.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' || r == unicode.ReplacementChar {
			space = b.Len() > 0
			continue
		}
		if n == maxHeaderText {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// msgIDRe matches a message identifier that can go into a header as it is.
var msgIDRe = regexp.MustCompile(`^<[!#-'*+\-/-9=?A-Z^-~.]{1,240}@[!#-'*+\-/-9=?A-Z^-~.\[\]]{1,240}>$`)

// msgID returns id when it is a well-formed message identifier, else "".
func msgID(id string) string {
	if msgIDRe.MatchString(id) {
		return id
	}
	return ""
}

// maxRefs bounds the References of a reply, as RFC 5322 section 3.6.4
// allows: the first and the latest are kept.
const maxRefs = 20

// threadRefs returns the References of a reply to a message with refs and
// the identifier parent: its well-formed references, then parent.
func threadRefs(refs []string, parent string) []string {
	var out []string
	for _, r := range refs {
		if r = msgID(r); r != "" && r != parent && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	out = append(out, parent)
	if len(out) > maxRefs {
		out = append(out[:1], out[len(out)-maxRefs+1:]...)
	}
	return out
}

// validAddress says whether a is an address go-mail can send to.
func validAddress(a string) bool {
	return mail.NewMsg().AddTo(a) == nil && !strings.ContainsAny(a, " \t\r\n<>,;\"")
}

// baseAddress returns addr lower-cased without its +tag.
func baseAddress(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local := addr[:at]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	return local + addr[at:]
}

func domainOf(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}
