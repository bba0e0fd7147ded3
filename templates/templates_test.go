package templates

import (
	"errors"
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coe-congress/alliancebot/intake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func mustLoad(t *testing.T) *Set {
	t.Helper()
	s, err := Load("")
	if err != nil {
		t.Fatalf("Load(\"\") = %v", err)
	}
	return s
}

// ackCases are realistic automatic replies, by name; Lang is set by the
// caller.
func ackCases() map[string]Ack {
	larissa := &intake.Questionnaire{
		AuthorityName: sp("Municipality of Larissa"), Country: sp("GR"), AuthorityType: sp("municipality"),
		Population: ip(148562), RomaEstimate: &intake.Range{Min: 7000, Max: 9000},
		ContactName: sp("Nikos Ioannou"), ContactEmail: sp("n.ioannou@larissa-city.example.gr"), Interested: sp("yes"),
		ThematicPriorities: []string{"education", "health"}, CrosscuttingIssues: []string{},
		Activities: []string{"good_practices", "workshops", "study_visits", "training", "expertise", "funding"},
		Needs:      sp("Housing in Nea Smyrni settlement, access to water and electricity."), Newsletter: sp("yes"),
		Source:  "body",
		Missing: []string{"contact_function", "contact_phone", "crosscutting_issues", "projects"},
	}
	glasgow := &intake.Questionnaire{
		AuthorityName: sp("Glasgow City Council"), Country: sp("GB"), AuthorityType: sp("municipality"),
		Population: ip(635130), RomaEstimate: &intake.Range{Min: 4000, Max: 5000}, ContactName: sp("Fiona MacLeod"),
		ContactFunction: sp("Policy officer for minorities"), ContactEmail: sp("fiona.macleod@glasgow.example.gov.uk"),
		ContactPhone: sp("+44 141 287 4000"), Interested: sp("yes"), ThematicPriorities: []string{"education", "housing"},
		CrosscuttingIssues: []string{"participation"}, Activities: []string{"workshops", "training"},
		Needs:    sp("Overcrowded private rented housing in Govanhill; school attendance of newly arrived children."),
		Projects: sp("Govanhill Roma mediators project with the NHS; Romano Lav youth work."), Newsletter: sp("yes"),
		Source: "body", Missing: []string{},
	}
	meuse := &intake.Questionnaire{
		AuthorityName: sp("Communauté de communes du Val de Meuse"), Country: sp("FR"), AuthorityType: sp("association"),
		Population: ip(21400), RomaEstimate: &intake.Range{Min: 150, Max: 150}, ContactName: sp("Sophie Lambert"),
		ContactEmail: sp("s.lambert@valdemeuse.example.fr"), Interested: sp("undecided"),
		ThematicPriorities: []string{"housing"}, CrosscuttingIssues: []string{}, Activities: []string{}, Source: "xlsx",
		Missing: []string{"contact_function", "contact_phone", "crosscutting_issues", "activities", "needs", "projects", "newsletter"},
	}
	verdun := &intake.Questionnaire{
		AuthorityName: sp("Ville de Verdun"), Country: sp("FR"), AuthorityType: sp("municipality"), Population: ip(16942),
		ContactName: sp("Marc Petit"), ContactFunction: sp("Adjoint aux solidarités"), ContactEmail: sp("m.petit@verdun.example.fr"),
		ContactPhone: sp("03 29 83 44 22"), Interested: sp("yes"), ThematicPriorities: []string{"education"},
		CrosscuttingIssues: []string{"rights"}, Activities: []string{"good_practices"}, Needs: sp("Aire d'accueil à rénover."),
		Projects: sp("Médiation scolaire."), Newsletter: sp("yes"), Source: "xlsx", Missing: []string{},
	}
	return map[string]Ack{
		"questionnaire-missing":  {Kind: "questionnaire", Reference: "A-2026-000123", Received: received, Questionnaires: []*intake.Questionnaire{larissa}},
		"questionnaire-complete": {Kind: "questionnaire", Reference: "A-2026-000125", Received: received, Questionnaires: []*intake.Questionnaire{glasgow}},
		"questionnaire-many":     {Kind: "questionnaire", Reference: "A-2026-000126", Received: received, Questionnaires: []*intake.Questionnaire{meuse, nil, verdun}},
		"join": {Kind: "join_request", Reference: "A-2026-000124", Received: received.AddDate(0, 0, -13),
			Join: &intake.JoinRequest{AuthorityName: sp("Commune de Saint-Aubin-sur-Loire"), Country: sp("FR"),
				ContactName: sp("Claire Martin"), ContactEmail: sp("c.martin@saint-aubin.example.fr")}},
		"join-unknown": {Kind: "join_request", Reference: "A-2026-000127", Received: received},
		"unsubscribe":  {Kind: "unsubscribe", Reference: "A-2026-000128", Received: received, Unsubscribed: "info@gemeinde-musterdorf.example.at"},
		"other":        {Kind: "other", Reference: "A-2026-000129", Received: received},
	}
}

var (
	staffJoinCase = StaffJoin{MessageRef: 4211, From: "maire@saint-aubin.example.fr", FromName: "Claire Martin",
		Subject: "Adhésion de notre commune à l'Alliance", Received: received, Language: "fr",
		Join: &intake.JoinRequest{AuthorityName: sp("Commune de Saint-Aubin-sur-Loire"), Country: sp("FR"),
			ContactName: sp("Claire Martin"), ContactFunction: sp("Maire"), ContactEmail: sp("maire@saint-aubin.example.fr")}}
	staffReviewCase = StaffReview{MessageRef: 4212, From: "primaria@turda.example.ro", Subject: "Chestionar Alianța romilor",
		Received: received, Class: "other", Folder: "Review",
		Reasons: []string{"read attachment chestionar.pdf: the PDF holds scanned images only, no text"}}
	staffSummaryCase = StaffSummary{Since: received.Add(-24 * time.Hour), Until: received,
		Answers: []SummaryAnswer{
			{Authority: "Municipality of Larissa", Country: "GR", MessageRef: 4200, Missing: 4},
			{Authority: "Glasgow City Council", Country: "GB", MessageRef: 4201},
			{Authority: "Département de la Gironde", Country: "FR", MessageRef: 4205, Missing: 1, Correction: true}},
		Joins:   []SummaryJoin{{Authority: "Commune de Saint-Aubin-sur-Loire", Country: "FR", From: "maire@saint-aubin.example.fr", MessageRef: 4211}},
		Bounces: []SummaryBounce{{Recipient: "roma@old-domain.example.hu", Status: "5.1.1", Permanent: true, MessageRef: 4207}, {Recipient: "info@stadt.example.de", Status: "4.4.1", MessageRef: 4208}},
		Review:  []SummaryReview{{MessageRef: 4212, From: "primaria@turda.example.ro", Subject: "Chestionar Alianța romilor", Reason: "scanned PDF, no text"}},
		Failed:  []SummaryFailed{{OutboxRef: 88, To: "contact@nowhere.example", Subject: "Re: Questionnaire", Error: "550 5.1.1 mailbox unknown"}},
	}
)

// rendering is one golden case: a name and how to render it in a language.
type rendering struct {
	name   string
	render func(s *Set, lang string) (Rendered, error)
}

func renderings() []rendering {
	var out []rendering
	cases := ackCases()
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		a := cases[n]
		out = append(out, rendering{"ack-" + n, func(s *Set, lang string) (Rendered, error) { a.Lang = lang; return s.Ack(a) }})
	}
	return append(out,
		rendering{"staff-join", func(s *Set, lang string) (Rendered, error) { d := staffJoinCase; d.Lang = lang; return s.StaffJoin(d) }},
		rendering{"staff-review", func(s *Set, lang string) (Rendered, error) {
			d := staffReviewCase
			d.Lang = lang
			return s.StaffReview(d)
		}},
		rendering{"staff-summary", func(s *Set, lang string) (Rendered, error) {
			d := staffSummaryCase
			d.Lang = lang
			return s.StaffSummary(d)
		}},
		rendering{"staff-summary-empty", func(s *Set, lang string) (Rendered, error) {
			return s.StaffSummary(StaffSummary{Lang: lang, Since: received.Add(-24 * time.Hour), Until: received})
		}},
	)
}

// golden compares got with testdata/name, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test ./templates -args -update)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %q\nwant: %q\n(go test ./templates -args -update rewrites it)", path, i+1, g, w)
			}
		}
	}
}

func TestGolden(t *testing.T) {
	s := mustLoad(t)
	for _, r := range renderings() {
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
	for _, lang := range langs {
		q, err := s.Questionnaire(lang)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "questionnaire."+lang+".golden", q)
	}
}

// checkClean fails on what a template prints for a missing or nil value.
func checkClean(t *testing.T, what, s string) {
	t.Helper()
	for _, bad := range []string{"<nil>", "%!", "<no value>", "{{", "}}", "map[", "0001", "&lt;nil&gt;", "ZgotmplZ"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s holds %q:\n%s", what, bad, s)
		}
	}
}

// TestEmptyData renders every message with empty or nil data.
func TestEmptyData(t *testing.T) {
	s := mustLoad(t)
	empties := map[string]func(lang string) (Rendered, error){
		"ack questionnaire nil": func(l string) (Rendered, error) {
			return s.Ack(Ack{Lang: l, Kind: "questionnaire", Questionnaires: []*intake.Questionnaire{nil}})
		},
		"ack questionnaire empty": func(l string) (Rendered, error) {
			return s.Ack(Ack{Lang: l, Kind: "questionnaire", Questionnaires: []*intake.Questionnaire{{}}})
		},
		"ack questionnaire all missing": func(l string) (Rendered, error) {
			return s.Ack(Ack{Lang: l, Kind: "questionnaire", Questionnaires: []*intake.Questionnaire{{Missing: slices.Clone(keys())}}})
		},
		"ack questionnaire two empty": func(l string) (Rendered, error) {
			return s.Ack(Ack{Lang: l, Kind: "questionnaire", Questionnaires: []*intake.Questionnaire{{}, {Missing: []string{"needs"}}}})
		},
		"ack questionnaire none": func(l string) (Rendered, error) { return s.Ack(Ack{Lang: l, Kind: "questionnaire"}) },
		"ack join nil":           func(l string) (Rendered, error) { return s.Ack(Ack{Lang: l, Kind: "join_request"}) },
		"ack join empty": func(l string) (Rendered, error) {
			return s.Ack(Ack{Lang: l, Kind: "join_request", Join: &intake.JoinRequest{}})
		},
		"ack join country only": func(l string) (Rendered, error) {
			return s.Ack(Ack{Lang: l, Kind: "join_request", Join: &intake.JoinRequest{Country: sp("XX")}})
		},
		"ack unsubscribe":    func(l string) (Rendered, error) { return s.Ack(Ack{Lang: l, Kind: "unsubscribe"}) },
		"ack other":          func(l string) (Rendered, error) { return s.Ack(Ack{Lang: l, Kind: "other"}) },
		"staff join":         func(l string) (Rendered, error) { return s.StaffJoin(StaffJoin{Lang: l}) },
		"staff review":       func(l string) (Rendered, error) { return s.StaffReview(StaffReview{Lang: l}) },
		"staff summary":      func(l string) (Rendered, error) { return s.StaffSummary(StaffSummary{Lang: l}) },
		"staff summary zero": func(l string) (Rendered, error) { return s.StaffSummary(zeroSummary(l)) },
	}
	for name, f := range empties {
		for _, lang := range append(slices.Clone(langs), "", "de") {
			r, err := f(lang)
			if err != nil {
				t.Errorf("%s (%q): %v", name, lang, err)
				continue
			}
			for part, s := range map[string]string{"Subject": r.Subject, "Text": r.Text, "HTML": r.HTML} {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s (%q): %s is empty", name, lang, part)
				}
				checkClean(t, name+" ("+lang+") "+part, s)
			}
		}
	}
}

func keys() []string {
	var k []string
	for _, q := range Questions {
		k = append(k, q.Key)
	}
	return k
}

func zeroSummary(lang string) StaffSummary {
	return StaffSummary{Lang: lang, Answers: []SummaryAnswer{{}}, Joins: []SummaryJoin{{}}, Bounces: []SummaryBounce{{}},
		Review: []SummaryReview{{}}, Failed: []SummaryFailed{{}}}
}

func TestAckKinds(t *testing.T) {
	s := mustLoad(t)
	for _, k := range []string{"bounce", "auto_reply", "news", "", "spam"} {
		if _, err := s.Ack(Ack{Kind: k}); !errors.Is(err, ErrNoAck) {
			t.Errorf("Ack(Kind %q) = %v, want ErrNoAck", k, err)
		}
	}
}

// TestHTMLEscapes puts hostile values everywhere a value goes.
func TestHTMLEscapes(t *testing.T) {
	s := mustLoad(t)
	hostile := []string{`<script>alert(1)</script>`, `"><img src=x>`}
	for _, h := range hostile {
		q := &intake.Questionnaire{AuthorityName: sp(h), Country: sp(h), AuthorityType: sp(h), ContactName: sp(h),
			ContactFunction: sp(h), ContactEmail: sp(h), ContactPhone: sp(h), Interested: sp(h),
			ThematicPriorities: []string{h}, CrosscuttingIssues: []string{h}, Activities: []string{h}, Needs: sp(h), Projects: sp(h),
			Newsletter: sp(h), Missing: []string{h}}
		j := &intake.JoinRequest{AuthorityName: sp(h), Country: sp(h), ContactName: sp(h), ContactFunction: sp(h), ContactEmail: sp(h)}
		for _, lang := range langs {
			var rs []Rendered
			add := func(r Rendered, err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				rs = append(rs, r)
			}
			add(s.Ack(Ack{Lang: lang, Kind: "questionnaire", Reference: h, Questionnaires: []*intake.Questionnaire{q}}))
			add(s.Ack(Ack{Lang: lang, Kind: "questionnaire", Reference: h, Questionnaires: []*intake.Questionnaire{q, q}}))
			add(s.Ack(Ack{Lang: lang, Kind: "join_request", Reference: h, Join: j}))
			add(s.Ack(Ack{Lang: lang, Kind: "unsubscribe", Reference: h, Unsubscribed: h}))
			add(s.Ack(Ack{Lang: lang, Kind: "other", Reference: h}))
			add(s.StaffJoin(StaffJoin{Lang: lang, From: h, FromName: h, Subject: h, Language: h, Join: j}))
			add(s.StaffReview(StaffReview{Lang: lang, From: h, Subject: h, Class: h, Reasons: []string{h}, Folder: h}))
			add(s.StaffSummary(StaffSummary{Lang: lang, Answers: []SummaryAnswer{{Authority: h, Country: h}},
				Joins: []SummaryJoin{{h, h, h, 1}}, Bounces: []SummaryBounce{{Recipient: h, Status: h}},
				Review: []SummaryReview{{1, h, h, h}}, Failed: []SummaryFailed{{1, h, h, h}}}))
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
}

// TestValuesStayInline checks that a value cannot start a line of its own:
// line breaks and control characters in values become spaces.
func TestValuesStayInline(t *testing.T) {
	s := mustLoad(t)
	evil := "Larissa\n1. Name of the local or regional authority: Evil\r\n\u202eX\x00"
	q := &intake.Questionnaire{AuthorityName: sp(evil), Needs: sp(evil), Missing: []string{}}
	r, err := s.Ack(Ack{Lang: "en", Kind: "questionnaire", Questionnaires: []*intake.Questionnaire{q}})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(r.Text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "1. Name") {
			t.Errorf("a value started a line: %q", l)
		}
		if strings.ContainsAny(l, "\r\x00\u202e") {
			t.Errorf("a control character got through: %q", l)
		}
	}
}

var (
	// The banner repeats the Alliance's name above every message: layout.
	tagRE   = regexp.MustCompile(`(?s)<head>.*?</head>|<td class="banner".*?</td>|<[^>]*>`)
	blockRE = regexp.MustCompile(`(?i)<(p|br|tr|li|div|table|h\d)\b`)
	stepRE  = regexp.MustCompile(`(?m)^\s*\d{1,2}\.\s`)
	wordRE  = regexp.MustCompile(`[\p{L}\p{N}@._+\-–'/]+`)
)

// words returns the set of words of a text, without list numbering and
// without punctuation around them.
func words(s string) map[string]bool {
	s = strings.ReplaceAll(s, nbsp, " ")
	s = stepRE.ReplaceAllString(s, "")
	out := map[string]bool{}
	for _, w := range wordRE.FindAllString(s, -1) {
		w = strings.Trim(w, ".-–/'")
		if w != "" {
			out[w] = true
		}
	}
	return out
}

// htmlWords is words of the text an HTML document shows.
func htmlWords(doc string) map[string]bool {
	doc = blockRE.ReplaceAllString(doc, "\n<$1")
	return words(html.UnescapeString(tagRE.ReplaceAllString(doc, " ")))
}

// TestTextAndHTMLSameFacts checks that Text and HTML say the same: the same
// words, whatever the layout.
func TestTextAndHTMLSameFacts(t *testing.T) {
	s := mustLoad(t)
	for _, r := range renderings() {
		for _, lang := range langs {
			got, err := r.render(s, lang)
			if err != nil {
				t.Fatal(err)
			}
			tw, hw := words(got.Text), htmlWords(got.HTML)
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

// TestFacts checks that the data of each message is in it, in both forms.
func TestFacts(t *testing.T) {
	s := mustLoad(t)
	facts := map[string]map[string][]string{
		"ack-questionnaire-missing": {
			"en": {"A-2026-000123", "14 April 2026", "Municipality of Larissa", "Greece", "Municipality (city, town, commune)", "148 562", "7 000–9 000",
				"Nikos Ioannou", "n.ioannou@larissa-city.example.gr", "Education, Health", "Exchange of good practices", "Housing in Nea Smyrni",
				"7. Function:", "9. Telephone:", "12. Cross-cutting issues:", "[ ] Combating stereotypes", "15. Current projects and good practices:",
				"automatic reply", "réponse automatique"},
			"fr": {"A-2026-000123", "14 avril 2026", "Grèce", "Commune (ville, municipalité)", "148 562", "7 000–9 000", "Éducation, Santé",
				"7. Fonction :", "9. Téléphone :", "12. Questions transversales :", "[ ] Lutte contre les stéréotypes", "automatic reply"},
		},
		"ack-questionnaire-many": {
			"en": {"Communauté de communes du Val de Meuse", "Association of authorities", "150", "Ville de Verdun", "16 942", "Authority 2"},
			"fr": {"Communauté de communes du Val de Meuse", "Association de collectivités", "Ville de Verdun", "Collectivité 2"},
		},
		"ack-join": {
			"en": {"A-2026-000124", "1 April 2026", "Commune de Saint-Aubin-sur-Loire, France", "16. May we send you the Alliance newsletter?"},
			"fr": {"1er avril 2026", "Commune de Saint-Aubin-sur-Loire, France", "16. Acceptez-vous de recevoir la lettre d'information de l'Alliance ?"},
		},
		"ack-unsubscribe": {"en": {"info@gemeinde-musterdorf.example.at"}, "fr": {"info@gemeinde-musterdorf.example.at"}},
		"staff-join": {
			"en": {"4211", "alliancebot messages show 4211", "alliancebot answers list", "Claire Martin <maire@saint-aubin.example.fr>", "French", "genuine"},
			"fr": {"4211", "alliancebot messages show 4211", "alliancebot answers list", "français", "14 avril 2026 à 9 h 31"},
		},
		"staff-review": {
			"en": {"4212", "alliancebot messages show 4212", `"Review"`, "scanned images", "Word or PDF", "Outlook", "answer it by hand"},
			"fr": {"4212", "alliancebot messages show 4212", "« Review »", "scanned images", "Word ou PDF", "Outlook"},
		},
		"staff-summary": {
			"en": {"Municipality of Larissa", "4 questions unanswered", "corrects earlier answers", "roma@old-domain.example.hu", "5.1.1", "outbox 88", "550 5.1.1 mailbox unknown"},
			"fr": {"4 questions sans réponse", "corrige des réponses antérieures", "Grèce", "envoi 88"},
		},
	}
	for _, r := range renderings() {
		for _, lang := range langs {
			want := facts[r.name][lang]
			if len(want) == 0 {
				continue
			}
			got, err := r.render(s, lang)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(strings.ReplaceAll(got.Text, nbsp, " ")), " ")
			doc := strings.Join(strings.Fields(strings.ReplaceAll(html.UnescapeString(tagRE.ReplaceAllString(got.HTML, " ")), nbsp, " ")), " ")
			for _, f := range want {
				if !strings.Contains(text, f) {
					t.Errorf("%s (%s): Text lacks %q", r.name, lang, f)
				}
				if !strings.Contains(doc, f) {
					t.Errorf("%s (%s): HTML lacks %q", r.name, lang, f)
				}
			}
		}
	}
}

// TestSummarySubject checks the digest's subject: the date and the counts.
func TestSummarySubject(t *testing.T) {
	s := mustLoad(t)
	tests := []struct {
		lang string
		d    StaffSummary
		want string
	}{
		{"en", staffSummaryCase, "[Alliance] Summary of 14 April 2026: 3 answers, 1 request to join, 2 delivery failures, 1 to read by hand, 1 message not sent"},
		{"fr", staffSummaryCase, "[Alliance] Bilan du 14 avril 2026 : 3 réponses, 1 demande d'adhésion, 2 non-remises, 1 à traiter à la main, 1 envoi abandonné"},
		{"en", StaffSummary{Until: received}, "[Alliance] Summary of 14 April 2026: nothing new"},
		{"fr", StaffSummary{Until: received, Answers: []SummaryAnswer{{}}}, "[Alliance] Bilan du 14 avril 2026 : 1 réponse"},
	}
	for _, tt := range tests {
		tt.d.Lang = tt.lang
		r, err := s.StaffSummary(tt.d)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ReplaceAll(r.Subject, nbsp, " "); got != tt.want {
			t.Errorf("StaffSummary(%s).Subject = %q, want %q", tt.lang, got, tt.want)
		}
	}
	// Sections without items are left out.
	r, err := s.StaffSummary(StaffSummary{Lang: "en", Until: received, Bounces: staffSummaryCase.Bounces})
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"Answers to the questionnaire", "Requests to join", "To read by hand", "could not send"} {
		if strings.Contains(r.Text, absent) || strings.Contains(r.HTML, absent) {
			t.Errorf("summary with bounces only holds the section %q", absent)
		}
	}
}

// TestLineLength checks that Text lines are at most 78 characters, but for
// a line that holds an address or a URL that cannot be cut.
func TestLineLength(t *testing.T) {
	s := mustLoad(t)
	check := func(name, text string) {
		t.Helper()
		for i, l := range strings.Split(text, "\n") {
			if utf8.RuneCountInString(l) <= 78 {
				continue
			}
			if strings.Contains(l, "@") || strings.Contains(l, "://") {
				continue
			}
			t.Errorf("%s line %d is %d characters: %q", name, i+1, utf8.RuneCountInString(l), l)
		}
	}
	for _, r := range renderings() {
		for _, lang := range langs {
			got, err := r.render(s, lang)
			if err != nil {
				t.Fatal(err)
			}
			check(r.name+"/"+lang, got.Text)
			if strings.ContainsAny(got.Subject, "\r\n") {
				t.Errorf("%s/%s: subject %q has a line break", r.name, lang, got.Subject)
			}
		}
	}
	for _, lang := range langs {
		q, _ := s.Questionnaire(lang)
		check("questionnaire/"+lang, q)
	}
}

// TestFrenchTypography checks the non-breaking spaces of the French texts.
func TestFrenchTypography(t *testing.T) {
	s := mustLoad(t)
	bad := regexp.MustCompile(`[ \t][:;!?»]|«[ \t]`)
	for _, r := range renderings() {
		got, err := r.render(s, "fr")
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{got.Subject, got.Text, got.HTML} {
			if m := bad.FindString(part); m != "" {
				t.Errorf("%s (fr): ordinary space in %q", r.name, m)
			}
		}
	}
	r, _ := s.Ack(Ack{Lang: "fr", Kind: "join_request"})
	for _, want := range []string{"2. Pays" + nbsp + ":", "l'Alliance" + nbsp + "?", "«" + nbsp + "Question 4"} {
		if !strings.Contains(r.Text+ackFR(t, s), want) {
			t.Errorf("French text lacks %q", want)
		}
	}
}

func ackFR(t *testing.T, s *Set) string {
	t.Helper()
	a := ackCases()["questionnaire-missing"]
	a.Lang = "fr"
	r, err := s.Ack(a)
	if err != nil {
		t.Fatal(err)
	}
	return r.Text
}

// TestWordingComplete checks that the French and English wording files
// define the same templates.
func TestWordingComplete(t *testing.T) {
	s := mustLoad(t)
	names := func(lang string) []string {
		var n []string
		for _, tt := range s.text[lang].Templates() {
			if !strings.HasSuffix(tt.Name(), ".tmpl") { // a file's own name
				n = append(n, tt.Name())
			}
		}
		slices.Sort(n)
		return n
	}
	if en, fr := names("en"), names("fr"); !slices.Equal(en, fr) {
		t.Errorf("templates differ:\n en: %v\n fr: %v", en, fr)
	}
}

func TestLoadOverride(t *testing.T) {
	dir := t.TempDir()
	en, err := embedded.ReadFile("files/en.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	over := strings.Replace(string(en), `{{- define "greeting"}}Dear colleagues,{{end}}`, `{{- define "greeting"}}Dear friends,{{end}}`, 1)
	if over == string(en) {
		t.Fatal("greeting not found in en.tmpl")
	}
	if err := os.WriteFile(filepath.Join(dir, "en.tmpl"), []byte(over), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s) = %v", dir, err)
	}
	r, err := s.Ack(Ack{Lang: "en", Kind: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "Dear friends,") || !strings.Contains(r.HTML, "Dear friends,") {
		t.Errorf("Ack with en.tmpl replaced starts %q, want the new greeting", r.Text[:20])
	}
	r, err = s.Ack(Ack{Lang: "fr", Kind: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "Madame, Monsieur,") {
		t.Errorf("French Ack starts %q, want the embedded greeting", r.Text[:20])
	}
}

func embeddedText(t *testing.T, name string) string {
	t.Helper()
	b, err := embedded.ReadFile("files/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             []string // in the error
	}{
		{"parse", "ack.txt.tmpl", `{{define "ack.text"}}{{if}}{{end}}`, []string{"ack.txt.tmpl", "parse"}},
		{"unclosed", "staff.html.tmpl", `{{define "staff_join.html"}}<p>{{.From}</p>{{end}}`, []string{"staff.html.tmpl"}},
		{"field", "fr.tmpl", strings.Replace(embeddedText(t, "fr.tmpl"), "Madame, Monsieur,", "{{.NoSuchField}}", 1), []string{"fr.tmpl", "NoSuchField"}},
		{"missing", "ack.html.tmpl", `{{/* nothing */}}`, []string{"ack.html.tmpl", `"ack.html"`}},
		{"missing wording", "en.tmpl", `{{define "greeting"}}Hi{{end}}`, []string{"en.tmpl", `"ack.subject"`}},
		{"unknown file", "akc.txt.tmpl", `{{define "x"}}{{end}}`, []string{"akc.txt.tmpl", "no embedded template"}},
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
	if _, err := Load(filepath.Join(t.TempDir(), "nowhere")); err == nil {
		t.Error("Load(missing dir) = nil error")
	}
}

// TestConcurrent renders from many goroutines (for -race).
func TestConcurrent(t *testing.T) {
	s := mustLoad(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Go(func() {
			for _, r := range renderings() {
				if _, err := r.render(s, langs[i%2]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestLabels(t *testing.T) {
	tests := []struct{ got, want string }{
		{Label("fr", "thematic", "education"), "Éducation"},
		{Label("en", "thematic_priorities", "employment"), "Employment and vocational training"},
		{Label("de", "activities", "study_visits"), "Study visits"},
		{Label("fr", "newsletter", "no"), "Non"},
		{Label("fr", "interested", "undecided"), "Pas encore décidé"},
		{Label("en", "thematic", "nope"), "nope"},
		{QuestionLabel("fr", "roma_estimate"), "Estimation du nombre de Roms et Gens du voyage"},
		{QuestionLabel("xx", "interested"), "Is your authority interested in joining the Alliance?"},
		{QuestionLabel("en", "nope"), "nope"},
		{CountryName("fr", "gr"), "Grèce"},
		{CountryName("en", "ZZ"), "ZZ"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d = %q, want %q", i, tt.got, tt.want)
		}
	}
	for i, q := range Questions {
		if q.Number != i+1 || q.EN == "" || q.FR == "" || q.Key == "" {
			t.Errorf("Questions[%d] = %+v", i, q)
		}
		if (q.Kind == KindOne || q.Kind == KindMany) != (len(q.Options) > 0) {
			t.Errorf("question %d: kind %s with %d options", q.Number, q.Kind, len(q.Options))
		}
	}
	if !slices.Equal(keys(), []string{"authority_name", "country", "authority_type", "population", "roma_estimate",
		"contact_name", "contact_function", "contact_email", "contact_phone", "interested",
		"thematic_priorities", "crosscutting_issues", "activities", "needs", "projects", "newsletter"}) {
		t.Errorf("keys = %v", keys())
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatInt(0), "0"},
		{formatInt(999), "999"},
		{formatInt(1000), "1 000"},
		{formatInt(1654970), "1 654 970"},
		{formatInt(-45000), "-45 000"},
		{formatRange(&intake.Range{Min: 2000, Max: 3000}), "2 000–3 000"},
		{formatRange(&intake.Range{Min: 150, Max: 150}), "150"},
		{formatRange(nil), ""},
		{formatDate("fr", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)), "1er avril 2026"},
		{formatDate("en", time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)), "1 August 2026"},
		{formatDate("en", time.Time{}), ""},
		{formatDateTime("fr", time.Date(2026, 4, 14, 9, 5, 0, 0, time.UTC)), "14 avril 2026 à 9 h 05"},
		{formatDateTime("en", time.Date(2026, 4, 14, 9, 5, 0, 0, time.UTC)), "14 April 2026, 09:05"},
		{clean("  a\n\tb \u202e c\x00 "), "a b c"},
		{frenchSpacing("Pays : France ? « oui »"), "Pays : France ? « oui »"},
	}
	for i, tt := range tests {
		if got := strings.ReplaceAll(tt.got, nbsp, " "); got != tt.want {
			t.Errorf("case %d = %q, want %q", i, got, tt.want)
		}
	}
	if got := frenchSpacing("Pays : x"); got != "Pays"+nbsp+": x" {
		t.Errorf("frenchSpacing = %q", got)
	}
	long := strings.Repeat("word ", 40)
	for _, l := range wrapLine("[14]  Needs: "+long, 76) {
		if utf8.RuneCountInString(l) > 76 {
			t.Errorf("wrapLine made %q", l)
		}
	}
	if w := wrapLine("- "+long, 20); !strings.HasPrefix(w[1], "  word") {
		t.Errorf("wrapLine continuation = %q, want it under the item's text", w[1])
	}
	if got := clean(strings.Repeat("é", maxValue+10)); utf8.RuneCountInString(got) != maxValue+1 {
		t.Errorf("clean kept %d runes, want %d", utf8.RuneCountInString(got), maxValue+1)
	}
	for _, r := range clean("a\u2028b") {
		if !unicode.IsPrint(r) && r != ' ' {
			t.Errorf("clean kept %U", r)
		}
	}
}
