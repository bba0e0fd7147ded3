package intake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// answerSeeds are the starts of the test messages of testdata/answers:
// short seeds keep the fuzzer fast (it minimises every new input).
func answerSeeds(f *testing.F) []string {
	var seeds []string
	files, _ := filepath.Glob("testdata/answers/*.txt")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			if len(b) > 300 {
				b = b[:300]
			}
			seeds = append(seeds, string(b))
		}
	}
	return seeds
}

func FuzzExtractText(f *testing.F) {
	for _, s := range answerSeeds(f) {
		f.Add(s)
	}
	f.Add("1. x\n2. \u00a0\n> 3. [X]\n| 4 | 5 |\n\t6\t7")
	f.Fuzz(func(t *testing.T, s string) {
		q := extractText(s)
		if q == nil {
			return
		}
		if q.ThematicPriorities == nil || q.CrosscuttingIssues == nil || q.Activities == nil || q.Missing == nil {
			t.Fatalf("extractText returned a nil list: %+v", q)
		}
		if len(q.Missing) >= len(questionKeys) {
			t.Fatalf("extractText answered nothing but is not nil: %+v", q)
		}
	})
}

func FuzzFromFields(f *testing.F) {
	f.Add("authority_name", "Brno", "thematic_priorities_education", "Yes")
	f.Add("Pays", "Belgique", "Thematic priorities", "Education, Housing")
	f.Add("form1[0].interested_yes[0]", "/On", "1. Population", "45 000")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		q := fromFields(map[string]string{k1: v1, k2: v2})
		if q != nil && (q.ThematicPriorities == nil || q.Missing == nil) {
			t.Fatalf("fromFields returned a nil list: %+v", q)
		}
	})
}

func FuzzHTMLToText(f *testing.F) {
	f.Add(`<table><tr><td><b>Country</b></td><td>France</td></tr></table>`)
	f.Add(`<ol start="3"><li><p>x</p></li></ol><blockquote><p class=MsoNormal><o:p>&nbsp;</o:p></p></blockquote>`)
	f.Add(`<span style="font-family:Wingdings">x</span><input type=checkbox checked><table><tr><td><table>`)
	f.Fuzz(func(t *testing.T, s string) {
		out := htmlToText(s)
		if strings.Contains(out, "<o:p>") {
			t.Fatalf("htmlToText kept markup: %q", out)
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"45 000", "1,2 Mio.", "45,5", "4.455.188", "2021 census: 45,000", "45k", "9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseNumber(s)
		if ok && n < 0 {
			t.Fatalf("parseNumber(%q) = %d", s, n)
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"2000-3000", "between 2 000 and 3 000", "10-12 000", "unknown", "approx. 1%", "less than 100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, answered := parseRange(s)
		if r != nil && (!answered || r.Min > r.Max || r.Min < 0) {
			t.Fatalf("parseRange(%q) = %+v, %v", s, r, answered)
		}
	})
}

func FuzzFindJoinRequest(f *testing.F) {
	f.Add("Letter of intent", "On behalf of the City of Leskovac, we would like to join the Alliance.\n\nOur contact person will be Mr Dragan Petrović, Coordinator, e-mail: d.p@leskovac.example.rs.\n\nYours faithfully,\nNikola\nMayor")
	f.Add("Adhésion", "La Commune d’Anderlecht souhaite participer à l’Alliance.\n\nCordialement,\n\nFrançoise Dumont\nÉchevine\nCommune d’Anderlecht\nBelgique")
	f.Add("Re: Questionnaire", "Thanks.\n\nOn Tue, X wrote:\n> invites authorities to join the European Alliance")
	f.Fuzz(func(t *testing.T, subject, body string) {
		raw := "From: Sender <sender@city.example.rs>\r\nSubject: " + strings.ReplaceAll(subject, "\n", " ") +
			"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
		m, _ := read([]byte(raw), Limits{})
		j := findJoinRequest(m)
		if j != nil && j.ContactEmail != nil && strings.ToLower(*j.ContactEmail) != *j.ContactEmail && !strings.Contains(*j.ContactEmail, "\uFFFD") {
			t.Fatalf("contact_email not lower-cased: %q", *j.ContactEmail)
		}
		_ = detectLanguage(subject + "\n" + body)
	})
}
