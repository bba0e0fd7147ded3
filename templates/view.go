package templates

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/coe-congress/alliancebot/intake"
)

// This file turns the data of a message into what its templates print:
// every value cleaned (clean) and formatted in the message's language, so
// that the templates hold wording and layout only.

// question is a question as the templates print it.
type question struct {
	Number  int
	Label   string   // with its ":" ("Population:", "Population :") unless it ends with "?"
	Options []string // option labels, for check boxes
}

// row is one line of the summary of an authority's answers.
type row struct {
	Tag   string // the question numbers: "[4]", "[6–9]"
	Pad   string // spaces after Tag that align the labels in plain text
	Label string // with its ":" unless it ends with "?"
	Value string
	// State says what stands in place of an empty Value: "missing" (not
	// answered), "unknown" (answered "not known"), "none" (no option
	// chosen). "" when Value is set.
	State string
}

// authority is the summary of one authority's answers.
type authority struct {
	N        int    // 1, 2… among the message's authorities
	Name     string // "" when not given
	Rows     []row
	Open     []row // the questions not answered, for a message with several authorities
	Complete bool  // every question answered
}

type ackView struct {
	Lang, Kind, Reference string
	Received              string // the date, "" when unknown
	Authorities           []authority
	Many                  bool       // several authorities
	AnyOpen               bool       // several authorities, and questions left open
	FollowUp              []question // for one authority: the questions not answered
	Questionnaire         []question // for a join request: every question
	JoinAuthority         string
	JoinCountry           string
	Unsubscribed          string
}

// withSep gives a label its separator: a label that asks ("…Alliance?")
// keeps its question mark, others take a colon (spaced in French).
func withSep(lang, label string) string {
	if strings.HasSuffix(label, "?") {
		return label
	}
	if normLang(lang) == "fr" {
		return label + " :"
	}
	return label + ":"
}

// questionsFor returns the questions of keys (all for nil), in question
// order, as the templates print them.
func questionsFor(lang string, keys []string) []question {
	var out []question
	for _, q := range Questions {
		if keys != nil && !slices.Contains(keys, q.Key) {
			continue
		}
		v := question{Number: q.Number, Label: withSep(lang, q.Label(lang))}
		for _, o := range q.Options {
			v.Options = append(v.Options, o.Label(lang))
		}
		out = append(out, v)
	}
	return out
}

func newAckView(d Ack) ackView {
	lang := normLang(d.Lang)
	v := ackView{
		Lang:         lang,
		Kind:         d.Kind,
		Reference:    clean(d.Reference),
		Received:     formatDate(lang, d.Received),
		Unsubscribed: clean(d.Unsubscribed),
	}
	var qs []*intake.Questionnaire
	for _, q := range d.Questionnaires {
		if q != nil {
			qs = append(qs, q)
		}
	}
	v.Many = len(qs) > 1
	for i, q := range qs {
		a := summarise(lang, q)
		a.N = i + 1
		if v.Many {
			for _, qq := range Questions {
				if slices.Contains(q.Missing, qq.Key) {
					a.Open = append(a.Open, row{Tag: "[" + strconv.Itoa(qq.Number) + "]", Label: qq.Label(lang)})
				}
			}
			alignRows(a.Open)
			v.AnyOpen = v.AnyOpen || len(a.Open) > 0
		}
		v.Authorities = append(v.Authorities, a)
	}
	if len(qs) == 1 && len(qs[0].Missing) > 0 {
		v.FollowUp = questionsFor(lang, qs[0].Missing)
	}
	if d.Kind == string(intake.ClassJoinRequest) {
		v.Questionnaire = questionsFor(lang, nil)
		if d.Join != nil {
			v.JoinAuthority = cleanp(d.Join.AuthorityName)
			if c := cleanp(d.Join.Country); c != "" {
				v.JoinCountry = CountryName(lang, c)
			}
		}
	}
	return v
}

// summarise lists what was understood of q, one row a question (the four
// contact questions in one row).
func summarise(lang string, q *intake.Questionnaire) authority {
	missing := func(key string) bool { return slices.Contains(q.Missing, key) }
	a := authority{Name: cleanp(q.AuthorityName), Complete: len(q.Missing) == 0}
	add := func(key, value string) {
		qq, _ := QuestionByKey(key)
		r := row{Tag: "[" + strconv.Itoa(qq.Number) + "]", Label: withSep(lang, qq.Label(lang)), Value: value}
		switch {
		case missing(key):
			r.Value, r.State = "", "missing"
		case value == "" && qq.Kind == KindMany:
			r.State = "none"
		case value == "":
			r.State = "unknown"
		}
		a.Rows = append(a.Rows, r)
	}
	opt := func(list string, p *string) string {
		if p == nil {
			return ""
		}
		return clean(Label(lang, list, *p))
	}
	opts := func(list string, codes []string) string {
		var ls []string
		for _, c := range codes {
			ls = append(ls, clean(Label(lang, list, c)))
		}
		return strings.Join(ls, ", ")
	}
	add("authority_name", a.Name)
	country := ""
	if c := cleanp(q.Country); c != "" {
		country = CountryName(lang, c)
	}
	add("country", country)
	add("authority_type", opt("authority_type", q.AuthorityType))
	pop := ""
	if q.Population != nil {
		pop = formatInt(*q.Population)
	}
	add("population", pop)
	add("roma_estimate", formatRange(q.RomaEstimate))

	// The contact in one row: what is known of it.
	var contact []string
	for _, p := range []*string{q.ContactName, q.ContactFunction, q.ContactEmail, q.ContactPhone} {
		if s := cleanp(p); s != "" {
			contact = append(contact, s)
		}
	}
	cr := row{Tag: "[6–9]", Label: withSep(lang, "Contact"), Value: strings.Join(contact, ", ")}
	if cr.Value == "" {
		cr.State = "unknown"
		if missing("contact_name") && missing("contact_function") && missing("contact_email") && missing("contact_phone") {
			cr.State = "missing"
		}
	}
	a.Rows = append(a.Rows, cr)

	add("interested", opt("interested", q.Interested))
	add("thematic_priorities", opts("thematic", q.ThematicPriorities))
	add("crosscutting_issues", opts("crosscutting", q.CrosscuttingIssues))
	add("activities", opts("activities", q.Activities))
	add("needs", cleanp(q.Needs))
	add("projects", cleanp(q.Projects))
	add("newsletter", opt("newsletter", q.Newsletter))
	alignRows(a.Rows)
	return a
}

// alignRows pads the tags so that the labels start in one column.
func alignRows(rows []row) {
	w := 0
	for _, r := range rows {
		w = max(w, utf8.RuneCountInString(r.Tag))
	}
	for i := range rows {
		rows[i].Pad = strings.Repeat(" ", w-utf8.RuneCountInString(rows[i].Tag)+1)
	}
}

// ref writes a store ID, "" for none.
func ref(id uint64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatUint(id, 10)
}

// sender writes a sender as "Name <address>", or what there is of it.
func sender(name, addr string) string {
	name, addr = clean(name), clean(addr)
	switch {
	case name != "" && addr != "" && !strings.EqualFold(name, addr):
		return name + " <" + addr + ">"
	case addr != "":
		return addr
	}
	return name
}

type staffJoinView struct {
	Lang, Ref, From, Subject, Received, Language string
	Authority, Country, Contact                  string
}

func newStaffJoinView(d StaffJoin) staffJoinView {
	lang := normLang(d.Lang)
	v := staffJoinView{
		Lang:     lang,
		Ref:      ref(d.MessageRef),
		From:     sender(d.FromName, d.From),
		Subject:  clean(d.Subject),
		Received: formatDateTime(lang, d.Received),
		Language: clean(languageName(lang, d.Language)),
	}
	if j := d.Join; j != nil {
		v.Authority = cleanp(j.AuthorityName)
		if c := cleanp(j.Country); c != "" {
			v.Country = CountryName(lang, c)
		}
		var contact []string
		for _, p := range []*string{j.ContactName, j.ContactFunction, j.ContactEmail} {
			if s := cleanp(p); s != "" {
				contact = append(contact, s)
			}
		}
		v.Contact = strings.Join(contact, ", ")
	}
	return v
}

type staffReviewView struct {
	Lang, Ref, From, Subject, Received, Class, Folder string
	Reasons                                           []string
}

func newStaffReviewView(d StaffReview) staffReviewView {
	lang := normLang(d.Lang)
	v := staffReviewView{
		Lang:     lang,
		Ref:      ref(d.MessageRef),
		From:     clean(d.From),
		Subject:  clean(d.Subject),
		Received: formatDateTime(lang, d.Received),
		Class:    clean(d.Class),
		Folder:   clean(d.Folder),
	}
	if v.Folder == "" {
		v.Folder = "Review"
	}
	for _, r := range d.Reasons {
		if r = clean(r); r != "" {
			v.Reasons = append(v.Reasons, r)
		}
	}
	return v
}

type summaryAnswerView struct {
	Authority, Country, Ref string
	Missing                 int
	Correction              bool
}

type summaryJoinView struct{ Authority, Country, From, Ref string }

type summaryBounceView struct {
	Recipient, Status, Ref string
	Permanent              bool
}

type summaryReviewView struct{ Ref, From, Subject, Reason string }

type summaryFailedView struct{ Ref, To, Subject, Error string }

type staffSummaryView struct {
	Lang, Date, Since, Until string
	Answers                  []summaryAnswerView
	Joins                    []summaryJoinView
	Bounces                  []summaryBounceView
	Review                   []summaryReviewView
	Failed                   []summaryFailedView
	Corrections, Permanent   int
}

func newStaffSummaryView(d StaffSummary) staffSummaryView {
	lang := normLang(d.Lang)
	v := staffSummaryView{
		Lang:  lang,
		Date:  formatDate(lang, d.Until),
		Since: formatDateTime(lang, d.Since),
		Until: formatDateTime(lang, d.Until),
	}
	country := func(c string) string {
		if c = clean(c); c != "" {
			return CountryName(lang, c)
		}
		return ""
	}
	for _, a := range d.Answers {
		v.Answers = append(v.Answers, summaryAnswerView{clean(a.Authority), country(a.Country), ref(a.MessageRef), a.Missing, a.Correction})
		if a.Correction {
			v.Corrections++
		}
	}
	for _, j := range d.Joins {
		v.Joins = append(v.Joins, summaryJoinView{clean(j.Authority), country(j.Country), clean(j.From), ref(j.MessageRef)})
	}
	for _, b := range d.Bounces {
		v.Bounces = append(v.Bounces, summaryBounceView{clean(b.Recipient), clean(b.Status), ref(b.MessageRef), b.Permanent})
		if b.Permanent {
			v.Permanent++
		}
	}
	for _, r := range d.Review {
		v.Review = append(v.Review, summaryReviewView{ref(r.MessageRef), clean(r.From), clean(r.Subject), clean(r.Reason)})
	}
	for _, f := range d.Failed {
		v.Failed = append(v.Failed, summaryFailedView{ref(f.OutboxRef), clean(f.To), clean(f.Subject), clean(f.Error)})
	}
	return v
}
