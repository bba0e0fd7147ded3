package intake

import (
	"fmt"
	"strings"
	"time"
)

// Options tell Parse about the mailbox it reads for. The zero value is a
// mailbox with no staff: nothing is ever news.
type Options struct {
	Limits Limits
	// Staff are the addresses whose mail may be news (lower case).
	Staff []string
	// NewsAddress is the address that makes staff mail news, such as
	// "roma.summit+news@coe.int"; a "[news]" subject tag does too.
	NewsAddress string
	// UnsubscribeAddress is the address that makes any mail an unsubscribe
	// request, such as "roma.summit+unsubscribe@coe.int".
	UnsubscribeAddress string
}

// Parse reads raw and says what it is and what it holds. It never fails and
// never panics: what could not be understood is in Result.Errors, and such a
// message is class "other" unless something else is certain.
func Parse(raw []byte, opt Options) *Result {
	_, res := Read(raw, opt)
	return res
}

// Read is Parse that also returns the envelope, for the archive.
func Read(raw []byte, opt Options) (env *Envelope, res *Result) {
	res = &Result{Class: ClassOther, Errors: []string{}}
	m, err := read(raw, opt.Limits)
	env = m.env
	res.MessageID, res.From, res.Subject = env.MessageID, env.From, env.Subject
	if !env.Date.IsZero() {
		res.Date = env.Date.Format(time.RFC3339)
	}
	res.Errors = append(res.Errors, env.Warnings...)
	if err != nil {
		res.Errors = append(res.Errors, err.Error())
		res.review = true
	}
	defer func() {
		if p := recover(); p != nil {
			res.Class = ClassOther
			res.Questionnaire, res.Questionnaires, res.JoinRequest, res.Bounce, res.Unsubscribe = nil, nil, nil, nil, nil
			res.Errors = append(res.Errors, fmt.Sprintf("understand message: internal error: %v", p))
			res.review = true
		}
	}()
	classify(m, &opt, res)
	return env, res
}

// NeedsReview says whether staff must look at the message: it is of no known
// class, or something in it could not be read (over a limit, a damaged or
// scanned attachment).
func (r *Result) NeedsReview() bool { return r.Class == ClassOther || r.review }

// classify sets res.Class and the class's details. The order matters: a
// bounce or an auto-reply quotes the questionnaire, and must never be taken
// for an answer.
func classify(m *message, opt *Options, res *Result) {
	res.Language = m.language()
	if b := findBounce(m); b != nil {
		res.Class, res.Bounce = ClassBounce, b
		return
	}
	if isAutoReply(m) {
		res.Class = ClassAutoReply
		return
	}
	if isNews(m, opt) {
		res.Class = ClassNews
		return
	}
	if u := findUnsubscribe(m, opt); u != nil {
		res.Class, res.Unsubscribe = ClassUnsubscribe, u
		return
	}
	if qs, errs := findQuestionnaires(m, opt.Limits); len(qs) > 0 {
		res.Class = ClassQuestionnaire
		if len(qs) == 1 {
			res.Questionnaire = qs[0]
		} else {
			res.Questionnaires = qs
		}
		res.Errors = append(res.Errors, errs...)
		res.review = res.review || len(errs) > 0
		return
	} else if len(errs) > 0 {
		res.Errors = append(res.Errors, errs...)
		res.review = true
	}
	if j := findJoinRequest(m); j != nil {
		res.Class, res.JoinRequest = ClassJoinRequest, j
		return
	}
}

// isNews says whether m is a news item: from a staff address, and tagged
// "[news]" in the subject or sent to the news address.
func isNews(m *message, opt *Options) bool {
	if len(opt.Staff) == 0 {
		return false
	}
	staff := false
	for _, s := range opt.Staff {
		if strings.EqualFold(s, m.env.From) {
			staff = true
		}
	}
	if !staff {
		return false
	}
	if strings.Contains(strings.ToLower(m.env.Subject), "[news]") {
		return true
	}
	if opt.NewsAddress != "" {
		for _, a := range append(append([]string{}, m.env.To...), m.env.Cc...) {
			if strings.EqualFold(a, opt.NewsAddress) {
				return true
			}
		}
	}
	return false
}

// findQuestionnaires returns the answers m holds: from its attachments (forms,
// documents, a spreadsheet with one row per authority) or its body, whichever
// answers more; and what could not be read.
func findQuestionnaires(m *message, lim Limits) ([]*Questionnaire, []string) {
	docs, errs := readAttachments(m, lim)
	var best []*Questionnaire
	bestScore := 0
	consider := func(qs []*Questionnaire) {
		score := 0
		for _, q := range qs {
			score += answered(q)
		}
		if score > bestScore {
			best, bestScore = qs, score
		}
	}
	for _, d := range docs {
		var qs []*Questionnaire
		for _, f := range d.Fields {
			if q := fromFields(f); q != nil {
				q.Source = d.Source
				qs = append(qs, q)
			}
		}
		// A form's fields win; its text fills the questions the fields leave
		// open (LibreOffice drops the tags of Word's check boxes, so those
		// answers are only in the text).
		if len(qs) <= 1 && d.Text != "" {
			if q := extractText(d.Text); q != nil {
				q.Source = d.Source
				if len(qs) == 1 {
					qs[0] = Merge(q, qs[0])
				} else {
					qs = append(qs, q)
				}
			}
		}
		consider(qs)
	}
	// Answers typed into a text file and attached.
	for _, p := range m.parts {
		if p.ContentType == "text/plain" && p.Disposition == "attachment" && len(p.Content) > 0 {
			if q := extractText(string(p.Content)); q != nil {
				q.Source = "body"
				consider([]*Questionnaire{q})
			}
		}
	}
	if m.text != "" && !m.htmlOnly() {
		if q := extractLines(m.lines(capText(m.text))); q != nil {
			q.Source = "body"
			consider([]*Questionnaire{q})
		}
	} else if m.html != "" {
		if q := extractLines(m.lines(capText(m.htmlText()))); q != nil {
			q.Source = "html"
			consider([]*Questionnaire{q})
		}
	}
	return best, errs
}

// answered counts the questions q answers.
func answered(q *Questionnaire) int { return len(questionKeys) - len(q.Missing) }

// questionKeys are the questionnaire's keys in question order (1 to 16).
var questionKeys = []string{
	"authority_name", "country", "authority_type", "population", "roma_estimate",
	"contact_name", "contact_function", "contact_email", "contact_phone", "interested",
	"thematic_priorities", "crosscutting_issues", "activities", "needs", "projects", "newsletter",
}

// htmlOnly says whether the message has no text/plain body of its own.
func (m *message) htmlOnly() bool {
	for _, p := range m.parts {
		if p.ContentType == "text/plain" && p.Disposition != "attachment" {
			return false
		}
	}
	return m.html != ""
}

// Bodies returns the text and HTML bodies of raw, decoded to UTF-8; the text
// is made from the HTML when the message has no text part. The error says
// when raw could not be read well enough (see ReadEnvelope).
func Bodies(raw []byte, lim Limits) (text, html string, err error) {
	m, err := read(raw, lim)
	return m.text, m.html, err
}

// Image is an image part of a message that its HTML shows by Content-ID.
type Image struct {
	ContentID   string // without angle brackets
	ContentType string // image/png, image/jpeg, image/gif or image/webp
	Data        []byte
}

// maxImage bounds one image taken from a message.
const maxImage = 5 << 20

// Images returns the images of raw that its HTML body refers to as
// "cid:ID" (what mail programs do with pictures pasted into a message), at
// most max of them. Other types than PNG, JPEG, GIF and WebP, and images
// over 5 MB, are left out.
func Images(raw []byte, lim Limits, max int) ([]Image, error) {
	m, err := read(raw, lim)
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, p := range m.parts {
		if len(out) >= max {
			break
		}
		switch p.ContentType {
		case "image/png", "image/jpeg", "image/gif", "image/webp":
		default:
			continue
		}
		if p.ContentID == "" || len(p.Content) == 0 || len(p.Content) > maxImage {
			continue
		}
		if !strings.Contains(m.html, "cid:"+p.ContentID) {
			continue
		}
		out = append(out, Image{ContentID: p.ContentID, ContentType: p.ContentType, Data: p.Content})
	}
	return out, nil
}
