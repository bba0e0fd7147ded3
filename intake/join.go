package intake

// This file recognises a wish to join the Alliance written as a letter
// ("we would like our city to participate in the Alliance", "la Commune
// souhaite adhérer à l'Alliance", a letter of intent) and reads who asks:
// the authority, its country, and the contact person the letter names, or
// else the person who signs it.

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// joinPhrases say "we wish to join" on their own (simplified).
var joinPhrases = []string{
	"letter of intent", "expression of interest", "apply for membership", "application for membership",
	"become a member of the alliance", "become members of the alliance", "join the alliance", "join the european alliance",
	"joining the alliance", "joining the european alliance", "membership of the alliance", "membership in the alliance",
	"lettre d intention", "demande d adhesion", "adhesion a l alliance", "adherer a l alliance",
	"rejoindre l alliance", "devenir membre de l alliance", "faire partie de l alliance",
	"absichtserklarung", "beitritt zur allianz", "der allianz beitreten", "der europaischen allianz beitreten",
	"mitglied der allianz", "lettera di intenti", "aderire all alleanza", "adesione all alleanza",
	"carta de intencion", "adherirse a la alianza", "unirse a la alianza", "adhesion a la alianza",
	"formar parte de la alianza", "scrisoare de intentie", "aderarea la alianta", "adera la alianta",
	"alatura aliantei", "szandeknyilatkozat", "csatlakozni a szovetseghez", "list intencyjny",
	"przystapic do sojuszu", "przystapienie do sojuszu", "dolaczyc do sojuszu", "pripojit se k alianci",
	"vstoupit do aliance", "pripojit sa k aliancii", "pismo o namjerama", "pismo o namerama",
	"pridruziti se savezu", "pristupiti savezu", "pridruziti se alijansi", "pristupiti alijansi",
	"carta de intencao", "aderir a alianca", "intentieverklaring", "toetreden tot de alliantie",
}

// Words for the Alliance, and verbs of joining (simplified prefixes).
var (
	allianceWords = []string{"alliance", "allianz", "alleanza", "alianza", "alianta", "aliantei", "sojusz", "sojuszu",
		"szovetseg", "aliance", "alianci", "aliancia", "aliancii", "savez", "savezu", "alijans", "alianca", "alliantie",
		"aliance", "savezom", "συμμαχια", "алианс", "алијанс", "альянс"}
	joinVerbs = []string{"join", "participat", "member", "adher", "adhes", "rejoindre", "particip", "beitr", "teilnehm",
		"teilnahm", "mitglied", "aderi", "adesion", "partecip", "membr", "unir", "unirse", "formar parte", "aderar",
		"adera", "alatur", "csatlakoz", "reszt", "przystap", "dolacz", "udzial", "pripoj", "vstoup", "vstup", "clen",
		"pristup", "pridruz", "prikljuc", "ucestv", "ucesc", "sudjelov", "toetred", "deelnem", "lid word", "take part",
		"be part", "faire partie", "prendre part", "join us", "присъедин", "присоедин", "приступ", "придруж", "учеств",
		"участ", "член", "συμμετοχ", "συμμετεχ", "προσχωρ", "katil", "uye", "anetar", "bashk"}
	// Events of the Alliance: attending them is not joining it.
	eventWords = []string{"summit", "sommet", "gipfel", "vertice", "cumbre", "conference", "meeting", "reunion", "event",
		"workshop", "seminar", "visit", "webinar", "training", "session", "forum", "congress", "congres"}
	wishWords = []string{"would like", "wish", "want", "intend", "hereby", "souhait", "desir", "voudr", "aimerions",
		"mochten", "wunsch", "mocht", "gerne", "vorremmo", "desider", "intenzion", "quisiera", "queremos", "deseamos",
		"desea", "doresc", "dorim", "dorinta", "szeretn", "chcemy", "chcielibysmy", "pragn", "chceme", "chteli",
		"chtěli", "zelimo", "zeli", "zelj", "gostariamos", "pretend", "willen", "graag", "interest", "interes",
		"honour", "honneur", "ehre", "onore", "honor", "onoare", "apply", "candidat", "request", "demande", "ask",
		"kivan", "szandek", "rado", "rada", "radi", "bychom", "chce", "chcia", "желае", "желаем", "иска", "искаме",
		"бихме", "желимо", "жели", "хочет", "хотим", "επιθυμ", "θελ", "istiyor", "isteriz", "deshir", "deshiron"}
)

// findJoinRequest returns what a letter asking to join the Alliance says,
// or nil when m is not one. Only the sender's own text counts: the
// Alliance's invitation quoted below a reply is not a wish to join.
func findJoinRequest(m *message) *JoinRequest {
	if m == nil || m.env == nil {
		return nil
	}
	text := m.text
	if strings.TrimSpace(text) == "" && m.html != "" {
		text = m.htmlText()
	}
	if len(text) > 1<<20 {
		text = text[:1<<20]
	}
	own := joinOwnLines(m.lines(text))
	body := strings.Join(own, "\n")
	if !wantsToJoin(m.env.Subject + "\n" + body) {
		return nil
	}
	j := &JoinRequest{}
	if a := findAuthority(own); a != "" {
		j.AuthorityName = &a
	}
	name, function, email := findContact(body)
	signer, signerFunction := findSigner(own)
	if name == "" {
		name, function = signer, signerFunction
	}
	if name != "" {
		j.ContactName = &name
	}
	if function != "" {
		j.ContactFunction = &function
	}
	if email == "" {
		email = strings.ToLower(m.env.From)
		if !strings.Contains(email, "@") {
			email = parseEmail(m.env.From)
		}
	}
	if email != "" {
		j.ContactEmail = &email
	}
	if c := findJoinCountry(own, j, m.env.From); c != "" {
		j.Country = &c
	}
	return j
}

// joinOwnLines returns the lines the sender wrote: unquoted, and not inside
// a quoted or forwarded message from the Alliance itself.
func joinOwnLines(lines []tline) []string {
	var out []string
	skip := false
	for i, l := range lines {
		if l.depth > 0 {
			continue
		}
		if l.kind == lineReply {
			// A header block: is it the Alliance's own mail?
			block := ""
			for j := i; j < len(lines) && j < i+6; j++ {
				block += " " + strings.ToLower(lines[j].text)
			}
			skip = strings.Contains(block, "coe.int") || strings.Contains(block, "alliance for roma") ||
				strings.Contains(block, "alliance europ") || strings.Contains(block, "roma.summit")
			continue
		}
		if skip || l.kind == lineDisclaim {
			continue
		}
		out = append(out, l.text)
	}
	return out
}

// wantsToJoin says whether s asks to join: a phrase that says it, or a verb
// of joining with a word for the Alliance a few words after it, not an
// event of the Alliance, in a sentence that wishes or announces it.
func wantsToJoin(s string) bool {
	jw := joinWordLists()
	k := " " + simplify(s) + " "
	// The questionnaire's own question is no wish: "Is your authority
	// interested in joining the Alliance?"
	if jw.questionSet.foundIn(k) {
		// (Without one of them in k, no replacing makes one.)
		for _, l := range jw.question {
			k = strings.ReplaceAll(k, l, " ")
		}
	}
	present := make([]bool, len(jw.phrases))
	jw.phraseSet.mark(k, present)
	for pi, p := range jw.phrases {
		if !present[pi] {
			continue
		}
		i := strings.Index(k, p)
		// "… invites local and regional authorities to join the Alliance"
		// is the invitation, quoted or forwarded; a wish is ours.
		before := strings.Fields(k[:i])
		from := max(0, len(before)-12)
		ctx := " " + strings.Join(before[from:], " ") + " "
		if strings.Contains(ctx, " invit") || strings.Contains(ctx, " how ") || strings.Contains(ctx, " comment ") {
			continue
		}
		return true
	}
	words := strings.Fields(k)
	for i := range words {
		if !jw.isVerb(words, i) {
			continue
		}
		// The Alliance within twelve words after the verb (its full name is
		// long), no event between.
		for j := i + 1; j < len(words) && j <= i+12; j++ {
			if hasPrefixAny(words[j], eventWords) {
				break
			}
			if hasPrefixAny(words[j], allianceWords) {
				// A wish or an announcement in the twenty words before, or
				// just after ("csatlakozni kíván": wishes to join).
				from := max(0, i-20)
				ctx := strings.Join(words[from:min(len(words), i+4)], " ")
				if strings.Contains(ctx, "invit") {
					break
				}
				for _, ww := range wishWords {
					if strings.Contains(ctx, ww) {
						return true
					}
				}
			}
		}
	}
	return false
}

// joinWords are the word lists of wantsToJoin, prepared.
type joinWords struct {
	question    []string // enfrLabels[10], between spaces
	questionSet *litSet  // finds them
	phrases     []string // joinPhrases, between spaces
	phraseSet   *litSet  // finds phrases (owner: the index)
	// verbs are the one-word joinVerbs by their first byte; spaced are
	// the others by their first word.
	verbs  [256][]string
	spaced map[string][]string
}

var joinWordLists = sync.OnceValue(func() *joinWords {
	jw := &joinWords{spaced: make(map[string][]string)}
	for _, l := range enfrLabels[10] {
		jw.question = append(jw.question, " "+l+" ")
	}
	jw.questionSet = newLitSet([][]string{jw.question})
	var lists [][]string
	for _, p := range joinPhrases {
		jw.phrases = append(jw.phrases, " "+p+" ")
		lists = append(lists, []string{" " + p + " "})
	}
	jw.phraseSet = newLitSet(lists)
	for _, v := range joinVerbs {
		if first, _, spaced := strings.Cut(v, " "); spaced {
			jw.spaced[first] = append(jw.spaced[first], v)
		} else if v != "" {
			jw.verbs[v[0]] = append(jw.verbs[v[0]], v)
		}
	}
	return jw
})

// isVerb says whether words[i] is a verb of joining: it starts with one of
// joinVerbs, or it and the words after it start with one of several words
// ("take part").
func (jw *joinWords) isVerb(words []string, i int) bool {
	w := words[i]
	if w == "" {
		return false
	}
	for _, v := range jw.verbs[w[0]] {
		if strings.HasPrefix(w, v) {
			return true
		}
	}
	// The words joined start with "take part" only when the first is "take".
	for _, v := range jw.spaced[w] {
		if strings.HasPrefix(strings.Join(words[i:min(i+3, len(words))], " "), v) {
			return true
		}
	}
	return false
}

func hasPrefixAny(w string, list []string) bool {
	for _, p := range list {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// authorityNouns name the kinds of authority, as written before or after a
// name: "City of Leskovac", "Commune d'Anderlecht", "Galway County Council".
const authorityNouns = `City|Town|Municipality|Borough|County|Region|Province|District|Commune|Ville|Mairie|Métropole|Département|Gemeinde|Stadt|Landeshauptstadt|Marktgemeinde|Landkreis|Comune|Città|Regione|Provincia|Ayuntamiento|Municipio|Diputación|Concello|Ajuntament|Primăria|Primaria|Municipiul|Orașul|Oraşul|Comuna|Județul|Judetul|Gmina|Miasto|Powiat|Obec|Město|Mesto|Statutární město|Statutárne mesto|Grad|Općina|Opčina|Opština|Občina|Mestna občina|Gemeente|Município|Câmara Municipal|Δήμος|Община|Град|Општина|Bashkia|Komuna|Belediyesi|Union|Association|Kraj`

var (
	authorityBeforeRE = mustCompileLit(`(?:^|[^\p{L}])((?i:` + authorityNouns + `)(?:\s+(?:of the|of|de la|de l'|de l’|de|d'|d’|du|des|di|del|della|dei|von|da|do|dos|das|miasta|města|mesta|municipiului|orașului|grada|općine|opštine))?\s*[\p{Lu}][\p{L}'’\-.]*(?:[ -](?:[\p{Lu}][\p{L}'’\-.]*|sur|sous|de|la|le|les|am|an|der|di|del|na|nad|pod|upon|on|en|et|and|und|e|y|i)){0,5})`)
	authorityAfterRE  = mustCompileLit(`((?:[\p{Lu}][\p{L}'’\-]*\s+){1,3}(?:County Council|City Council|Borough Council|District Council|Town Council|Municipality|Self-Governing Region|Regional Council|Region|County|Municipal Council|Metropolitan Municipality|Municipal Assembly|Város Önkormányzata|Város|Önkormányzata|Önkormányzat|[Оо]бщина|[Оо]пштина|[Оо]бщина|Belediyesi|samosprávny kraj|Samosprávny kraj|kraj|Kraj))(?:[^\p{L}]|$)`)
	honorificsRE      = `(?:(?:Mr|Mrs|Ms|Miss|Dr|Mme|Mlle|M\.|Madame|Monsieur|Herr|Frau|Sig\.ra|Sig\.|Dott\.ssa|Dott\.|Dr\.ssa|Sr\.|Sra\.|D\.|Dña\.|Dl\.|Dna\.|Doamna|Domnul|Pan|Pani|Paní|Pán|Gospodin|Gospođa|Gospodja|g\.|ga\.|gđa\.|Prof\.|Mag\.a|Mag\.|Mgr\.|Ing\.|PhDr\.|JUDr\.)\.?\s+)*`
	nameRE            = `([\p{Lu}][\p{L}'’\-]+(?:[ \t]+(?:(?:van|von|de|di|da|del|der|den|la|le|du|dos|ter|zu)[ \t]+)?[\p{Lu}][\p{L}'’\-]+){1,3})`
	contactRE         = mustCompileLit(`(?i:contact person|contact|personne de contact|personne à contacter|interlocut\p{L}*|référent\p{L}*|ansprechpartner\p{L}*|kontaktperson|referente|persona di contatto|persona de contacto|persoana de contact|persoană de contact|osob\p{L}* do kontaktu|osoba kontaktowa|kontaktní osob\p{L}*|kontaktn\p{L}* osob\p{L}*|kontakt osoba|osoba za kontakt|kapcsolattartó\p{L}*|contactpersoon|pessoa de contacto|pessoa de contato|responsible person|focal point|point focal)[^\n.:]{0,60}?(?i:will be|would be|is|shall be|sera|est|ist|wird|sarà|è|será|es|va fi|este|będzie|jest|bude|je|biće|će biti|ce biti|lesz|wordt|is|:|-)\s+` + honorificsRE + nameRE)
)

// findAuthority returns the authority named in the letter, or in its
// signature.
func findAuthority(lines []string) string {
	text := strings.Join(lines, "\n")
	// "On behalf of the City of Leskovac", "la Commune d’Anderlecht souhaite".
	best, bestPos := "", -1
	for _, m := range authorityBeforeRE.FindAllStringSubmatchIndex(text, -1) {
		s := cleanAuthority(text[m[2]:m[3]])
		if s == "" || !hasNameAfterNoun(s) {
			continue
		}
		if r, size := utf8.DecodeRuneInString(s); unicode.IsLower(r) {
			// "la gemeente Utrecht", "the city of Brno" in a sentence.
			s = string(unicode.ToUpper(r)) + s[size:]
		}
		best, bestPos = s, m[2]
		break
	}
	for _, m := range authorityAfterRE.FindAllStringSubmatchIndex(text, -1) {
		s := cleanAuthority(text[m[2]:m[3]])
		if s == "" || strings.HasPrefix(s, "European") || strings.HasPrefix(s, "The ") {
			continue
		}
		if bestPos < 0 || m[2] < bestPos {
			best, bestPos = s, m[2]
		}
		break
	}
	return best
}

// hasNameAfterNoun rejects matches that are a noun and a common word: the
// name must start with a capital after the noun ("City of Leskovac").
func hasNameAfterNoun(s string) bool {
	w := strings.Fields(s)
	if len(w) < 2 {
		return false
	}
	low := strings.ToLower(s)
	for _, bad := range []string{"council of europe", "region for roma", "regions for roma", "alliance", "congress",
		"roma inclusion", "city of strasbourg", "union européenne", "european union", "union of europe"} {
		if strings.Contains(low, bad) {
			return false
		}
	}
	return true
}

// cleanAuthority trims connectors and punctuation at the ends of a name,
// and writes apostrophes as ASCII ones.
func cleanAuthority(s string) string {
	s = strings.ReplaceAll(s, "’", "'")
	s = cleanSpaces(s)
	for {
		t := strings.TrimRight(s, " .,;:-")
		w := strings.Fields(t)
		if len(w) == 0 {
			return ""
		}
		switch strings.ToLower(w[len(w)-1]) {
		case "de", "la", "le", "les", "of", "the", "and", "et", "und", "e", "y", "i", "am", "an", "der", "di", "del", "na", "sur", "sous", "on", "en", "upon":
			s = strings.Join(w[:len(w)-1], " ")
			continue
		}
		return t
	}
}

// findContact reads "our contact person will be Mr X, Function, e-mail: …".
func findContact(body string) (name, function, email string) {
	m := contactRE.FindStringSubmatchIndex(body)
	if m == nil {
		return "", "", ""
	}
	name = cleanContactName(body[m[2]:m[3]])
	rest := body[m[3]:]
	// The sentence that follows the name.
	end := sentenceEnd(rest)
	sentence := rest[:end]
	if e := parseEmail(sentence); e != "" {
		email = e
	} else if e := parseEmail(rest[:min(len(rest), end+200)]); e != "" {
		email = e
	}
	// ", Coordinator for Roma Issues, e-mail: …", ", chargée de projets au
	// service de la Cohésion sociale (n.bouzidi@…)".
	f := strings.TrimLeft(sentence, " \n")
	if strings.HasPrefix(f, ",") {
		f = strings.TrimSpace(f[1:])
		cut := len(f)
		for _, stop := range []string{",", "(", ";", " - ", " – ", "\n\n", " at ", " tel", " e-mail", " email", " phone", " téléphone", " tél"} {
			if i := strings.Index(strings.ToLower(f), stop); i >= 0 && i < cut {
				cut = i
			}
		}
		function = cleanSpaces(strings.ReplaceAll(f[:cut], "\n", " "))
		function = strings.Trim(function, " .,;:")
		if function != "" && (strings.Contains(function, "@") || utf8.RuneCountInString(function) > 120) {
			function = ""
		}
	}
	return name, function, email
}

// sentenceEnd returns where the first sentence of s ends: at a full stop
// followed by a space or a line break, except after an abbreviation ("ds.",
// "Mr."), or at a blank line.
func sentenceEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], "\n\n") || strings.HasPrefix(s[i:], "\r\n\r\n") {
			return i
		}
		if s[i] != '.' || i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '\n' && s[i+1] != '\r' {
			continue
		}
		j := i
		for j > 0 && s[j-1] != ' ' && s[j-1] != '\n' && s[j-1] != '(' {
			j--
		}
		if w := s[j:i]; utf8.RuneCountInString(w) <= 3 && w != "" && strings.ToLower(w) == w && !strings.Contains(w, "@") {
			continue // "ds.", "tel.", "nr."
		}
		return i
	}
	return len(s)
}

// findSigner reads the signature: the name after the closing ("Yours
// faithfully,", "Cordialement") and the function on the line below it.
func findSigner(lines []string) (name, function string) {
	closing := -1
	for i, l := range lines {
		k := simplify(l)
		if isClosing(k) || strings.HasPrefix(k, "je vous prie d agreer") || strings.HasPrefix(k, "veuillez agreer") {
			closing = i
		}
	}
	if closing < 0 {
		return "", ""
	}
	var block []string
	for _, l := range lines[closing+1:] {
		t := strings.TrimSpace(l)
		if t == "" {
			if len(block) > 0 {
				break
			}
			continue
		}
		block = append(block, t)
		if len(block) >= 4 {
			break
		}
	}
	if len(block) == 0 || !looksLikeName(block[0]) {
		return "", ""
	}
	name = cleanContactName(block[0])
	if len(block) > 1 && !strings.ContainsAny(block[1], "@0123456789") {
		function = strings.Trim(cleanSpaces(block[1]), " ,;")
	}
	return name, function
}

// looksLikeName says whether s is a person's name: two to five words, most
// capitalised, no digits, not an authority.
func looksLikeName(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "0123456789@:|") {
		return false
	}
	w := strings.Fields(s)
	if len(w) < 2 || len(w) > 6 {
		return false
	}
	caps := 0
	for _, x := range w {
		r, _ := utf8.DecodeRuneInString(x)
		if unicode.IsUpper(r) {
			caps++
		}
	}
	if caps < 2 {
		return false
	}
	return !authorityBeforeRE.MatchString(s) || len(w) <= 3 && !strings.Contains(strings.ToLower(s), " of ")
}

// findJoinCountry reads the country from the signature and the letter, and
// last from the sender's country-code domain (an authority's own domain
// says its country reliably; .com, .eu, .org and the like say nothing).
func findJoinCountry(lines []string, j *JoinRequest, from string) string {
	// Lines from the end: the signature's address first.
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-15; i-- {
		if c := countryInText(lines[i]); c != "" {
			return c
		}
	}
	for _, l := range lines {
		if c := countryInText(l); c != "" {
			return c
		}
	}
	for _, addr := range []string{from, ptrValue(j.ContactEmail)} {
		if c := countryOfDomain(addr); c != "" {
			return c
		}
	}
	return ""
}

func ptrValue(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// countryInText finds a country named in s by a name of two letters or
// more (never by a code, which ordinary words can look like).
func countryInText(s string) string {
	words := strings.Fields(simplify(s))
	for n := countryMaxWords; n >= 1; n-- {
		for i := 0; i+n <= len(words); i++ {
			k := strings.Join(words[i:i+n], " ")
			if c, ok := countryIndex[k]; ok && len(k) > 3 && !countryFalseFriends[k] {
				return c
			}
		}
	}
	return ""
}

// countryFalseFriends are country names that are also common words.
var countryFalseFriends = map[string]bool{"island": true, "georgia": true, "jersey": true, "brd": true, "kraj": true, "britain": false}

// countryOfDomain returns the country of a European country-code top-level
// domain ("gradleskovac.rs" → RS, "glasgow.gov.uk" → GB), "" for others.
func countryOfDomain(addr string) string {
	i := strings.LastIndexByte(addr, '.')
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	tld := strings.ToUpper(strings.TrimSpace(addr[i+1:]))
	switch tld {
	case "UK":
		return "GB"
	case "EU", "COM", "ORG", "NET", "INT", "GOV", "EDU", "INFO", "BIZ", "EXAMPLE":
		return ""
	case "CAT", "EUS", "GAL":
		return "ES"
	case "BZH", "CORSICA", "ALSACE", "PARIS":
		return "FR"
	case "BAYERN", "BERLIN", "HAMBURG", "KOELN", "NRW", "SAARLAND", "RUHR":
		return "DE"
	case "WALES", "SCOT", "LONDON", "CYMRU":
		return "GB"
	case "BRUSSELS", "VLAANDEREN", "GENT":
		return "BE"
	case "WIEN", "TIROL":
		return "AT"
	case "AMSTERDAM", "FRL":
		return "NL"
	}
	if len(tld) != 2 {
		return ""
	}
	if _, ok := countryNames[tld]; ok {
		switch tld {
		case "US", "CA", "JP", "MX", "IL":
			return ""
		}
		return tld
	}
	return ""
}
