package intake

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The documents in testdata/attach are made by internal/gendocs (go run
// ./intake/internal/gendocs; -libreoffice for the files LibreOffice writes).

func testdoc(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "attach", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// yes and off spell out check boxes: yes("a_x", "a_y") is {"a_x": "Yes", "a_y": "Yes"}.
func boxes(state string, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = state
	}
	return m
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// checkFields compares fields exactly, one key at a time.
func checkFields(t *testing.T, name string, got, want []map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d field maps, want %d: %v", name, len(got), len(want), got)
	}
	for i := range want {
		keys := slices.Sorted(maps.Keys(merge(got[i], want[i])))
		for _, k := range keys {
			g, gok := got[i][k]
			w, wok := want[i][k]
			if g != w || gok != wok {
				t.Errorf("%s: Fields[%d][%q] = %q (present %v), want %q (present %v)", name, i, k, g, gok, w, wok)
			}
		}
	}
}

// checkText says which of want's lines are not lines of text, and which of
// absent occur in it.
func checkText(t *testing.T, name, text string, want, absent []string) {
	t.Helper()
	lines := strings.Split(text, "\n")
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("%s: text has no line %q; text:\n%s", name, w, text)
		}
	}
	for _, a := range absent {
		if strings.Contains(text, a) {
			t.Errorf("%s: text holds %q; text:\n%s", name, a, text)
		}
	}
}

var montegranoFields = merge(map[string]string{
	"authority_name":   "Comune di Montegrano Irpino",
	"country":          "Italy",
	"population":       "8 450",
	"roma_estimate":    "between 120 and 180",
	"contact_name":     "Giulia Ferraris",
	"contact_function": "Councillor for social policies",
	"contact_email":    "g.ferraris@comune.montegrano.example",
	"contact_phone":    "+39 0825 123 456",
	"needs":            "Training of school mediators and early school leaving.\nDecent housing for the 30 families of the Via del Fiume settlement.",
	"projects":         "Homework club with the parish since 2019; summer school for 40 children\t(see www.comune.montegrano.example/rom)",
},
	boxes("Yes", "authority_type_municipality", "interested_yes", "thematic_priorities_education",
		"thematic_priorities_housing", "crosscutting_issues_participation", "crosscutting_issues_stereotypes",
		"activities_good_practices", "activities_study_visits", "activities_funding", "newsletter_yes"),
	boxes("Off", "authority_type_intermediate", "authority_type_region", "authority_type_association",
		"authority_type_other", "interested_no", "interested_undecided", "thematic_priorities_employment",
		"thematic_priorities_health", "crosscutting_issues_rights", "crosscutting_issues_intercultural",
		"activities_workshops", "activities_training", "activities_expertise", "newsletter_no"),
)

// montegranoLines are lines of the Word questionnaire that every reading of
// it, in Word or LibreOffice, keeps.
var montegranoLines = []string{
	"1. Name of the local or regional authority | Comune di Montegrano Irpino",
	"2. Country | Italy",
	"3. Type of authority | ☒ Municipality (city, town, commune) ☐ County, province or département ☐ Region ☐ Association of authorities ☐ Other",
	"4. Population | 8 450",
	"9. Telephone | +39 0825 123 456",
	"10. Is your authority interested in joining the Alliance? | ☒ Yes ☐ No ☐ Not decided yet",
	"11. Thematic priorities | ☒ Education ☐ Employment and vocational training ☒ Housing ☐ Health",
	"13. Activities of interest | ☒ Exchange of good practices ☐ Thematic workshops ☒ Study visits ☐ Training ☐ Expert advice ☒ Information on funding",
	"16. May we send you the Alliance newsletter? | ☒ Yes ☐ No",
	"Consent to publication of the answers: ☒ yes ☐ no",
}

func TestReadDocx(t *testing.T) {
	tests := []struct {
		file   string
		fields []map[string]string
		lines  []string
		absent []string
	}{{
		// As Word writes it: content controls tagged by key, w14 check
		// boxes, legacy check boxes, split runs, a tracked change, fields,
		// a text box, a header.
		file:   "word.docx",
		fields: []map[string]string{montegranoFields},
		lines: append([]string{
			"Questionnaire – Alliance of Cities and Regions for Roma Inclusion",
			"Please fill in the table and send it back to the Congress secretariat. Please return by 30 April 2026",
			"14. Main needs and challenges | Training of school mediators and early school leaving. Decent housing for the 30 families of the Via del Fiume settlement.",
			"15. Current projects and good practices | Homework club with the parish since 2019; summer school for 40 children (see www.comune.montegrano.example/rom)",
			"Website (optional) |",
			"Date: 14 April 2026",
			"Giulia Ferraris, Councillor",
		}, montegranoLines...),
		absent: []string{"Council of Europe – Congress", "teachers", "HYPERLINK", "FORMCHECKBOX", "Click or tap", "Deputy Mayor", "DATE"},
	}, {
		// Saved again by LibreOffice 7.4: tags dropped (titles kept), the
		// deleted word merged into the text, the hyperlink field's
		// instruction shown.
		file: "libreoffice.docx",
		fields: []map[string]string{{
			"authority_name":   "Comune di Montegrano Irpino",
			"country":          "Italy",
			"population":       "8 450",
			"roma_estimate":    "between 120 and 180",
			"contact_name":     "Giulia Ferraris",
			"contact_function": "Councillor for social policies",
			"contact_email":    "g.ferraris@comune.montegrano.example",
			"contact_phone":    "+39 0825 123 456",
			"needs":            "Training of teachersschool mediators and early school leaving.",
			"projects":         "Homework club with the parish since 2019;summer school for 40 children\t(see  HYPERLINK \"https://www.comune.montegrano.example/rom\" www.comune.montegrano.example/rom)",
		}},
		lines:  montegranoLines,
		absent: []string{"Council of Europe – Congress", "FORMCHECKBOX"},
	}}
	for _, tt := range tests {
		d, err := readDocx(testdoc(t, tt.file), Limits{})
		if err != nil {
			t.Fatalf("readDocx(%s) error %v", tt.file, err)
		}
		checkFields(t, tt.file, d.Fields, tt.fields)
		checkText(t, tt.file, d.Text, tt.lines, tt.absent)
		if n := strings.Count(d.Text, "Please return by 30 April 2026"); n != 1 {
			t.Errorf("%s: the text box is in the text %d times, want once", tt.file, n)
		}
	}
}

func TestReadODT(t *testing.T) {
	saintAubin := merge(map[string]string{
		"contact_email": "c.mercier@saint-aubin.example.fr",
		"interested":    "yes",
	},
		boxes("Yes", "authority_type_municipality", "interested_yes", "thematic_priorities_education",
			"thematic_priorities_health", "crosscutting_issues_rights", "crosscutting_issues_intercultural",
			"activities_workshops", "activities_training", "newsletter_yes"),
		boxes("Off", "authority_type_intermediate", "authority_type_region", "authority_type_association",
			"authority_type_other", "interested_no", "interested_undecided", "thematic_priorities_employment",
			"thematic_priorities_housing", "crosscutting_issues_participation", "crosscutting_issues_stereotypes",
			"activities_good_practices", "activities_study_visits", "activities_expertise", "activities_funding",
			"newsletter_no"),
	)
	tests := []struct {
		file   string
		fields []map[string]string
		lines  []string
		absent []string
	}{{
		// LibreOffice-style XML: form controls, text:s, a tracked change,
		// a footnote, a comment, a header.
		file:   "saint-aubin.odt",
		fields: []map[string]string{saintAubin},
		lines: []string{
			"Questionnaire – Alliance des villes et régions pour l'inclusion des Roms",
			"Merci de remplir le tableau  et de le renvoyer\tavant le 30 avril 2026.",
			"Question | Réponse",
			"1. Nom de la collectivité locale ou régionale | Ville de Saint-Aubin-les-Forges",
			"3. Type de collectivité | ☒ Commune (ville, municipalité) ☐ Département, province ou comté ☐ Région ☐ Association de collectivités ☐ Autre",
			"4. Population | 12 300 habitants",
			"8. Courriel | c.mercier@saint-aubin.example.fr",
			"9. Téléphone | +33 3 86 12 34 56",
			"10. Votre collectivité souhaite-t-elle participer à l'Alliance ? | ☒ Oui ☐ Non ☐ Pas encore décidé",
			"11. Priorités thématiques | ☒ Éducation ☐ Emploi et formation professionnelle ☐ Logement ☒ Santé",
			"14. Principaux besoins et difficultés | Scolarisation des enfants de l'aire d'accueil ; recrutement de médiateurs scolaires. Accès aux soins pour les familles itinérantes.",
			"15. Projets en cours et bonnes pratiques | Médiation santé avec l'ARS depuis 2022 ; accompagnement vers l'emploi (12 personnes en 2025).",
			"16. Acceptez-vous de recevoir la lettre d'information de l'Alliance ? | ☒ Oui ☐ Non",
			"Fait à Saint-Aubin-les-Forges, le 14 avril 2026.",
		},
		absent: []string{"enseignants", "à vérifier", "FSE+", "Congrès des pouvoirs"},
	}, {
		// The Word questionnaire saved as ODT by LibreOffice 7.4: content
		// controls become text inputs (names lost) and loext check boxes,
		// the legacy check boxes fieldmarks, Wingdings private-use symbols.
		file:   "libreoffice.odt",
		lines:  montegranoLines,
		absent: []string{"Council of Europe – Congress", "FORMCHECKBOX"},
	}, {
		file: "oberwald.odt",
		lines: []string{
			"1. Name of the local or regional authority: Landkreis Oberwald",
			"5. Estimated number of Roma and Travellers: unknown",
			"6. Contact person | Dr. Sabine Krüger",
			"9. Telephone | +49 9561 12 345",
			"16. May we send you the Alliance newsletter? Yes",
		},
	}}
	for _, tt := range tests {
		d, err := readODT(testdoc(t, tt.file), Limits{})
		if err != nil {
			t.Fatalf("readODT(%s) error %v", tt.file, err)
		}
		checkFields(t, tt.file, d.Fields, tt.fields)
		checkText(t, tt.file, d.Text, tt.lines, tt.absent)
	}
}

func TestReadPDF(t *testing.T) {
	targuVerde := merge(map[string]string{
		"authority_name":              "Municipiul Târgu Verde",
		"country":                     "Romania",
		"authority_type":              "municipality",
		"authority_type_municipality": "Yes",
		"population":                  "61 000",
		"roma_estimate":               "3 000 - 4 000",
		"contact_name":                "Andrei Popescu",
		"contact_function":            "Councillor, Roma Office of the City Hall",
		"contact_email":               "a.popescu@primaria-targuverde.example.ro",
		"contact_phone":               "+40 256 123 456",
		"interested":                  "yes",
		"interested_yes":              "Yes",
		"needs":                       "Social housing for 60 families;\nschool transport from the Pădurii district",
		"projects":                    "Roma health mediators in three districts (with the County Public Health Directorate)",
		"newsletter":                  "yes",
		"newsletter_yes":              "Yes",
		"Date":                        "14.04.2026",
	},
		boxes("Yes", "thematic_priorities_education", "thematic_priorities_employment", "thematic_priorities_housing",
			"crosscutting_issues_participation", "activities_training", "activities_expertise"),
		boxes("Off", "thematic_priorities_health", "crosscutting_issues_rights", "crosscutting_issues_stereotypes",
			"crosscutting_issues_intercultural", "activities_good_practices", "activities_workshops",
			"activities_study_visits", "activities_funding"),
	)
	tests := []struct {
		file   string
		fields []map[string]string
		lines  []string
	}{{
		file:   "form.pdf",
		fields: []map[string]string{targuVerde},
		lines: []string{
			"1. Name of the local or regional authority",
			"11. Thematic priorities | Education",
		},
	}, {
		// Helvetica without widths, WinAnsi with /Differences, TJ kerning,
		// a two-column table.
		file: "text.pdf",
		lines: []string{
			"Questionnaire – Alliance of Cities and Regions for Roma Inclusion",
			"Reply of the Općina Gornji Brijeg, Croatia (14 April 2026)",
			"1. Name of the local or regional authority | Općina Gornji Brijeg",
			"4. Population | 6.240",
			"8. E-mail | ivana.horvat@gornji-brijeg.example.hr",
			"10. Is your authority interested in | Yes",
			"joining the Alliance?",
			"14. Main needs and challenges | Legalisation of housing in the Šljunkovac settlement",
			"16. May we send you the Alliance newsletter? | Yes",
			"Jedinstveni upravni odjel, Općina Gornji Brijeg",
		},
	}, {
		// LibreOffice's PDF of the Word questionnaire: embedded subset
		// fonts with ToUnicode maps, a header on each page, labels wrapped
		// in their column.
		file: "libreoffice-word.pdf",
		lines: []string{
			"Questionnaire – Alliance of Cities and Regions for Roma Inclusion",
			"1. Name of the local or | Comune di Montegrano Irpino",
			"2. Country | Italy",
			"3. Type of authority | ☒ Municipality (city, town, commune)",
			"☐ County, province or département",
			"5. Estimated number of Roma | between 120 and 180",
			"8. E-mail | g.ferraris@comune.montegrano.example",
			"11. Thematic priorities | ☒ Education",
			"☒ Housing",
		},
	}, {
		file: "libreoffice-text.pdf",
		lines: []string{
			"1. Name of the local or regional authority: Landkreis Oberwald",
			"4. Population: 184 500",
			"6. Contact person | Dr. Sabine Krüger",
			"8. E-mail | s.krueger@lk-oberwald.example.de",
			"16. May we send you the Alliance newsletter? Yes",
		},
	}}
	for _, tt := range tests {
		d, err := readPDF(testdoc(t, tt.file), Limits{})
		if err != nil {
			t.Fatalf("readPDF(%s) error %v", tt.file, err)
		}
		checkFields(t, tt.file, d.Fields, tt.fields)
		checkText(t, tt.file, d.Text, tt.lines, nil)
	}
}

func TestReadPDFScan(t *testing.T) {
	d, err := readPDF(testdoc(t, "scan.pdf"), Limits{})
	if err == nil || err.Error() != "no text (a scanned image?): staff must read it" {
		t.Errorf("readPDF(scan.pdf) = %+v, %v; want the scan error", d, err)
	}
}

func TestReadXLSX(t *testing.T) {
	valDeMeuse := func(base map[string]string, yes ...string) map[string]string {
		all := []string{"thematic_priorities_education", "thematic_priorities_employment", "thematic_priorities_housing",
			"thematic_priorities_health", "crosscutting_issues_rights", "crosscutting_issues_participation",
			"crosscutting_issues_stereotypes", "crosscutting_issues_intercultural", "activities_good_practices",
			"activities_workshops", "activities_study_visits", "activities_training", "activities_expertise", "activities_funding"}
		return merge(boxes("Off", all...), boxes("Yes", yes...), base)
	}
	tests := []struct {
		file   string
		fields []map[string]string
		lines  []string
	}{{
		file: "vega-alta.xlsx",
		fields: []map[string]string{{
			"authority_name": "Ayuntamiento de Valdeserra", "country": "Spain", "authority_type": "Municipality",
			"population": "23,150", "roma_estimate": "900", "contact_name": "Lucía Romero Gil",
			"contact_function": "Councillor for Social Services", "contact_email": "lromero@valdeserra.example.es",
			"contact_phone": "+34 953 123 456", "interested": "Yes", "thematic_priorities": "Education, Housing",
			"crosscutting_issues": "Roma participation", "activities": "Exchange of good practices, Training",
			"needs": "Substandard housing in the Las Cuevas neighbourhood", "projects": "Roma Plan 2023-2027 with the regional government",
			"newsletter": "Yes",
		}, {
			"authority_name": "Ayuntamiento de Fuentealba del Río", "country": "Spain", "authority_type": "Municipality",
			"population": "7,480", "roma_estimate": "150-200", "contact_name": "Javier Morales Ruiz",
			"contact_function": "Social inclusion officer", "contact_email": "jmorales@fuentealba.example.es",
			"contact_phone": "+34 953 654 321", "interested": "Yes", "thematic_priorities": "Education, Employment and vocational training",
			"crosscutting_issues": "Combating stereotypes, Intercultural understanding", "activities": "Study visits",
			"needs": "School absenteeism of Roma girls", "projects": "Mediation programme with the Fundación Secretariado Gitano",
			"newsletter": "Yes", "Remarks": "Answer sent by the Mancomunidad",
		}, {
			"authority_name": "Ayuntamiento de Castrillo de la Vega Alta", "country": "Spain", "authority_type": "Municipality",
			"population": "3,920", "roma_estimate": "unknown", "contact_name": "María José Castro",
			"contact_function": "Mayor", "contact_email": "alcaldia@castrillo-vegaalta.example.es",
			"contact_phone": "+34 953 777 888", "interested": "Not decided yet", "thematic_priorities": "Health",
			"activities": "Information on funding", "newsletter": "No",
		}},
		lines: []string{"Figures from the municipal registers (padrón), 1 January 2026."},
	}, {
		file: "val-de-meuse.xlsx",
		fields: []map[string]string{
			valDeMeuse(map[string]string{
				"authority_name": "Commune de Hautfays-sur-Meuse", "country": "Belgique", "authority_type": "Commune",
				"population": "5 870", "roma_estimate": "environ 120", "contact_name": "Sophie Lambert",
				"contact_function": "Échevine des affaires sociales", "contact_email": "s.lambert@hautfays.example.be",
				"contact_phone": "+32 81 12 34 56", "interested": "Oui", "needs": "Terrain pour les gens du voyage",
				"projects": "Plan de cohésion sociale 2026-2030", "newsletter": "oui",
			}, "thematic_priorities_education", "thematic_priorities_housing", "crosscutting_issues_rights", "activities_good_practices"),
			valDeMeuse(map[string]string{
				"authority_name": "Commune de Wérimont", "country": "Belgique", "authority_type": "Commune",
				"population": "9 310", "roma_estimate": "inconnu", "contact_name": "Marc Dubois",
				"contact_function": "Coordinateur du Plan de cohésion sociale", "contact_email": "m.dubois@werimont.example.be",
				"contact_phone": "+32 81 98 76 54", "interested": "Oui", "needs": "Médiation scolaire", "newsletter": "oui",
			}, "thematic_priorities_education", "thematic_priorities_employment", "crosscutting_issues_participation",
				"crosscutting_issues_stereotypes", "activities_workshops", "activities_study_visits"),
			valDeMeuse(map[string]string{
				"authority_name": "Ville de Beaurieux-Meuse", "country": "Belgique", "authority_type": "Commune",
				"population": "21 640", "roma_estimate": "300 à 400", "contact_name": "Nadia El Amrani",
				"contact_function": "Directrice du CPAS", "contact_email": "n.elamrani@beaurieux.example.be",
				"contact_phone": "+32 71 55 44 33", "interested": "Pas encore décidé", "needs": "Logement et accès à l'emploi",
				"projects": "Accompagnement de 15 familles vers le logement", "newsletter": "non",
			}, "thematic_priorities_employment", "thematic_priorities_housing", "thematic_priorities_health",
				"crosscutting_issues_intercultural", "activities_training", "activities_expertise", "activities_funding"),
		},
		lines: []string{"Pour les questions 11 à 13, cochez les colonnes par un x."},
	}}
	for _, tt := range tests {
		d, err := readXLSX(testdoc(t, tt.file), Limits{})
		if err != nil {
			t.Fatalf("readXLSX(%s) error %v", tt.file, err)
		}
		checkFields(t, tt.file, d.Fields, tt.fields)
		checkText(t, tt.file, d.Text, tt.lines, nil)
	}
}

// A sheet with the questions down the first column and one authority per
// column.
func TestSheetFieldsVertical(t *testing.T) {
	rows := [][]string{
		{"Questionnaire", "", ""},
		{"Question", "Gmina Zielony Gaj", "Gmina Stary Bór"},
		{"1. Name of the local or regional authority", "Gmina Zielony Gaj", "Gmina Stary Bór"},
		{"2. Country", "Poland", "Poland"},
		{"4. Population", "12 500", "4 100"},
		{"11. Thematic priorities: Education", "x", ""},
		{"11. Thematic priorities: Housing", "", "x"},
	}
	got, score := sheetFields(rows)
	want := []map[string]string{
		{"authority_name": "Gmina Zielony Gaj", "country": "Poland", "population": "12 500",
			"thematic_priorities_education": "Yes", "thematic_priorities_housing": "Off"},
		{"authority_name": "Gmina Stary Bór", "country": "Poland", "population": "4 100",
			"thematic_priorities_education": "Off", "thematic_priorities_housing": "Yes"},
	}
	if score < 3 {
		t.Errorf("sheetFields score = %d, want 3 or more", score)
	}
	checkFields(t, "vertical sheet", got, want)
}

func TestHeaderKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"authority_name", "authority_name"},
		{"thematic_priorities_education", "thematic_priorities_education"},
		{"Name of the local or regional authority", "authority_name"},
		{"Nom de la collectivité locale ou régionale", "authority_name"},
		{"PAYS", "country"},
		{"2. Country", "country"},
		{"Q4", "population"},
		{"Question 8", "contact_email"},
		{"E-mail", "contact_email"},
		{"Courriel", "contact_email"},
		{"Téléphone", "contact_phone"},
		{"11a Éducation", "thematic_priorities_education"},
		{"11. Thematic priorities", "thematic_priorities"},
		{"Thematic priorities: Housing", "thematic_priorities_housing"},
		{"Questions transversales – Compréhension interculturelle", "crosscutting_issues_intercultural"},
		{"13. Formation", "activities_training"},
		{"Study visits", "activities_study_visits"},
		{"Population (inhabitants)", "population"},
		{"Remarks", ""},
		{"2024", ""},
		{"17. Other", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := headerKey(tt.in); got != tt.want {
			t.Errorf("headerKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFieldKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"country", "country"},
		{" Country ", "country"},
		{"interested-yes", "interested_yes"},
		{"form1[0].page1[0].authority_name[0]", "authority_name"},
		{"page1.projects", "projects"},
		{"Text1", ""},
		{"thematic_priorities_sport", ""},
	}
	for _, tt := range tests {
		if got := fieldKey(tt.in); got != tt.want {
			t.Errorf("fieldKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderParam(t *testing.T) {
	tests := []struct{ header, param, want string }{
		{`attachment; filename="answers.docx"`, "filename", "answers.docx"},
		{`attachment; filename*=iso-8859-1''r%E9ponses%20Montreuil.docx`, "filename", "réponses Montreuil.docx"},
		{`attachment; filename*=UTF-8''r%C3%A9ponses.pdf`, "filename", "réponses.pdf"},
		{`attachment; filename*0*=utf-8''Fragebogen%20Landkreis%20; filename*1*=Oberw%C3%A4ld.odt`, "filename", "Fragebogen Landkreis Oberwäld.odt"},
		{`attachment; filename*0="long name "; filename*1="part two.xlsx"`, "filename", "long name part two.xlsx"},
		{`application/octet-stream; name="=?utf-8?B?b2R0w6lwb25zZS5vZHQ=?="`, "name", "odtéponse.odt"},
		{`attachment; filename="a;b.pdf"; size=10`, "filename", "a;b.pdf"},
		{`attachment`, "filename", ""},
	}
	for _, tt := range tests {
		if got := headerParam(tt.header, tt.param); got != tt.want {
			t.Errorf("headerParam(%q, %q) = %q, want %q", tt.header, tt.param, got, tt.want)
		}
	}
}

// testMessage is a message with a text body and the given parts, each a
// MIME part's headers and its content (sent in base64).
type testPart struct {
	header  string
	content []byte
}

func testMessage(t *testing.T, parts ...testPart) *message {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("From: Mairie <mairie@example.fr>\r\nTo: roma.summit@coe.int\r\nSubject: RE: Questionnaire\r\nMessage-ID: <t1@example.fr>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n")
	b.WriteString("--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find our answers attached.\r\n")
	for _, p := range parts {
		b.WriteString("--XYZ\r\n" + p.header + "\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(p.content)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--XYZ--\r\n")
	m, err := read(b.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// image returns n bytes that start like a JPEG.
func image(n int) []byte {
	b := make([]byte, n)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return b
}

func TestReadAttachments(t *testing.T) {
	m := testMessage(t,
		// Outlook: octet-stream, an ISO-8859-1 RFC 2231 name.
		testPart{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=iso-8859-1''r%E9ponses.docx", testdoc(t, "word.docx")},
		// A PDF with no name at all.
		testPart{"Content-Type: application/pdf", testdoc(t, "form.pdf")},
		// An ODT with a continued UTF-8 name.
		testPart{"Content-Type: application/vnd.oasis.opendocument.text\r\nContent-Disposition: attachment; filename*0*=utf-8''Questionnaire%20Saint-; filename*1*=Aubin.odt", testdoc(t, "saint-aubin.odt")},
		// A spreadsheet labelled as a Word file: its content decides.
		testPart{"Content-Type: application/msword; name=\"reponses.doc\"\r\nContent-Disposition: attachment; filename=\"vega-alta.xlsx\"", testdoc(t, "vega-alta.xlsx")},
		testPart{"Content-Type: image/png\r\nContent-ID: <logo@mairie>\r\nContent-Disposition: inline; filename=\"logo.png\"", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 20<<10)...)},
		testPart{"Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"scan.jpg\"", image(80 << 10)},
		testPart{"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"scan.pdf\"", testdoc(t, "scan.pdf")},
		testPart{"Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\nContent-Disposition: attachment; filename=\"truncated.docx\"", testdoc(t, "truncated.docx")},
		testPart{"Content-Type: application/msword\r\nContent-Disposition: attachment; filename=\"old.doc\"", append(append([]byte{}, oleMagic...), make([]byte, 512)...)},
		testPart{"Content-Type: application/zip\r\nContent-Disposition: attachment; filename=\"photos.zip\"", zipOf(t, "a.txt", "hello")},
	)
	docs, errs := readAttachments(m, Limits{})
	var got []string
	for _, d := range docs {
		got = append(got, d.Name+" "+d.Source)
	}
	want := []string{"réponses.docx docx", "attachment 3 (application/pdf) pdf", "Questionnaire Saint-Aubin.odt odt", "vega-alta.xlsx xlsx"}
	if !slices.Equal(got, want) {
		t.Errorf("readAttachments documents = %q, want %q", got, want)
	}
	wantErrs := []string{
		"scan.jpg is an image: it cannot be read; staff must read it",
		"scan.pdf: no text (a scanned image?): staff must read it",
		"truncated.docx: not a valid Word file: zip: not a valid zip file",
		"old.doc: an old Word file (.doc) cannot be read: staff must read it",
	}
	if !slices.Equal(errs, wantErrs) {
		t.Errorf("readAttachments errors = %q, want %q", errs, wantErrs)
	}
	if len(docs) == 4 && len(docs[3].Fields) != 3 {
		t.Errorf("vega-alta.xlsx: %d authorities, want 3", len(docs[3].Fields))
	}
}

func zipOf(t testing.TB, kv ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(kv); i += 2 {
		w, err := zw.Create(kv[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(kv[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadAttachmentsLimits(t *testing.T) {
	word := testdoc(t, "word.docx")
	part := func(name string, b []byte) testPart {
		return testPart{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name + "\"", b}
	}
	tests := []struct {
		name  string
		lim   Limits
		parts []testPart
		docs  int
		errs  []string
	}{{
		name:  "zip bomb",
		parts: []testPart{part("answers.docx", testdoc(t, "bomb.docx"))},
		errs:  []string{"answers.docx: expands past the 50 MiB limit (a zip bomb?)"},
	}, {
		name:  "compression ratio",
		parts: []testPart{part("answers.docx", testdoc(t, "ratio-bomb.docx"))},
		errs:  []string{"answers.docx: word/document.xml expands 1007:1, over the 100:1 limit (a zip bomb?)"},
	}, {
		name:  "expanded bytes",
		lim:   Limits{MaxExpanded: 4 << 10},
		parts: []testPart{part("answers.docx", word)},
		errs:  []string{"answers.docx: expands past the 4 KiB limit (a zip bomb?)"},
	}, {
		name:  "attachment size",
		lim:   Limits{MaxAttachment: 5000},
		parts: []testPart{part("answers.docx", word), part("text.pdf", testdoc(t, "text.pdf"))},
		docs:  1,
		errs:  []string{"answers.docx: 7.0 KiB is over the 4.9 KiB limit for an attachment; not read"},
	}, {
		name:  "documents",
		lim:   Limits{MaxDocuments: 1},
		parts: []testPart{part("a.docx", word), part("b.docx", word), part("c.pdf", testdoc(t, "text.pdf"))},
		docs:  1,
		errs:  []string{"b.docx, c.pdf: not read: over the limit of 1 documents read in one message"},
	}, {
		name:  "xlsx zip bomb",
		lim:   Limits{MaxExpanded: 8 << 10},
		parts: []testPart{part("sheet.xlsx", testdoc(t, "vega-alta.xlsx"))},
		errs:  []string{"sheet.xlsx: expands past the 8 KiB limit (a zip bomb?)"},
	}}
	for _, tt := range tests {
		docs, errs := readAttachments(testMessage(t, tt.parts...), tt.lim)
		if len(docs) != tt.docs || !slices.Equal(errs, tt.errs) {
			t.Errorf("%s: readAttachments = %d documents, errors %q; want %d, %q", tt.name, len(docs), errs, tt.docs, tt.errs)
		}
	}
}

func TestZipLimitErrors(t *testing.T) {
	_, err := readDocx(testdoc(t, "bomb.docx"), Limits{})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("readDocx(bomb.docx) error %v, want ErrLimit", err)
	}
	// An entry that lies about its size is stopped when its bytes pass
	// the size it declared.
	b := zipOf(t, "[Content_Types].xml", "<Types/>", "word/document.xml", `<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>`+strings.Repeat("a", 3<<20)+`</w:t></w:r></w:p></w:body></w:document>`)
	lied := bytes.Clone(b)
	// Patch the uncompressed size in the central directory entry of
	// document.xml to 100 bytes.
	cd := bytes.LastIndex(lied, []byte("PK\x01\x02"))
	lied[cd+24], lied[cd+25], lied[cd+26], lied[cd+27] = 100, 0, 0, 0
	if _, err := readDocx(lied, Limits{MaxExpanded: 1 << 20}); err == nil {
		t.Errorf("readDocx(lying zip) gives no error")
	}
	// The honest file is over a 1 MiB budget.
	if _, err := readDocx(b, Limits{MaxExpanded: 1 << 20}); !errors.Is(err, ErrLimit) {
		t.Errorf("readDocx(3 MiB document, 1 MiB limit) error %v, want ErrLimit", err)
	}
}

func TestIdentify(t *testing.T) {
	word := testdoc(t, "word.docx")
	tests := []struct {
		header string
		body   []byte
		want   kind
	}{
		{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"x.bin\"", word, kindDocx},
		{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"x.bin\"", testdoc(t, "text.pdf"), kindPDF},
		{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"x\"", testdoc(t, "saint-aubin.odt"), kindODT},
		{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"x\"", testdoc(t, "val-de-meuse.xlsx"), kindXLSX},
		{"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"x.pdf\"", []byte("not a pdf"), kindPDF},
		{"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"notes.txt\"", []byte("hello"), kindNone},
		{"Content-Type: image/gif\r\nContent-Disposition: attachment; filename=\"x.gif\"", []byte("GIF89a....."), kindImage},
		{"Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\nContent-Disposition: attachment; filename=\"x.docx\"", append(append([]byte{}, oleMagic...), 0), kindUnusable},
	}
	for i, tt := range tests {
		m := testMessage(t, testPart{tt.header, tt.body})
		p := m.parts[len(m.parts)-1]
		if got, _ := identify(p, attachmentName(p, 1)); got != tt.want {
			t.Errorf("identify(case %d) = %v, want %v", i, got, tt.want)
		}
	}
}

func TestTextBuilder(t *testing.T) {
	var b textBuilder
	b.startPara()
	b.text("Intro")
	b.endPara()
	b.startTable()
	b.startRow()
	b.startCell()
	b.startPara()
	b.text("Country")
	b.endPara()
	b.endCell()
	b.startCell()
	b.startPara()
	b.mark(true)
	b.text("France")
	b.lineBreak()
	b.text("(FR)")
	b.endPara()
	// A nested table joins its cell.
	b.startTable()
	b.startRow()
	b.startCell()
	b.startPara()
	b.text("a")
	b.endPara()
	b.startCell()
	b.startPara()
	b.text("b")
	b.endTable()
	b.endRow()
	b.endTable()
	b.startPara()
	b.text("End")
	got := b.String()
	want := "Intro\nCountry | ☒ France (FR) a | b\n\nEnd"
	if got != want {
		t.Errorf("textBuilder = %q, want %q", got, want)
	}
}
