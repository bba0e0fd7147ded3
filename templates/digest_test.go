package templates

import (
	"errors"
	"html"
	"html/template"
	"mime/quotedprintable"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coe-congress/alliancebot/intake"
)

var issueDate = time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CET", 3600))

// digestItems are three realistic items in lang: one in plain text with a
// link, one in HTML, one in plain text without a link or source.
func digestItems(lang string) []DigestItem {
	if lang == "fr" {
		return []DigestItem{
			{Title: "Semaine des Roms 2026 : les collectivités membres réunies à Strasbourg",
				Text: "Le Congrès a réuni les 24 et 25 novembre les représentants de 38 collectivités membres de l'Alliance.\n\n" +
					"Les débats ont porté sur l'accès au logement et sur la scolarisation des enfants roms et gens du voyage ; les conclusions seront publiées en janvier.",
				Link: "https://www.coe.int/fr/web/congress/-/semaine-des-roms-2026", Date: issueDate.AddDate(0, 0, -5), Source: "Secrétariat du Congrès"},
			{Title: "Bonne pratique : des médiateurs scolaires à Cluj-Napoca",
				Text: "La ville de Cluj-Napoca emploie six médiateurs scolaires roms.\n\nRésultats après deux ans :\n- absentéisme réduit de moitié ;\n- 40 familles accompagnées.",
				HTML: template.HTML("<p>La ville de Cluj-Napoca emploie <strong>six médiateurs scolaires</strong> roms.</p>\n<p>Résultats après deux ans :</p>\n<ul>\n<li>absentéisme réduit de moitié ;</li>\n<li>40 familles accompagnées.</li>\n</ul>"),
				Date: issueDate.AddDate(0, 0, -12), Source: "Réseau ROMED"},
			{Title: "Appel à projets : fonds pour l'inclusion locale",
				Text: "Les collectivités membres peuvent présenter leurs projets jusqu'au 1er mars 2027. Écrivez-nous pour recevoir le dossier de candidature.",
				Date: issueDate.AddDate(0, 0, -1)},
		}
	}
	return []DigestItem{
		{Title: "Roma Week 2026: member authorities meet in Strasbourg",
			Text: "The Congress brought together representatives of 38 member authorities of the Alliance on 24 and 25 November.\n\n" +
				"The debates dealt with access to housing and with the schooling of Roma and Traveller children; the conclusions will be published in January.",
			Link: "https://www.coe.int/en/web/congress/-/roma-week-2026", Date: issueDate.AddDate(0, 0, -5), Source: "Congress secretariat"},
		{Title: "Good practice: school mediators in Cluj-Napoca",
			Text: "The city of Cluj-Napoca employs six Roma school mediators.\n\nResults after two years:\n- absenteeism halved;\n- 40 families supported.",
			HTML: template.HTML("<p>The city of Cluj-Napoca employs <strong>six Roma school mediators</strong>.</p>\n<p>Results after two years:</p>\n<ul>\n<li>absenteeism halved;</li>\n<li>40 families supported.</li>\n</ul>"),
			Date: issueDate.AddDate(0, 0, -12), Source: "ROMED network"},
		{Title: "Call for projects: fund for local inclusion",
			Text: "Member authorities may submit their projects until 1 March 2027. Write to us to receive the application file.",
			Date: issueDate.AddDate(0, 0, -1)},
	}
}

func digestCase(lang string) Digest {
	return Digest{Lang: lang, Volume: 2, Issue: 14, Date: issueDate, Items: digestItems(lang),
		UnsubscribeURL: UnsubscribePlaceholder, ListAddress: "roma.alliance@coe.int"}
}

func previewCase(lang string) NewsPreview {
	return NewsPreview{Lang: lang, Item: digestItems(lang)[0], Ref: 57,
		ApproveAddress: "roma.alliance+approve-57-k3J9xQ2mZpL0aV7d@coe.int"}
}

// digestRenderings are the golden cases of this file, as renderings.
func digestRenderings() []rendering {
	return []rendering{
		{"digest", func(s *Set, lang string) (Rendered, error) { return s.Digest(digestCase(lang)) }},
		{"news-preview", func(s *Set, lang string) (Rendered, error) { return s.NewsPreview(previewCase(lang)) }},
	}
}

func unsubscribeCase(lang, state string) UnsubscribePage {
	return UnsubscribePage{Lang: lang, State: state, Email: "info@gemeinde-musterdorf.example.at",
		Action: "https://alliance.coe.int/unsubscribe?t=Zm9vYmFy&l=" + lang, ListAddress: "roma.alliance@coe.int"}
}

func TestDigestGolden(t *testing.T) {
	s := mustLoad(t)
	for _, r := range digestRenderings() {
		for _, lang := range langs {
			t.Run(r.name+"/"+lang, func(t *testing.T) {
				got, err := r.render(s, lang)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, r.name+"."+lang+".txt.golden", "Subject: "+got.Subject+"\n\n"+got.Text)
				golden(t, r.name+"."+lang+".html.golden", got.HTML)
			})
		}
	}
	for _, state := range []string{"confirm", "done", "invalid"} {
		for _, lang := range langs {
			t.Run("unsubscribe-"+state+"/"+lang, func(t *testing.T) {
				got, err := s.UnsubscribePage(unsubscribeCase(lang, state))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, "unsubscribe-"+state+"."+lang+".html.golden", got)
			})
		}
	}
}

func TestDigestSubject(t *testing.T) {
	s := mustLoad(t)
	tests := []struct {
		d    Digest
		want string
	}{
		{digestCase("en"), "Alliance news – Vol. 2, No. 14 – 30 November 2026"},
		{digestCase("fr"), "Actualités de l'Alliance – Vol. 2, n° 14 – 30 novembre 2026"},
		{Digest{Lang: "fr", Issue: 3, Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, "Actualités de l'Alliance – n° 3 – 1er décembre 2026"},
		{Digest{Lang: "de", Volume: 1}, "Alliance news – Vol. 1"},
		{Digest{}, "Alliance news"},
	}
	for _, tt := range tests {
		if tt.d.Items == nil {
			tt.d.Items, tt.d.UnsubscribeURL = []DigestItem{{Title: "x"}}, UnsubscribePlaceholder
		}
		r, err := s.Digest(tt.d)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ReplaceAll(r.Subject, nbsp, " "); got != tt.want {
			t.Errorf("Digest(%s, vol %d, no %d).Subject = %q, want %q", tt.d.Lang, tt.d.Volume, tt.d.Issue, got, tt.want)
		}
	}
	r, err := s.NewsPreview(previewCase("fr"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[Alliance] Actualité à approuver : Semaine des Roms 2026 : les collectivités membres réunies à Strasbourg – brouillon 57"; strings.ReplaceAll(r.Subject, nbsp, " ") != want {
		t.Errorf("NewsPreview(fr).Subject = %q, want %q", r.Subject, want)
	}
}

// TestUnsubscribePlaceholder checks that the placeholder comes out whole
// wherever the unsubscribe URL goes, so that the caller can replace it.
func TestUnsubscribePlaceholder(t *testing.T) {
	p := UnsubscribePlaceholder
	if u, err := url.Parse(p); err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Host, ".invalid") {
		t.Errorf("url.Parse(%q) = %v, %v; want an https URL under .invalid", p, u, err)
	}
	if regexp.MustCompile(`[^A-Za-z0-9/:.\-]`).MatchString(p) {
		t.Errorf("placeholder %q holds a character that an encoding may change", p)
	}
	var qp strings.Builder
	w := quotedprintable.NewWriter(&qp)
	w.Write([]byte(p))
	w.Close()
	if html.EscapeString(p) != p || template.HTMLEscapeString(p) != p || qp.String() != p {
		t.Errorf("placeholder %q changes when escaped (%q) or encoded (%q)", p, html.EscapeString(p), qp.String())
	}

	s := mustLoad(t)
	for _, lang := range langs {
		d := digestCase(lang)
		// A long text around it: wrapping must leave it alone.
		d.Items[0].Text = strings.Repeat("Roma inclusion in cities and regions. ", 30)
		r, err := s.Digest(d)
		if err != nil {
			t.Fatal(err)
		}
		var own bool
		for _, l := range strings.Split(r.Text, "\n") {
			own = own || l == p
		}
		if !own {
			t.Errorf("%s: Text has no line that is the placeholder alone:\n%s", lang, r.Text)
		}
		if !strings.Contains(r.HTML, `href="`+p+`"`) {
			t.Errorf("%s: HTML lacks href=%q", lang, p)
		}
		// Made personal, nothing of it is left.
		real := "https://alliance.coe.int/u/Zm9vYmFyYmF6-_Q"
		for part, v := range map[string]string{"Text": r.Text, "HTML": r.HTML} {
			v = strings.ReplaceAll(v, p, real)
			if strings.Contains(v, "invalid") || strings.Contains(v, "TOKEN") || !strings.Contains(v, real) {
				t.Errorf("%s: %s after replacing the placeholder holds a piece of it", lang, part)
			}
		}
	}
}

// TestDigestContents checks the table of contents: every item in it, in
// order, linked in HTML to an anchor before the item.
func TestDigestContents(t *testing.T) {
	s := mustLoad(t)
	for _, lang := range langs {
		d := digestCase(lang)
		r, err := s.Digest(d)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(r.Text, nbsp, " ")
		last := -1
		for i, it := range d.Items {
			n := strconv.Itoa(i + 1)
			toc := "[" + n + "] " + it.Title
			if c := strings.Count(text, toc); c != 2 {
				t.Errorf("%s: Text holds %q %d times, want 2 (contents and heading)", lang, toc, c)
			}
			link := `<a href="#item-` + n + `"`
			anchor := `<a name="item-` + n + `" id="item-` + n + `"`
			li, ai := strings.Index(r.HTML, link), strings.Index(r.HTML, anchor)
			if li < 0 || ai < 0 || ai < li || ai < last {
				t.Errorf("%s: HTML item %s: link at %d, anchor at %d (previous anchor %d)", lang, n, li, ai, last)
			}
			last = ai
		}
		if strings.Contains(r.HTML, "<img") || strings.Contains(r.HTML, "<style") || strings.Contains(r.HTML, "<script") ||
			strings.Contains(r.HTML, "background-image") || strings.Contains(r.HTML, "@font-face") {
			t.Errorf("%s: HTML has an image, a style sheet, a script or a web font", lang)
		}
		if !strings.Contains(r.HTML, `width="600"`) || !strings.Contains(r.HTML, "width:600px") {
			t.Errorf("%s: HTML is not 600 pixels wide", lang)
		}
		// The HTML item is printed as given.
		if !strings.Contains(r.HTML, frenchSpacing(string(d.Items[1].HTML))) {
			t.Errorf("%s: HTML lacks the item's own HTML", lang)
		}
	}
}

// TestDigestFacts checks that the data is in both forms.
func TestDigestFacts(t *testing.T) {
	s := mustLoad(t)
	facts := map[string]map[string][]string{
		"digest": {
			"en": {"Alliance news", "Vol. 2, No. 14", "30 November 2026", "In this issue:", "Roma Week 2026: member authorities meet in Strasbourg",
				"Congress secretariat, 25 November 2026", "38 member authorities", "Read more", "ROMED network, 18 November 2026",
				"six Roma school mediators", "absenteeism halved", "29 November 2026", "until 1 March 2027",
				"your authority is a member of the European Alliance of Cities and Regions for Roma Inclusion", "Unsubscribe",
				`the word "unsubscribe"`, "roma.alliance@coe.int", "Your address is kept", "Votre adresse est conservée"},
			"fr": {"Actualités de l'Alliance", "Vol. 2, n° 14", "30 novembre 2026", "Dans ce numéro :", "Secrétariat du Congrès, 25 novembre 2026",
				"Lire la suite", "six médiateurs scolaires", "votre collectivité est membre de l'Alliance européenne", "Se désabonner",
				"« désabonner »", "roma.alliance@coe.int", "Your address is kept", "Votre adresse est conservée"},
		},
		"news-preview": {
			"en": {"Roma Week 2026", "Congress secretariat, 25 November 2026", "Read more", "roma.alliance+approve-57-k3J9xQ2mZpL0aV7d@coe.int",
				"alliancebot news approve 57", "never sent"},
			"fr": {"Semaine des Roms 2026", "Lire la suite", "roma.alliance+approve-57-k3J9xQ2mZpL0aV7d@coe.int", "alliancebot news approve 57",
				"jamais envoyée"},
		},
	}
	for _, r := range digestRenderings() {
		for _, lang := range langs {
			got, err := r.render(s, lang)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(strings.ReplaceAll(got.Text, nbsp, " ")), " ")
			doc := strings.Join(strings.Fields(strings.ReplaceAll(html.UnescapeString(tagRE.ReplaceAllString(got.HTML, " ")), nbsp, " ")), " ")
			for _, f := range facts[r.name][lang] {
				if !strings.Contains(text, f) {
					t.Errorf("%s (%s): Text lacks %q", r.name, lang, f)
				}
				if !strings.Contains(doc, f) {
					t.Errorf("%s (%s): HTML lacks %q", r.name, lang, f)
				}
			}
			if strings.Contains(got.HTML, "https://www.coe.int/") != strings.Contains(got.Text, "https://www.coe.int/") {
				t.Errorf("%s (%s): the link is in one form only", r.name, lang)
			}
		}
	}
}

// TestDigestSameWords checks that Text and HTML say the same, but for the
// URLs, which the HTML puts in links.
func TestDigestSameWords(t *testing.T) {
	s := mustLoad(t)
	urlRE := regexp.MustCompile(`https://\S+`)
	for _, r := range digestRenderings() {
		for _, lang := range langs {
			got, err := r.render(s, lang)
			if err != nil {
				t.Fatal(err)
			}
			tw, hw := words(urlRE.ReplaceAllString(got.Text, "")), htmlWords(got.HTML)
			for w := range tw {
				if !hw[w] {
					t.Errorf("%s (%s): %q is in Text, not in HTML", r.name, lang, w)
				}
			}
			for w := range hw {
				if !tw[w] {
					t.Errorf("%s (%s): %q is in HTML, not in Text", r.name, lang, w)
				}
			}
		}
	}
}

func TestDigestLineLength(t *testing.T) {
	s := mustLoad(t)
	long := strings.Repeat("Municipalities and regions share their experience of Roma inclusion. ", 12)
	for _, lang := range langs {
		d := digestCase(lang)
		d.Items[0].Title = strings.Repeat("A very long title about housing, schooling and health ", 4)
		d.Items[0].Text = long + "\n\n" + long
		d.Items[0].Link = "https://www.coe.int/en/web/congress/-/" + strings.Repeat("very-long-path-", 8)
		d.ListAddress = "european-alliance-of-cities-and-regions-for-roma-inclusion@congress.coe.int"
		p := previewCase(lang)
		p.Item = d.Items[0]
		for name, f := range map[string]func() (Rendered, error){
			"digest":  func() (Rendered, error) { return s.Digest(d) },
			"preview": func() (Rendered, error) { return s.NewsPreview(p) },
		} {
			r, err := f()
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range strings.Split(r.Text, "\n") {
				if utf8.RuneCountInString(l) > 78 && !strings.Contains(l, "://") && !strings.Contains(l, "@") {
					t.Errorf("%s/%s line %d is %d characters: %q", name, lang, i+1, utf8.RuneCountInString(l), l)
				}
			}
			if strings.ContainsAny(r.Subject, "\r\n") {
				t.Errorf("%s/%s: subject %q has a line break", name, lang, r.Subject)
			}
		}
	}
}

// TestDigestEscapes puts hostile values everywhere a value goes.
func TestDigestEscapes(t *testing.T) {
	s := mustLoad(t)
	for _, h := range []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`} {
		for _, lang := range langs {
			it := DigestItem{Title: h, Text: h + "\n\n" + h, Source: h, Date: issueDate, Link: "https://example.org/?q=" + url.QueryEscape(h)}
			d := Digest{Lang: lang, Items: []DigestItem{it, it}, UnsubscribeURL: UnsubscribePlaceholder, ListAddress: h}
			var rs []Rendered
			r, err := s.Digest(d)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
			if r, err = s.NewsPreview(NewsPreview{Lang: lang, Item: it, Ref: 1, ApproveAddress: h}); err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
			for _, st := range []string{"confirm", "done", "invalid"} {
				page, err := s.UnsubscribePage(UnsubscribePage{Lang: lang, State: st, Email: h, Action: "javascript:alert(1)", ListAddress: h})
				if err != nil {
					t.Fatal(err)
				}
				rs = append(rs, Rendered{HTML: page, Text: h})
				if strings.Contains(page, "javascript:") {
					t.Errorf("unsubscribe page (%s, %s) holds a javascript: action", st, lang)
				}
			}
			for i, r := range rs {
				for _, bad := range []string{"<script", "<img"} {
					if strings.Contains(r.HTML, bad) {
						t.Errorf("rendering %d (%s) of %q: HTML holds %q unescaped", i, lang, h, bad)
					}
				}
				if !strings.Contains(r.Text, h) {
					t.Errorf("rendering %d (%s): Text lacks the value %q as given", i, lang, h)
				}
			}
		}
	}
	// The item's own HTML is trusted: printed as given.
	r, err := s.Digest(Digest{Items: []DigestItem{{Title: "t", HTML: `<p>a <em>b</em></p>`}}, UnsubscribeURL: UnsubscribePlaceholder})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, `<p>a <em>b</em></p>`) {
		t.Error("Digest did not print the item's HTML as given")
	}
	// A value cannot start a line of its own, nor carry control characters.
	r, err = s.Digest(Digest{Items: []DigestItem{{Title: "a\n1. Name of the local or regional authority: x\u202e", Text: "b\x00c\td\u202e", Source: "s\r\nt"}},
		UnsubscribeURL: UnsubscribePlaceholder})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(r.Text, "\n") {
		if strings.HasPrefix(l, "1. ") || strings.ContainsAny(l, "\x00\t\r\u202e") {
			t.Errorf("Text line %q starts with a number or holds a control character", l)
		}
	}
}

func TestDigestErrors(t *testing.T) {
	s := mustLoad(t)
	ok := DigestItem{Title: "t", Text: "x"}
	for _, link := range []string{"javascript:alert(1)", "http://example.org/", "https://", "//example.org/x", "https://exa mple.org/", "https://u:p@example.org/", "mailto:a@b"} {
		if _, err := s.Digest(Digest{Items: []DigestItem{ok, {Title: "t", Link: link}}, UnsubscribeURL: UnsubscribePlaceholder}); !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), "item 2") {
			t.Errorf("Digest(link %q) = %v, want ErrBadURL naming item 2", link, err)
		}
		if _, err := s.NewsPreview(NewsPreview{Item: DigestItem{Link: link}}); !errors.Is(err, ErrBadURL) {
			t.Errorf("NewsPreview(link %q) = %v, want ErrBadURL", link, err)
		}
		if _, err := s.Digest(Digest{Items: []DigestItem{ok}, UnsubscribeURL: link}); !errors.Is(err, ErrBadURL) {
			t.Errorf("Digest(unsubscribe URL %q) = %v, want ErrBadURL", link, err)
		}
	}
	if _, err := s.Digest(Digest{Items: []DigestItem{ok}}); !errors.Is(err, ErrBadURL) {
		t.Errorf("Digest(no unsubscribe URL) = %v, want ErrBadURL", err)
	}
	if _, err := s.Digest(Digest{UnsubscribeURL: UnsubscribePlaceholder}); !errors.Is(err, ErrNoItems) {
		t.Errorf("Digest(no items) = %v, want ErrNoItems", err)
	}
	for _, st := range []string{"", "Confirm", "ok"} {
		if _, err := s.UnsubscribePage(UnsubscribePage{State: st}); err == nil {
			t.Errorf("UnsubscribePage(state %q) = nil error", st)
		}
	}
}

// TestDigestEmptyData renders with empty values and in unknown languages.
func TestDigestEmptyData(t *testing.T) {
	s := mustLoad(t)
	for _, lang := range []string{"en", "fr", "", "de"} {
		rs := map[string]Rendered{}
		var err error
		if rs["digest"], err = s.Digest(Digest{Lang: lang, Items: []DigestItem{{}, {HTML: " "}}, UnsubscribeURL: UnsubscribePlaceholder}); err != nil {
			t.Fatal(err)
		}
		if rs["preview"], err = s.NewsPreview(NewsPreview{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{"confirm", "done", "invalid"} {
			page, err := s.UnsubscribePage(UnsubscribePage{Lang: lang, State: st})
			if err != nil {
				t.Fatal(err)
			}
			rs["unsubscribe "+st] = Rendered{Subject: "-", Text: "-", HTML: page}
		}
		for name, r := range rs {
			for part, v := range map[string]string{"Subject": r.Subject, "Text": r.Text, "HTML": r.HTML} {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s (%q): %s is empty", name, lang, part)
				}
				checkClean(t, name+" ("+lang+") "+part, v)
			}
		}
		if !strings.Contains(rs["digest"].Text, "[2] ") {
			t.Errorf("digest (%q) with untitled items has no second entry:\n%s", lang, rs["digest"].Text)
		}
	}
}

func TestUnsubscribePage(t *testing.T) {
	s := mustLoad(t)
	for _, lang := range langs {
		for _, st := range []string{"confirm", "done", "invalid"} {
			p := unsubscribeCase(lang, st)
			page, err := s.UnsubscribePage(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(page, "<!DOCTYPE html>\n") || !strings.HasSuffix(page, "</html>\n") {
				t.Errorf("%s/%s: not a complete document", st, lang)
			}
			title := page[strings.Index(page, "<title>"):strings.Index(page, "</title>")]
			if !strings.Contains(title, "Unsubscribe") || !strings.Contains(title, "Désabonnement") {
				t.Errorf("%s/%s: title %q is not bilingual", st, lang, title)
			}
			for _, bad := range []string{"<script", "<style", "<link", "<img", "src=", "@import", "url(", "<iframe", " on"} {
				if strings.Contains(strings.ToLower(page), bad) {
					t.Errorf("%s/%s: page holds %q", st, lang, bad)
				}
			}
			form := strings.Contains(page, `<form method="post" action="`+html.EscapeString(p.Action)+`"`) &&
				strings.Contains(page, `<input type="hidden" name="List-Unsubscribe" value="One-Click">`) &&
				strings.Contains(page, `<button type="submit"`)
			if form != (st == "confirm") {
				t.Errorf("%s/%s: page has a form posting to the link: %v", st, lang, form)
			}
			if strings.Contains(page, p.Email) != (st != "invalid") {
				t.Errorf("%s/%s: page shows the member's address: %v", st, lang, !(st != "invalid"))
			}
			if strings.Contains(page, `href="mailto:roma.alliance@coe.int"`) != (st != "confirm") {
				t.Errorf("%s/%s: page gives the address to write to: %v", st, lang, st == "confirm")
			}
			if !strings.Contains(page, `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s: page is not marked %s", st, lang, lang)
			}
		}
	}
	// Without an action, the form posts to the page's own URL.
	page, err := s.UnsubscribePage(UnsubscribePage{State: "confirm"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, `<form method="post" style=`) || !strings.Contains(page, "your address") {
		t.Errorf("page without action or email:\n%s", page)
	}
}

func TestDigestFrenchTypography(t *testing.T) {
	s := mustLoad(t)
	bad := regexp.MustCompile(`[ \t][:;!?»]|«[ \t]`)
	var parts []string
	for _, r := range digestRenderings() {
		got, err := r.render(s, "fr")
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, got.Subject, got.Text, got.HTML)
	}
	for _, st := range []string{"confirm", "done", "invalid"} {
		page, err := s.UnsubscribePage(unsubscribeCase("fr", st))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, page)
	}
	for _, p := range parts {
		if m := bad.FindString(p); m != "" {
			t.Errorf("ordinary space in %q", m)
		}
	}
}

// TestDigestQuotedReply replies to the digest, quoting it: our text must
// not be read as answers to the questionnaire nor as a request to leave,
// and a member's "unsubscribe" above it must be, as the footer says.
func TestDigestQuotedReply(t *testing.T) {
	s := mustLoad(t)
	thanks := map[string]string{"en": "Thank you for the news, very interesting.\n\nBest regards,\nNikos",
		"fr": "Merci pour ces nouvelles, très intéressantes.\n\nCordialement,\nClaire"}
	leave := map[string]string{"en": "unsubscribe", "fr": "désabonner"}
	for _, lang := range langs {
		r, err := s.Digest(digestCase(lang))
		if err != nil {
			t.Fatal(err)
		}
		for _, style := range []replyStyle{styleQuoted, styleOutlook} {
			body := r.Text
			if style == styleQuoted {
				body = quoteAll(body)
			}
			res := intake.Parse(replyMessage(thanks[lang], body, style), intake.Options{})
			if res.Class == intake.ClassQuestionnaire || res.Class == intake.ClassUnsubscribe {
				t.Errorf("%s/%s: Parse(thank-you reply to the digest) = %s, want neither answers nor a request to leave", lang, style, res.Class)
			}
			if res := intake.Parse(replyMessage(leave[lang], body, style), intake.Options{}); res.Class != intake.ClassUnsubscribe {
				t.Errorf("%s/%s: Parse(%q above the digest) = %s, want %s", lang, style, leave[lang], res.Class, intake.ClassUnsubscribe)
			}
		}
		doc := strings.Replace(r.HTML, `<body style="margin:0;padding:0;background-color:#f2f4f7;">`,
			"<body><p>"+html.EscapeString(thanks[lang])+"</p><div style=\"border-top:solid #E1E1E1 1.0pt\"><p><b>From:</b> Alliance &lt;roma.alliance@coe.int&gt;<br><b>Sent:</b> Monday, 30 November 2026 09:00<br><b>Subject:</b> Alliance news</p></div>", 1)
		if res := intake.Parse(mail("text/html", doc), intake.Options{}); res.Class == intake.ClassQuestionnaire || res.Class == intake.ClassUnsubscribe {
			t.Errorf("%s/html: Parse(thank-you reply to the digest) = %s", lang, res.Class)
		}
	}
}

func TestDigestOverride(t *testing.T) {
	dir := t.TempDir()
	en := embeddedText(t, "digest.en.tmpl")
	over := strings.Replace(en, `{{- define "digest.title"}}Alliance news{{end}}`, `{{- define "digest.title"}}Alliance bulletin{{end}}`, 1)
	if over == en {
		t.Fatal("digest.title not found in digest.en.tmpl")
	}
	page := strings.Replace(embeddedText(t, "unsubscribe.html.tmpl"), "<body ", "<body data-over=\"1\" ", 1)
	for name, text := range map[string]string{"digest.en.tmpl": over, "unsubscribe.html.tmpl": page} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s) = %v", dir, err)
	}
	r, err := s.Digest(digestCase("en"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Subject, "Alliance bulletin – ") || !strings.HasPrefix(r.Text, "Alliance bulletin\n") || !strings.Contains(r.HTML, "Alliance bulletin") {
		t.Errorf("Digest with digest.en.tmpl replaced: subject %q, want the new title", r.Subject)
	}
	if r, _ := s.Digest(digestCase("fr")); !strings.HasPrefix(r.Subject, "Actualités de l'Alliance") {
		t.Errorf("French digest subject %q, want the embedded title", r.Subject)
	}
	if p, _ := s.UnsubscribePage(unsubscribeCase("fr", "done")); !strings.Contains(p, `data-over="1"`) {
		t.Error("unsubscribe page does not use the replaced unsubscribe.html.tmpl")
	}

	tests := []struct {
		name, file, text string
		want             []string
	}{
		{"parse", "digest.html.tmpl", `{{define "digest.html"}}{{if}}{{end}}`, []string{"digest.html.tmpl", "parse"}},
		{"missing", "digest.txt.tmpl", `{{define "digest.text"}}x{{end}}`, []string{"digest.txt.tmpl", `"news_preview.text"`}},
		{"missing wording", "digest.fr.tmpl", `{{define "digest.title"}}x{{end}}`, []string{"digest.fr.tmpl", `"digest.subject"`}},
		{"field", "unsubscribe.en.tmpl", strings.Replace(embeddedText(t, "unsubscribe.en.tmpl"), "your address", "{{.NoSuchField}}", 1),
			[]string{"unsubscribe.en.tmpl", "NoSuchField"}},
		{"helper", "digest.html.tmpl", strings.Replace(embeddedText(t, "digest.html.tmpl"), `{{template "digest.readmore" .}}`, `{{template "digest.nothing" .}}`, 1),
			[]string{"digest.html.tmpl", "digest.nothing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil {
				t.Fatalf("Load with a broken %s = nil error", tt.file)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load with a broken %s = %q, want it to name %q", tt.file, err, w)
				}
			}
		})
	}
}

// TestDigestConcurrent renders from many goroutines (for -race).
func TestDigestConcurrent(t *testing.T) {
	s := mustLoad(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			lang := langs[i%2]
			for _, r := range digestRenderings() {
				if _, err := r.render(s, lang); err != nil {
					t.Error(err)
				}
			}
			if _, err := s.UnsubscribePage(unsubscribeCase(lang, "confirm")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestWordingLang(t *testing.T) {
	for name, want := range map[string]string{"en.tmpl": "en", "fr.tmpl": "fr", "digest.fr.tmpl": "fr", "unsubscribe.en.tmpl": "en",
		"de.tmpl": "", "digest.txt.tmpl": "", "footer.tmpl": "", "bilingual.tmpl": "", "en": ""} {
		if got := wordingLang(name); got != want {
			t.Errorf("wordingLang(%q) = %q, want %q", name, got, want)
		}
	}
}
