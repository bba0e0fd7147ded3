package templates

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// This file renders what goes to the member authorities' news list: the
// digest itself (Digest), the preview of a news item for the staff member
// who sent it (NewsPreview), and the page behind the one-click unsubscribe
// link (UnsubscribePage). The files:
//
//   - digest.en.tmpl, digest.fr.tmpl: the wording of the digest and the
//     preview, as en.tmpl and fr.tmpl (plain text, one sentence or
//     paragraph a template).
//   - unsubscribe.en.tmpl, unsubscribe.fr.tmpl: the wording of the page.
//   - bilingual.tmpl: what is said in both languages whatever the
//     message's own: the privacy notice of the digest, the page's title.
//   - digest.txt.tmpl, digest.html.tmpl: the layouts of the digest and the
//     preview, which share the layout of one item.
//   - unsubscribe.html.tmpl: the page, a complete HTML document.

// UnsubscribePlaceholder stands for the recipient's unsubscribe URL in a
// digest. A digest is rendered once per language, with this as
// Digest.UnsubscribeURL, then made personal by replacing it, in Text and in
// HTML, with each recipient's URL (strings.ReplaceAll), before the body is
// encoded for transfer.
//
// It is made of URL-safe ASCII only (letters, digits, "/", ":", "-", "."):
// HTML escaping, html/template's URL normalising, quoted-printable and
// base64 leave it as it is, and url.Parse accepts it (a "%" would not be:
// "%%T" is not a valid escape). It holds no space, so the wrapping of the
// text never cuts it; the templates print it alone on its line. Its host
// is under .invalid (RFC 2606): a copy left unreplaced leads nowhere. The
// URL put in its place is printed as given: in the HTML body it must be
// escaped for an attribute (html.EscapeString), which a URL of unreserved
// characters and a base64url token does not need.
const UnsubscribePlaceholder = "https://unsubscribe.invalid/ALLIANCEBOT-UNSUBSCRIBE-TOKEN"

var (
	// ErrNoItems is returned by Set.Digest for a digest without news.
	ErrNoItems = errors.New("digest has no items")
	// ErrBadURL is returned for a link or an unsubscribe URL that is not
	// an absolute https URL.
	ErrBadURL = errors.New("not an https URL")
)

// DigestItem is one news item.
type DigestItem struct {
	Title string
	// Text is the plain text of the item, which the text part prints: it
	// is needed even when HTML is set. Paragraphs are separated by blank
	// lines; the line breaks within a paragraph are kept, and long lines
	// are wrapped.
	Text string
	// HTML is the item's HTML, already sanitized by the caller: it is
	// printed as is (but for French spacing and blank lines, which the
	// rendering of every message adjusts). "" renders Text as paragraphs.
	HTML template.HTML
	// Link is "" or an https URL where the item can be read in full.
	Link string
	// Date is the item's date, shown as a day in its own location; the
	// zero time leaves it out.
	Date time.Time
	// Source is where the item comes from, such as "Congress
	// secretariat" or a feed's name; "" for none.
	Source string
}

// Digest is one issue of the digest for one language.
type Digest struct {
	Lang          string // "en" or "fr"; anything else is English
	Volume, Issue int    // "Vol. 2, No. 14", "Vol. 2, n° 14"; 0 leaves either out
	// Date is the issue's date; the zero time leaves it out.
	Date  time.Time
	Items []DigestItem // at least one
	// UnsubscribeURL is the one-click page for this recipient (RFC 8058),
	// an https URL. Because the body is rendered once per language and
	// then made personal, callers pass UnsubscribePlaceholder and replace
	// it per recipient.
	UnsubscribeURL string
	// ListAddress is the bot's address, to write to; "" tells readers to
	// reply instead.
	ListAddress string
}

// NewsPreview is sent to the staff member who mailed a news item: how it
// will look in the digest, and how to approve it.
type NewsPreview struct {
	Lang string // the staff member's language
	Item DigestItem
	// Ref is the draft's number (`alliancebot news approve N`); 0 for
	// none.
	Ref uint64
	// ApproveAddress is where a reply approves the draft (it holds a
	// signed token): the sender sets it as Reply-To. "" tells staff to ask
	// the technical team instead.
	ApproveAddress string
}

// UnsubscribePage is the HTML page of the one-click unsubscribe link (RFC
// 8058).
type UnsubscribePage struct {
	Lang  string // from the member's language; anything else is English
	Email string // the address concerned; "" for "your address"
	// State is "confirm" (the page of a GET: a question and a button),
	// "done" (after the POST succeeded) or "invalid" (a bad or expired
	// link).
	State string
	// Action is the URL the form posts to, for "confirm": the link
	// itself. "" leaves the form without an action, which posts to the
	// page's own URL.
	Action string
	// ListAddress is the bot's address, to write to; "" leaves it out.
	ListAddress string
}

// Digest renders one issue of the digest. Its Subject reads "Alliance
// news – Vol. 2, No. 14 – 30 November 2026", in French "Actualités de
// l'Alliance – Vol. 2, n° 14 – 30 novembre 2026". It returns ErrNoItems
// for a digest without items and ErrBadURL for a Link or an
// UnsubscribeURL that is not an absolute https URL.
func (s *Set) Digest(d Digest) (Rendered, error) {
	v, err := newDigestView(d)
	if err != nil {
		return Rendered{}, fmt.Errorf("render digest: %w", err)
	}
	return s.render(d.Lang, "digest", v)
}

// NewsPreview renders the preview of a news item for the staff member who
// sent it. It returns ErrBadURL for a Link that is not an https URL, so
// that the sender can be told before the item is approved.
func (s *Set) NewsPreview(d NewsPreview) (Rendered, error) {
	lang := normLang(d.Lang)
	item, err := newDigestItemView(lang, 0, d.Item)
	if err != nil {
		return Rendered{}, fmt.Errorf("render news preview: %w", err)
	}
	return s.render(lang, "news_preview", newsPreviewView{Lang: lang, Ref: ref(d.Ref), ApproveAddress: clean(d.ApproveAddress), Item: item})
}

// UnsubscribePage renders the page of the one-click unsubscribe link: a
// complete small HTML document in the member's language, with a bilingual
// title, inline CSS only, no script and nothing loaded from elsewhere. For
// "confirm", the form posts the field List-Unsubscribe=One-Click, the body
// a mail program posts under RFC 8058, so that one handler serves both.
func (s *Set) UnsubscribePage(p UnsubscribePage) (string, error) {
	lang := normLang(p.Lang)
	switch p.State {
	case "confirm", "done", "invalid":
	default:
		return "", fmt.Errorf("render unsubscribe page: unknown state %q", p.State)
	}
	v := unsubscribeView{Lang: lang, State: p.State, Email: clean(p.Email), Action: clean(p.Action), ListAddress: clean(p.ListAddress)}
	var b strings.Builder
	if err := s.html[lang].ExecuteTemplate(&b, "unsubscribe.html", v); err != nil {
		return "", fmt.Errorf("render unsubscribe page (%s): %w", lang, err)
	}
	return tidyHTML(frenchSpacing(b.String())), nil
}

// digestItemView is a news item as the templates print it.
type digestItemView struct {
	N      int    // 1, 2… in the issue; 0 for an item shown alone
	Anchor string // the HTML anchor: "item-1"; "" for an item shown alone
	Title  string // "" when none
	Source string
	Date   string
	// Paragraphs are Text's paragraphs, each a list of lines.
	Paragraphs [][]string
	HTML       template.HTML
	Link       string
}

type digestView struct {
	Lang                        string
	Volume, Issue               int
	Date                        string
	Items                       []digestItemView
	UnsubscribeURL, ListAddress string
}

type newsPreviewView struct {
	Lang, Ref, ApproveAddress string
	Item                      digestItemView
}

type unsubscribeView struct {
	Lang, State, Email, Action, ListAddress string
}

func newDigestView(d Digest) (digestView, error) {
	lang := normLang(d.Lang)
	if len(d.Items) == 0 {
		return digestView{}, ErrNoItems
	}
	if !isHTTPS(d.UnsubscribeURL) {
		return digestView{}, fmt.Errorf("unsubscribe URL %q: %w", d.UnsubscribeURL, ErrBadURL)
	}
	v := digestView{
		Lang:           lang,
		Volume:         max(d.Volume, 0),
		Issue:          max(d.Issue, 0),
		Date:           formatDate(lang, d.Date),
		UnsubscribeURL: d.UnsubscribeURL,
		ListAddress:    clean(d.ListAddress),
	}
	for i, it := range d.Items {
		iv, err := newDigestItemView(lang, i+1, it)
		if err != nil {
			return digestView{}, fmt.Errorf("item %d: %w", i+1, err)
		}
		v.Items = append(v.Items, iv)
	}
	return v, nil
}

// newDigestItemView returns the view of it as item n of an issue; 0 for
// an item shown alone.
func newDigestItemView(lang string, n int, it DigestItem) (digestItemView, error) {
	if it.Link != "" && !isHTTPS(it.Link) {
		return digestItemView{}, fmt.Errorf("link %q: %w", it.Link, ErrBadURL)
	}
	anchor := ""
	if n > 0 {
		anchor = fmt.Sprintf("item-%d", n)
	}
	return digestItemView{
		N:          n,
		Anchor:     anchor,
		Title:      clean(it.Title),
		Source:     clean(it.Source),
		Date:       formatDate(lang, it.Date),
		Paragraphs: paragraphs(it.Text),
		HTML:       template.HTML(strings.TrimSpace(string(it.HTML))),
		Link:       it.Link,
	}, nil
}

// isHTTPS says whether s is an absolute https URL with a host, and nothing
// in it that would end it early in a text or an attribute.
func isHTTPS(s string) bool {
	if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' || r == '<' || r == '>' || r == '\\' }) >= 0 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// paragraphs splits the plain text of a news item at its blank lines, each
// paragraph into its lines. Each line is cleaned as clean does a value
// (control characters, tabs and bidirectional overrides become spaces) but
// not cut: a news item is printed whole.
func paragraphs(s string) [][]string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n\n").Replace(s)
	var out [][]string
	var cur []string
	for _, l := range strings.Split(s, "\n") {
		if l = cleanLine(l); l != "" {
			cur = append(cur, l)
			continue
		}
		if cur != nil {
			out, cur = append(out, cur), nil
		}
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// cleanLine is clean without the cut: for one line of a news item's text.
func cleanLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsControl(r) || unicode.IsSpace(r) && r != '\u00a0' || isBidiControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// checkDigest renders the digest, the preview and every state of the
// unsubscribe page in lang with sample data, for Load.
func (s *Set) checkDigest(lang string) error {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	full := DigestItem{Title: "t", Text: "a\nb\n\nc", Link: "https://example.org/", Date: day, Source: "s"}
	items := []DigestItem{full, {Title: "h", HTML: "<p>h</p>", Text: "h"}, {}}
	var errs []error
	for _, d := range []Digest{
		{Volume: 1, Issue: 1, Date: day, Items: items, ListAddress: "a@b"},
		{Items: items[2:]},
	} {
		d.Lang, d.UnsubscribeURL = lang, UnsubscribePlaceholder
		_, err := s.Digest(d)
		errs = append(errs, err)
	}
	for _, p := range []NewsPreview{{Item: full, Ref: 1, ApproveAddress: "a@b"}, {Item: items[1]}, {}} {
		p.Lang = lang
		_, err := s.NewsPreview(p)
		errs = append(errs, err)
	}
	for _, st := range []string{"confirm", "done", "invalid"} {
		_, err := s.UnsubscribePage(UnsubscribePage{Lang: lang, State: st, Email: "a@b", Action: "https://example.org/u", ListAddress: "a@b"})
		errs = append(errs, err)
		_, err = s.UnsubscribePage(UnsubscribePage{Lang: lang, State: st})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
