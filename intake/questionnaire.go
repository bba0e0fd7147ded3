package intake

// This file reads questionnaire answers out of text: a mail body, the text
// of an HTML body or of a document. Replies come in every shape that people
// and mail programs give them: answers after "N." or a label, on the same
// line or below it, under quoted questions, in tables, with greetings,
// signatures, disclaimers and older messages around them. extractText finds
// the questions (by number, or by their EN or FR label), takes the text after
// each as its answer until the next question or the end of the reply's own
// text, and reads the values from it (values.go).

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/inbucket/html2text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// enfrLabels are the labels that identify a question on their own, in
// simplified form: the EN and FR labels of questionnaire.md and the usual
// ways of writing them. Any of them, at the start of a line and followed by
// ":" (or "?", a tab, a table cell), is the question.
var enfrLabels = map[int][]string{
	1: {"name of the local or regional authority", "nom de la collectivite locale ou regionale",
		"name of the local authority", "name of the regional authority", "name of local or regional authority",
		"name of the authority", "name of authority", "authority name", "local or regional authority",
		"nom de la collectivite", "nom de la collectivite locale", "nom de la collectivite territoriale",
		"name of the municipality", "name of municipality", "municipality name", "nom de la commune",
		"name of the local or regional authorities", "local authority", "collectivite locale ou regionale",
		"collectivite", "authority"},
	2: {"country", "pays", "country name"},
	3: {"type of authority", "type de collectivite", "authority type", "type of local authority",
		"type of the authority", "category of authority", "type", "type de la collectivite", "nature de la collectivite"},
	4: {"population", "number of inhabitants", "nombre d habitants", "inhabitants", "habitants", "total population",
		"population size", "population totale"},
	5: {"estimated number of roma and travellers", "estimation du nombre de roms et gens du voyage",
		"estimated number of roma and travelers", "estimated number of roma", "number of roma and travellers",
		"number of roma", "estimated roma population", "roma population", "estimation du nombre de roms",
		"nombre de roms et gens du voyage", "nombre de roms", "population rom", "estimated number of roma and traveller",
		"estimation du nombre de roms et des gens du voyage", "roma and travellers", "roms et gens du voyage"},
	6: {"contact person", "personne de contact", "contact name", "name of contact person", "name of the contact person",
		"nom du contact", "personne a contacter", "interlocuteur", "contact"},
	7: {"function", "fonction", "position", "job title", "role", "poste", "function position", "title", "qualite"},
	8: {"e mail", "email", "courriel", "e mail address", "email address", "adresse electronique", "adresse e mail",
		"adresse mail", "adresse courriel", "mail", "mel"},
	9: {"telephone", "phone", "tel", "telephone number", "phone number", "numero de telephone", "tel no",
		"tel fax", "mobile", "gsm"},
	10: {"is your authority interested in joining the alliance", "votre collectivite souhaite t elle participer a l alliance",
		"is your authority interested in joining", "interested in joining the alliance", "interest in joining the alliance",
		"votre collectivite souhaite t elle participer", "souhaite t elle participer a l alliance",
		"votre collectivite souhaite t elle adherer a l alliance", "joining the alliance", "interested in joining",
		"participation a l alliance", "interested"},
	11: {"thematic priorities", "priorites thematiques", "thematic priority", "priorities", "priorites"},
	12: {"cross cutting issues", "questions transversales", "crosscutting issues", "cross cutting issue",
		"transversal issues", "horizontal issues", "enjeux transversaux", "themes transversaux"},
	13: {"activities of interest", "activites qui vous interessent", "activities of interest to you",
		"activites d interet", "activities", "activites"},
	14: {"main needs and challenges", "principaux besoins et difficultes", "needs and challenges", "main needs",
		"main challenges", "besoins et difficultes", "principaux besoins", "needs", "challenges", "besoins"},
	15: {"current projects and good practices", "projets en cours et bonnes pratiques", "current projects",
		"projects and good practices", "projets en cours", "ongoing projects", "good practices", "projects", "projets"},
	16: {"may we send you the alliance newsletter", "acceptez vous de recevoir la lettre d information de l alliance",
		"may we send you the newsletter", "alliance newsletter", "acceptez vous de recevoir la lettre d information",
		"lettre d information de l alliance", "lettre d information", "newsletter"},
}

// foreignLabels are the questions as they are translated in replies by
// number (simplified). They are only read after a question number: "1.
// Nazwa jednostki samorządu: Gmina Kraków" answers "Gmina Kraków".
var foreignLabels = map[int][]string{
	1: {"name der gebietskorperschaft", "name der kommune", "name der lokalen oder regionalen gebietskorperschaft",
		"gebietskorperschaft", "nome dell ente locale o regionale", "nome dell ente", "denominazione dell ente",
		"denominazione", "nombre de la autoridad local o regional", "nombre de la entidad", "nombre de la entidad local",
		"nombre del ayuntamiento", "nombre de la autoridad", "numele autoritatii locale sau regionale",
		"denumirea autoritatii", "numele autoritatii", "denumirea", "a helyi vagy regionalis onkormanyzat neve",
		"az onkormanyzat neve", "onkormanyzat neve", "nazwa jednostki samorzadu terytorialnego",
		"nazwa jednostki samorzadu", "nazwa wladz lokalnych lub regionalnych", "nazwa samorzadu", "nazwa jednostki",
		"nazwa", "nazev mistni nebo regionalni samospravy", "nazev samospravy", "nazev obce", "nazev",
		"nazov miestnej alebo regionalnej samospravy", "nazov samospravy", "nazov", "naziv lokalne ili regionalne vlasti",
		"naziv jedinice lokalne samouprave", "naziv opcine", "naziv opstine", "naziv grada", "naziv",
		"ime lokalne ali regionalne oblasti", "ime obcine", "nome da autoridade local ou regional", "nome da entidade",
		"nome do municipio", "naam van de lokale of regionale overheid", "naam van de gemeente", "naam van de overheid",
		"naam", "наименование", "име на общината", "назив", "ονομασια", "επωνυμια", "ονομα"},
	2: {"land", "staat", "paese", "stato", "pais", "tara", "orszag", "kraj", "panstwo", "zeme", "stat", "krajina",
		"drzava", "zemlja", "pais", "drzava", "държава", "држава", "χωρα", "ulke", "shteti", "vendi"},
	3: {"art der gebietskorperschaft", "typ der gebietskorperschaft", "tipo di ente", "tipologia di ente",
		"tipo di autorita", "tipo de autoridad", "tipo de entidad", "tipul autoritatii", "tip de autoritate",
		"tipul", "az onkormanyzat tipusa", "onkormanyzat tipusa", "tipus", "rodzaj jednostki", "typ jednostki",
		"rodzaj samorzadu", "typ samospravy", "druh samospravy", "typ", "vrsta vlasti", "vrsta jedinice",
		"vrsta oblasti", "tip", "tipo de autoridade", "tipo de entidade", "type overheid", "soort overheid",
		"вид на", "врста", "τυπος"},
	4: {"einwohnerzahl", "bevolkerung", "einwohner", "popolazione", "numero di abitanti", "abitanti", "poblacion",
		"numero de habitantes", "habitantes", "populatia", "populatie", "numar de locuitori", "numarul de locuitori",
		"nepesseg", "lakossag", "lakosok szama", "lakossagszam", "liczba ludnosci", "ludnosc", "liczba mieszkancow",
		"populacja", "pocet obyvatel", "obyvatelstvo", "populace", "pocet obyvatelov", "populacia", "broj stanovnika",
		"stanovnistvo", "populacija", "stevilo prebivalcev", "prebivalstvo", "populacao", "numero de habitantes",
		"bevolking", "inwonertal", "aantal inwoners", "население", "брой жители", "број становника", "πληθυσμος",
		"nufus", "popullsia"},
	5: {"geschatzte zahl der roma", "geschatzte anzahl der roma", "anzahl der roma", "zahl der roma",
		"numero stimato di rom", "stima del numero di rom", "numero di rom", "numero estimado de gitanos",
		"numero estimado de roma", "estimacion del numero de", "poblacion gitana", "numarul estimat de romi",
		"numar estimat de romi", "estimarea numarului de romi", "numarul de romi", "a romak becsult szama",
		"romak becsult szama", "roma nepesseg", "szacunkowa liczba romow", "szacowana liczba romow", "liczba romow",
		"odhadovany pocet romu", "odhad poctu romu", "pocet romu", "odhadovany pocet romov", "pocet romov",
		"procijenjeni broj roma", "procenjeni broj roma", "broj roma", "ocenjeno stevilo romov",
		"numero estimado de ciganos", "numero estimado de roma", "geschat aantal roma", "aantal roma",
		"приблизителен брой роми", "брой роми", "процењени број рома", "εκτιμωμενος αριθμος ρομα"},
	6: {"kontaktperson", "ansprechpartner", "ansprechpartnerin", "persona di contatto", "referente",
		"persona de contacto", "persoana de contact", "kapcsolattarto", "kapcsolattarto szemely", "osoba do kontaktu",
		"osoba kontaktowa", "kontaktni osoba", "kontaktna osoba", "kontakt osoba", "osoba za kontakt",
		"kontaktna oseba", "pessoa de contacto", "pessoa de contato", "contactpersoon", "лице за контакт",
		"контакт особа", "υπευθυνος επικοινωνιας", "προσωπο επικοινωνιας"},
	7: {"funktion", "position", "funzione", "ruolo", "qualifica", "funcion", "cargo", "puesto", "functia", "functie",
		"beosztas", "funkcio", "munkakor", "funkcja", "stanowisko", "funkce", "pozice", "funkcia", "pozicia",
		"funkcija", "pozicija", "radno mjesto", "funcao", "functie", "длъжност", "функция", "функција", "θεση",
		"ιδιοτητα"},
	8: {"e mail", "email", "posta elettronica", "correo electronico", "correo", "adresa de e mail", "e mail cim",
		"email cim", "adres e mail", "e posta", "e naslov", "correio eletronico", "correio electronico", "имейл",
		"електронна поща", "е пошта", "ηλεκτρονικο ταχυδρομειο"},
	9: {"telefon", "telefono", "telefonszam", "telefone", "telefoon", "telefoonnummer", "телефон", "τηλεφωνο"},
	10: {"ist ihre gebietskorperschaft", "interesse am beitritt", "il vostro ente e interessato",
		"interesse ad aderire", "esta su autoridad interesada", "esta su entidad interesada", "interes en unirse",
		"este autoritatea dumneavoastra interesata", "este autoritatea dvs interesata", "interesul de a adera",
		"erdekli e", "onkormanyzata erdeklodik", "czy panstwa", "czy jednostka jest zainteresowana",
		"zainteresowanie przystapieniem", "ma vase samosprava zajem", "zajem o pripojeni", "ma vasa samosprava zaujem",
		"zaujem o pripojenie", "je li vasa", "da li je vasa", "ali je vasa", "a sua autoridade esta interessada",
		"interesse em aderir", "is uw overheid geinteresseerd", "is uw gemeente geinteresseerd"},
	11: {"thematische prioritaten", "thematische schwerpunkte", "priorita tematiche", "prioridades tematicas",
		"prioritati tematice", "tematikus prioritasok", "priorytety tematyczne", "tematicke priority",
		"tematski prioriteti", "tematske prioritete", "tematske prednostne naloge", "thematische prioriteiten",
		"тематични приоритети", "тематски приоритети", "θεματικες προτεραιοτητες"},
	12: {"querschnittsthemen", "querschnittsfragen", "questioni trasversali", "temi trasversali",
		"cuestiones transversales", "temas transversales", "aspecte transversale", "teme transversale",
		"probleme transversale", "atfogo kerdesek", "horizontalis kerdesek", "atfogo temak",
		"zagadnienia przekrojowe", "kwestie przekrojowe", "prurezova temata", "prurezove otazky", "prierezove temy",
		"prierezove otazky", "medjusektorska pitanja", "medusektorska pitanja", "horizontalna pitanja",
		"questoes transversais", "temas transversais", "transversale thema s", "horizontale thema s",
		"хоризонтални въпроси", "хоризонтална питања", "οριζοντια ζητηματα"},
	13: {"interessierende aktivitaten", "aktivitaten von interesse", "aktivitaten", "attivita di interesse",
		"attivita", "actividades de interes", "actividades", "activitati de interes", "activitati",
		"erdeklodesre szamot tarto tevekenysegek", "tevekenysegek", "interesujace dzialania", "dzialania",
		"aktivity o ktere mate zajem", "aktivity", "aktivnosti od interesa", "aktivnosti", "dejavnosti",
		"atividades de interesse", "actividades de interesse", "activiteiten", "дейности", "активности",
		"δραστηριοτητες"},
	14: {"wichtigste bedurfnisse und herausforderungen", "wichtigste bedurfnisse", "hauptbedurfnisse",
		"bedarf und herausforderungen", "herausforderungen", "principali bisogni e sfide", "principali bisogni",
		"bisogni e sfide", "principales necesidades y retos", "principales necesidades", "necesidades y desafios",
		"necesidades y retos", "principalele nevoi si provocari", "nevoi si provocari", "principalele nevoi",
		"fo igenyek es kihivasok", "igenyek es kihivasok", "fo szuksegletek", "glowne potrzeby i wyzwania",
		"potrzeby i wyzwania", "glowne potrzeby", "hlavni potreby a vyzvy", "hlavni potreby", "hlavne potreby a vyzvy",
		"hlavne potreby", "glavne potrebe i izazovi", "glavne potrebe", "glavne potrebe in izzivi",
		"principais necessidades e desafios", "principais necessidades", "belangrijkste behoeften en uitdagingen",
		"behoeften", "основни нужди", "главне потребе", "κυριες αναγκες"},
	15: {"aktuelle projekte und gute praxis", "aktuelle projekte", "laufende projekte", "projekte und gute praxis",
		"progetti in corso e buone pratiche", "progetti in corso", "progetti attuali", "proyectos actuales",
		"proyectos en curso", "proyectos actuales y buenas practicas", "proiecte curente si bune practici",
		"proiecte curente", "proiecte in derulare", "jelenlegi projektek es jo gyakorlatok", "jelenlegi projektek",
		"folyamatban levo projektek", "biezace projekty i dobre praktyki", "biezace projekty", "obecne projekty",
		"aktualne projekty", "soucasne projekty", "aktualni projekty", "sucasne projekty", "tekuci projekti",
		"aktuelni projekti", "tekoci projekti", "projetos em curso", "projectos em curso", "projetos atuais",
		"huidige projecten", "lopende projecten", "настоящи проекти", "текући пројекти", "τρεχοντα εργα"},
	16: {"durfen wir ihnen den newsletter", "newsletter der allianz", "possiamo inviarvi la newsletter",
		"podemos enviarle el boletin", "boletin", "va putem trimite buletinul", "va putem trimite newsletter",
		"buletinul informativ", "kuldhetunk e hirlevelet", "hirlevel", "czy mozemy przesylac", "biuletyn",
		"muzeme vam zasilat", "zpravodaj", "mozeme vam posielat", "mozemo li vam slati", "mozemo li vam slati bilten",
		"bilten", "podemos enviar lhe", "boletim", "mogen wij u de nieuwsbrief", "nieuwsbrief", "бюлетин", "билтен",
		"ενημερωτικο δελτιο"},
}

// A label as words, for matching at the start of a line.
type qLabel struct {
	q       int
	words   []string
	content []string // words without labelFiller
	strong  bool     // a label of two words or more in EN or FR: it identifies its question alone
	foreign bool     // only after a question number
}

var qLabels = sync.OnceValue(func() []qLabel {
	var all []qLabel
	add := func(m map[int][]string, foreign bool) {
		for q, list := range m {
			for _, l := range list {
				w := strings.Fields(simplify(l))
				if len(w) == 0 {
					continue
				}
				var content []string
				for _, x := range w {
					if !labelFiller[x] {
						content = append(content, x)
					}
				}
				all = append(all, qLabel{q: q, words: w, content: content, strong: !foreign && len(content) >= 2, foreign: foreign})
			}
		}
	}
	add(enfrLabels, false)
	add(foreignLabels, true)
	// Longest first; then EN/FR before translations; then by question.
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && qLabelLess(all[j], all[j-1]); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	return all
})

func qLabelLess(a, b qLabel) bool {
	if len(a.content) != len(b.content) {
		return len(a.content) > len(b.content)
	}
	if len(a.words) != len(b.words) {
		return len(a.words) > len(b.words)
	}
	if a.foreign != b.foreign {
		return !a.foreign
	}
	if a.q != b.q {
		return a.q < b.q
	}
	return strings.Join(a.words, " ") < strings.Join(b.words, " ")
}

// lineKind says what a line is, apart from its text.
type lineKind uint8

const (
	lineText      lineKind = iota
	lineClosing            // "Best regards", "Cordialement", "Thanks!"
	lineSigSep             // "-- "
	lineReply              // "-----Original Message-----", "On … wrote:", a From:/Sent: block
	lineDisclaim           // a legal disclaimer
	lineSeparator          // "________", "-----"
)

// tline is one line of the text: its content without quote marks, and how
// deeply it was quoted.
type tline struct {
	text  string
	depth int
	kind  lineKind
	blank bool

	// findMarker(text, false), once read by marker.
	marked bool
	markOK bool
	mark   qMarker

	// fold is foldText(text) when text is ASCII, cut from a fold of the
	// whole text; "" when it is not known. See folded.
	fold string
}

// folded returns foldText(l.text). The lines of a text are folded many
// times (each line, and its neighbours for the headers of a reply): an
// ASCII line, most of them, is folded once with the text.
func (l *tline) folded() string {
	if l.fold != "" || l.text == "" {
		return l.fold
	}
	return foldText(l.text)
}

// marker is findMarker(s, sig) for line l, whose text (maybe trimmed) is
// s. Classifying the lines and finding the questions both ask: the search
// is made once, without sig, and sig applied to its result as findMarker
// applies it (to the labels found without a number). It is remembered for
// s the line's text, which s nearly always is.
func (l *tline) marker(s string, sig bool) (qMarker, bool) {
	m, ok := l.mark, l.markOK
	if s != l.text {
		m, ok = findMarker(s, false)
	} else if !l.marked {
		m, ok = findMarker(s, false)
		l.mark, l.markOK, l.marked = m, ok, true
	}
	if !ok || !sig || m.numbered {
		return m, ok
	}
	if m.weak || !m.strong || m.q >= 6 && m.q <= 9 {
		return qMarker{}, false
	}
	return m, true
}

// qMarker is a question found at the start of a line.
type qMarker struct {
	q        int
	rest     string // the answer on the same line, if any
	numbered bool
	labelled bool // a known label was found
	strong   bool // an EN/FR label of two words or more
	weak     bool // a one-word label without a number
	word     bool // "Question 5", "Q5": a number that says it is one
	run      int  // the run of questions it belongs to
}

// answerCand is one answer found for a question.
type answerCand struct {
	q        int
	depth    int
	line     int
	text     []string // paragraphs, each with its lines joined
	strong   bool
	num      bool
	labelled bool
	word     bool
	run      int
}

// splitLines cuts text into lines, with quote depth and kind.
func splitLines(text string) []tline {
	lines, _ := cutLines(text)
	classifyLines(lines, 0, -1)
	return lines
}

// cutLines cuts text into lines with their quote depth, all of kind
// lineText; whole is the number of them cut from the text's lines but the
// last (which a longer text may continue). "\r\n", "\r" and "\n" each
// end a line.
func cutLines(text string) (lines []tline, whole int) {
	n := strings.Count(text, "\n") + 1
	if strings.IndexByte(text, '\r') >= 0 {
		n += strings.Count(text, "\r") - strings.Count(text, "\r\n")
	}
	lines = make([]tline, 0, n)
	folded := foldASCIIBytes(text)
	// Lines cut at ASCII bytes from valid UTF-8 are valid.
	allValid := utf8.ValidString(text)
	for rest, more := text, true; more; {
		off := len(text) - len(rest) // of the line r in text
		var r string
		r, rest, more = nextLine(rest)
		if !more {
			whole = len(lines)
		}
		valid := allValid || utf8.ValidString(r)
		if !valid {
			r = strings.ToValidUTF8(r, "\uFFFD")
		}
		depth := 0
		s := strings.TrimLeftFunc(r, isSpaceRune)
		for strings.HasPrefix(s, ">") {
			depth++
			s = strings.TrimPrefix(s, ">")
			s = strings.TrimLeft(s, " ")
			if strings.HasPrefix(s, "\t") && !strings.HasPrefix(strings.TrimLeft(s, "\t"), ">") {
				break
			}
		}
		start := off + len(r) - len(s) // of s in text, when r is
		s = strings.TrimRightFunc(s, isSpaceRune)
		parts := splitRun(s)
		if parts == nil {
			// Most lines: no slice of one part to make.
			l := tline{text: s, depth: depth, blank: isBlankLine(s)}
			if valid && !l.blank && isASCII(s) {
				l.fold = folded[start : start+len(s)]
			}
			lines = append(lines, l)
			continue
		}
		for _, part := range parts {
			lines = append(lines, tline{text: part, depth: depth, blank: isBlankLine(part)})
		}
	}
	return lines, whole
}

// foldASCIIBytes returns s with each ASCII character folded as foldText
// folds it, the other bytes as they are: the part of it under an ASCII
// part of s is foldText of that part.
func foldASCIIBytes(s string) string {
	// next returns the index of the first byte from i on that folding
	// changes, or len(s).
	next := func(i int) int {
		for i < len(s) && (s[i] >= utf8.RuneSelf || foldByte(s[i]) == s[i]) {
			i++
		}
		return i
	}
	i := next(0)
	if i == len(s) {
		return s
	}
	// Every line break folds to a space: the rest is read through the
	// table a chunk at a time, not cut into the runs that stay.
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	var chunk [512]byte
	for i < len(s) {
		n := copy(chunk[:], s[i:])
		for k, c := range chunk[:n] {
			chunk[k] = asciiFold[c]
		}
		b.Write(chunk[:n])
		i += n
	}
	return b.String()
}

// nextLine cuts the first line off s, at the first "\r\n", "\r" or "\n";
// more is false when no line break ends it (it is the last line).
func nextLine(s string) (line, rest string, more bool) {
	i := strings.IndexByte(s, '\n')
	head := s
	if i >= 0 {
		head = s[:i]
	}
	if j := strings.IndexByte(head, '\r'); j >= 0 {
		if j+1 < len(s) && s[j+1] == '\n' {
			return s[:j], s[j+2:], true
		}
		return s[:j], s[j+1:], true
	}
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// classifyWindow is how far the classification of a line reads and writes
// other lines: from the line before it (an "On … wrote:" in two lines) to
// the seventh after it (a reply header; isHeaderBlock looks five ahead).
const classifyWindow = 8

// classifyLines sets the kind of each line of lines[from:]: closings,
// signature separators, reply headers, disclaimers and separators. The
// lines before from must be classified as far as classifyLines(lines, 0,
// -1) had classified them before reaching from. When snapAt >= from, it
// returns the kinds of lines[snapAt-1:snapAt+classifyWindow] as they are
// before line snapAt is classified: with the lines before, all that a
// classification resumed at snapAt needs.
func classifyLines(lines []tline, from, snapAt int) (snap []lineKind) {
	for i := from; i < len(lines); i++ {
		if i == snapAt {
			for j := max(0, i-1); j < len(lines) && j < i+classifyWindow; j++ {
				snap = append(snap, lines[j].kind)
			}
		}
		classifyLine(lines, i)
	}
	return snap
}

var runNumberRE = regexp.MustCompile(`(?:^|[\s;,])(\d{1,2})[.)]\s`)

// splitRun cuts a line that holds several numbered answers ("1) Brno 2)
// Czech Republic 3) municipality") before each number, when the numbers
// start the line and go up; it returns nil for other lines, which stay
// whole.
func splitRun(s string) []string {
	if len(s) > 2000 || !startsWithDigit(s) || numberEnds(s) < 3 {
		return nil
	}
	locs := runNumberRE.FindAllStringSubmatchIndex(s, 40)
	var cuts []int
	last := 0
	for _, m := range locs {
		n, _ := strconv.Atoi(s[m[2]:m[3]])
		if n <= last || n > 16 {
			continue
		}
		if len(cuts) == 0 && m[2] != 0 {
			return nil
		}
		cuts = append(cuts, m[2])
		last = n
	}
	if len(cuts) < 3 {
		return nil
	}
	var out []string
	for i, c := range cuts {
		end := len(s)
		if i+1 < len(cuts) {
			end = cuts[i+1]
		}
		out = append(out, strings.TrimRight(strings.TrimSpace(s[c:end]), ";,"))
	}
	return out
}

// numberEnds counts the places in s where a match of runNumberRE may end
// its number: a digit, then "." or ")", then a space (\s). splitRun needs
// three.
func numberEnds(s string) int {
	n := 0
	for i := 1; i+1 < len(s); i++ {
		if (s[i] == '.' || s[i] == ')') && s[i-1] >= '0' && s[i-1] <= '9' && strings.IndexByte("\t\n\f\r ", s[i+1]) >= 0 {
			n++
		}
	}
	return n
}

func isBlankLine(s string) bool {
	for _, r := range s {
		if !isSpaceRune(r) && r != '\u200b' && r != '\ufeff' {
			return false
		}
	}
	return true
}

var (
	// "-----Original Message-----", "---------- Forwarded message ---------",
	// "-------- Message transféré --------", "Begin forwarded message:".
	replySepRE = regexp.MustCompile(`^[-_=*\s]{2,}\s*(original message|original|message d'origine|message d origine|messages? transfere|forwarded message|forwarded|ursprungliche nachricht|weitergeleitete nachricht|messaggio originale|messaggio inoltrato|mensaje original|mensaje reenviado|mesaj original|mesaj redirectionat|wiadomosc oryginalna|oryginalna wiadomosc|wiadomosc przekazana|puvodni zprava|preposlana zprava|povodna sprava|eredeti uzenet|tovabbitott uzenet|oorspronkelijk bericht|doorgestuurd bericht|mensagem original|mensagem encaminhada|izvorna poruka|originalna poruka|prosledjena poruka|proslijedena poruka|izvirno sporocilo|исходное сообщение|оригинално съобщение|αρχικο μηνυμα|original meddelande|opprinnelig melding|alkuperainen viesti)`)
	// replyStarts start a forwarded message ("Begin forwarded message:").
	replyStarts = []string{"begin forwarded message", "debut du message reexpedie", "anfang der weitergeleiteten nachricht",
		"inizio messaggio inoltrato", "comienzo del mensaje reenviado"}
	// "On … wrote:", "Le … a écrit :", "Am … schrieb …:", "Il … ha scritto:",
	// "El … escribió:", "La … a scris:", "W dniu … pisze:", "Dne … napsal(a):",
	// "Op … schreef …:", "Em … escreveu:", "… írta:", "… je napisao:".
	wroteWords = []string{"wrote", "a ecrit", "schrieb", "ha scritto", "escribio", "escreveu", "schreef", "a scris", "pisze",
		"napisal", "napisala", "napsal", "napsala", "napisal(a)", "napsal(a)", "irta", "je napisao", "je napisala", "je napisal",
		"je pisao", "написа", "написал", "написала", "έγραψε", "εγραψε", "yazdi", "skrev", "kirjoitti"}
	wroteStartRE = regexp.MustCompile(`^(on|le|am|il|el|em|op|w dniu|dne|la|в|στις|den|pe|dana|dňa|dna|u|tarihinde|\d)`)
	// The first line of a mail header block: "From: …", "De : …", "Von: …".
	headerFromWords = []string{"from", "de", "von", "da", "od", "van", "fran", "fra", "felado", "от", "από", "apo", "lahettaja",
		"kimden", "sender", "expediteur", "absender", "mittente", "remitente", "expeditor", "posiljatelj", "posiljalac"}
	headerNextRE = regexp.MustCompile(`^\*?(sent|date|envoye|gesendet|datum|inviato|data|enviado|enviada|fecha|wyslano|odeslano|odoslane|verzonden|trimis|elkuldve|kuldve|datum|skickat|sendt|poslano|poslato|изпратено|отправлено|στάλθηκε|σταλθηκε|ημερομηνια|lahetetty|tarih|gonderildi|subject|objet|betreff|oggetto|asunto|subiect|temat|predmet|onderwerp|assunto|targy|to|a|à|an|para|catre|do|komu|aan|cc)\s*:`)
	headerAnyRE  = regexp.MustCompile(`^\*?[\p{L}][\p{L} .-]{0,24}\s*:`)
)

// Phrases that close the reply's own text, simplified.
var closingPhrases = []string{
	"best regards", "kind regards", "regards", "warm regards", "warmest regards", "with best regards",
	"with kind regards", "with regards", "best wishes", "yours sincerely", "yours faithfully", "yours truly",
	"sincerely", "sincerely yours", "respectfully", "many thanks", "thanks", "thank you", "thanks and regards",
	"thank you and best regards", "cheers", "all the best", "best", "cordialement", "bien cordialement",
	"tres cordialement", "tres sincerement", "bien a vous", "salutations", "sinceres salutations",
	"meilleures salutations", "salutations distinguees", "merci", "merci beaucoup", "merci d avance",
	"je vous prie d agreer", "veuillez agreer", "nous vous prions d agreer", "avec mes salutations",
	"mit freundlichen grussen", "mit freundlichen gruessen", "freundliche grusse", "freundliche gruesse",
	"mit besten grussen", "mit besten gruessen", "viele gruesse", "beste gruesse", "herzliche gruesse",
	"viele grusse", "beste grusse", "herzliche grusse", "liebe grusse", "mfg", "gruss", "danke",
	"cordiali saluti", "distinti saluti", "saluti", "un cordiale saluto", "cordialmente", "grazie",
	"un cordial saludo", "saludos", "saludos cordiales", "atentamente", "un saludo", "gracias",
	"cu stima", "cu respect", "cu deosebita consideratie", "cu bine", "multumesc", "toate cele bune",
	"s pozdravem", "s pozdravom", "s pratelskym pozdravem", "dekuji", "dakujem",
	"s pozdrowieniami", "pozdrawiam", "z powazaniem", "z wyrazami szacunku", "dziekuje",
	"udvozlettel", "tisztelettel", "koszonom", "baratsagos udvozlettel",
	"met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groeten", "groeten", "met hartelijke groet",
	"com os melhores cumprimentos", "cumprimentos", "atenciosamente", "melhores cumprimentos", "obrigado", "obrigada",
	"srdacan pozdrav", "s postovanjem", "lep pozdrav", "lijep pozdrav", "srdacno", "pozdrav", "pozdravi",
	"lepo pozdravljeni", "hvala", "с уважение", "с уважением", "поздрави", "поздрав", "благодаря",
	"με εκτιμηση", "φιλικα", "ευχαριστω", "saygilarimla", "tesekkurler", "me respekt", "pershendetje",
	"ystavallisin terveisin", "med vanlig halsning", "med venlig hilsen", "med vennlig hilsen", "vennlig hilsen",
	"sent from my", "envoye de mon", "envoye depuis mon", "von meinem", "inviato da", "enviado desde mi",
	"enviado do meu", "wyslane z", "odeslano z", "get outlook for",
}

// closingEnds are the closings that also end a longer line: "Many thanks
// in advance and best regards".
var closingEnds = map[string]bool{"best regards": true, "kind regards": true, "warm regards": true,
	"with best regards": true, "with kind regards": true, "bien cordialement": true, "tres cordialement": true,
	"mit freundlichen grussen": true, "cordiali saluti": true, "distinti saluti": true, "un cordial saludo": true,
	"saludos cordiales": true, "cu stima": true, "s pozdravem": true, "s pozdravom": true, "z powazaniem": true,
	"met vriendelijke groet": true, "com os melhores cumprimentos": true, "s postovanjem": true, "с уважение": true,
	"με εκτιμηση": true, "yours sincerely": true, "yours faithfully": true}

// Words of legal disclaimers: one of each list makes a disclaimer line.
var (
	disclaimerA = []string{"confidential", "confidentiel", "confidentielle", "confidentiels", "vertraulich",
		"vertrauliche", "riservat", "riservate", "riservato", "confidenziale", "confidencial", "confidentialitate",
		"confidentiala", "poufn", "duvern", "dovern", "bizalmas", "vertrouwelijk", "povjerljiv", "poverljiv",
		"zaupn", "εμπιστευτικ", "поверител", "конфиденциал", "gizli", "privileged", "intended solely",
		"intended only", "exclusive use", "usage exclusif", "destines exclusivement", "destinate esclusivamente",
		"regolamento ue 2016 679", "gdpr", "rgpd", "dsgvo"}
	disclaimerB = []string{"intended", "addressee", "recipient", "destinataire", "destinataires", "adressat",
		"empfanger", "destinatar", "destinatario", "destinatari", "error", "erreur", "irrtumlich", "errore", "adresat",
		"cimzett", "geadresseerde", "mittente", "expediteur", "sender", "absender", "remitente", "notify", "delete",
		"detruire", "supprimer", "attachments", "pieces jointes", "allegati", "anhange", "message", "e mail", "email",
		"messaggio", "mensaje", "mesaj", "nachricht", "informazioni", "information"}
	disclaimerStarts = []string{"please consider the environment", "think before you print", "before printing",
		"pensez a l environnement", "avant d imprimer", "merci de penser a l environnement", "bitte denken sie",
		"ai sensi del", "disclaimer", "avertissement", "confidentiality notice", "legal notice", "mention legale",
		"avis de confidentialite", "this message was sent from", "this e mail and any", "this email and any",
		"this message and any", "ce message et ses pieces jointes", "ce courriel et ses pieces jointes",
		"diese e mail enthalt", "diese nachricht enthalt", "questo messaggio", "este mensaje", "acest mesaj",
		"ta wiadomosc", "tato zprava", "tento e mail", "ez az e mail", "dit bericht", "esta mensagem", "ova poruka"}
)

// disclaimerAWords finds the words of disclaimerA.
var disclaimerAWords = sync.OnceValue(func() *litSet { return newLitSet([][]string{disclaimerA}) })

// classifyLine sets the kind of lines[i], and of the lines of a reply
// header that starts or ends there.
func classifyLine(lines []tline, i int) {
	l := &lines[i]
	if l.blank {
		return
	}
	t := strings.TrimSpace(l.text)
	if t == "--" || t == "-- " || t == "—" || t == "–" {
		l.kind = lineSigSep
		return
	}
	// foldText(t): t is l.text without the spaces that foldText makes " ".
	folded := l.fold
	if folded != "" {
		folded = strings.TrimSpace(folded)
	} else {
		folded = foldText(t)
	}
	f := strings.TrimSpace(folded)
	f = strings.TrimLeft(f, "*_ ")
	if isReplySep(f) || hasPrefixAny(f, replyStarts) {
		l.kind = lineReply
		return
	}
	if isSeparatorLine(t) {
		l.kind = lineSeparator
		return
	}
	// "On … wrote:", on one line or two.
	if len(f) < 300 && endsWithWrote(f) {
		l.kind = lineReply
		if i > 0 && !lines[i-1].blank && lines[i-1].kind == lineText && wroteStartRE.MatchString(strings.TrimSpace(lines[i-1].folded())) && !wroteStartRE.MatchString(f) {
			lines[i-1].kind = lineReply
		}
		return
	}
	if isHeaderFrom(f) && isHeaderBlock(lines, i) {
		for j := i; j < len(lines) && j < i+classifyWindow; j++ {
			if lines[j].blank {
				break
			}
			g := strings.TrimLeft(strings.TrimSpace(lines[j].folded()), "*_ ")
			if j > i && !headerAnyRE.MatchString(g) {
				break
			}
			lines[j].kind = lineReply
		}
		return
	}
	if !mayCloseOrDisclaim(folded) {
		return
	}
	if m, ok := l.marker(t, false); ok && (m.numbered || m.strong) {
		return
	}
	k := simplifyFolded(folded)
	if isClosing(k) {
		l.kind = lineClosing
		return
	}
	if isDisclaimer(k) {
		l.kind = lineDisclaim
	}
}

// isReplySep says whether the folded line f is a separator above an
// original or forwarded message ("-----Original Message-----").
func isReplySep(f string) bool {
	// The pattern starts with two characters of [-_=*\s]: most lines are
	// ruled out without running it.
	if len(f) < 2 || !isReplySepByte(f[0]) || !isReplySepByte(f[1]) {
		return false
	}
	return replySepRE.MatchString(f)
}

func isReplySepByte(c byte) bool {
	switch c {
	case '-', '_', '=', '*', '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

// endsWithWrote says whether the folded line f ends with "wrote" or its
// translation, then optional spaces, a colon and spaces: the end of "On …
// wrote:".
func endsWithWrote(f string) bool {
	t := trimRightRegexpSpace(f)
	if strings.HasSuffix(t, ":") {
		t = trimRightRegexpSpace(t[:len(t)-1])
	}
	if t == "" {
		return false
	}
	for _, w := range wroteByLast()[t[len(t)-1]] {
		if strings.HasSuffix(t, w) {
			return true
		}
	}
	return false
}

// trimRightRegexpSpace is strings.TrimRight(s, "\t\n\f\r "), the spaces
// of \s in regexp syntax, without building the set of its cutset.
func trimRightRegexpSpace(s string) string {
	for s != "" {
		switch s[len(s)-1] {
		case '\t', '\n', '\f', '\r', ' ':
			s = s[:len(s)-1]
			continue
		}
		break
	}
	return s
}

// wroteByLast holds wroteWords by their last byte.
var wroteByLast = sync.OnceValue(func() *[256][]string {
	var by [256][]string
	for _, w := range wroteWords {
		by[w[len(w)-1]] = append(by[w[len(w)-1]], w)
	}
	return &by
})

// isHeaderFrom says whether the folded line f starts a header field From
// ("From:", "De :", "Von:"), maybe in bold.
func isHeaderFrom(f string) bool {
	f = strings.TrimPrefix(f, "*")
	if f == "" || strings.IndexByte(f, ':') < 0 {
		return false
	}
	for _, w := range headerFromByFirst()[f[0]] {
		if strings.HasPrefix(f, w) && strings.HasPrefix(strings.TrimLeft(f[len(w):], "\t\n\f\r "), ":") {
			return true
		}
	}
	return false
}

// headerFromByFirst holds headerFromWords by their first byte.
var headerFromByFirst = sync.OnceValue(func() *[256][]string {
	var by [256][]string
	for _, w := range headerFromWords {
		by[w[0]] = append(by[w[0]], w)
	}
	return &by
})

// isHeaderBlock says whether the From: line at i starts a header block of a
// quoted or forwarded message: another header (Sent:, Date:, To:, Subject:)
// follows within a few lines, or the same line holds them (HTML converted).
func isHeaderBlock(lines []tline, i int) bool {
	f := lines[i].folded()
	if strings.Contains(f, "sent:") || strings.Contains(f, "envoye :") || strings.Contains(f, "envoye:") || strings.Contains(f, "gesendet:") {
		return true
	}
	for j := i + 1; j < len(lines) && j <= i+5; j++ {
		if lines[j].blank {
			continue
		}
		g := strings.TrimLeft(strings.TrimSpace(lines[j].folded()), "*_ ")
		if headerNextRE.MatchString(g) {
			return true
		}
	}
	return false
}

func isSeparatorLine(t string) bool {
	// Most lines fail on their first rune: the runes are counted after.
	for _, r := range t {
		switch r {
		case '-', '_', '=', '*', '~', '—', '–', '━', '─', ' ':
		default:
			return false
		}
	}
	return utf8.RuneCountInString(t) >= 5
}

// isClosing says whether the simplified line k closes a letter: it starts
// with a closing phrase and is short, or ends with one ("Many thanks in
// advance and best regards").
func isClosing(k string) bool {
	if k == "" {
		return false
	}
	ci := closings()
	if ci.whole[k] {
		return true
	}
	n := -1 // the number of words, counted when needed
	// A phrase followed by a space starts with k's first word.
	first := k
	if i := strings.IndexByte(k, ' '); i >= 0 {
		first = k[:i]
	}
	for _, p := range ci.byFirst[first] {
		if strings.HasPrefix(k, p.phrase) && len(k) > len(p.phrase) && k[len(p.phrase)] == ' ' {
			if p.long {
				return true
			}
			if n < 0 {
				n = countFields(k)
			}
			if n <= 7 {
				// "Thank you for your time" closes; "Thanks to the
				// mediators, …" is prose: a closing line is short.
				return true
			}
		}
	}
	for _, p := range ci.ends[k[len(k)-1]] {
		if strings.HasSuffix(k, p) && len(k) > len(p) && k[len(k)-len(p)-1] == ' ' {
			if n < 0 {
				n = countFields(k)
			}
			return n <= 10
		}
	}
	return false
}

// mayCloseOrDisclaim is false when isClosing and isDisclaimer are both
// false for simplifyFolded(f), which it does not make: for most lines the
// first and last words of f say so. When f is ASCII, the words of the
// simplified line are the runs of letters and digits of f, as written in f:
// a closing starts with the first word of a closing phrase or ends with the
// last word of one of closingEnds; a disclaimer starts with the first word
// of one of disclaimerStarts, or holds the first word of one of
// disclaimerA.
func mayCloseOrDisclaim(f string) bool {
	if !isASCII(f) {
		return true
	}
	i := 0
	for i < len(f) && !isAlnumByte(f[i]) {
		i++
	}
	if i == len(f) {
		return false // nothing left when simplified
	}
	j := i
	for j < len(f) && isAlnumByte(f[j]) {
		j++
	}
	first := f[i:j]
	j = len(f)
	for !isAlnumByte(f[j-1]) {
		j--
	}
	i = j
	for i > 0 && isAlnumByte(f[i-1]) {
		i--
	}
	last := f[i:j]
	ci := closings()
	if ci.firstLens.mayHold(first) && len(ci.byFirst[first]) > 0 || ci.endLens.mayHold(last) && ci.endWords[last] {
		return true
	}
	dh := disclaimerHeads()
	for _, w := range dh.starts[first[0]] {
		if strings.HasPrefix(first, w) {
			return true
		}
	}
	return dh.a.foundIn(f)
}

// disclaimerHeadWords are the first words of disclaimerStarts, by their
// first byte, and of disclaimerA, for mayCloseOrDisclaim.
type disclaimerHeadWords struct {
	starts [256][]string
	a      *litSet
}

var disclaimerHeads = sync.OnceValue(func() *disclaimerHeadWords {
	head := func(s string) string {
		if i := strings.IndexByte(s, ' '); i >= 0 {
			return s[:i]
		}
		return s
	}
	dh := &disclaimerHeadWords{}
	for _, s := range disclaimerStarts {
		if w := head(s); !slices.Contains(dh.starts[w[0]], w) {
			dh.starts[w[0]] = append(dh.starts[w[0]], w)
		}
	}
	var heads []string
	for _, s := range disclaimerA {
		heads = append(heads, head(s))
	}
	dh.a = newLitSet([][]string{heads})
	return dh
})

// closingPhrase is a closing phrase, prepared for isClosing.
type closingPhrase struct {
	phrase string
	// long says the phrase closes even a long line ("Sent from my …").
	long bool
}

// closingIndex holds closingPhrases for isClosing: whole lines, phrases by
// their first word, and the phrases that may end a longer line.
type closingIndex struct {
	whole   map[string]bool
	byFirst map[string][]closingPhrase
	ends    [256][]string // by their last byte
	// endWords are the last words of ends.
	endWords map[string]bool
	// The keys of byFirst and endWords, for mayCloseOrDisclaim.
	firstLens, endLens lenFilter
}

var closings = sync.OnceValue(func() *closingIndex {
	ci := &closingIndex{whole: make(map[string]bool), byFirst: make(map[string][]closingPhrase), endWords: make(map[string]bool)}
	for _, p := range closingPhrases {
		ci.whole[p] = true
		first := p
		if i := strings.IndexByte(p, ' '); i >= 0 {
			first = p[:i]
		}
		long := strings.HasPrefix(p, "sent from") || strings.HasPrefix(p, "envoye de") || strings.HasPrefix(p, "von meinem")
		ci.byFirst[first] = append(ci.byFirst[first], closingPhrase{phrase: p, long: long})
		ci.firstLens.add(first)
		if len(strings.Fields(p)) >= 2 && closingEnds[p] {
			ci.ends[p[len(p)-1]] = append(ci.ends[p[len(p)-1]], p)
			last := p[strings.LastIndexByte(p, ' ')+1:]
			ci.endWords[last] = true
			ci.endLens.add(last)
		}
	}
	return ci
})

// countFields is len(strings.Fields(s)) without building the slice.
func countFields(s string) int {
	n := 0
	in := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			in = false
			continue
		}
		if !in {
			n++
			in = true
		}
	}
	return n
}

func isDisclaimer(k string) bool {
	for _, s := range disclaimerStarts {
		if strings.HasPrefix(k, s) {
			return true
		}
	}
	// One of disclaimerA in k.
	if !disclaimerAWords().foundIn(k) {
		return false
	}
	for _, w := range disclaimerB {
		if strings.Contains(" "+k+" ", " "+w+" ") || strings.Contains(k, w) && len(w) > 6 {
			return true
		}
	}
	return false
}

// Words that may stand before a question number: "Q1", "Question 1",
// "№1", "Nr. 1", "#1", in several languages.
var numberWords = []string{"question", "questions", "frage", "pregunta", "domanda", "intrebarea", "intrebare",
	"pytanie", "otazka", "kerdes", "vraag", "pergunta", "pitanje", "питање", "въпрос", "ερωτηση", "вопрос",
	"питання", "pyetja", "soru", "vprasanje", "kysymys", "fraga", "q", "nr", "no", "n", "nº", "n°", "№", "#", "item",
	"point", "punkt", "punto", "pont", "bod", "ad"}

// allNumberWords are the indexes of numberWords, and numberWordsByFirst
// those of the words by their first byte.
var allNumberWords, numberWordsByFirst = func() (all []int, by [256][]int) {
	for i, w := range numberWords {
		all = append(all, i)
		by[w[0]] = append(by[w[0]], i)
	}
	return all, by
}()

// numberWordRunes are the lengths of numberWords in runes, and
// maxNumberWordRunes the longest.
var numberWordRunes, maxNumberWordRunes = func() ([]int, int) {
	ns := make([]int, len(numberWords))
	longest := 0
	for i, w := range numberWords {
		ns[i] = utf8.RuneCountInString(w)
		longest = max(longest, ns[i])
	}
	return ns, longest
}()

// hasFoldedASCIIPrefix says whether foldText of s starts with w, when the
// first len(w) bytes of s are ASCII.
func hasFoldedASCIIPrefix(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if foldByte(s[i]) != w[i] {
			return false
		}
	}
	return true
}

// parseNumberPrefix reads a question number at the start of s: "1.", "1)",
// "1 -", "1/", "1:", "Q1", "Question 1", "№1", "(1)". It returns the
// question, the text after the number, and whether a word stood before it
// or a separator after it (without either, the number needs a label after
// it: "1 Name of the local or regional authority").
func parseNumberPrefix(s string) (q int, rest string, ok bool, marked bool) {
	q, rest, ok, sep, word := parseNumberPrefixWord(s)
	return q, rest, ok, sep || word
}

// parseNumberPrefixWord is parseNumberPrefix that also tells the word.
func parseNumberPrefixWord(s string) (q int, rest string, ok bool, sep bool, word bool) {
	i := 0
	if strings.HasPrefix(s, "(") {
		i = 1
	}
	// A word before the number. Only the first runes of s matter: a word and
	// one more.
	head := s[i:]
	ascii := 0 // the leading ASCII bytes of head, enough for any word
	for ascii < len(head) && ascii < maxNumberWordRunes+1 && head[ascii] < utf8.RuneSelf {
		ascii++
	}
	low := ""
	// foldText of low's first n+1 runes, by n, once each.
	var folded [16]string
	var foldedDone [16]bool
	cands := allNumberWords
	switch {
	case head == "":
		cands = nil
	case head[0] < utf8.RuneSelf:
		// foldText keeps an ASCII first character first, folded byte by
		// byte: only the words that start with it may match.
		cands = numberWordsByFirst[foldByte(head[0])]
	}
	for _, wi := range cands {
		w := numberWords[wi]
		lw := w
		n := numberWordRunes[wi]
		if ascii >= min(n+1, len(head)) {
			// Folding ASCII is byte by byte: the word must be the first n
			// bytes, folded.
			if !hasFoldedASCIIPrefix(head, lw) {
				continue
			}
		} else {
			// The ASCII characters that head starts with are the first of
			// the folded runes, as they are on the other way.
			if k := min(ascii, len(lw)); !hasFoldedASCIIPrefix(head[:k], lw[:k]) {
				continue
			}
			if low == "" {
				low = strings.ToLower(prefixByRunes(head, maxNumberWordRunes+1))
			}
			var f string
			if n < len(folded) && foldedDone[n] {
				f = folded[n]
			} else {
				f = foldText(prefixByRunes(low, n+1))
				if n < len(folded) {
					folded[n], foldedDone[n] = f, true
				}
			}
			if !strings.HasPrefix(f, lw) {
				continue
			}
		}
		// Skip the word as written (its byte length may differ when folded).
		j := i + len(prefixByRunes(s[i:], utf8.RuneCountInString(lw)))
		k := j
		for k < len(s) && (s[k] == '.' || s[k] == ' ' || s[k] == ':' || s[k] == '\t') {
			k++
		}
		if k < len(s) && s[k] >= '0' && s[k] <= '9' {
			// "no" must touch or be set off by ". "/" ": not "No 5 families".
			if (w == "no" || w == "n" || w == "q") && k > j && !strings.HasPrefix(s[j:], ".") {
				if w == "q" && k == j+1 && s[j] == ' ' {
					// "Q 1" is fine.
				} else if w != "q" {
					continue
				}
			}
			i = k
			word = true
			break
		}
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i || j-i > 2 {
		return 0, "", false, false, false
	}
	n := 0
	for _, c := range s[i:j] {
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 16 {
		return 0, "", false, false, false
	}
	k := j
	// Separator.
	for k < len(s) && s[k] == ' ' && k-j < 3 {
		k++
	}
	sep = false
	if k < len(s) {
		switch {
		case s[k] == '\t' || s[k] == '|':
			k++
			sep = true
		case s[k] == '.' || s[k] == ')' || s[k] == ':' || s[k] == '-' || s[k] == '/' || s[k] == ']':
			// "4.455.188", "1-2 families", "1/2" are numbers, not questions.
			if (s[k] == '.' || s[k] == '-' || s[k] == '/' || s[k] == ':') && k+1 < len(s) && s[k+1] >= '0' && s[k+1] <= '9' {
				return 0, "", false, false, false
			}
			k++
			sep = true
			if k < len(s) && (s[k] == ')' || s[k] == '.') {
				k++
			}
		case strings.HasPrefix(s[k:], "–") || strings.HasPrefix(s[k:], "—"):
			k += len("–")
			sep = true
		case strings.HasPrefix(s[k:], "°") || strings.HasPrefix(s[k:], "º"):
			k += len("°")
			sep = true
			if k < len(s) && s[k] == '.' {
				k++
			}
		}
	}
	if i > 0 && s[0] == '(' && !sep && k < len(s) && s[k] == ')' {
		k++
		sep = true
	}
	rest = strings.TrimLeftFunc(s[k:], isSpaceRune)
	if !sep && !word {
		// "1 Name of the local or regional authority": only with a label;
		// the caller checks. A digit after the space is a number ("2 000").
		if k == j || (rest != "" && rest[0] >= '0' && rest[0] <= '9') {
			return 0, "", false, false, false
		}
		return n, rest, true, false, false
	}
	if !sep && word && k < len(s) && s[k] >= '0' && s[k] <= '9' {
		return 0, "", false, false, false
	}
	return n, rest, true, sep, word
}

func prefixByRunes(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// matchLabel finds a question label at the start of s. It returns the label,
// the text after it, stripped of the separator (":", "?", "|", tab…), and
// whether a separator (or the end of the line) followed the label.
func matchLabel(s string, foreign bool) (l qLabel, after string, sepd bool, ok bool) {
	// The words of s are read as far as the longest label that may match;
	// they are compared with the words of the labels only.
	sc := wordScanner{s: s, vocab: labelVocab()}
	first, more := sc.next()
	if !more {
		return qLabel{}, "", false, false
	}
	// Labels are compared on their content words: "Name of local/regional
	// authority" is "Name of the local or regional authority".
	var buf [16]textWord
	words := buf[:0]
	for w := first; more; w, more = sc.next() {
		if !isLabelFiller(w.w) {
			words = append(words, w)
			break
		}
	}
	if len(words) == 0 || words[0].w == "" {
		// No word, or one that no label has (the scanner reads those as
		// ""): most lines end here, without looking up an index.
		return qLabel{}, "", false, false
	}
	idx := labelIndex()
	cands := idx.byFirst[words[0].w]
	labels := qLabels()
	if len(cands) == 0 {
		return qLabel{}, "", false, false
	}
	// More words while a longer label starts with those read.
	for longerLabel(cands, words) {
		w, more := sc.next()
		for more && isLabelFiller(w.w) {
			w, more = sc.next()
		}
		if !more {
			break
		}
		words = append(words, w)
	}
	for _, c := range cands {
		lb := labels[c]
		if lb.foreign && !foreign {
			continue
		}
		lw := lb.content
		n := len(lw)
		if n == 0 || n > len(words) {
			continue
		}
		match := true
		for k, w := range lw {
			if words[k].w != w {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		// The label must start the line (after filler words).
		if words[0].start != first.start && !isLabelFiller(first.w) {
			continue
		}
		end := words[n-1].end
		rest := s[end:]
		trimmed, sep := stripSeparator(rest)
		if !sep && strings.TrimSpace(rest) != "" {
			// "Population of the city: 45 000", "Population (2021): …": a few
			// more words before a colon still belong to the label.
			if i := strings.IndexAny(rest, ":?"); i > 0 && i <= 40 && labelTail(rest[:i]) {
				t, _ := stripSeparator(rest[i:])
				return lb, t, true, true
			}
			// Words follow the label without a separator: "Country Council"
			// is not "Country:"; a long label may still be followed by its
			// answer after a space ("Name of the local or regional authority
			// Brno" in a table converted to text).
			if len(lb.words) < 3 {
				continue
			}
		}
		return lb, trimmed, sep || strings.TrimSpace(rest) == "", true
	}
	return qLabel{}, "", false, false
}

// longerLabel says whether one of the labels cands (indexes in qLabels) has
// more content words than words, and starts with them.
func longerLabel(cands []int, words []textWord) bool {
	labels := qLabels()
	for _, c := range cands {
		lw := labels[c].content
		if len(lw) <= len(words) {
			continue
		}
		same := true
		for k, w := range words {
			if lw[k] != w.w {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// qLabelIndex holds the indexes of qLabels by their first content word, in
// their order.
type qLabelIndex struct {
	byFirst map[string][]int
}

var labelIndex = sync.OnceValue(func() *qLabelIndex {
	idx := &qLabelIndex{byFirst: make(map[string][]int)}
	for i, lb := range qLabels() {
		if len(lb.content) == 0 {
			continue
		}
		k := lb.content[0]
		idx.byFirst[k] = append(idx.byFirst[k], i)
	}
	return idx
})

// labelVocab holds the words of qLabels and labelFiller, each mapped to
// itself: matchLabel reads the words of a line with it.
var labelVocab = sync.OnceValue(func() *vocabSet {
	m := make(map[string]string)
	for _, lb := range qLabels() {
		for _, w := range lb.words {
			m[w] = w
		}
	}
	for w := range labelFiller {
		m[w] = w
	}
	return newVocabSet(m)
})

// isLabelFiller is labelFiller[w], without a look-up for "", the word
// that matchLabel reads for any word no label has.
func isLabelFiller(w string) bool { return w != "" && labelFiller[w] }

// labelFiller are the small words that labels may have or lack.
var labelFiller = map[string]bool{"the": true, "of": true, "or": true, "and": true, "a": true, "an": true, "your": true,
	"de": true, "la": true, "le": true, "les": true, "du": true, "des": true, "et": true, "l": true, "d": true,
	"votre": true, "vos": true, "to": true, "for": true, "our": true, "ou": true}

// labelTail says whether s, between a label and a colon, still belongs to
// the label: a few words, digits only in brackets, no address.
func labelTail(s string) bool {
	if strings.ContainsAny(s, "@") || countFields(s) > 6 {
		return false
	}
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '[':
			depth++
		case r == ')' || r == ']':
			depth--
		case r >= '0' && r <= '9' && depth <= 0:
			return false
		}
	}
	return true
}

// stripSeparator removes what separates a label from its answer: spaces,
// ":", "?", "|", tabs, dashes, "=", closing bold marks. sep says whether
// there was one (spaces alone are none, but two or more are).
func stripSeparator(s string) (string, bool) {
	sep := false
	i := 0
	spaces := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == ':' || r == '?' || r == '|' || r == '\t' || r == '=' || r == '：' || r == ';' || r == '→' || r == '»' || r == '⇒' || r == '➔' || r == '►':
			sep = true
		case r == '-' || r == '–' || r == '—' || r == '>' || r == '.':
			if i+size < len(s) {
				next, _ := utf8.DecodeRuneInString(s[i+size:])
				if next >= '0' && next <= '9' && r == '-' {
					return strings.TrimSpace(s[i:]), sep
				}
			}
			sep = true
		case r == '*' || r == '_':
		case isSpaceRune(r):
			spaces++
			if spaces >= 2 {
				sep = true
			}
		case r == '(' && !sep:
			// "Population (inhabitants): 45 000": a hint after the label.
			j := strings.IndexByte(s[i:], ')')
			if j > 0 && j < 60 {
				after := s[i+j+1:]
				t, sp := stripSeparator(after)
				if sp {
					return t, true
				}
			}
			return strings.TrimSpace(s[i:]), sep
		default:
			return strings.TrimSpace(s[i:]), sep
		}
		if r != ' ' {
			spaces = 0
			if isSpaceRune(r) {
				spaces = 1
			}
		}
		i += size
	}
	return "", sep
}

// Decorations before a question: bullets, bold marks.
func stripDecorations(s string) string {
	for {
		t := strings.TrimLeftFunc(s, isSpaceRune)
		switch {
		case strings.HasPrefix(t, "*"), strings.HasPrefix(t, "•"), strings.HasPrefix(t, "·"), strings.HasPrefix(t, "▪"),
			strings.HasPrefix(t, "►"), strings.HasPrefix(t, "_"), strings.HasPrefix(t, "|"), strings.HasPrefix(t, "❖"),
			strings.HasPrefix(t, "➢"), strings.HasPrefix(t, "o "), strings.HasPrefix(t, "- "), strings.HasPrefix(t, "– "):
			_, size := utf8.DecodeRuneInString(t)
			s = t[size:]
		default:
			return t
		}
	}
}

// findMarker says whether line s asks a question: by number (with or
// without its label), or by label. sig is true in a signature, where only
// numbers and long labels count ("Tel.: …" there is the sender's).
func findMarker(s string, sig bool) (qMarker, bool) {
	c := stripDecorations(s)
	if c == "" {
		return qMarker{}, false
	}
	// Bold marks around a label: "*Pays :* France".
	if strings.Contains(c, "*") && strings.Index(c, "*") < 80 {
		c = strings.ReplaceAll(c, "*", "")
	}
	if q, rest, ok, sepOnly, word := parseNumberPrefixWord(c); ok {
		sep := sepOnly || word
		rest = strings.TrimLeft(rest, "|\t *")
		m := qMarker{q: q, numbered: true, word: word}
		if l, after, sepd, lok := matchLabel(rest, true); lok && (sepd || len(l.words) >= 3) {
			// The label says which question it is, even when the reply's
			// numbering differs ("5. Population: …"); a translated label
			// is less sure than the number.
			if !l.foreign || l.q == q {
				m.q = l.q
			}
			m.labelled = true
			m.strong = l.strong
			m.rest = after
			return m, true
		}
		if !sep {
			return qMarker{}, false
		}
		m.rest = stripForeignLabel(q, rest)
		return m, true
	}
	l, after, sepd, ok := matchLabel(c, false)
	if !ok || !sepd {
		return qMarker{}, false
	}
	if len(l.content) == 1 && sig {
		// One word ("Tel.:", "E-mail:") in a signature is the sender's.
		return qMarker{}, false
	}
	if sig && (!l.strong || l.q >= 6 && l.q <= 9) {
		return qMarker{}, false
	}
	return qMarker{q: l.q, rest: after, labelled: true, strong: l.strong, weak: len(l.content) == 1}, true
}

// stripForeignLabel removes from the text after a question number a label
// written in another language: "Kraj: Polska", "Czy … do Sojuszu? Tak".
// Labels end with ":" or "?"; what comes before must look like one (no
// digits, no address, a few words).
func stripForeignLabel(q int, rest string) string {
	t := strings.TrimSpace(rest)
	if t == "" {
		return ""
	}
	for _, sep := range []string{":", "?", "："} {
		i := strings.Index(t, sep)
		if i <= 0 {
			continue
		}
		label := t[:i]
		if strings.ContainsAny(label, "0123456789@/") || strings.Contains(label, "http") {
			continue
		}
		n := countFields(label)
		min := 1
		if q == 14 || q == 15 {
			min = 3
		}
		if sep == "?" {
			min = 3
		}
		if n < min || n > 14 {
			continue
		}
		// "Bildung: ja", "Education: yes": an option and its mark, not a
		// label; "Belgique : Wallonie" is the answer too.
		if _, isList := optionLists[q]; isList && sep == ":" {
			if codes, ok := parseOptions(q, label); ok && len(codes) > 0 {
				continue
			}
		}
		if q == 2 && parseCountry(label) != "" {
			continue
		}
		return strings.TrimSpace(strings.TrimLeft(t[i+len(sep):], " :?*"))
	}
	return t
}

// extractText reads questionnaire answers written in text (a mail body, or
// the text of a document). It returns nil when the text holds no answers:
// one question found by its full label (or as "Question 5:" with a value of
// its type) is enough; otherwise it needs two answers with typed values
// (country, population, e-mail, options…), not all of them about the
// contact. Answers quoted deeper than the shallowest answers are older mail
// and are not read; a quoted blank questionnaire answers nothing. The result
// has no Source: the caller says where the text came from.
func extractText(text string) *Questionnaire {
	return extractLines(splitLines(capText(text)))
}

// capText cuts text to the most that extractText reads.
func capText(text string) string {
	if len(text) > 4<<20 {
		text = text[:4<<20]
	}
	return text
}

// extractLines is extractText on the lines of the text, capped by capText.
func extractLines(lines []tline) *Questionnaire {
	markers := findMarkers(lines)
	if len(markers) == 0 {
		return nil
	}
	cands := collectAnswers(lines, markers)
	return assemble(cands)
}

// lineMarker is a question found on line i of the text.
type lineMarker struct {
	i int
	m qMarker
}

// findMarkers returns the questions found in lines, in line order. A number
// without a label must follow the numbers before it in the same run of
// questions (a numbered list inside an answer is part of the answer); a run
// ends at a reply header or where the quote depth changes.
func findMarkers(lines []tline) []lineMarker {
	var out []lineMarker
	sig := false
	lastQ, lastDepth := 0, -1
	pending := -1 // depth of a question with nothing after it yet
	run := 0
	for i, l := range lines {
		if l.blank {
			continue
		}
		switch l.kind {
		case lineClosing, lineSigSep, lineDisclaim:
			sig = true
			continue
		case lineReply:
			sig = false
			lastQ = 0
			continue
		case lineSeparator:
			lastQ = 0
			continue
		}
		m, ok := lines[i].marker(l.text, sig)
		if !ok {
			if pending >= 0 {
				pending = -1
			}
			continue
		}
		// "5. Estimated number of Roma:" then "10 - 15" on the next line: a
		// range answering 5, not question 10.
		if pending >= 0 && m.numbered && !m.labelled && startsWithDigit(m.rest) && l.depth <= pending {
			pending = -1
			continue
		}
		if l.depth != lastDepth {
			lastQ = 0
		}
		if lastQ == 0 || m.q <= lastQ {
			// A new run of questions: after a reply header or a change of
			// depth, or a question asked again (a second copy).
			run++
		}
		if !m.strong && m.q <= lastQ {
			// A numbered list in an answer ("1. housing 2. schools" under
			// question 14), or a one-word label in prose.
			if m.numbered || m.weak {
				continue
			}
		}
		m.run = run
		if out == nil {
			out = make([]lineMarker, 0, 16) // room for one questionnaire
		}
		out = append(out, lineMarker{i, m})
		lastQ, lastDepth = m.q, l.depth
		sig = false
		pending = -1
		if strings.TrimSpace(m.rest) == "" {
			pending = l.depth
		}
	}
	return out
}

func startsWithDigit(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// collectAnswers takes, for each question found, the text of its answer:
// what follows it on its line, then the lines after it, up to the next
// question, a reply header, a closing or a signature, or more deeply quoted
// text. The answer to a quoted question is the less quoted text under it:
// of the lines found, those quoted least.
func collectAnswers(lines []tline, markers []lineMarker) []answerCand {
	out := make([]answerCand, 0, len(markers))
	type aline struct {
		depth int
		text  string // "" for a blank line
	}
	// The lines of an answer and its paragraphs, as ranges of texts: one
	// buffer of each for all the answers.
	type span struct{ start, end int }
	var region []aline
	var texts []string
	var paras []span
	// The answers' paragraphs share one backing array, cut for each answer.
	joined := make([]string, 0, len(markers))
	for k, lm := range markers {
		i, m := lm.i, lm.m
		// The answer ends at the next question, if any.
		next := len(lines)
		if k+1 < len(markers) {
			next = markers[k+1].i
		}
		qd := lines[i].depth
		c := answerCand{q: m.q, line: i, strong: m.strong, num: m.numbered, labelled: m.labelled, word: m.word, run: m.run}
		region = region[:0]
		rest := stripAnswerWord(m.rest)
		inline := strings.TrimSpace(rest) != ""
		if inline {
			region = append(region, aline{qd, rest})
		}
		stop := "end"
		for j := i + 1; j < len(lines); j++ {
			l := lines[j]
			if j == next {
				stop = "marker"
				break
			}
			if l.blank {
				region = append(region, aline{depth: l.depth})
				continue
			}
			if l.kind != lineText {
				stop = "boundary"
				break
			}
			if l.depth > qd {
				stop = "depth"
				break
			}
			region = append(region, aline{l.depth, l.text})
		}
		// The least quoted lines are the answer; an answer on the question's
		// own line keeps the question's depth.
		ad := qd
		if !inline {
			for _, a := range region {
				if a.text != "" && a.depth < ad {
					ad = a.depth
				}
			}
		}
		texts, paras = texts[:0], paras[:0]
		open := -1 // the start in texts of the paragraph being read
		seen := false
		for _, a := range region {
			if a.text == "" || a.depth != ad {
				if open >= 0 {
					paras = append(paras, span{open, len(texts)})
					open = -1
				}
				if a.text != "" && seen && ad < qd {
					// Quoted text after the answer: the rest of the quote.
					stop = "depth"
					break
				}
				continue
			}
			seen = true
			if open < 0 {
				open = len(texts)
			}
			texts = append(texts, stripAnswerWord(a.text))
		}
		if open >= 0 {
			paras = append(paras, span{open, len(texts)})
		}
		if stop != "marker" && len(paras) > 0 {
			// A signature right under the last answer: "Jana Novak".
			p := paras[0]
			for k := p.start + 1; k < p.end; k++ {
				if l := strings.TrimSpace(texts[k]); countFields(l) <= 4 && (looksLikeName(l) || parseEmail(l) != "") {
					paras = append(paras[:0], span{p.start, k})
					break
				}
			}
		}
		if stop != "marker" && len(paras) > 1 {
			// After the last answer, only what continues it: a list.
			n := 1
			for n < len(paras) && isListItem(texts[paras[n].start]) {
				n++
			}
			paras = paras[:n]
		}
		c.depth = ad
		from := len(joined)
		for _, p := range paras {
			if t := joinLines(texts[p.start:p.end]); t != "" {
				joined = append(joined, t)
			}
		}
		if len(joined) > from {
			c.text = joined[from:len(joined):len(joined)]
		}
		out = append(out, c)
	}
	return out
}

// answerWords introduce an answer: "Réponse : …", "Answer: …".
var answerWords = map[string]bool{"reponse": true, "reponses": true, "answer": true, "response": true, "antwort": true,
	"risposta": true, "respuesta": true, "raspuns": true, "odpowiedz": true, "odpoved": true, "valasz": true,
	"odgovor": true, "antwoord": true, "resposta": true, "svar": true, "vastaus": true, "απαντηση": true,
	"отговор": true, "одговор": true, "ответ": true, "cevap": true, "pergjigje": true, "a": true, "r": true, "rep": true,
	"ans": true, "our answer": true, "notre reponse": true}

// stripAnswerWord removes "Réponse :" and the like from the start of s.
func stripAnswerWord(s string) string {
	t := strings.TrimSpace(s)
	// Only a colon in the first 20 bytes counts: the rest is not searched.
	head := t
	if len(head) > 20+len("：") {
		head = head[:20+len("：")]
	}
	i := indexColon(head)
	if i <= 0 || i > 20 {
		return s
	}
	if answerWords[simplify(t[:i])] {
		return strings.TrimSpace(t[i+1:])
	}
	return s
}

// indexColon is strings.IndexAny(s, ":："), searched by bytes: both start
// a rune wherever they are, even in invalid UTF-8.
func indexColon(s string) int {
	i := strings.IndexByte(s, ':')
	if j := strings.Index(s, "："); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	return i
}

func isListItem(s string) bool {
	t := strings.TrimSpace(s)
	for _, p := range []string{"-", "•", "*", "·", "–", "▪", "o "} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	if len(t) > 1 && t[0] >= '0' && t[0] <= '9' && (t[1] == ')' || t[1] == '.') {
		return true
	}
	return false
}

// joinLines joins the lines of a paragraph with spaces, cleaning spaces and
// table bars.
func joinLines(p []string) string {
	// A paragraph of one line is that line, cleaned: no copy.
	var first string
	var b strings.Builder
	n := 0
	for _, l := range p {
		l = strings.TrimSpace(cleanSpaces(strings.ReplaceAll(l, "\t", " | ")))
		l = strings.Trim(l, "| ")
		if l == "" {
			continue
		}
		switch n {
		case 0:
			first = l
		case 1:
			size := 0
			for _, l := range p {
				size += len(l) + 1
			}
			b.Grow(size)
			b.WriteString(first)
			fallthrough
		default:
			b.WriteByte(' ')
			b.WriteString(l)
		}
		n++
	}
	if n <= 1 {
		return first
	}
	return b.String()
}

// answerValue is a parsed answer.
type answerValue struct {
	text *string
	num  *int64
	rng  *Range
	list []string
}

// parseAnswer reads the value of question q from the paragraphs of its
// answer. ok is false when the text does not answer the question. strict is
// for answers found after a bare number, which may be a numbered list in a
// letter: they must look like answers (short, and typed values whole).
func parseAnswer(q int, paras []string, strict bool) (v answerValue, ok bool) {
	if len(paras) == 0 {
		return v, false
	}
	first := paras[0]
	all := strings.Join(paras, "\n")
	// The answer folded once, for the tests that compare folded text.
	fall := foldText(all)
	if blankFolded(fall) {
		return v, false
	}
	// The word count and the check marks matter only to strict answers:
	// they are counted for those alone.
	words, marked := 0, false
	if strict {
		words = countFields(all)
		marked = len(findMarks(all)) > 0
	}
	tooLong := func(limit int) bool { return strict && words > limit && !marked }
	switch q {
	case 1, 6, 7:
		t := cleanText(first)
		ft := foldText(t)
		if unknownFolded(ft) {
			return v, true
		}
		if blankFolded(ft) {
			return v, false
		}
		if q == 6 {
			t = cleanContactName(t)
		}
		n := countFields(t)
		if strict && (q == 1 && n > 15 || q == 6 && n > 8 || q == 7 && n > 25) {
			return v, false
		}
		if t == "" {
			return v, false
		}
		v.text = &t
		return v, true
	case 2:
		c := parseCountry(all)
		if strict && c != "" && words > 4 && parseCountryWhole(all) == "" {
			c = ""
		}
		if c != "" {
			v.text = &c
			return v, true
		}
		return v, isUnknown(first)
	case 3, 10, 16:
		if tooLong(15) {
			return v, false
		}
		codes, ok := parseOptionsFolded(q, all, fall)
		if !ok {
			return v, false
		}
		if len(codes) > 0 {
			v.text = &codes[0]
		}
		return v, true
	case 4:
		if tooLong(12) || strict && !numberLeads(all) {
			return v, false
		}
		if n, ok := parseNumber(all); ok {
			v.num = &n
			return v, true
		}
		return v, isUnknown(first)
	case 5:
		if tooLong(20) || strict && !numberLeads(all) && !isUnknown(first) {
			return v, false
		}
		r, ok := parseRange(all)
		v.rng = r
		return v, ok
	case 8:
		if e := parseEmail(all); e != "" {
			v.text = &e
			return v, true
		}
		return v, isUnknown(first)
	case 9:
		if p := parsePhone(cleanText(first)); p != "" && !(strict && countFields(p) > 10) {
			v.text = &p
			return v, true
		}
		return v, isUnknown(first)
	case 11, 12, 13:
		if tooLong(40) {
			return v, false
		}
		codes, ok := parseOptionsFolded(q, all, fall)
		v.list = codes
		return v, ok
	case 14, 15:
		var ps []string
		for _, p := range paras {
			if p = cleanText(p); p != "" {
				ps = append(ps, p)
			}
		}
		t := strings.Join(ps, "\n")
		ft := foldText(t)
		if unknownFolded(ft) {
			return v, true
		}
		if blankFolded(ft) {
			return v, false
		}
		v.text = &t
		return v, true
	}
	return v, false
}

// Words that may come before a count: "approx. 45 000", "entre 400 et 600".
var approxWords = map[string]bool{"approx": true, "approximately": true, "about": true, "around": true, "ca": true,
	"cca": true, "circa": true, "some": true, "roughly": true, "nearly": true, "almost": true, "estimated": true,
	"environ": true, "env": true, "pres de": true, "plus de": true, "moins de": true, "etwa": true, "rund": true,
	"ungefahr": true, "cerca": true, "circa di": true, "aproximadamente": true, "aprox": true, "alrededor de": true,
	"aproximativ": true, "kb": true, "mintegy": true, "okolo": true, "ok": true, "oko": true, "priblizno": true,
	"около": true, "περιπου": true, "yaklasik": true, "rreth": true, "between": true, "entre": true, "zwischen": true,
	"tra": true, "intre": true, "od": true, "from": true, "de": true, "less than": true, "more than": true,
	"over": true, "under": true, "up to": true, "max": true, "min": true, "cerca de": true, "ongeveer": true,
	"circa de": true, "przeszlo": true, "ponad": true, "powyzej": true, "ponizej": true, "over de": true}

// numberLeads says whether the answer starts with its number (after a word
// or two such as "approx."), as a count answering a question does;
// "testing #4" is no answer to the question of population.
func numberLeads(s string) bool {
	counts, _ := countTokens(s)
	if len(counts) == 0 {
		return false
	}
	before := s[:counts[0].start]
	if strings.HasSuffix(strings.TrimSpace(before), "#") || strings.HasSuffix(strings.TrimSpace(before), "№") {
		return false
	}
	k := simplify(before)
	// One or two words before the number ("около 23 000", "plus de 500").
	return k == "" || approxWords[k] || countFields(k) <= 2 && !strings.ContainsAny(before, ":;!?")
}

// cleanText trims an answer: spaces, bullets of a single item, surrounding
// quotes and bold marks, a final full stop after a short answer.
func cleanText(s string) string {
	s = cleanSpaces(s)
	s = strings.Trim(s, " *_|")
	for _, p := range []string{"→", "⇒", "➔", "➜", "=>", "->", "»", "•", "·", "- ", "– ", "— "} {
		if strings.HasPrefix(s, p) {
			s = strings.TrimSpace(s[len(p):])
		}
	}
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"') {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

var (
	honorificRE = regexp.MustCompile(`(?i)^(mr|mrs|ms|miss|mme|mlle|m\.|monsieur|madame|herr|frau|sig\.ra|sig\.|sig|sra\.|sr\.|sra|sr|pan|pani|gospodin|gospodja|g\.|ga\.|dna\.?|dl\.?|domnul|doamna|úr|asszony)\.?\s+`)
	phoneInRE   = regexp.MustCompile(`[,;(]?\s*(tel|tél|phone|t)?\.?:?\s*\+?[0-9][0-9 ()./-]{6,}[0-9]\)?`)
)

// phoneRun says whether s has eight characters in a row of those that
// phoneInRE's number is written with, as each of its matches does: a cheap
// test before the regexp.
func phoneRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == ' ', c == '(', c == ')', c == '.', c == '/', c == '-':
			n++
			if n >= 8 {
				return true
			}
		default:
			n = 0
		}
	}
	return false
}

// cleanContactName removes from a contact's name what is not the name: a title of
// address, an address or a telephone number written after it.
func cleanContactName(s string) string {
	if e := emailRE.FindStringIndex(s); e != nil {
		s = strings.TrimSpace(s[:e[0]] + s[e[1]:])
		s = strings.ReplaceAll(s, "()", "")
		s = strings.ReplaceAll(s, "<>", "")
		s = strings.ReplaceAll(s, "[]", "")
	}
	if phoneRun(s) {
		s = phoneInRE.ReplaceAllString(s, "")
	}
	s = strings.Trim(strings.TrimSpace(s), " ,;:-–")
	// "Jana Novak (Head of Unit)": the name only.
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[:i])
	}
	if m := honorificRE.FindString(s); m != "" && len(s) > len(m) {
		s = s[len(m):]
	}
	return strings.TrimSpace(s)
}

// assemble chooses an answer per question among the candidates and builds
// the Questionnaire; nil when too little was answered to be one.
func assemble(cands []answerCand) *Questionnaire {
	type parsed struct {
		c *answerCand // in cands
		v answerValue
	}
	// Only the answers at the least depth that has any count: the depths
	// are read from the least, and those more quoted than the first depth
	// with an answer are not parsed at all.
	good := make([]parsed, 0, len(cands))
	minDepth := 1 << 30
	for depth := -1; len(good) == 0; {
		// The least depth greater than the one read last.
		next := 1 << 30
		for _, c := range cands {
			if c.depth > depth && c.depth < next {
				next = c.depth
			}
		}
		if next == 1<<30 {
			break
		}
		depth = next
		for k := range cands {
			c := &cands[k]
			if c.depth != depth {
				continue
			}
			if v, ok := parseAnswer(c.q, c.text, c.num && !c.labelled); ok {
				good = append(good, parsed{c, v})
				minDepth = depth
			}
		}
	}
	// Where a question is answered twice at that depth, the run of
	// questions that answers more wins ("1. the answers are below" in a
	// forwarder's note loses to the forwarded answers), then the first.
	runScore := map[int]int{}
	for _, p := range good {
		if p.c.depth == minDepth {
			runScore[p.c.run]++
		}
	}
	var chosen [17]*parsed
	for i := range good {
		p := &good[i]
		if p.c.depth != minDepth {
			continue
		}
		if old := chosen[p.c.q]; old != nil && runScore[old.c.run] >= runScore[p.c.run] {
			continue
		}
		chosen[p.c.q] = p
	}
	n, strong, structured, core := 0, 0, 0, 0
	for q := 1; q <= 16; q++ {
		p := chosen[q]
		if p == nil {
			continue
		}
		n++
		if q < 6 || q > 9 {
			core++
		}
		typed := false
		switch q {
		case 2, 3, 4, 5, 8, 10, 11, 12, 13, 16:
			typed = p.v.text != nil || p.v.num != nil || p.v.rng != nil || len(p.v.list) > 0
		}
		if typed {
			structured++
		}
		// A full label, or "Question 5:" with a value of its type.
		if p.c.strong || p.c.word && typed {
			strong++
		}
	}
	// A question found by its full label is enough; otherwise two answers,
	// two of them typed values, not all about a contact (a signature has a
	// name, an e-mail and a telephone number).
	if strong == 0 && (n < 2 || structured < 2 || core == 0) {
		return nil
	}
	var vals [17]*answerValue
	var answered [17]bool
	for q := 1; q <= 16; q++ {
		if p := chosen[q]; p != nil {
			vals[q] = &p.v
			answered[q] = true
		}
	}
	return buildQuestionnaire(vals, answered)
}

// buildQuestionnaire turns values per question into a Questionnaire, with
// Missing listing the questions not answered.
func buildQuestionnaire(vals [17]*answerValue, answered [17]bool) *Questionnaire {
	missing := 0
	for n := 1; n <= 16; n++ {
		if !answered[n] {
			missing++
		}
	}
	q := &Questionnaire{ThematicPriorities: []string{}, CrosscuttingIssues: []string{}, Activities: []string{},
		Missing: make([]string, 0, missing)}
	for n := 1; n <= 16; n++ {
		if !answered[n] {
			q.Missing = append(q.Missing, questionKeys[n-1])
			continue
		}
		v := vals[n]
		if v == nil {
			continue
		}
		switch n {
		case 1:
			q.AuthorityName = v.text
		case 2:
			q.Country = v.text
		case 3:
			q.AuthorityType = v.text
		case 4:
			q.Population = v.num
		case 5:
			q.RomaEstimate = v.rng
		case 6:
			q.ContactName = v.text
		case 7:
			q.ContactFunction = v.text
		case 8:
			q.ContactEmail = v.text
		case 9:
			q.ContactPhone = v.text
		case 10:
			q.Interested = v.text
		case 11:
			if v.list != nil {
				q.ThematicPriorities = v.list
			}
		case 12:
			if v.list != nil {
				q.CrosscuttingIssues = v.list
			}
		case 13:
			if v.list != nil {
				q.Activities = v.list
			}
		case 14:
			q.Needs = v.text
		case 15:
			q.Projects = v.text
		case 16:
			q.Newsletter = v.text
		}
	}
	return q
}

// ---------------------------------------------------------------------------
// Named fields

// Values of a check box that mean "not ticked".
var uncheckedValues = map[string]bool{"": true, "false": true, "no": true, "off": true, "0": true, "☐": true,
	"non": true, "nein": true, "unchecked": true, "n": true, "f": true, "none": true, "null": true, "nil": true,
	"faux": true, "falsch": true, "nu": true, "nie": true, "ne": true, "nem": true, "nao": true, "□": true, "-": true}

// fieldIndex maps simplified names of fields to question and option code
// ("" for the question itself).
type fieldTarget struct {
	q    int
	code string
}

var fieldIndex = func() map[string]fieldTarget {
	m := make(map[string]fieldTarget)
	keyOf := func(q int) string { return questionKeys[q-1] }
	for q := 1; q <= 16; q++ {
		m[simplify(strings.ReplaceAll(keyOf(q), "_", " "))] = fieldTarget{q: q}
	}
	for q, list := range enfrLabels {
		for _, l := range list {
			if _, dup := m[simplify(l)]; !dup {
				m[simplify(l)] = fieldTarget{q: q}
			}
		}
	}
	for _, o := range formCodesOrder {
		key := simplify(strings.ReplaceAll(keyOf(o.q), "_", " "))
		m[key+" "+simplify(strings.ReplaceAll(o.code, "_", " "))] = fieldTarget{q: o.q, code: o.code}
	}
	return m
}()

// fieldName resolves a field's name: a key ("authority_name"), a key_code
// ("thematic_priorities_education"), a label ("Pays", "1. Name of the local
// or regional authority"), or a label with an option ("Thematic priorities -
// Education"). ok is false for other names.
func fieldName(name string) (fieldTarget, bool) {
	n := strings.TrimSpace(name)
	// A PDF field's full name: "form1[0].page1[0].country[0]".
	if i := strings.LastIndexByte(n, '.'); i >= 0 && i < len(n)-1 && strings.Contains(n, "[") {
		n = n[i+1:]
	}
	if i := strings.IndexByte(n, '['); i > 0 && strings.HasSuffix(n, "]") {
		n = n[:i]
	}
	if q, rest, ok, sep := parseNumberPrefix(n); ok && sep && rest != "" {
		if t, ok := fieldName(rest); ok {
			return t, true
		}
		_ = q
	}
	k := simplify(strings.ReplaceAll(n, "_", " "))
	if t, ok := fieldIndex[k]; ok {
		return t, true
	}
	// A label and an option: "Thematic priorities - Education".
	words := strings.Fields(k)
	for cut := len(words) - 1; cut >= 1; cut-- {
		head := strings.Join(words[:cut], " ")
		t, ok := fieldIndex[head]
		if !ok || t.code != "" {
			continue
		}
		if _, isList := optionLists[t.q]; !isList {
			continue
		}
		tail := strings.Join(words[cut:], " ")
		codes, ok := parseOptions(t.q, tail)
		if ok && len(codes) == 1 {
			return fieldTarget{q: t.q, code: codes[0]}, true
		}
	}
	return fieldTarget{}, false
}

// fromFields reads answers given as named fields (form fields, spreadsheet
// columns): keys are questionnaire keys, or key_code for check boxes. Names
// may differ in case and spacing, or be the EN/FR labels. A check box is
// ticked by any value but an empty or negative one ("Off", "false", "0",
// "No", "☐"). It returns nil when no field holds an answer.
func fromFields(fields map[string]string) *Questionnaire {
	var vals [17]*answerValue
	var answered [17]bool
	checked := map[int]map[string]bool{}
	boxes := map[int]bool{}
	// Go maps have no order: read the names sorted, so that the result does
	// not depend on it.
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := fields[name]
		t, ok := fieldName(name)
		if !ok {
			continue
		}
		val := strings.TrimSpace(raw)
		if t.code != "" {
			boxes[t.q] = true
			if isTicked(val) {
				if checked[t.q] == nil {
					checked[t.q] = map[string]bool{}
				}
				checked[t.q][t.code] = true
			}
			continue
		}
		if isBlank(val) || answered[t.q] {
			continue
		}
		v, ok := parseAnswer(t.q, strings.Split(strings.ReplaceAll(val, "\r\n", "\n"), "\n\n"), false)
		if t.q != 14 && t.q != 15 && t.q != 11 && t.q != 12 && t.q != 13 && t.q != 3 && t.q != 10 && t.q != 16 {
			v, ok = parseAnswer(t.q, []string{strings.Join(strings.Fields(val), " ")}, false)
		}
		if !ok {
			continue
		}
		vals[t.q] = &v
		answered[t.q] = true
	}
	for q := range boxes {
		set := checked[q]
		if len(set) == 0 {
			continue
		}
		v := vals[q]
		if v == nil {
			v = &answerValue{}
		}
		if singleChoice(q) {
			if v.text == nil {
				for _, c := range optionCodes(q) {
					if set[c] {
						c := c
						v.text = &c
						break
					}
				}
			}
		} else {
			merged := map[string]bool{}
			for _, c := range v.list {
				merged[c] = true
			}
			for c := range set {
				merged[c] = true
			}
			v.list = inOrder(q, merged)
		}
		vals[q] = v
		answered[q] = true
	}
	any := false
	for q := 1; q <= 16; q++ {
		any = any || answered[q]
	}
	if !any {
		return nil
	}
	return buildQuestionnaire(vals, answered)
}

// isTicked says whether a check box's value ticks it.
func isTicked(v string) bool {
	k := strings.TrimSpace(foldText(v))
	k = strings.TrimPrefix(k, "/")
	return !uncheckedValues[k]
}

// ---------------------------------------------------------------------------
// HTML

// htmlToText renders an HTML body as text for extractText. Tables of two
// columns or more keep each row on one line, cells separated by " | "
// ("| Country | France |"); Outlook's paragraphs (MsoNormal, <o:p>, &nbsp;)
// become lines, empty ones blank lines; bold text is not starred; quoted
// parts (<blockquote>) are prefixed with "> ". Wingdings check boxes become
// ☒ and ☐.
func htmlToText(src string) string {
	if len(src) > 8<<20 {
		src = src[:8<<20]
	}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	prepareHTML(doc)
	out, err := html2text.FromHTMLNode(doc, html2text.Options{OmitLinks: true})
	if err != nil {
		return ""
	}
	out = strings.ReplaceAll(out, "\u00a0", " ")
	// html2text sets off block elements with blank lines; a single line break
	// is enough between Outlook's paragraphs, and ours keep empty ones.
	return out
}

// prepareHTML rewrites the tree for html2text: it drops what is not shown,
// turns paragraphs into lines, unwraps bold and links, and flattens tables.
func prepareHTML(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		prepareHTML(c)
		c = next
	}
	if n.Type == html.CommentNode {
		removeNode(n)
		return
	}
	if n.Type != html.ElementNode {
		return
	}
	switch n.DataAtom {
	case atom.Head, atom.Style, atom.Script, atom.Title, atom.Meta, atom.Link:
		removeNode(n)
		return
	}
	if isHiddenElement(n) {
		removeNode(n)
		return
	}
	if strings.Contains(strings.ToLower(htmlAttr(n, "style")+htmlAttr(n, "face")), "wingdings") {
		wingdings(n)
	}
	switch n.DataAtom {
	case atom.B, atom.Strong, atom.Span, atom.Font, atom.I, atom.Em, atom.U, atom.A, atom.Small, atom.Big, atom.Sup, atom.Sub:
		unwrapNode(n)
	case atom.P, atom.H4, atom.H5, atom.H6, atom.Address, atom.Center, atom.Section, atom.Article, atom.Header, atom.Footer:
		if strings.TrimSpace(strings.ReplaceAll(nodeText(n), "\u00a0", " ")) == "" && !hasElement(n, atom.Img) {
			// An empty paragraph is a blank line.
			br := &html.Node{Type: html.ElementNode, Data: "br", DataAtom: atom.Br}
			n.Parent.InsertBefore(br, n)
			n.Parent.InsertBefore(&html.Node{Type: html.ElementNode, Data: "br", DataAtom: atom.Br}, n)
			removeNode(n)
			return
		}
		n.Data, n.DataAtom, n.Attr = "div", atom.Div, nil
	case atom.Input:
		t := strings.ToLower(htmlAttr(n, "type"))
		if t == "checkbox" || t == "radio" {
			mark := "☐ "
			for _, a := range n.Attr {
				if strings.EqualFold(a.Key, "checked") {
					mark = "☒ "
				}
			}
			n.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: mark}, n)
			removeNode(n)
		}
	case atom.Table:
		flattenTable(n)
	case atom.Ol:
		numberList(n)
	}
}

// numberList writes the numbers of an ordered list into its items ("1. …"),
// as the questions of a reply written as a Word list are numbered.
func numberList(n *html.Node) {
	i := 1
	if v := htmlAttr(n, "start"); v != "" {
		k := 0
		for _, c := range v {
			if c < '0' || c > '9' || k > 1000 {
				k = -1
				break
			}
			k = k*10 + int(c-'0')
		}
		if k > 0 {
			i = k
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Li {
			continue
		}
		num := strconv.Itoa(i) + ". "
		i++
		if t := firstText(c); t != nil {
			t.Data = num + strings.TrimLeft(t.Data, " \t\r\n")
		} else {
			c.InsertBefore(&html.Node{Type: html.TextNode, Data: num}, c.FirstChild)
		}
		c.Data, c.DataAtom, c.Attr = "div", atom.Div, nil
	}
	n.Data, n.DataAtom, n.Attr = "div", atom.Div, nil
}

// firstText returns the first text node under n that is not only spaces.
func firstText(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return c
		}
		if t := firstText(c); t != nil {
			return t
		}
	}
	return nil
}

func removeNode(n *html.Node) {
	if n.Parent != nil {
		n.Parent.RemoveChild(n)
	}
}

// unwrapNode puts n's children in its place.
func unwrapNode(n *html.Node) {
	p := n.Parent
	if p == nil {
		return
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		p.InsertBefore(c, n)
		c = next
	}
	p.RemoveChild(n)
}

func htmlAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func isHiddenElement(n *html.Node) bool {
	st := strings.ToLower(strings.ReplaceAll(htmlAttr(n, "style"), " ", ""))
	return strings.Contains(st, "display:none") || strings.Contains(st, "mso-hide:all")
}

func hasElement(n *html.Node, a atom.Atom) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == a || hasElement(c, a)) {
			return true
		}
	}
	return false
}

// nodeText is the text of n's subtree, as written.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// wingdings replaces the Wingdings letters that Word uses for check boxes
// with the Unicode boxes.
func wingdings(n *html.Node) {
	m := map[rune]string{'x': "☒", 'ý': "☒", 'þ': "☑", 'ü': "✓", '¨': "☐", 'o': "☐", 'q': "☐", 'n': "■"}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			t := strings.TrimSpace(n.Data)
			if r, size := utf8.DecodeRuneInString(t); size == len(t) && size > 0 {
				if s, ok := m[r]; ok {
					n.Data = s + " "
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
}

// flattenTable rewrites a table as lines: one line a row, cells set off by
// " | ", when the table has two columns or more and short cells; otherwise
// (a layout table, one column, long cells) one block a cell.
func flattenTable(t *html.Node) {
	var rows [][]*html.Node
	var walk func(*html.Node)
	nested := false
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Tr:
				var cells []*html.Node
				for d := c.FirstChild; d != nil; d = d.NextSibling {
					if d.Type == html.ElementNode && (d.DataAtom == atom.Td || d.DataAtom == atom.Th) {
						cells = append(cells, d)
					}
				}
				rows = append(rows, cells)
			case atom.Thead, atom.Tbody, atom.Tfoot:
				walk(c)
			case atom.Table:
				nested = true
			}
		}
	}
	walk(t)
	texts := make([][]string, len(rows))
	wide, long := 0, false
	for i, cells := range rows {
		nonEmpty := 0
		for _, c := range cells {
			if hasElement(c, atom.Table) {
				nested = true
			}
			s, err := html2text.FromHTMLNode(c, html2text.Options{OmitLinks: true})
			if err != nil {
				s = nodeText(c)
			}
			if strings.Count(s, "\n") > 12 {
				long = true
			}
			s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
			texts[i] = append(texts[i], s)
			if s != "" {
				nonEmpty++
			}
		}
		if nonEmpty >= 2 {
			wide++
		}
	}
	div := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	if wide == 0 || nested || long {
		// Layout: each cell a block, in order.
		for _, cells := range rows {
			for _, c := range cells {
				c.Parent.RemoveChild(c)
				c.Data, c.DataAtom, c.Attr = "div", atom.Div, nil
				div.AppendChild(c)
			}
		}
	} else {
		for _, cells := range texts {
			// Drop empty cells at the end of the row, keep the others so that
			// an empty answer cell stays empty.
			for len(cells) > 0 && cells[len(cells)-1] == "" {
				cells = cells[:len(cells)-1]
			}
			for len(cells) > 0 && cells[0] == "" {
				cells = cells[1:]
			}
			if len(cells) == 0 {
				continue
			}
			line := cells[0]
			if len(cells) > 1 {
				line = "| " + strings.Join(cells, " | ") + " |"
			}
			row := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
			row.AppendChild(&html.Node{Type: html.TextNode, Data: line})
			div.AppendChild(row)
		}
	}
	if t.Parent != nil {
		t.Parent.InsertBefore(div, t)
		t.Parent.RemoveChild(t)
	}
}
