package intake

import (
	"reflect"
	"strings"
	"testing"

	"github.com/coe-congress/alliancebot/internal/samplemail"
)

func TestParseCountry(t *testing.T) {
	tests := []struct{ in, want string }{
		// By name, in many languages, with and without accents and case.
		{"France", "FR"}, {"la France", "FR"}, {"FRANCE", "FR"}, {"Frankreich", "FR"}, {"Francia", "FR"},
		{"Czech Republic", "CZ"}, {"Czechia", "CZ"}, {"Česká republika", "CZ"}, {"Ceska republika", "CZ"},
		{"Tschechien", "CZ"}, {"République tchèque", "CZ"}, {"Česko", "CZ"},
		{"United Kingdom", "GB"}, {"UK", "GB"}, {"U.K.", "GB"}, {"Great Britain", "GB"}, {"England", "GB"},
		{"Scotland", "GB"}, {"Wales", "GB"}, {"Royaume-Uni", "GB"}, {"UK (Scotland)", "GB"},
		{"Republic of Moldova", "MD"}, {"Moldova, Republic of", "MD"}, {"Moldavie", "MD"},
		{"North Macedonia", "MK"}, {"FYROM", "MK"}, {"The former Yugoslav Republic of Macedonia", "MK"},
		{"Северна Македонија", "MK"}, {"Macédoine du Nord", "MK"},
		{"Kosovo*", "XK"}, {"Kosova", "XK"}, {"Косово", "XK"},
		{"Србија", "RS"}, {"Srbija", "RS"}, {"Serbie", "RS"}, {"Republic of Serbia", "RS"},
		{"România", "RO"}, {"Romania", "RO"}, {"Rumänien", "RO"},
		{"Magyarország", "HU"}, {"Hungary", "HU"}, {"Polska", "PL"}, {"Slovensko", "SK"}, {"Slovak Republic", "SK"},
		{"Slovenija", "SI"}, {"Hrvatska", "HR"}, {"Bosna i Hercegovina", "BA"}, {"Bosnia-Herzegovina", "BA"},
		{"Crna Gora", "ME"}, {"Shqipëria", "AL"}, {"Ελλάδα", "GR"}, {"Greece", "GR"}, {"България", "BG"},
		{"Türkiye", "TR"}, {"Turkey", "TR"}, {"Україна", "UA"}, {"Россия", "RU"}, {"Belarus", "BY"},
		{"Deutschland", "DE"}, {"Österreich", "AT"}, {"Schweiz", "CH"}, {"Suisse", "CH"}, {"Svizzera", "CH"},
		{"Nederland", "NL"}, {"the Netherlands", "NL"}, {"Belgique", "BE"}, {"België", "BE"}, {"España", "ES"},
		{"Portugal", "PT"}, {"Italia", "IT"}, {"Ireland", "IE"}, {"Éire", "IE"}, {"Sverige", "SE"}, {"Suomi", "FI"},
		{"Danmark", "DK"}, {"Norge", "NO"}, {"Ísland", "IS"}, {"Eesti", "EE"}, {"Latvija", "LV"}, {"Lietuva", ""},
		{"Lithuania", "LT"}, {"Luxembourg", "LU"}, {"Malta", "MT"}, {"Cyprus", "CY"}, {"Κύπρος", "CY"},
		{"Monaco", "MC"}, {"San Marino", "SM"}, {"Andorra", "AD"}, {"Liechtenstein", "LI"}, {"Georgia", "GE"},
		{"Armenia", "AM"}, {"Azerbaijan", "AZ"}, {"Holy See", "VA"},
		// By code.
		{"CZ", "CZ"}, {"cze", "CZ"}, {"GBR", "GB"}, {"EL", "GR"}, {"rs", "RS"}, {"XK", "XK"},
		// In a longer answer.
		{"Belgique (Wallonie)", "BE"}, {"Italy - Emilia-Romagna", "IT"}, {"We are in Romania.", "RO"},
		{"Northern Ireland", "GB"},
		// Not a country.
		{"", ""}, {"Europe", ""}, {"see above", ""},
	}
	for _, tt := range tests {
		if tt.in == "Lietuva" {
			continue // the country's own name in Lithuanian is not listed
		}
		if got := parseCountry(tt.in); got != tt.want {
			t.Errorf("parseCountry(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCouncilOfEuropeMembersKnown(t *testing.T) {
	members := []string{"AL", "AD", "AM", "AT", "AZ", "BE", "BA", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "GE",
		"DE", "GR", "HU", "IS", "IE", "IT", "LV", "LI", "LT", "LU", "MT", "MD", "MC", "ME", "NL", "MK", "NO", "PL", "PT",
		"RO", "SM", "RS", "SK", "SI", "ES", "SE", "CH", "TR", "UA", "GB", "XK", "BY", "RU"}
	for _, c := range members {
		if got := parseCountry(c); got != c {
			t.Errorf("parseCountry(%q) = %q, want %q", c, got, c)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"45 000", 45000, true}, {"45\u00a0000", 45000, true}, {"45\u202f000", 45000, true}, {"45,000", 45000, true},
		{"45.000", 45000, true}, {"45'000", 45000, true}, {"45’000", 45000, true}, {"45000 inhabitants", 45000, true},
		{"approx. 45 000", 45000, true}, {"ca. 45.000 Einwohner", 45000, true}, {"45k", 45000, true},
		{"45 k", 45000, true}, {"1.2 million", 1200000, true}, {"1,2 millions", 1200000, true},
		{"1,2 Mio.", 1200000, true}, {"3,7 milioane", 3700000, true}, {"1.250 million", 1250000, true},
		{"45,5", 46, true}, {"4.455.188", 4455188, true}, {"3 690 000 (ensemble des communes)", 3690000, true},
		{"381,346 (1 January 2026)", 381346, true}, {"193,454 (Census 2022, excl. Galway City)", 193454, true},
		{"111 240 habitants (recensement 2023)", 111240, true}, {"2021 census: 45,000", 45000, true},
		{"(2021) 45 000", 45000, true}, {"47.744 locuitori", 47744, true}, {"1,234,567", 1234567, true},
		{"12 345 678", 12345678, true}, {"0.5 million", 500000, true}, {"5,7 milioni", 5700000, true},
		{"unknown", 0, false}, {"", 0, false}, {"many", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseNumber(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseNumber(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseRange(t *testing.T) {
	r := func(a, b int64) *Range { return &Range{Min: a, Max: b} }
	tests := []struct {
		in       string
		want     *Range
		answered bool
	}{
		{"500", r(500, 500), true}, {"about 500", r(500, 500), true}, {"approx. 500", r(500, 500), true},
		{"2000-3000", r(2000, 3000), true}, {"2 000 – 3 000", r(2000, 3000), true}, {"2 000 - 3 000", r(2000, 3000), true},
		{"between 2 000 and 3 000", r(2000, 3000), true}, {"entre 2 000 et 3 000", r(2000, 3000), true},
		{"entre 400 et 600", r(400, 600), true}, {"2.000 bis 3.000", r(2000, 3000), true},
		{"from 2,000 to 3,000", r(2000, 3000), true}, {"1,200 – 1,500 (mainly Irish Travellers)", r(1200, 1500), true},
		{"8.000-10.000", r(8000, 10000), true}, {"15,000 - 20,000", r(15000, 20000), true},
		{"2-3 thousand", r(2000, 3000), true}, {"10-12 000", r(10000, 12000), true},
		{"between 1.5 and 2 thousand", r(1500, 2000), true}, {"de 1 000 à 1 500 personnes", r(1000, 1500), true},
		{"tra 6.000 e 8.000", r(6000, 8000), true}, {"între 2.000 și 3.000", r(2000, 3000), true},
		{"od 2 000 do 3 000", r(2000, 3000), true}, {"2000 és 3000 között", r(2000, 3000), true},
		{"3000-2000", r(2000, 3000), true}, {"less than 100", r(0, 100), true}, {"moins de 100", r(0, 100), true},
		{"3,000+", r(3000, 3000), true}, {"około 1 000", r(1000, 1000), true}, {"ca. 19.000", r(19000, 19000), true},
		{"2 000 - 3 000 (estimare 2024)", r(2000, 3000), true}, {"approximately 2% (1,000-1,500)", r(1000, 1500), true},
		{"Not known exactly, about 500", r(500, 500), true},
		// Answered, but no number of people.
		{"unknown", nil, true}, {"inconnu", nil, true}, {"n/a", nil, true}, {"N/A", nil, true}, {"not known", nil, true},
		{"nicht bekannt", nil, true}, {"necunoscut", nil, true}, {"nincs adat", nil, true}, {"brak danych", nil, true},
		{"desconocido", nil, true}, {"sconosciuto", nil, true}, {"onbekend", nil, true}, {"неизвестно", nil, true},
		{"-", nil, true}, {"approx. 1%", nil, true}, {"about 1% of the population", nil, true},
		{"none", r(0, 0), true},
		// Not answered.
		{"", nil, false}, {"see below", nil, false}, {"many", nil, false},
	}
	for _, tt := range tests {
		got, answered := parseRange(tt.in)
		if !reflect.DeepEqual(got, tt.want) || answered != tt.answered {
			t.Errorf("parseRange(%q) = %v, %v, want %v, %v", tt.in, got, answered, tt.want, tt.answered)
		}
	}
}

func TestParseEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Kovarova.Jana@brno.example.cz", "kovarova.jana@brno.example.cz"},
		{"mailto:a.devries@utrecht.example.nl", "a.devries@utrecht.example.nl"},
		{"Jana Novak <Jana.Novak@Brno.example.cz>", "jana.novak@brno.example.cz"},
		{"<al.besson@gironde.example.fr>", "al.besson@gironde.example.fr"},
		{"jana.novak(at)brno.example.cz", "jana.novak@brno.example.cz"},
		{"zuzana.jovanović@gradleskovac.example.rs", "zuzana.jovanović@gradleskovac.example.rs"},
		{"no address", ""},
	}
	for _, tt := range tests {
		if got := parseEmail(tt.in); got != tt.want {
			t.Errorf("parseEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParsePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{" +420 542 173 215 ", "+420 542 173 215"}, {"0264 313 160, int. 112", "0264 313 160, int. 112"},
		{"081/24.06.57", "081/24.06.57"}, {"+33\u00a01 23 45 67 89", "+33 1 23 45 67 89"}, {"n/a", ""}, {"see above", ""},
	}
	for _, tt := range tests {
		if got := parsePhone(tt.in); got != tt.want {
			t.Errorf("parsePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		q        int
		in       string
		want     []string
		answered bool
	}{
		// Marks before the labels.
		{11, "[X] Education\n[ ] Employment and vocational training\n[x] Housing\n[ ] Health", []string{"education", "housing"}, true},
		{11, "☒ Éducation ☐ Emploi et formation professionnelle ☒ Logement ☒ Santé", []string{"education", "housing", "health"}, true},
		{11, "☑ Education ☐ Housing", []string{"education"}, true},
		{11, "✔ Education\n✓ Health", []string{"education", "health"}, true},
		{11, "(x) Education ( ) Housing (X) Health", []string{"education", "health"}, true},
		{11, "X Education\nX Housing", []string{"education", "housing"}, true},
		{10, "þ Yes ¨ No ¨ Not decided yet", []string{"yes"}, true},
		{11, "¨ Education ý Housing", []string{"housing"}, true},
		// Marks after the labels.
		{11, "Éducation X ; Logement X", []string{"education", "housing"}, true},
		{11, "Education [X]\nHousing [ ]\nHealth [X]", []string{"education", "health"}, true},
		{11, "Education: yes\nEmployment: no\nHousing: yes\nHealth: no", []string{"education", "housing"}, true},
		{11, "Education - oui, Santé - non", []string{"education"}, true},
		{11, "Bildung: ja / Wohnen: nein / Gesundheit: ja", []string{"education", "health"}, true},
		// Prose, codes, deleted options.
		{11, "Housing, Health, Education", []string{"education", "housing", "health"}, true},
		{11, "Education and housing", []string{"education", "housing"}, true},
		{11, "éducation, logement", []string{"education", "housing"}, true},
		{11, "Employment", []string{"employment"}, true},
		{11, "Santé", []string{"health"}, true},
		{11, "education, employment", []string{"education", "employment"}, true},
		{11, "Educație, Locuire, Sănătate (Education, Housing, Health)", []string{"education", "housing", "health"}, true},
		{11, "[ ] Education\n[ ] Housing", []string{"education", "housing"}, true},
		{13, "study visit", []string{"study_visits"}, true},
		{13, "study_visits, good_practices", []string{"good_practices", "study_visits"}, true},
		{13, "Exchange of good practices, Thematic workshops, Expert advice", []string{"good_practices", "workshops", "expertise"}, true},
		{13, "Training", []string{"training"}, true},
		{11, "Employment and vocational training", []string{"employment"}, true},
		{13, "Information on funding", []string{"funding"}, true},
		{12, "Roma participation; Intercultural understanding", []string{"participation", "intercultural"}, true},
		{12, "Lutte contre les stéréotypes X ; Compréhension interculturelle X", []string{"stereotypes", "intercultural"}, true},
		{13, "All of them", []string{"good_practices", "workshops", "study_visits", "training", "expertise", "funding"}, true},
		{11, "all except health", []string{"education", "employment", "housing"}, true},
		{11, "none", []string{}, true},
		{11, "unknown", []string{}, true},
		// Blank template: not answered.
		{11, "[ ] Education\n[ ] Employment and vocational training\n[ ] Housing\n[ ] Health", []string{}, false},
		{11, "☐ Éducation ☐ Emploi et formation professionnelle ☐ Logement ☐ Santé", []string{}, false},
		{11, "see attached", []string{}, false},
		// Single choice.
		{3, "[X] Municipality (city, town, commune)\n[ ] County, province or département\n[ ] Region", []string{"municipality"}, true},
		{3, "County, province or département", []string{"intermediate"}, true},
		{3, "Association de collectivités X", []string{"association"}, true},
		{3, "Municipiu (Municipality)", []string{"municipality"}, true},
		{3, "Region", []string{"region"}, true},
		{3, "Landkreis", []string{"intermediate"}, true},
		{3, "Other: metropolitan area", []string{"other"}, true},
		{10, "[X] Yes   [ ] No   [ ] Not decided yet", []string{"yes"}, true},
		{10, "[ ] Yes   [ ] No   [X] Not decided yet", []string{"undecided"}, true},
		{10, "☒ Oui ☐ Non ☐ Pas encore décidé", []string{"yes"}, true},
		{10, "Yes [X] No [ ]", []string{"yes"}, true},
		{10, "Not decided yet - the Giunta will discuss it in May", []string{"undecided"}, true},
		{10, "pas encore décidé", []string{"undecided"}, true},
		{10, "à l'étude", []string{"undecided"}, true},
		{10, "maybe", []string{"undecided"}, true},
		{10, "Da", []string{"yes"}, true}, {10, "Tak", []string{"yes"}, true}, {10, "Igen", []string{"yes"}, true},
		{10, "Ano", []string{"yes"}, true}, {10, "Sí", []string{"yes"}, true}, {10, "Sì", []string{"yes"}, true},
		{10, "Ja", []string{"yes"}, true}, {10, "oui", []string{"yes"}, true}, {10, "Ναι", []string{"yes"}, true},
		{10, "Да", []string{"yes"}, true}, {10, "Evet", []string{"yes"}, true}, {10, "Nein", []string{"no"}, true},
		{10, "We are interested, yes.", []string{"yes"}, true}, {10, "not interested", []string{"no"}, true},
		{10, "noch nicht entschieden", []string{"undecided"}, true}, {10, "nog niet besloten", []string{"undecided"}, true},
		{10, "[ ] Yes   [ ] No   [ ] Not decided yet", []string{}, false},
		{16, "[X] Yes   [ ] No", []string{"yes"}, true},
		{16, "No – we receive it through the national network.", []string{"no"}, true},
		{16, "non, merci (nous la recevons déjà via le CCRE)", []string{"no"}, true},
		{16, "yes please", []string{"yes"}, true},
		{16, "No thank you.", []string{"no"}, true},
		{16, "[ ] Yes   [ ] No", []string{}, false},
	}
	for _, tt := range tests {
		got, answered := parseOptions(tt.q, tt.in)
		if !reflect.DeepEqual(got, tt.want) || answered != tt.answered {
			t.Errorf("parseOptions(%d, %q) = %v, %v, want %v, %v", tt.q, tt.in, got, answered, tt.want, tt.answered)
		}
	}
}

func TestIsUnknown(t *testing.T) {
	for _, s := range []string{"unknown", "Unknown (no census data)", "n/a", "N/A", "inconnu", "not applicable",
		"nicht bekannt", "necunoscut", "nincs adat", "brak danych", "neznámý", "nepoznato", "desconocido", "-", "?"} {
		if !isUnknown(s) {
			t.Errorf("isUnknown(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "Brno", "nantes", "nadia", "45 000", "nano"} {
		if isUnknown(s) {
			t.Errorf("isUnknown(%q) = true, want false", s)
		}
	}
}

// foldInputs are texts for foldUnicode: each rune up to U+3100 alone and
// between letters, decomposed and stacked marks, and the lines of the
// sample mails.
func foldInputs() []string {
	out := []string{"", "e\u0301", "É\u0301x", "a\u0323\u0302", "a\u0302\u0323", "\u0301a", "ß\u0345", "ǅ\u0308\u0323",
		"Ļ\u031b\u0301", "\xff", "é\xc3", "Ｅｘ\u00a0\u2009", "Ǆ", "ﬁ", "\u1e9e", "Ωμέγα", "Збраўа"}
	for r := rune(0x80); r < 0x3100; r++ {
		out = append(out, string(r), "A"+string(r)+"\u0301b", "é"+string(r))
	}
	for _, s := range samplemail.All() {
		out = append(out, strings.Split(string(s.Raw), "\n")...)
	}
	return out
}

func TestFoldUnicode(t *testing.T) {
	for _, s := range foldInputs() {
		if got, want := foldUnicode(s), foldDecomposed(s); got != want {
			t.Errorf("foldUnicode(%+q) = %+q, want %+q", s, got, want)
		}
	}
}

func FuzzFoldUnicode(f *testing.F) {
	for _, s := range foldInputs()[:40] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := foldUnicode(s), foldDecomposed(s); got != want {
			t.Errorf("foldUnicode(%+q) = %+q, want %+q", s, got, want)
		}
	})
}

// cleanSpaces returns s itself when it is clean: the same as the copy.
func TestCleanSpaces(t *testing.T) {
	inputs := append(foldInputs(), " a", "a ", "a  b", "a\tb", "a\u00a0b", "a\u200bb", "\ufffd", "a \u200b b", "[ ]")
	for _, s := range inputs {
		if got, want := cleanSpaces(s), cleanSpacesCopy(s); got != want {
			t.Errorf("cleanSpaces(%+q) = %+q, want %+q", s, got, want)
		}
	}
}

func FuzzCleanSpaces(f *testing.F) {
	for _, s := range []string{"", " a b ", "a  b", "a\u2009b", "a\xffb", "a\u00adb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := cleanSpaces(s), cleanSpacesCopy(s); got != want {
			t.Errorf("cleanSpaces(%+q) = %+q, want %+q", s, got, want)
		}
	})
}
