package newsletter

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coe-congress/alliancebot/store"
)

// TestUnsubscribeEndToEnd follows a member's link from the digest: GET asks,
// POST (the one-click body of RFC 8058) unsubscribes, and the next digest
// leaves the member out.
func TestUnsubscribeEndToEnd(t *testing.T) {
	db := openStore(t)
	fill(t, db, 4)
	n := newNewsletter(t, db)
	web := httptest.NewServer(n.Handler())
	defer web.Close()
	client := web.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	srv := startSMTP(t, nil)
	d, _ := n.Start()
	if _, err := n.Send(t.Context(), d.ID, smtpOpts(srv, 1)); err != nil {
		t.Fatal(err)
	}
	mem, _ := db.GetMember("mayor00001@town1.example")
	link := n.UnsubscribeURL(mem.ID)
	u, _ := url.Parse(link)
	target := web.URL + u.Path

	resp, err := client.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), mem.Email) || !strings.Contains(strings.ToLower(string(body)), `method="post"`) {
		t.Fatalf("GET = %d:\n%s\nwant a confirmation page with a form", resp.StatusCode, body)
	}
	if _, err := db.Suppressed(mem.Email); err == nil {
		t.Fatal("a GET unsubscribed the member: link checkers would too")
	}

	resp, err = client.Post(target, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || len(resp.Cookies()) != 0 {
		t.Errorf("POST = %d, Location %q, cookies %v; want 200, no redirect, no cookie", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
	s, err := db.Suppressed(mem.Email)
	if err != nil || s.Kind != "unsubscribe" || !strings.Contains(s.Reason, "RFC 8058") {
		t.Errorf("after POST: suppression %+v, %v", s, err)
	}

	// A forged or damaged token unsubscribes nobody.
	other, _ := db.GetMember("mayor00002@town2.example")
	forged := web.URL + "/unsubscribe/" + strings.Split(n.Tokens().Make(PurposeUnsubscribe, other.ID), "-")[0] + "-aaaaaaaaaaaaaaaa"
	for _, bad := range []string{forged, web.URL + "/unsubscribe/nothing", web.URL + "/unsubscribe/" + n.Tokens().Make(PurposeBounce, other.ID)} {
		resp, err := client.Post(bad, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", bad, resp.StatusCode)
		}
	}
	if _, err := db.Suppressed(other.Email); err == nil {
		t.Error("a forged token unsubscribed a member")
	}

	// The next digest leaves the member out.
	db.AddNews(store.NewsItem{Title: "Next", Text: "More news.", State: store.NewsApproved})
	d2, _ := n.Start()
	if d2.Total != 3 {
		t.Errorf("next digest goes to %d, want 3", d2.Total)
	}
}
