package newsletter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"time"

	"github.com/inbucket/html2text"
	"github.com/microcosm-cc/bluemonday"
	"github.com/mmcdole/gofeed"
	"github.com/wneessen/go-mail"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

// sanitizer keeps the HTML of news items to what a digest may show: text,
// links, lists, tables, images. No script, style, form or event handler.
var sanitizer = bluemonday.UGCPolicy()

// SanitizeHTML keeps of s what a news item may show.
func SanitizeHTML(s string) string { return clipText(sanitizer.Sanitize(s)) }

// newsTagRe matches the subject tag that makes staff mail news.
var newsTagRe = regexp.MustCompile(`(?i)\[\s*(news|actualités?|nouvelles?)\s*\]`)

// maxNewsText bounds a news item's text and HTML.
const maxNewsText = 64 << 10

// newsFromMail makes a draft of the news mail m (class news, from staff),
// and returns the preview to send back to its author.
func (n *Newsletter) newsFromMail(m *store.Message) ([]store.Outgoing, error) {
	raw, err := n.db.Raw(m.ID)
	if err != nil {
		return nil, err
	}
	text, html, err := intake.Bodies(raw, intake.Limits{})
	if err != nil {
		return nil, fmt.Errorf("read news mail %d: %w", m.ID, err)
	}
	title := strings.TrimSpace(newsTagRe.ReplaceAllString(m.Subject, ""))
	title = strings.TrimSpace(strings.TrimLeft(title, ":-–— "))
	if title == "" {
		title = "News"
	}
	item := store.NewsItem{Title: title, Text: clipText(strings.TrimSpace(text)), Source: "mail", GUID: "mail:" + m.MessageID,
		From: m.From, Ref: m.ID, Date: m.Received}
	if m.MessageID == "" {
		item.GUID = "mail:" + m.SHA256
	}
	if html != "" {
		item.HTML = clipText(sanitizer.Sanitize(n.keepImages(raw, html)))
	}
	id, existing, err := n.db.AddNews(item)
	if err != nil || existing {
		return nil, err
	}
	item.ID = id
	o, err := n.preview(&item, m)
	if err != nil {
		return nil, err
	}
	return []store.Outgoing{o}, nil
}

// maxNewsImages bounds the pictures kept of one news mail.
const maxNewsImages = 20

// keepImages keeps the pictures that the news mail raw shows inline
// ("cid:" in its HTML) in the store, and points html at their copies on
// the web listener, so that the digest shows them to every member. Without
// a PublicURL there is nowhere to show them from: they are left out.
func (n *Newsletter) keepImages(raw []byte, html string) string {
	if n.cfg.PublicURL == "" {
		return html
	}
	images, err := intake.Images(raw, intake.Limits{}, maxNewsImages)
	if err != nil {
		return html
	}
	for _, img := range images {
		name, err := n.db.PutImage(img.ContentType, img.Data)
		if err != nil {
			n.log.Warn("news image not kept", "err", err)
			continue
		}
		html = strings.ReplaceAll(html, "cid:"+img.ContentID, n.cfg.PublicURL+"/images/"+name)
	}
	return html
}

// preview writes the message that shows staff member m.From how news item it
// will look, and how to approve it: reply to the approval address, whose
// token only that preview carries.
func (n *Newsletter) preview(it *store.NewsItem, m *store.Message) (store.Outgoing, error) {
	approve := TaggedAddress(n.cfg.From, "approve", n.tokens.Make(PurposeApprove, it.ID))
	lang := "en"
	if m.Language == "fr" {
		lang = "fr"
	}
	r, err := n.t.NewsPreview(templates.NewsPreview{Lang: lang, Ref: it.ID, ApproveAddress: approve,
		Item: templates.DigestItem{Title: it.Title, Text: it.Text, HTML: template.HTML(it.HTML), Link: it.Link, Date: it.Date.In(n.cfg.Location), Source: it.Source}})
	if err != nil {
		return store.Outgoing{}, err
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(n.cfg.FromName, n.cfg.From); err != nil {
		return store.Outgoing{}, err
	}
	if err := msg.AddTo(m.From); err != nil {
		return store.Outgoing{}, err
	}
	if err := msg.ReplyTo(approve); err != nil {
		return store.Outgoing{}, err
	}
	msg.Subject(oneLine(r.Subject))
	key := fmt.Sprintf("news_preview:%d", it.ID)
	sum := sha256.Sum256([]byte(key))
	id := fmt.Sprintf("alliancebot.news-preview.%s@%s", hex.EncodeToString(sum[:10]), domainOf(n.cfg.From))
	msg.SetMessageIDWithValue(id)
	msg.SetDateWithValue(n.cfg.Now())
	if msgIDOK(m.MessageID) {
		msg.SetGenHeader(mail.HeaderInReplyTo, m.MessageID)
		msg.SetGenHeader(mail.HeaderReferences, m.MessageID)
	}
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-replied")
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader(mail.HeaderContentLang, lang)
	msg.SetBodyString(mail.TypeTextPlain, r.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, r.HTML)
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return store.Outgoing{}, err
	}
	raw := buf.Bytes()
	if n.cfg.Signer != nil {
		if raw, err = n.cfg.Signer.Sign(raw); err != nil {
			return store.Outgoing{}, err
		}
	}
	return store.Outgoing{Key: key, Kind: "news_preview", MessageID: "<" + id + ">",
		From: n.cfg.From, To: []string{m.From}, Subject: oneLine(r.Subject), Language: lang, Trigger: m.ID, Raw: raw}, nil
}

// approveByReply approves the draft named by the approval address m was sent
// to, when staff sent it. It returns false when m is no approval.
func (n *Newsletter) approveByReply(m *store.Message) (bool, error) {
	for _, to := range append(append([]string(nil), m.To...), m.Cc...) {
		token := TagToken(to, n.cfg.From, "approve")
		if token == "" {
			continue
		}
		id, ok := n.tokens.Check(PurposeApprove, token)
		if !ok || !n.isStaff(m.From) {
			n.log.Warn("news approval refused", "from", m.From, "id", m.ID)
			return true, nil
		}
		if _, err := n.db.SetNewsState(id, store.NewsApproved); err != nil {
			return true, err
		}
		n.log.Info("news approved by reply", "news", id, "by", m.From)
		return true, nil
	}
	return false, nil
}

func (n *Newsletter) isStaff(addr string) bool {
	for _, s := range n.cfg.Staff {
		if strings.EqualFold(s, addr) {
			return true
		}
	}
	return false
}

// ImportFeed reads the RSS or Atom feed at url and adds its items not seen
// before as drafts, for staff to approve. It returns how many it added.
func (n *Newsletter) ImportFeed(ctx context.Context, url string) (int, error) {
	fp := gofeed.NewParser()
	fp.UserAgent = "alliancebot"
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	feed, err := fp.ParseURLWithContext(url, ctx)
	if err != nil {
		return 0, fmt.Errorf("read feed %s: %w", url, err)
	}
	added := 0
	for _, it := range feed.Items {
		guid := it.GUID
		if guid == "" {
			guid = it.Link
		}
		if guid == "" {
			guid = it.Title
		}
		body := it.Content
		if body == "" {
			body = it.Description
		}
		html := sanitizer.Sanitize(body)
		text, err := html2text.FromString(html, html2text.Options{})
		if err != nil {
			text = bluemonday.StrictPolicy().Sanitize(body)
		}
		item := store.NewsItem{Title: oneLine(it.Title), Text: clipText(text), HTML: clipText(html), Link: it.Link,
			Source: oneLine(feed.Title), GUID: "feed:" + url + "#" + guid, State: store.NewsDraft}
		if item.Source == "" {
			item.Source = url
		}
		if it.PublishedParsed != nil {
			item.Date = *it.PublishedParsed
		}
		if _, existing, err := n.db.AddNews(item); err != nil {
			return added, err
		} else if !existing {
			added++
		}
	}
	return added, nil
}

func clipText(s string) string {
	if len(s) <= maxNewsText {
		return s
	}
	return strings.ToValidUTF8(s[:maxNewsText], "") + "…"
}

var msgIDOKRe = regexp.MustCompile(`^<[^<>\s"]{1,240}@[^<>\s"]{1,240}>$`)

func msgIDOK(id string) bool { return msgIDOKRe.MatchString(id) }
