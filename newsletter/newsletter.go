package newsletter

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

// Signer signs a rendered message (DKIM).
type Signer interface {
	Sign(raw []byte) ([]byte, error)
}

// Config says who sends the digest and how readers leave it.
type Config struct {
	From     string // the bot's address
	FromName string
	// PublicURL is the base of the one-click unsubscribe links, such as
	// https://alliance.example.org/bot; "" leaves only the mailto way.
	PublicURL string
	// ListID names the list in List-Id; default "Alliance news
	// <news.DOMAIN>" with the domain of From.
	ListID string
	Signer Signer // nil: unsigned
	// Staff may approve news drafts by replying to their preview.
	Staff []string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Location is the time zone of the digest's date; nil means time.Local.
	Location *time.Location
}

// Newsletter is the digest of one mailbox.
type Newsletter struct {
	cfg    Config
	db     *store.DB
	t      *templates.Set
	tokens *Tokens
	log    *slog.Logger
}

// New returns the newsletter of db, worded with t. A nil logger discards
// logs.
func New(cfg Config, db *store.DB, t *templates.Set, logger *slog.Logger) (*Newsletter, error) {
	if !strings.Contains(cfg.From, "@") {
		return nil, fmt.Errorf("newsletter: from address %q is not an address", cfg.From)
	}
	if cfg.ListID == "" {
		cfg.ListID = "Alliance news <news." + domainOf(cfg.From) + ">"
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	key, err := db.Secret("newsletter")
	if err != nil {
		return nil, err
	}
	return &Newsletter{cfg: cfg, db: db, t: t, tokens: NewTokens(key), log: logger}, nil
}

// Tokens returns the signer of the newsletter's links and addresses.
func (n *Newsletter) Tokens() *Tokens { return n.tokens }

// UnsubscribeURL is member id's one-click link, or "" without a PublicURL.
func (n *Newsletter) UnsubscribeURL(id uint64) string {
	if n.cfg.PublicURL == "" {
		return ""
	}
	return n.cfg.PublicURL + "/unsubscribe/" + n.tokens.Make(PurposeUnsubscribe, id)
}

// unsubscribeMailto is the address that takes anyone who writes to it off
// the list (intake classes such mail as unsubscribe).
func (n *Newsletter) unsubscribeMailto() string {
	at := strings.LastIndexByte(n.cfg.From, '@')
	return n.cfg.From[:at] + "+unsubscribe" + n.cfg.From[at:]
}

// ReturnPath is the VERP envelope sender for member id: a bounce to it names
// the member whatever the bounce says.
func (n *Newsletter) ReturnPath(id uint64) string {
	return TaggedAddress(n.cfg.From, "bounce", n.tokens.Make(PurposeBounce, id))
}

// BounceMember returns the member ID in a VERP return path, or false.
func (n *Newsletter) BounceMember(rcpt string) (uint64, bool) {
	token := TagToken(rcpt, n.cfg.From, "bounce")
	if token == "" {
		return 0, false
	}
	return n.tokens.Check(PurposeBounce, token)
}

// issue is a digest rendered once per language, to personalise per
// recipient.
type issue struct {
	d      *store.Digest
	bodies map[string]templates.Rendered // by language
	size   atomic.Int64                  // of the last message, to size the next one's buffer
}

// render words digest d in English and French.
func (n *Newsletter) render(d *store.Digest) (*issue, error) {
	var items []templates.DigestItem
	for _, id := range d.Items {
		it, err := n.db.GetNews(id)
		if err != nil {
			return nil, err
		}
		items = append(items, digestItem(it))
	}
	is := &issue{d: d, bodies: map[string]templates.Rendered{}}
	for _, lang := range []string{"en", "fr"} {
		r, err := n.t.Digest(templates.Digest{
			Lang: lang, Volume: d.Volume, Issue: d.Issue, Date: d.Created.In(n.cfg.Location), Items: items,
			UnsubscribeURL: templates.UnsubscribePlaceholder, ListAddress: n.cfg.From,
		})
		if err != nil {
			return nil, fmt.Errorf("render digest %d in %s: %w", d.ID, lang, err)
		}
		is.bodies[lang] = r
	}
	return is, nil
}

// message returns the digest for one recipient: its envelope sender and
// its bytes.
func (n *Newsletter) message(is *issue, dl *store.Delivery) (from string, raw []byte, err error) {
	lang := dl.Language
	if lang != "fr" {
		lang = "en"
	}
	body := is.bodies[lang]
	link := n.UnsubscribeURL(dl.MemberID)
	mailto := "mailto:" + n.unsubscribeMailto() + "?subject=unsubscribe"
	shown := link
	if shown == "" {
		shown = mailto
	}
	text := strings.ReplaceAll(body.Text, templates.UnsubscribePlaceholder, shown)
	html := strings.ReplaceAll(body.HTML, templates.UnsubscribePlaceholder, template.HTMLEscapeString(shown))

	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(n.cfg.FromName, n.cfg.From); err != nil {
		return "", nil, err
	}
	if err := msg.AddToFormat(oneLine(dl.Authority), dl.Email); err != nil {
		return "", nil, fmt.Errorf("recipient %s: %w", dl.Email, err)
	}
	msg.Subject(body.Subject)
	sum := sha256.Sum256(fmt.Appendf(nil, "digest:%d:%s", is.d.ID, dl.Email))
	msg.SetMessageIDWithValue(fmt.Sprintf("alliancebot.digest.%d.%s@%s", is.d.ID, hex.EncodeToString(sum[:8]), domainOf(n.cfg.From)))
	msg.SetDateWithValue(n.cfg.Now())
	msg.SetGenHeader(mail.Header("List-Id"), n.cfg.ListID)
	unsub := "<" + mailto + ">"
	if link != "" {
		unsub = "<" + link + ">, " + unsub
		msg.SetGenHeader(mail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
	}
	msg.SetGenHeaderPreformatted(mail.Header("List-Unsubscribe"), unsub)
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader(mail.Header("Precedence"), "bulk")
	msg.SetGenHeader(mail.HeaderContentLang, lang)
	msg.SetUserAgent("alliancebot")
	msg.SetBodyString(mail.TypeTextPlain, text)
	msg.AddAlternativeString(mail.TypeTextHTML, html)
	buf := bytes.NewBuffer(make([]byte, 0, is.size.Load()+1024))
	if _, err := msg.WriteTo(buf); err != nil {
		return "", nil, fmt.Errorf("render digest to %s: %w", dl.Email, err)
	}
	raw = buf.Bytes()
	is.size.Store(int64(len(raw)))
	if n.cfg.Signer != nil {
		if raw, err = n.cfg.Signer.Sign(raw); err != nil {
			return "", nil, err
		}
	}
	return n.ReturnPath(dl.MemberID), raw, nil
}

// Preview writes the pending digest (the approved news not sent yet) as it
// would go out, without creating it: its subject, text and HTML in lang.
func (n *Newsletter) Preview(lang string) (templates.Rendered, int, error) {
	var items []templates.DigestItem
	err := n.db.ForEachNews(func(it *store.NewsItem) error {
		if it.State == store.NewsApproved && it.Digest == 0 {
			items = append(items, digestItem(it))
		}
		return nil
	})
	if err != nil {
		return templates.Rendered{}, 0, err
	}
	if len(items) == 0 {
		return templates.Rendered{}, 0, store.ErrNothingToSend
	}
	vol, no := 1, 1
	n.db.ForEachDigest(func(d *store.Digest) error {
		vol, no = d.Volume, d.Issue+1
		if d.Created.Year() != n.cfg.Now().Year() {
			vol, no = d.Volume+1, 1
		}
		return nil
	})
	r, err := n.t.Digest(templates.Digest{Lang: lang, Volume: vol, Issue: no, Date: n.cfg.Now().In(n.cfg.Location), Items: items,
		UnsubscribeURL: templates.UnsubscribePlaceholder, ListAddress: n.cfg.From})
	if err != nil {
		return templates.Rendered{}, 0, err
	}
	example := "https://example.invalid/unsubscribe/PREVIEW"
	r.Text = strings.ReplaceAll(r.Text, templates.UnsubscribePlaceholder, example)
	r.HTML = strings.ReplaceAll(r.HTML, templates.UnsubscribePlaceholder, example)
	return r, len(items), nil
}

// digestItem is news item it as the digest shows it. A link that is not
// https is left out (the digest links to no plain-http page).
func digestItem(it *store.NewsItem) templates.DigestItem {
	link := it.Link
	if !strings.HasPrefix(strings.ToLower(link), "https://") {
		link = ""
	}
	return templates.DigestItem{Title: it.Title, Text: it.Text, HTML: template.HTML(it.HTML), Link: link, Date: it.Date, Source: it.Source}
}

func domainOf(addr string) string { return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:]) }

// oneLine keeps s on one line, for a display name.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }), " ")
}
