package templates

import "strings"

// This file holds the questionnaire of ../shared/spec/questionnaire.md as
// data: numbers, keys, codes and labels exactly as the contract gives them.
// The rendered texts apply French typography (a non-breaking space before
// "?" and ":") on top of these labels; the labels themselves stay as written.

// Kind is how a question is answered.
type Kind string

// The kinds of answer of questionnaire.md.
const (
	KindText    Kind = "text"    // a short text (name, function, telephone)
	KindCountry Kind = "country" // a country, stored as an ISO 3166-1 alpha-2 code
	KindOne     Kind = "one"     // one option of the question's list
	KindMany    Kind = "many"    // any number of options of the question's list
	KindInteger Kind = "integer" // a whole number
	KindRange   Kind = "range"   // one number, or a range {min, max}
	KindEmail   Kind = "email"   // an e-mail address
	KindFree    Kind = "free"    // free text, possibly long
)

// Option is one choice of a question with options.
type Option struct {
	Code string // the contract's code, such as "education"
	EN   string // the English label
	FR   string // the French label
}

// Label returns the option's label in lang ("fr", else English).
func (o Option) Label(lang string) string {
	if normLang(lang) == "fr" {
		return o.FR
	}
	return o.EN
}

// Question is one question of the questionnaire.
type Question struct {
	Number int    // 1 to 16: part of the contract, replies are read by number
	Key    string // the key of the answer, such as "authority_name"
	EN     string // the English label
	FR     string // the French label
	Kind   Kind
	// List names the code list of the options ("authority_type",
	// "thematic"…); "" for a question without options. The yes/no options
	// of question 16 are the list "newsletter".
	List    string
	Options []Option
}

// Label returns the question's label in lang ("fr", else English).
func (q Question) Label(lang string) string {
	if normLang(lang) == "fr" {
		return q.FR
	}
	return q.EN
}

var (
	authorityTypes = []Option{
		{"municipality", "Municipality (city, town, commune)", "Commune (ville, municipalité)"},
		{"intermediate", "County, province or département", "Département, province ou comté"},
		{"region", "Region", "Région"},
		{"association", "Association of authorities", "Association de collectivités"},
		{"other", "Other", "Autre"},
	}
	interestedOptions = []Option{
		{"yes", "Yes", "Oui"},
		{"no", "No", "Non"},
		{"undecided", "Not decided yet", "Pas encore décidé"},
	}
	thematicOptions = []Option{
		{"education", "Education", "Éducation"},
		{"employment", "Employment and vocational training", "Emploi et formation professionnelle"},
		{"housing", "Housing", "Logement"},
		{"health", "Health", "Santé"},
	}
	crosscuttingOptions = []Option{
		{"rights", "Rights, duties and responsibilities", "Droits, devoirs et responsabilités"},
		{"participation", "Roma participation", "Participation des Roms"},
		{"stereotypes", "Combating stereotypes", "Lutte contre les stéréotypes"},
		{"intercultural", "Intercultural understanding", "Compréhension interculturelle"},
	}
	activityOptions = []Option{
		{"good_practices", "Exchange of good practices", "Échange de bonnes pratiques"},
		{"workshops", "Thematic workshops", "Ateliers thématiques"},
		{"study_visits", "Study visits", "Visites d'étude"},
		{"training", "Training", "Formation"},
		{"expertise", "Expert advice", "Expertise"},
		{"funding", "Information on funding", "Information sur les financements"},
	}
	yesNoOptions = []Option{
		{"yes", "Yes", "Oui"},
		{"no", "No", "Non"},
	}
)

// Questions is the questionnaire of questionnaire.md, in question order.
// Callers must not modify it.
var Questions = []Question{
	{1, "authority_name", "Name of the local or regional authority", "Nom de la collectivité locale ou régionale", KindText, "", nil},
	{2, "country", "Country", "Pays", KindCountry, "", nil},
	{3, "authority_type", "Type of authority", "Type de collectivité", KindOne, "authority_type", authorityTypes},
	{4, "population", "Population", "Population", KindInteger, "", nil},
	{5, "roma_estimate", "Estimated number of Roma and Travellers", "Estimation du nombre de Roms et Gens du voyage", KindRange, "", nil},
	{6, "contact_name", "Contact person", "Personne de contact", KindText, "", nil},
	{7, "contact_function", "Function", "Fonction", KindText, "", nil},
	{8, "contact_email", "E-mail", "Courriel", KindEmail, "", nil},
	{9, "contact_phone", "Telephone", "Téléphone", KindText, "", nil},
	{10, "interested", "Is your authority interested in joining the Alliance?", "Votre collectivité souhaite-t-elle participer à l'Alliance ?", KindOne, "interested", interestedOptions},
	{11, "thematic_priorities", "Thematic priorities", "Priorités thématiques", KindMany, "thematic", thematicOptions},
	{12, "crosscutting_issues", "Cross-cutting issues", "Questions transversales", KindMany, "crosscutting", crosscuttingOptions},
	{13, "activities", "Activities of interest", "Activités qui vous intéressent", KindMany, "activities", activityOptions},
	{14, "needs", "Main needs and challenges", "Principaux besoins et difficultés", KindFree, "", nil},
	{15, "projects", "Current projects and good practices", "Projets en cours et bonnes pratiques", KindFree, "", nil},
	{16, "newsletter", "May we send you the Alliance newsletter?", "Acceptez-vous de recevoir la lettre d'information de l'Alliance ?", KindOne, "newsletter", yesNoOptions},
}

// QuestionByKey returns the question with key, and false when there is none.
func QuestionByKey(key string) (Question, bool) {
	for _, q := range Questions {
		if q.Key == key {
			return q, true
		}
	}
	return Question{}, false
}

// Label returns the label in lang of the option code of list. list is a
// list name of questionnaire.md ("authority_type", "interested",
// "thematic", "crosscutting", "activities", or "newsletter" for yes/no) or
// the key of the question that has it ("thematic_priorities"). An unknown
// list or code gives the code itself, so that nothing is ever lost from a
// text; an unknown lang is English.
func Label(lang, list, code string) string {
	for _, q := range Questions {
		if q.List == "" || (q.List != list && q.Key != list) {
			continue
		}
		for _, o := range q.Options {
			if o.Code == code {
				return o.Label(lang)
			}
		}
	}
	return code
}

// QuestionLabel returns the label in lang of the question with key; the key
// itself when there is none. An unknown lang is English.
func QuestionLabel(lang, key string) string {
	if q, ok := QuestionByKey(key); ok {
		return q.Label(lang)
	}
	return key
}

// normLang returns "fr" for French ("fr", "FR", "fr-BE", "fr_CH"), else "en".
func normLang(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if l == "fr" || strings.HasPrefix(l, "fr-") || strings.HasPrefix(l, "fr_") {
		return "fr"
	}
	return "en"
}

// countries are the names of the countries intake recognises, in English and
// French, as the Council of Europe writes them.
var countries = map[string][2]string{
	"AD": {"Andorra", "Andorre"},
	"AL": {"Albania", "Albanie"},
	"AM": {"Armenia", "Arménie"},
	"AT": {"Austria", "Autriche"},
	"AZ": {"Azerbaijan", "Azerbaïdjan"},
	"BA": {"Bosnia and Herzegovina", "Bosnie-Herzégovine"},
	"BE": {"Belgium", "Belgique"},
	"BG": {"Bulgaria", "Bulgarie"},
	"BY": {"Belarus", "Bélarus"},
	"CA": {"Canada", "Canada"},
	"CH": {"Switzerland", "Suisse"},
	"CY": {"Cyprus", "Chypre"},
	"CZ": {"Czech Republic", "République tchèque"},
	"DE": {"Germany", "Allemagne"},
	"DK": {"Denmark", "Danemark"},
	"EE": {"Estonia", "Estonie"},
	"ES": {"Spain", "Espagne"},
	"FI": {"Finland", "Finlande"},
	"FR": {"France", "France"},
	"GB": {"United Kingdom", "Royaume-Uni"},
	"GE": {"Georgia", "Géorgie"},
	"GR": {"Greece", "Grèce"},
	"HR": {"Croatia", "Croatie"},
	"HU": {"Hungary", "Hongrie"},
	"IE": {"Ireland", "Irlande"},
	"IL": {"Israel", "Israël"},
	"IS": {"Iceland", "Islande"},
	"IT": {"Italy", "Italie"},
	"JP": {"Japan", "Japon"},
	"KZ": {"Kazakhstan", "Kazakhstan"},
	"LI": {"Liechtenstein", "Liechtenstein"},
	"LT": {"Lithuania", "Lituanie"},
	"LU": {"Luxembourg", "Luxembourg"},
	"LV": {"Latvia", "Lettonie"},
	"MC": {"Monaco", "Monaco"},
	"MD": {"Republic of Moldova", "République de Moldova"},
	"ME": {"Montenegro", "Monténégro"},
	"MK": {"North Macedonia", "Macédoine du Nord"},
	"MT": {"Malta", "Malte"},
	"MX": {"Mexico", "Mexique"},
	"NL": {"Netherlands", "Pays-Bas"},
	"NO": {"Norway", "Norvège"},
	"PL": {"Poland", "Pologne"},
	"PT": {"Portugal", "Portugal"},
	"RO": {"Romania", "Roumanie"},
	"RS": {"Serbia", "Serbie"},
	"RU": {"Russian Federation", "Fédération de Russie"},
	"SE": {"Sweden", "Suède"},
	"SI": {"Slovenia", "Slovénie"},
	"SK": {"Slovak Republic", "République slovaque"},
	"SM": {"San Marino", "Saint-Marin"},
	"TR": {"Türkiye", "Türkiye"},
	"UA": {"Ukraine", "Ukraine"},
	"US": {"United States", "États-Unis"},
	"VA": {"Holy See", "Saint-Siège"},
	"XK": {"Kosovo", "Kosovo"},
}

// CountryName returns the name in lang of the country with ISO 3166-1
// alpha-2 code; an unknown code is returned as given.
func CountryName(lang, code string) string {
	if n, ok := countries[strings.ToUpper(strings.TrimSpace(code))]; ok {
		if normLang(lang) == "fr" {
			return n[1]
		}
		return n[0]
	}
	return code
}

// languages are the names of the languages intake detects (ISO 639-1), in
// English and French.
var languages = map[string][2]string{
	"bg": {"Bulgarian", "bulgare"},
	"cs": {"Czech", "tchèque"},
	"da": {"Danish", "danois"},
	"de": {"German", "allemand"},
	"el": {"Greek", "grec"},
	"en": {"English", "anglais"},
	"es": {"Spanish", "espagnol"},
	"et": {"Estonian", "estonien"},
	"fi": {"Finnish", "finnois"},
	"fr": {"French", "français"},
	"hr": {"Croatian", "croate"},
	"hu": {"Hungarian", "hongrois"},
	"it": {"Italian", "italien"},
	"lt": {"Lithuanian", "lituanien"},
	"lv": {"Latvian", "letton"},
	"mk": {"Macedonian", "macédonien"},
	"nb": {"Norwegian", "norvégien"},
	"nl": {"Dutch", "néerlandais"},
	"no": {"Norwegian", "norvégien"},
	"pl": {"Polish", "polonais"},
	"pt": {"Portuguese", "portugais"},
	"ro": {"Romanian", "roumain"},
	"ru": {"Russian", "russe"},
	"sk": {"Slovak", "slovaque"},
	"sl": {"Slovenian", "slovène"},
	"sq": {"Albanian", "albanais"},
	"sr": {"Serbian", "serbe"},
	"sv": {"Swedish", "suédois"},
	"tr": {"Turkish", "turc"},
	"uk": {"Ukrainian", "ukrainien"},
}

// languageName returns the name in lang of the language with ISO 639-1
// code; an unknown code is returned as given.
func languageName(lang, code string) string {
	if n, ok := languages[strings.ToLower(strings.TrimSpace(code))]; ok {
		if normLang(lang) == "fr" {
			return n[1]
		}
		return n[0]
	}
	return code
}
