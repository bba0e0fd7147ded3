package intake

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// questionnaireFields lists the JSON keys compared field by field.
var questionnaireFields = append(append([]string{}, questionKeys...), "missing")

// toMap turns a Questionnaire into its JSON object, without source.
func toMap(t *testing.T, q *Questionnaire) map[string]any {
	t.Helper()
	if q == nil {
		return nil
	}
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "source")
	return m
}

// compareQuestionnaire reports the fields of got that differ from want
// (a JSON object as in parse-json.md, or null) and returns how many of the
// 16 fields and missing are right.
func compareQuestionnaire(t *testing.T, name string, got *Questionnaire, wantJSON []byte) (right, total int) {
	t.Helper()
	var want map[string]any
	if err := json.Unmarshal(wantJSON, &want); err != nil {
		t.Fatalf("%s: bad want: %v", name, err)
	}
	gm := toMap(t, got)
	if want == nil || gm == nil {
		if (want == nil) != (gm == nil) {
			t.Errorf("%s: extractText = %v, want %v", name, gm != nil, want != nil)
			return 0, len(questionnaireFields)
		}
		return 1, 1
	}
	for _, k := range questionnaireFields {
		total++
		if reflect.DeepEqual(gm[k], want[k]) {
			right++
			continue
		}
		g, _ := json.Marshal(gm[k])
		w, _ := json.Marshal(want[k])
		t.Errorf("%s: %s = %s, want %s", name, k, g, w)
	}
	return right, total
}

// TestExtractTextTable reads every message of testdata/answers and checks
// each field against the .json beside it, and reports the accuracy.
func TestExtractTextTable(t *testing.T) {
	files, err := filepath.Glob("testdata/answers/*.txt")
	emls, _ := filepath.Glob("testdata/answers/*.eml")
	files = append(files, emls...)
	if err != nil || len(files) == 0 {
		t.Fatalf("no test messages: %v", err)
	}
	sort.Strings(files)
	right, total := 0, 0
	for _, f := range files {
		ext := filepath.Ext(f)
		name := strings.TrimSuffix(filepath.Base(f), ext)
		want, err := os.ReadFile(strings.TrimSuffix(f, ext) + ".json")
		if err != nil {
			t.Fatal(err)
		}
		r, n := compareQuestionnaire(t, name, extractFile(t, f), want)
		right += r
		total += n
	}
	t.Logf("extractText: %d/%d fields right (%.1f%%) in %d messages", right, total, 100*float64(right)/float64(total), len(files))
}

// extractFile reads a test message: a .txt body, or an .eml read as Parse
// reads it (the text part, or the HTML part when there is none).
func extractFile(t *testing.T, f string) *Questionnaire {
	t.Helper()
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(f) != ".eml" {
		return extractText(string(data))
	}
	m, err := read(data, Limits{})
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	if m.text != "" && !m.htmlOnly() {
		return extractText(m.text)
	}
	return extractText(htmlToText(m.html))
}

// TestSampleMail reads the questionnaire replies of internal/samplemail as
// Parse does (text body, or HTML when there is no text part; the text
// attachment of 17), and checks every field. The messages that are not
// replies must give nil.
func TestSampleMail(t *testing.T) {
	wantAll := map[string]json.RawMessage{}
	data, err := os.ReadFile("testdata/answers/samplemail.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &wantAll); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../internal/samplemail/mail/*.eml")
	if len(files) == 0 {
		t.Fatal("no sample mail")
	}
	right, total := 0, 0
	for _, f := range files {
		name := filepath.Base(f)
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := read(raw, Limits{})
		var got *Questionnaire
		if m.text != "" && !m.htmlOnly() {
			got = extractText(m.text)
		} else {
			got = extractText(htmlToText(m.html))
		}
		if name == "17-questionnaire-attachment.eml" {
			if got != nil {
				t.Errorf("%s: body = %+v, want nil (the answers are attached)", name, got)
			}
			for _, p := range m.parts {
				if p.FileName != "" {
					got = extractText(string(p.Content))
				}
			}
		}
		want, ok := wantAll[name]
		if !ok {
			want = json.RawMessage("null")
		}
		r, n := compareQuestionnaire(t, name, got, want)
		right += r
		total += n
		// The HTML alternative must say the same.
		if ok && m.html != "" && !m.htmlOnly() {
			r, n := compareQuestionnaire(t, name+" (html)", extractText(htmlToText(m.html)), want)
			right += r
			total += n
		}
	}
	t.Logf("sample mail: %d/%d fields right (%.1f%%)", right, total, 100*float64(right)/float64(total))
}

func TestFromFields(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]string
		want   string // JSON of the questionnaire, without source; "null" for nil
	}{
		{"keys and check boxes", map[string]string{
			"authority_name": "Ville de Montreuil", "country": "France", "population": "111 240",
			"roma_estimate": "400 - 600", "contact_name": "Hélène Garnier", "contact_function": "Chargée de mission",
			"contact_email": "H.Garnier@montreuil.example.fr", "contact_phone": "01 48 70 62 14",
			"authority_type_municipality": "Yes", "authority_type_region": "Off",
			"interested_yes": "/Yes", "interested_no": "Off", "interested_undecided": "",
			"thematic_priorities_education": "true", "thematic_priorities_housing": "On", "thematic_priorities_health": "0",
			"crosscutting_issues_participation": "X", "activities_study_visits": "☒", "activities_training": "☐",
			"needs": "Squats.", "projects": "Médiation.", "newsletter_yes": "1",
		}, `{"authority_name":"Ville de Montreuil","country":"FR","authority_type":"municipality","population":111240,"roma_estimate":{"min":400,"max":600},"contact_name":"Hélène Garnier","contact_function":"Chargée de mission","contact_email":"h.garnier@montreuil.example.fr","contact_phone":"01 48 70 62 14","interested":"yes","thematic_priorities":["education","housing"],"crosscutting_issues":["participation"],"activities":["study_visits"],"needs":"Squats.","projects":"Médiation.","newsletter":"yes","missing":[]}`},
		{"labels as spreadsheet headers", map[string]string{
			"Name of the local or regional authority": "Galway County Council", "Pays": "Irlande",
			"Type of authority": "County, province or département", "1. Population": "193,454",
			"Estimated number of Roma and Travellers": "unknown", "Thematic priorities": "Education, Housing",
			"Is your authority interested in joining the Alliance?": "Not decided yet", "Newsletter": "No",
			"Activités qui vous intéressent - Visites d'étude": "X", "Activities of interest / Training": "Yes",
			"Comments": "ignored",
		}, `{"authority_name":"Galway County Council","country":"IE","authority_type":"intermediate","population":193454,"roma_estimate":null,"contact_name":null,"contact_function":null,"contact_email":null,"contact_phone":null,"interested":"undecided","thematic_priorities":["education","housing"],"crosscutting_issues":[],"activities":["study_visits","training"],"needs":null,"projects":null,"newsletter":"no","missing":["contact_name","contact_function","contact_email","contact_phone","crosscutting_issues","needs","projects"]}`},
		{"case and spaces in keys", map[string]string{
			"Authority Name": "Stadt Graz", " COUNTRY ": "AT", "Contact-Email": "x@graz.example.at",
			"form1[0].page1[0].interested_no[0]": "Yes",
		}, `{"authority_name":"Stadt Graz","country":"AT","authority_type":null,"population":null,"roma_estimate":null,"contact_name":null,"contact_function":null,"contact_email":"x@graz.example.at","contact_phone":null,"interested":"no","thematic_priorities":[],"crosscutting_issues":[],"activities":[],"needs":null,"projects":null,"newsletter":null,"missing":["authority_type","population","roma_estimate","contact_name","contact_function","contact_phone","thematic_priorities","crosscutting_issues","activities","needs","projects","newsletter"]}`},
		{"nothing answered", map[string]string{"authority_name": "", "thematic_priorities_education": "Off", "other": "x"}, `null`},
		{"empty", map[string]string{}, `null`},
	}
	for _, tt := range tests {
		got := fromFields(tt.fields)
		var gotJSON []byte
		if got == nil {
			gotJSON = []byte("null")
		} else {
			m := toMap(t, got)
			gotJSON, _ = json.Marshal(m)
		}
		var g, w any
		json.Unmarshal(gotJSON, &g)
		json.Unmarshal([]byte(tt.want), &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: fromFields = %s\nwant %s", tt.name, gotJSON, tt.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // lines that must be in the text
		not      []string // text that must not be
	}{
		{"outlook table", `<table class=MsoTableGrid><tr><td><p class=MsoNormal><b>Country<o:p></o:p></b></p></td><td><p class=MsoNormal>France<o:p></o:p></p></td></tr>
<tr><td><p class=MsoNormal>Population</p></td><td><p class=MsoNormal>45&nbsp;000</p></td></tr></table>`,
			[]string{"| Country | France |", "| Population | 45 000 |"}, []string{"*"}},
		{"paragraphs are lines", `<p class=MsoNormal>Bonjour,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal><b>Pays&nbsp;:</b> France<o:p></o:p></p>`,
			[]string{"Bonjour,\n\nPays : France"}, []string{"*Pays"}},
		{"check boxes", `<p><span style="font-family:Wingdings">x</span> Education <span style='font-family:Wingdings'>o</span> Housing</p><p><input type=checkbox checked> Health <input type="checkbox"> Other</p>`,
			[]string{"☒ Education ☐ Housing", "☒ Health ☐ Other"}, nil},
		{"ordered list", `<ol><li>Grad Zagreb</li><li><p>Hrvatska</p></li></ol>`, []string{"1. Grad Zagreb", "2. Hrvatska"}, nil},
		{"quote", `<div>Answer</div><blockquote>1. Country:</blockquote>`, []string{"> 1. Country:"}, nil},
		{"layout table", `<table><tr><td><p>Dear colleagues,</p><p>Our answers:</p><table><tr><td>Country</td><td>Italy</td></tr></table></td></tr></table>`,
			[]string{"| Country | Italy |", "Dear colleagues,"}, nil},
		{"hidden and style", `<style>p{x:y}</style><div style="display:none">secret</div><p>shown</p>`, []string{"shown"}, []string{"secret", "x:y"}},
		{"broken", `<p>unclosed <b>bold <table><tr><td>a`, []string{"unclosed"}, nil},
	}
	for _, tt := range tests {
		got := htmlToText(tt.in)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: htmlToText = %q, want it to contain %q", tt.name, got, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: htmlToText = %q, want no %q", tt.name, got, n)
			}
		}
	}
}

// TestExtractTextDeterministic checks a property: the same text always
// gives the same answers (no map order leaks into the result), for the
// test messages and for damaged copies of them.
func TestExtractTextDeterministic(t *testing.T) {
	files, _ := filepath.Glob("testdata/answers/*.txt")
	var texts []string
	for _, f := range files {
		data, _ := os.ReadFile(f)
		texts = append(texts, string(data))
	}
	rnd := uint64(1)
	next := func(n int) int {
		rnd = rnd*6364136223846793005 + 1442695040888963407
		return int((rnd >> 33) % uint64(n))
	}
	for i := 0; i < 300 && len(texts) > 0; i++ {
		b := []byte(texts[next(len(texts))])
		for k := 0; k < 1+next(5); k++ {
			at := next(len(b) + 1)
			switch next(3) {
			case 0:
				b = append(b[:at], append([]byte{byte(next(256))}, b[at:]...)...)
			case 1:
				end := at + next(len(b)-at+1)
				b = append(b[:at], b[end:]...)
			default:
				end := at + next(len(b)-at+1)
				b = append(b[:end], append(append([]byte{}, b[at:end]...), b[end:]...)...)
			}
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		first, _ := json.Marshal(extractText(s))
		for i := 0; i < 3; i++ {
			again, _ := json.Marshal(extractText(s))
			if string(again) != string(first) {
				t.Fatalf("extractText(%.80q) differs between runs:\n%s\n%s", s, first, again)
			}
		}
	}
}

// phoneRun holds for every text in which phoneInRE finds a number.
func TestPhoneRun(t *testing.T) {
	inputs := append(foldInputs(), "Jana Novak, tel. +420 123 456 789", "Jana Novak (12345678)", "J. Novak 1234567",
		"Jana Novak t: 12.34.56.78", "Jana Novak 1-2-3-4", "Jana Novak\u00a0+420\u00a0123\u00a0456")
	for _, s := range inputs {
		if phoneInRE.MatchString(s) && !phoneRun(s) {
			t.Errorf("phoneRun(%q) = false, but phoneInRE matches", s)
		}
	}
}

func TestIndexColon(t *testing.T) {
	inputs := append(foldInputs(), "Réponse : oui", "Odpowiedź：tak", "\xe3：x", "\xef\xbc:：", "a\xef\xbc", "：:")
	for _, s := range inputs {
		if got, want := indexColon(s), strings.IndexAny(s, ":："); got != want {
			t.Errorf("indexColon(%q) = %d, want %d", s, got, want)
		}
	}
}
