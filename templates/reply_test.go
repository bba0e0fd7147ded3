package templates

import (
	"fmt"
	"html"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/intake"
)

// These tests fill in our texts as an authority would, send them back
// through intake.Parse, and check that the answers come back: the
// questionnaire and the follow-up of missing answers are only useful if
// intake reads a reply to them. They also check the opposite: a reply that
// only quotes our text ("Thank you!") must not be read as answers.

// fill is what an authority writes into a questionnaire: text answers by
// question number, and the labels of the options it ticks.
type fill struct {
	text   map[int]string
	choose map[int][]string
}

// replyStyle is how the answers are written into the reply.
type replyStyle int

const (
	// styleInline: the text copied into the reply, answers typed after
	// each label and boxes ticked [x].
	styleInline replyStyle = iota
	// styleQuoted: the whole text quoted with "> " and edited inside the
	// quote (Gmail, Thunderbird, answering "in the text below").
	styleQuoted
	// styleInterleaved: the text quoted with "> ", answers written
	// unquoted under each quoted question, choices as "[x] Label".
	styleInterleaved
	// styleOutlook: no quote marks; the reply's text, a header block, then
	// our text with the answers typed into it.
	styleOutlook
)

func (s replyStyle) String() string {
	return [...]string{"inline", "quoted", "interleaved", "outlook"}[s]
}

var questionLineRE = regexp.MustCompile(`^(\d{1,2})\. `)

// fillText writes f into text, in style.
func fillText(t *testing.T, text string, f fill, style replyStyle) string {
	t.Helper()
	quote := style == styleQuoted || style == styleInterleaved
	var out []string
	add := func(l string, quoted bool) {
		if quoted {
			if l == "" {
				out = append(out, ">")
			} else {
				out = append(out, "> "+l)
			}
			return
		}
		out = append(out, l)
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	q := 0
	found := map[int]bool{}
	for i, l := range lines {
		if m := questionLineRE.FindStringSubmatch(l); m != nil {
			q, _ = strconv.Atoi(m[1])
			found[q] = true
			ans, ok := f.text[q]
			switch {
			case ok && style == styleInterleaved:
				add(l, true)
				add(ans, false)
			case ok:
				add(l+" "+ans, quote)
			default:
				add(l, quote)
			}
			continue
		}
		if strings.HasPrefix(l, "[ ] ") && q > 0 {
			label := strings.TrimPrefix(l, "[ ] ")
			chosen := slices.Contains(f.choose[q], label)
			if chosen && style != styleInterleaved {
				l = "[x] " + label
			}
			add(l, quote)
			last := i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "[ ] ")
			if style == styleInterleaved && last {
				for _, c := range f.choose[q] {
					add("[x] "+c, false)
				}
			}
			continue
		}
		if l == "" || strings.HasPrefix(l, "---") {
			q = 0
		}
		add(l, quote)
	}
	for n := range f.text {
		if !found[n] {
			t.Fatalf("question %d not found in the text to fill in:\n%s", n, text)
		}
	}
	for n := range f.choose {
		if !found[n] {
			t.Fatalf("question %d not found in the text to fill in:\n%s", n, text)
		}
	}
	return strings.Join(out, "\n")
}

// replyMessage builds the RFC 5322 message of an authority's reply whose
// body is own (their words) above our text, as style quotes it.
func replyMessage(own, ours string, style replyStyle) []byte {
	var body string
	switch style {
	case styleInline:
		body = own + "\n\n" + ours
	case styleOutlook:
		body = own + "\n\nFrom: European Alliance for Roma Inclusion <roma.summit@coe.int>\nSent: Tuesday, 14 April 2026 09:31\n" +
			"To: mairie@example.org\nSubject: Your message to the Alliance\n\n" + ours
	default:
		body = own + "\n\nOn Tue, 14 Apr 2026 at 09:31, European Alliance for Roma Inclusion <roma.summit@coe.int> wrote:\n" + ours
	}
	return mail("text/plain", body)
}

// mail wraps body in a message from an authority.
func mail(contentType, body string) []byte {
	h := "From: Claire Martin <c.martin@saint-aubin.example.fr>\r\n" +
		"To: roma.summit@coe.int\r\n" +
		"Subject: Re: Your message to the Alliance\r\n" +
		"Date: Wed, 15 Apr 2026 10:12:00 +0200\r\n" +
		"Message-ID: <reply-1@saint-aubin.example.fr>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: " + contentType + "; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n"
	return []byte(h + strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
}

// quoteAll quotes text with "> " as mail programs do.
func quoteAll(text string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if l == "" {
			out = append(out, ">")
		} else {
			out = append(out, "> "+l)
		}
	}
	return strings.Join(out, "\n")
}

func sp(s string) *string { return &s }
func ip(n int64) *int64   { return &n }

// answersOf returns q without Source, for comparison.
func answersOf(q *intake.Questionnaire) intake.Questionnaire {
	if q == nil {
		return intake.Questionnaire{}
	}
	c := *q
	c.Source = ""
	return c
}

// parseAnswers runs intake on raw and returns the one questionnaire found.
func parseAnswers(t *testing.T, raw []byte) *intake.Questionnaire {
	t.Helper()
	res := intake.Parse(raw, intake.Options{})
	if res.Class != intake.ClassQuestionnaire || res.Questionnaire == nil {
		t.Fatalf("Parse(reply) = class %s, questionnaire %v, errors %v; want one questionnaire\n%s", res.Class, res.Questionnaire, res.Errors, raw)
	}
	return res.Questionnaire
}

func diffAnswers(t *testing.T, got, want intake.Questionnaire) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %s, want %s", gv.Type().Field(i).Name, show(g), show(w))
		}
	}
}

func show(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "nil"
		}
		return fmt.Sprintf("%q", fmt.Sprint(rv.Elem().Interface()))
	}
	return fmt.Sprintf("%q", v)
}

// The whole questionnaire, as Questionnaire(lang) and the join reply give
// it, filled in by an authority in English and in French.
var fullFills = map[string]struct {
	f    fill
	want intake.Questionnaire
}{
	"en": {
		fill{
			text: map[int]string{1: "Glasgow City Council", 2: "United Kingdom", 4: "635 130", 5: "4 000 - 5 000",
				6: "Fiona MacLeod", 7: "Policy officer for minorities", 8: "Fiona.MacLeod@glasgow.example.gov.uk",
				9: "+44 141 287 4000", 14: "Overcrowded private rented housing in Govanhill.",
				15: "Govanhill Roma mediators project with the NHS."},
			choose: map[int][]string{3: {"Municipality (city, town, commune)"}, 10: {"Yes"},
				11: {"Education", "Housing"}, 12: {"Roma participation"}, 13: {"Thematic workshops", "Training"}, 16: {"Yes"}},
		},
		intake.Questionnaire{AuthorityName: sp("Glasgow City Council"), Country: sp("GB"), AuthorityType: sp("municipality"),
			Population: ip(635130), RomaEstimate: &intake.Range{Min: 4000, Max: 5000}, ContactName: sp("Fiona MacLeod"),
			ContactFunction: sp("Policy officer for minorities"), ContactEmail: sp("fiona.macleod@glasgow.example.gov.uk"),
			ContactPhone: sp("+44 141 287 4000"), Interested: sp("yes"), ThematicPriorities: []string{"education", "housing"},
			CrosscuttingIssues: []string{"participation"}, Activities: []string{"workshops", "training"},
			Needs: sp("Overcrowded private rented housing in Govanhill."), Projects: sp("Govanhill Roma mediators project with the NHS."),
			Newsletter: sp("yes"), Missing: []string{}},
	},
	"fr": {
		fill{
			text: map[int]string{1: "Mairie de Saint-Aubin-sur-Loire", 2: "France", 4: "2 310", 5: "inconnu",
				6: "Claire Martin", 7: "Secrétaire générale", 8: "c.martin@saint-aubin.example.fr", 9: "02 41 55 12 30",
				14: "Scolarisation des enfants du voyage ; accès à l'eau sur l'aire d'accueil.",
				15: "Médiation scolaire avec le centre social."},
			choose: map[int][]string{3: {"Commune (ville, municipalité)"}, 10: {"Pas encore décidé"},
				11: {"Logement", "Santé"}, 12: {"Lutte contre les stéréotypes"}, 13: {"Visites d'étude", "Formation"}, 16: {"Non"}},
		},
		intake.Questionnaire{AuthorityName: sp("Mairie de Saint-Aubin-sur-Loire"), Country: sp("FR"), AuthorityType: sp("municipality"),
			Population: ip(2310), ContactName: sp("Claire Martin"), ContactFunction: sp("Secrétaire générale"),
			ContactEmail: sp("c.martin@saint-aubin.example.fr"), ContactPhone: sp("02 41 55 12 30"), Interested: sp("undecided"),
			ThematicPriorities: []string{"housing", "health"}, CrosscuttingIssues: []string{"stereotypes"},
			Activities: []string{"study_visits", "training"},
			Needs:      sp("Scolarisation des enfants du voyage ; accès à l'eau sur l'aire d'accueil."),
			Projects:   sp("Médiation scolaire avec le centre social."), Newsletter: sp("no"), Missing: []string{}},
	},
}

// TestQuestionnaireReadBack fills in the blank questionnaire and the one in
// the reply to a join request, in every reply style, and reads it back.
func TestQuestionnaireReadBack(t *testing.T) {
	s := mustLoad(t)
	for _, lang := range langs {
		blank, err := s.Questionnaire(lang)
		if err != nil {
			t.Fatal(err)
		}
		join, err := s.Ack(Ack{Lang: lang, Kind: "join_request", Reference: "A-2026-000124", Received: received})
		if err != nil {
			t.Fatal(err)
		}
		for name, text := range map[string]string{"questionnaire": blank, "join ack": join.Text} {
			for _, style := range []replyStyle{styleInline, styleQuoted, styleInterleaved, styleOutlook} {
				t.Run(lang+"/"+name+"/"+style.String(), func(t *testing.T) {
					ff := fullFills[lang]
					raw := replyMessage(ownWords[lang], fillText(t, text, ff.f, style), style)
					diffAnswers(t, answersOf(parseAnswers(t, raw)), ff.want)
				})
			}
		}
	}
}

var ownWords = map[string]string{
	"en": "Dear colleagues,\n\nplease find our answers below.\n\nKind regards,\nFiona MacLeod",
	"fr": "Bonjour,\n\nVoici nos réponses.\n\nCordialement,\nClaire Martin",
}

// TestFollowUpReadBack answers the questions that the reply to a partial
// answer asks again, and checks that exactly those answers come back: the
// summary of what was understood, quoted in the same reply, is not read.
func TestFollowUpReadBack(t *testing.T) {
	s := mustLoad(t)
	fills := map[string]fill{
		"en": {text: map[int]string{7: "Head of social services", 9: "+30 2410 500 000", 15: "Roma mediators in schools."},
			choose: map[int][]string{12: {"Roma participation", "Combating stereotypes"}}},
		"fr": {text: map[int]string{7: "Directeur des services sociaux", 9: "+30 2410 500 000", 15: "Médiateurs roms dans les écoles."},
			choose: map[int][]string{12: {"Participation des Roms", "Lutte contre les stéréotypes"}}},
	}
	functions := map[string]string{"en": "Head of social services", "fr": "Directeur des services sociaux"}
	projects := map[string]string{"en": "Roma mediators in schools.", "fr": "Médiateurs roms dans les écoles."}
	for _, lang := range langs {
		ack := ackCases()["questionnaire-missing"]
		ack.Lang = lang
		r, err := s.Ack(ack)
		if err != nil {
			t.Fatal(err)
		}
		want := intake.Questionnaire{ContactFunction: sp(functions[lang]), ContactPhone: sp("+30 2410 500 000"),
			ThematicPriorities: []string{}, CrosscuttingIssues: []string{"participation", "stereotypes"}, Activities: []string{},
			Projects: sp(projects[lang]),
			Missing: []string{"authority_name", "country", "authority_type", "population", "roma_estimate", "contact_name",
				"contact_email", "interested", "thematic_priorities", "activities", "needs", "newsletter"}}
		for _, style := range []replyStyle{styleInline, styleQuoted, styleInterleaved, styleOutlook} {
			t.Run(lang+"/"+style.String(), func(t *testing.T) {
				raw := replyMessage(ownWords[lang], fillText(t, r.Text, fills[lang], style), style)
				diffAnswers(t, answersOf(parseAnswers(t, raw)), want)
			})
		}
	}
}

// TestCorrectionExample checks that the correction the reply suggests
// ("Question 4: 46 000") is read as one.
func TestCorrectionExample(t *testing.T) {
	for lang, line := range map[string]string{"en": "Question 4: 46 000", "fr": "Question 4 : 46 000"} {
		raw := mail("text/plain", "Hello,\n\nOne correction:\n\n"+line+"\n\nBest regards,\nNikos")
		q := parseAnswers(t, raw)
		if q.Population == nil || *q.Population != 46000 {
			t.Errorf("%s: Parse(%q).Population = %v, want 46000", lang, line, q.Population)
		}
	}
}

// TestQuotedReplyHoldsNoAnswers replies "thank you" to every automatic
// reply, quoting it whole: intake must find no answers in our own text.
func TestQuotedReplyHoldsNoAnswers(t *testing.T) {
	s := mustLoad(t)
	own := map[string]string{"en": "Thank you very much, we will send the rest next week.\n\nBest regards,\nNikos",
		"fr": "Merci beaucoup, nous vous enverrons la suite la semaine prochaine.\n\nCordialement,\nClaire"}
	for name, ack := range ackCases() {
		for _, lang := range langs {
			ack.Lang = lang
			r, err := s.Ack(ack)
			if err != nil {
				t.Fatal(err)
			}
			for _, style := range []replyStyle{styleQuoted, styleOutlook} {
				body := r.Text
				if style == styleQuoted {
					body = quoteAll(body)
				}
				raw := replyMessage(own[lang], body, style)
				if res := intake.Parse(raw, intake.Options{}); res.Class == intake.ClassQuestionnaire {
					t.Errorf("%s/%s/%s: Parse(thank-you reply) = questionnaire %+v, want no answers", name, lang, style, answersOf(res.Questionnaire))
				}
			}
			// Outlook's HTML reply: their paragraph above our document.
			doc := strings.Replace(r.HTML, "<body style=\"margin:0;padding:0;background-color:#f2f4f7;\">",
				"<body><p>"+html.EscapeString(own[lang])+"</p><div style=\"border-top:solid #E1E1E1 1.0pt\"><p><b>From:</b> Alliance &lt;roma.summit@coe.int&gt;<br><b>Sent:</b> Tuesday, 14 April 2026 09:31<br><b>Subject:</b> Your message</p></div>", 1)
			if res := intake.Parse(mail("text/html", doc), intake.Options{}); res.Class == intake.ClassQuestionnaire {
				t.Errorf("%s/%s/html: Parse(thank-you reply) = questionnaire %+v, want no answers", name, lang, answersOf(res.Questionnaire))
			}
		}
	}
}

// TestHTMLReplyReadBack types the answers into the HTML of the reply to a
// join request, as an Outlook user does, and sends it back as HTML only.
func TestHTMLReplyReadBack(t *testing.T) {
	s := mustLoad(t)
	for _, lang := range langs {
		r, err := s.Ack(Ack{Lang: lang, Kind: "join_request", Reference: "A-2026-000124", Received: received})
		if err != nil {
			t.Fatal(err)
		}
		ff := fullFills[lang]
		doc := r.HTML
		q := 0
		var out []string
		qRE := regexp.MustCompile(`<b>(\d{1,2})\. (.*)</b></p>$`)
		for _, l := range strings.Split(doc, "\n") {
			if m := qRE.FindStringSubmatch(l); m != nil {
				q, _ = strconv.Atoi(m[1])
				if a, ok := ff.f.text[q]; ok {
					l = strings.Replace(l, "</b></p>", "</b> "+html.EscapeString(a)+"</p>", 1)
				}
			} else if i := strings.Index(l, "[ ] "); i >= 0 && q > 0 {
				label := html.UnescapeString(strings.TrimSuffix(l[i+4:], "</p>"))
				if slices.Contains(ff.f.choose[q], label) {
					l = l[:i] + "[x] " + l[i+4:]
				}
			}
			out = append(out, l)
		}
		raw := mail("text/html", strings.Join(out, "\n"))
		t.Run(lang, func(t *testing.T) {
			diffAnswers(t, answersOf(parseAnswers(t, raw)), ff.want)
		})
	}
}

var received = time.Date(2026, 4, 14, 9, 31, 0, 0, time.FixedZone("CEST", 2*3600))
