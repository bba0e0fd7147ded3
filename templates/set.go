package templates

import (
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/coe-congress/alliancebot/intake"
)

//go:embed files/*.tmpl
var embedded embed.FS

// ErrNoAck is returned by Set.Ack for a kind of message that is never
// answered (a bounce, an automatic reply, news) or an unknown kind.
var ErrNoAck = errors.New("no automatic reply for this kind of message")

// langs are the languages of the texts; anything else is English.
var langs = []string{"en", "fr"}

// Rendered is one message's wording. Text is the text/plain body (UTF-8,
// lines wrapped at 76 characters, longer only for a word that cannot be
// cut such as an address). HTML is a complete HTML document with inline CSS
// only (tables for layout, no <style>, no images) with the same content as
// Text. Subject has no line breaks.
type Rendered struct{ Subject, Text, HTML string }

// Set holds every template, parsed and checked. It is safe for concurrent
// use.
type Set struct {
	text map[string]*texttemplate.Template // by language
	html map[string]*htmltemplate.Template
}

// source is one template file: its name in files/, where it was read from
// (for errors), and its text.
type source struct {
	name, origin, text string
}

// Load parses every template once. With dir "", the embedded templates are
// used; otherwise a file in dir with the same name as an embedded one
// replaces it (os.DirFS(dir)). A *.tmpl file in dir that matches no embedded
// name is an error, as it would otherwise be ignored in silence. Load then
// renders every message once in every language with sample data, so that a
// broken template stops start-up rather than a reply; errors name the file.
func Load(dir string) (*Set, error) {
	srcs, err := readSources(dir)
	if err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	s := &Set{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, lang := range langs {
		tt := texttemplate.New(lang).Funcs(funcs(lang)).Option("missingkey=error")
		ht := htmltemplate.New(lang).Funcs(htmltemplate.FuncMap(funcs(lang))).Option("missingkey=error")
		for _, src := range srcs {
			switch {
			case wordingLang(src.name) != "" && wordingLang(src.name) != lang:
				continue
			case strings.HasSuffix(src.name, ".html.tmpl"):
				if _, err := ht.New(src.name).Parse(src.text); err != nil {
					return nil, fmt.Errorf("load templates: parse %s: %w", src.origin, err)
				}
			case strings.HasSuffix(src.name, ".txt.tmpl"):
				if _, err := tt.New(src.name).Parse(src.text); err != nil {
					return nil, fmt.Errorf("load templates: parse %s: %w", src.origin, err)
				}
			default: // wording and helpers: both sets
				if _, err := tt.New(src.name).Parse(src.text); err != nil {
					return nil, fmt.Errorf("load templates: parse %s: %w", src.origin, err)
				}
				if _, err := ht.New(src.name).Parse(src.text); err != nil {
					return nil, fmt.Errorf("load templates: parse %s: %w", src.origin, err)
				}
			}
		}
		for _, e := range entries {
			var found bool
			if strings.HasSuffix(e.name, ".html") {
				found = ht.Lookup(e.name) != nil
			} else {
				found = tt.Lookup(e.name) != nil
			}
			if !found {
				file := strings.ReplaceAll(e.file, "LANG", lang)
				return nil, fmt.Errorf("load templates: %s: no template %q", originOf(srcs, file), e.name)
			}
		}
		s.text[lang], s.html[lang] = tt, ht
	}
	if err := s.check(srcs); err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	return s, nil
}

// entries are the templates the methods execute, and the file each is
// expected in (LANG: the language's wording file).
var entries = []struct{ name, file string }{
	{"ack.subject", "LANG.tmpl"}, {"ack.text", "ack.txt.tmpl"}, {"ack.html", "ack.html.tmpl"},
	{"staff_join.subject", "LANG.tmpl"}, {"staff_join.text", "staff.txt.tmpl"}, {"staff_join.html", "staff.html.tmpl"},
	{"staff_review.subject", "LANG.tmpl"}, {"staff_review.text", "staff.txt.tmpl"}, {"staff_review.html", "staff.html.tmpl"},
	{"staff_summary.subject", "LANG.tmpl"}, {"staff_summary.text", "staff.txt.tmpl"}, {"staff_summary.html", "staff.html.tmpl"},
	{"questionnaire.text", "questionnaire.txt.tmpl"},
	{"digest.subject", "digest.LANG.tmpl"}, {"digest.text", "digest.txt.tmpl"}, {"digest.html", "digest.html.tmpl"},
	{"news_preview.subject", "digest.LANG.tmpl"}, {"news_preview.text", "digest.txt.tmpl"}, {"news_preview.html", "digest.html.tmpl"},
	{"unsubscribe.html", "unsubscribe.html.tmpl"},
}

// originOf returns where the file name was read from.
func originOf(srcs []source, name string) string {
	for _, s := range srcs {
		if s.name == name {
			return s.origin
		}
	}
	return name
}

// wordingLang returns the language of a wording file ("en.tmpl",
// "digest.fr.tmpl"), "" for a file of every language.
func wordingLang(name string) string {
	base := strings.TrimSuffix(name, ".tmpl")
	lang := base[strings.LastIndex(base, ".")+1:]
	if base == name || !slices.Contains(langs, lang) {
		return ""
	}
	return lang
}

// readSources reads the embedded templates, each replaced by the file of
// the same name in dir when there is one.
func readSources(dir string) ([]source, error) {
	names, err := fs.Glob(embedded, "files/*.tmpl")
	if err != nil {
		return nil, err
	}
	var over fs.FS
	if dir != "" {
		over = os.DirFS(dir)
		extra, err := fs.Glob(over, "*.tmpl")
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", dir, err)
		}
		if _, err := fs.Stat(over, "."); err != nil {
			return nil, fmt.Errorf("read %s: %w", dir, err)
		}
		for _, e := range extra {
			if !slices.Contains(names, "files/"+e) {
				return nil, fmt.Errorf("%s: no embedded template of that name", filepath.Join(dir, e))
			}
		}
	}
	var out []source
	for _, n := range names {
		name := path.Base(n)
		b, err := embedded.ReadFile(n)
		origin := name + " (embedded)"
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", origin, err)
		}
		if over != nil {
			switch ob, err := fs.ReadFile(over, name); {
			case err == nil:
				b, origin = ob, filepath.Join(dir, name)
			case !errors.Is(err, fs.ErrNotExist):
				return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, name), err)
			}
		}
		out = append(out, source{name: name, origin: origin, text: string(b)})
	}
	return out, nil
}

// funcs are the functions the templates may call, in lang.
func funcs(lang string) texttemplate.FuncMap {
	return texttemplate.FuncMap{
		// count writes a number with its noun ("1 answer", "3 answers"),
		// "" for zero; French takes the singular for 0 and 1.
		"count": func(n int, one, many string) string {
			if n == 0 {
				return ""
			}
			noun := many
			if n == 1 {
				noun = one
			}
			return strconv.Itoa(n) + " " + noun
		},
		// list joins the non-empty strings with ", ".
		"list": func(items ...string) string {
			var out []string
			for _, s := range items {
				if s != "" {
					out = append(out, s)
				}
			}
			return strings.Join(out, ", ")
		},
	}
}

// render executes the templates name.subject and name.text of the text set
// and name.html of the HTML set of lang with view.
func (s *Set) render(lang, name string, view any) (Rendered, error) {
	lang = normLang(lang)
	var r Rendered
	var b strings.Builder
	if err := s.text[lang].ExecuteTemplate(&b, name+".subject", view); err != nil {
		return r, fmt.Errorf("render %s subject (%s): %w", name, lang, err)
	}
	r.Subject = frenchSpacing(strings.Join(strings.Fields(b.String()), " "))
	b.Reset()
	if err := s.text[lang].ExecuteTemplate(&b, name+".text", view); err != nil {
		return r, fmt.Errorf("render %s text (%s): %w", name, lang, err)
	}
	r.Text = tidyText(frenchSpacing(b.String()))
	b.Reset()
	if err := s.html[lang].ExecuteTemplate(&b, name+".html", view); err != nil {
		return r, fmt.Errorf("render %s html (%s): %w", name, lang, err)
	}
	r.HTML = tidyHTML(frenchSpacing(b.String()))
	return r, nil
}

// tidyHTML removes blank lines and trailing spaces from a rendered document.
func tidyHTML(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, " \t\r"); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// Ack renders the automatic reply to an authority's message. Its Subject is
// for a message that had none; the sender replies "Re: " + theirs
// otherwise. It returns ErrNoAck for a Kind that is never answered.
func (s *Set) Ack(d Ack) (Rendered, error) {
	switch intake.Class(d.Kind) {
	case intake.ClassQuestionnaire, intake.ClassJoinRequest, intake.ClassUnsubscribe, intake.ClassOther:
	default:
		return Rendered{}, fmt.Errorf("render ack for %q: %w", d.Kind, ErrNoAck)
	}
	return s.render(d.Lang, "ack", newAckView(d))
}

// StaffJoin renders the notice to staff of a request to join.
func (s *Set) StaffJoin(d StaffJoin) (Rendered, error) {
	return s.render(d.Lang, "staff_join", newStaffJoinView(d))
}

// StaffReview renders the notice to staff of a message left for them.
func (s *Set) StaffReview(d StaffReview) (Rendered, error) {
	return s.render(d.Lang, "staff_review", newStaffReviewView(d))
}

// StaffSummary renders the periodic digest for staff.
func (s *Set) StaffSummary(d StaffSummary) (Rendered, error) {
	return s.render(d.Lang, "staff_summary", newStaffSummaryView(d))
}

type questionnaireView struct {
	Lang      string
	Questions []question
}

// Questionnaire returns the blank questionnaire as plain text, numbered, in
// lang (unknown: English), ready to be filled in inline in a reply: the
// form that intake reads back.
func (s *Set) Questionnaire(lang string) (string, error) {
	lang = normLang(lang)
	var b strings.Builder
	if err := s.text[lang].ExecuteTemplate(&b, "questionnaire.text", questionnaireView{lang, questionsFor(lang, nil)}); err != nil {
		return "", fmt.Errorf("render questionnaire (%s): %w", lang, err)
	}
	return tidyText(frenchSpacing(b.String())), nil
}

// check renders every message in every language with sample data that
// goes through every branch worth checking.
func (s *Set) check(srcs []source) error {
	str := func(v string) *string { return &v }
	n := int64(1000)
	q := &intake.Questionnaire{AuthorityName: str("a"), Country: str("FR"), Population: &n, RomaEstimate: &intake.Range{Min: 1, Max: 2},
		ThematicPriorities: []string{"education"}, Missing: []string{"contact_phone", "activities"}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	acks := []Ack{
		{Kind: "questionnaire", Reference: "r", Received: now, Questionnaires: []*intake.Questionnaire{q}},
		{Kind: "questionnaire", Questionnaires: []*intake.Questionnaire{q, {}}},
		{Kind: "questionnaire", Questionnaires: []*intake.Questionnaire{{}}},
		{Kind: "questionnaire"},
		{Kind: "join_request", Join: &intake.JoinRequest{AuthorityName: str("a"), Country: str("FR")}},
		{Kind: "join_request"},
		{Kind: "unsubscribe", Unsubscribed: "a@b"},
		{Kind: "other"},
	}
	summary := StaffSummary{Since: now, Until: now,
		Answers: []SummaryAnswer{{Authority: "a", Missing: 1, Correction: true}}, Joins: []SummaryJoin{{}},
		Bounces: []SummaryBounce{{Permanent: true}}, Review: []SummaryReview{{}}, Failed: []SummaryFailed{{}}}
	for _, lang := range langs {
		for _, a := range acks {
			a.Lang = lang
			if _, err := s.Ack(a); err != nil {
				return nameFile(err, srcs)
			}
		}
		var errs []error
		_, err := s.StaffJoin(StaffJoin{Lang: lang, MessageRef: 1, Join: &intake.JoinRequest{}})
		errs = append(errs, err)
		_, err = s.StaffReview(StaffReview{Lang: lang, MessageRef: 1, Reasons: []string{"r"}})
		errs = append(errs, err)
		summary.Lang = lang
		_, err = s.StaffSummary(summary)
		errs = append(errs, err)
		_, err = s.StaffSummary(StaffSummary{Lang: lang})
		errs = append(errs, err)
		_, err = s.Questionnaire(lang)
		errs = append(errs, err, s.checkDigest(lang))
		if err := errors.Join(errs...); err != nil {
			return nameFile(err, srcs)
		}
	}
	return nil
}

// nameFile adds to an error of execution where the file it names came
// from, when that is a directory of overrides ("template: ack.txt.tmpl:3:
// …" says the name only).
func nameFile(err error, srcs []source) error {
	msg := err.Error()
	for _, src := range srcs {
		if strings.Contains(msg, src.name+":") && !strings.HasSuffix(src.origin, "(embedded)") {
			return fmt.Errorf("%s: %w", src.origin, err)
		}
	}
	return err
}
