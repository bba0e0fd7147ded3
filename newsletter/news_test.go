package newsletter

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
)

// pixel is a 1x1 PNG.
var pixel, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

// staffMail stores raw, read with ana.staff as staff, as the watcher would.
func staffMail(t *testing.T, db *store.DB, uid uint32, raw string) *store.Message {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	env, res := intake.Read([]byte(raw), intake.Options{Staff: []string{"ana.staff@coe.int"}, NewsAddress: "roma.summit+news@coe.int"})
	js, _ := json.Marshal(res)
	m := store.Message{MessageID: env.MessageID, From: env.From, To: env.To, Subject: env.Subject, Class: string(res.Class),
		Language: res.Language, Result: js, Source: store.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uid}}
	r, err := db.Put([]store.Incoming{{Raw: []byte(raw), Msg: m}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := db.Get(r[0].ID)
	return got
}

// TestNewsByMail follows a news item mailed by staff, with a picture pasted
// in: it becomes a draft, the picture is kept and served, the author gets a
// preview, and only a staff reply to the preview's address approves it.
func TestNewsByMail(t *testing.T) {
	db := openStore(t)
	n := newNewsletter(t, db)
	news := "From: Ana Staff <ana.staff@coe.int>\nTo: roma.summit@coe.int\nSubject: [news] Study visit to Cluj-Napoca\n" +
		"Message-ID: <news1@coe.int>\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"r\"\n\n" +
		"--r\nContent-Type: text/html; charset=utf-8\n\n<p>Twelve cities visited the mediation service.</p><img src=\"cid:pic1@coe.int\" alt=\"Visit\"><script>alert(1)</script>\n" +
		"--r\nContent-Type: image/png\nContent-ID: <pic1@coe.int>\nContent-Transfer-Encoding: base64\n\n" + base64.StdEncoding.EncodeToString(pixel) + "\n--r--\n"
	m := staffMail(t, db, 1, news)
	if m.Class != string(intake.ClassNews) {
		t.Fatalf("news mail is %s, want news", m.Class)
	}
	outs, skip, err := n.Observe(m)
	if err != nil || skip == "" || len(outs) != 1 {
		t.Fatalf("Observe(news) = %d messages, skip %q, %v; want a preview and no other reply", len(outs), skip, err)
	}
	item, err := db.GetNews(1)
	if err != nil {
		t.Fatal(err)
	}
	if item.State != store.NewsDraft || item.Title != "Study visit to Cluj-Napoca" || strings.Contains(item.HTML, "<script") {
		t.Errorf("draft = %+v", item)
	}
	i := strings.Index(item.HTML, "https://alliance.example.org/bot/images/")
	if i < 0 {
		t.Fatalf("the picture is not kept: %s", item.HTML)
	}
	src := item.HTML[i:]
	src = src[:strings.IndexByte(src, '"')]
	u, _ := url.Parse(src)
	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest("GET", u.Path, nil))
	if body, _ := io.ReadAll(rec.Body); rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" || !bytes.Equal(body, pixel) {
		t.Errorf("GET %s = %d %s, %d bytes; want the PNG", u.Path, rec.Code, rec.Header().Get("Content-Type"), len(body))
	}

	preview := outs[0]
	if preview.To[0] != "ana.staff@coe.int" || preview.Kind != "news_preview" {
		t.Errorf("preview = %+v", preview)
	}
	approve := ""
	for _, line := range strings.Split(string(preview.Raw), "\r\n") {
		if strings.HasPrefix(line, "Reply-To:") {
			approve = strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "Reply-To:")), "<>")
		}
	}
	if !strings.HasPrefix(approve, "roma.summit+approve-") {
		t.Fatalf("preview Reply-To = %q, want the approval address", approve)
	}
	// Someone who is not staff writes to the approval address: nothing.
	forged := staffMail(t, db, 2, "From: someone@else.example\nTo: "+approve+"\nSubject: Re: preview\nMessage-ID: <f@else.example>\n\nok\n")
	if _, skip, _ := n.Observe(forged); skip == "" {
		t.Error("a reply to the approval address from outside was treated as ordinary mail")
	}
	if it, _ := db.GetNews(1); it.State != store.NewsDraft {
		t.Errorf("a reply from outside staff approved the draft")
	}
	// Staff reply: approved.
	ok := staffMail(t, db, 3, "From: ana.staff@coe.int\nTo: "+approve+"\nSubject: Re: preview\nMessage-ID: <ok@coe.int>\n\nApproved.\n")
	if _, _, err := n.Observe(ok); err != nil {
		t.Fatal(err)
	}
	if it, _ := db.GetNews(1); it.State != store.NewsApproved {
		t.Errorf("after the staff reply the draft is %s, want approved", it.State)
	}
	// The same mail again is not a second draft.
	if outs, _, _ := n.Observe(m); len(outs) != 0 {
		t.Errorf("the same news mail made a second preview")
	}
}

func TestImportFeed(t *testing.T) {
	db := openStore(t)
	n := newNewsletter(t, db)
	feed := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Congress news</title><link>https://example.org/</link>
<item><title>Roma Week 2026</title><link>https://example.org/roma-week</link><guid>rw-2026</guid>
<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate><description><![CDATA[<p>Member cities met.</p><script>x()</script>]]></description></item>
<item><title>Call for projects</title><link>http://example.org/call</link><guid>call-2027</guid><description>Apply by March.</description></item>
</channel></rss>`
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer web.Close()
	added, err := n.ImportFeed(t.Context(), web.URL)
	if err != nil || added != 2 {
		t.Fatalf("ImportFeed = %d, %v; want 2", added, err)
	}
	if again, _ := n.ImportFeed(t.Context(), web.URL); again != 0 {
		t.Errorf("a second import added %d, want 0", again)
	}
	it, _ := db.GetNews(1)
	if it.State != store.NewsDraft || it.Title != "Roma Week 2026" || it.Source != "Congress news" || strings.Contains(it.HTML, "script") ||
		!strings.Contains(it.Text, "Member cities met.") || it.Date.IsZero() {
		t.Errorf("feed item = %+v", it)
	}
	if _, err := n.ImportFeed(t.Context(), web.URL+"/nothing\x7f"); err == nil {
		t.Error("ImportFeed of a bad URL: nil error")
	}
	// An http link is not shown in the digest (https only).
	db.SetNewsState(2, store.NewsApproved)
	r, _, err := n.Preview("en")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Text, "http://example.org/call") {
		t.Error("the digest links to a plain-http page")
	}
}
