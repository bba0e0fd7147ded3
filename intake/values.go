package intake

// This file turns the answers to single questions into the values of
// questionnaire.md: countries, numbers and ranges, addresses, yes/no, and the
// option codes of the questions with codes. Each helper takes the text of one
// answer as written, in any of the languages of the Council of Europe's
// member states, and says whether the text answers the question at all: an
// answer such as "unknown" or "n/a" is an answer whose value is null.

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldText lower-cases s and removes its accents and other marks, so that
// "Éducation", "education" and "EDUCATION" compare equal. Letters without a
// decomposition are spelled out (ß → ss, ł → l, đ → d, ø → o, æ → ae,
// œ → oe, ı → i); typographic apostrophes and dashes become ASCII ones, and
// every kind of space becomes a plain space.
func foldText(s string) string {
	if isASCII(s) {
		return foldASCII(s)
	}
	return foldUnicode(s)
}

// foldUnicode is foldText for any s. It folds rune by rune, each with the
// result of foldDecomposed on it alone, unless the text's decomposition
// could reorder marks across runes (a rune whose decomposition starts with
// a combining mark) or the text is not valid UTF-8.
func foldUnicode(s string) string {
	if !utf8.ValidString(s) {
		return foldDecomposed(s)
	}
	table := foldTable()
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(asciiFold[r])
		case int(r) < len(table):
			f := &table[r]
			if f.mark {
				return foldDecomposed(s)
			}
			b.WriteString(f.s)
		case norm.NFD.PropertiesString(s[i:]).LeadCCC() != 0:
			return foldDecomposed(s)
		default:
			b.WriteString(foldDecomposed(string(r)))
		}
	}
	return b.String()
}

// foldedRune is foldDecomposed of one rune, and whether the rune's
// decomposition starts with a combining mark.
type foldedRune struct {
	s    string
	mark bool
}

// foldTable holds foldedRune of the runes up to the end of the general
// punctuation block: Latin, Greek, Cyrillic, the typographic quotes,
// dashes and spaces.
var foldTable = sync.OnceValue(func() *[0x2070]foldedRune {
	var t [0x2070]foldedRune
	for r := range rune(len(t)) {
		s := string(r)
		t[r] = foldedRune{s: foldDecomposed(s), mark: norm.NFD.PropertiesString(s).LeadCCC() != 0}
	}
	return &t
})

// foldDecomposed is foldText for any s, on the canonical decomposition of
// all of it.
func foldDecomposed(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ß':
			b.WriteString("ss")
			continue
		case 'ł', 'Ł':
			r = 'l'
		case 'đ', 'Đ':
			r = 'd'
		case 'ø', 'Ø':
			r = 'o'
		case 'æ', 'Æ':
			b.WriteString("ae")
			continue
		case 'œ', 'Œ':
			b.WriteString("oe")
			continue
		case 'ı':
			r = 'i'
		case 'ħ':
			r = 'h'
		case '’', '‘', '`', '´', 'ʼ', '′':
			r = '\''
		case '–', '—', '‒', '−', '‐', '‑':
			r = '-'
		case '“', '”', '„', '«', '»':
			r = '"'
		}
		if isSpaceRune(r) {
			r = ' '
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// foldASCII is foldText for ASCII s, which has no marks to remove: it
// lower-cases, writes the back-quote as an apostrophe and every space as a
// plain one. It returns s itself when nothing changes.
func foldASCII(s string) string {
	i := 0
	for i < len(s) && asciiFold[s[i]] == s[i] {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		b.WriteByte(asciiFold[s[i]])
	}
	return b.String()
}

// foldByte is foldText for one ASCII character.
func foldByte(c byte) byte { return asciiFold[c] }

// asciiFold maps each ASCII character to foldText of it (the others to
// themselves), and asciiAlnum says which are letters or digits.
var asciiFold, asciiAlnum = func() (fold [256]byte, alnum [256]bool) {
	for i := range fold {
		c := byte(i)
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '`':
			c = '\''
		case c == ' ' || c >= '\t' && c <= '\r':
			c = ' '
		}
		fold[i] = c
		alnum[i] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	return fold, alnum
}()

// isSpaceRune reports the spaces that mail writes between digits and words:
// the ASCII ones, no-break, narrow no-break, thin, figure and ideographic
// spaces, and zero-width ones.
func isSpaceRune(r rune) bool {
	switch r {
	case '\u00a0', '\u202f', '\u2009', '\u2007', '\u2008', '\u200a', '\u2002', '\u2003', '\u3000', '\u205f':
		return true
	}
	return unicode.IsSpace(r)
}

// simplify folds s and turns every run of characters that are neither
// letters nor digits into one space: "Type de collectivité :" → "type de
// collectivite". It is the form in which labels and names are compared.
func simplify(s string) string {
	if isASCII(s) {
		return simplifyRawASCII(s)
	}
	return simplifyFolded(foldText(s))
}

// simplifyRawASCII is simplify for ASCII s: foldASCII and simplifyASCII in
// one pass, with one copy at most. It returns s itself when nothing changes.
func simplifyRawASCII(s string) string {
	// Most of s is often simple already: lower-case letters and digits, one
	// space between words.
	i := 0
	for i < len(s) {
		c := s[i]
		if asciiAlnum[c] && asciiFold[c] == c || c == ' ' && i > 0 && i+1 < len(s) && asciiAlnum[s[i-1]] && asciiAlnum[s[i+1]] {
			i++
			continue
		}
		break
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	space := i == 0 // no space at the start
	for ; i < len(s); i++ {
		if c := asciiFold[s[i]]; asciiAlnum[c] {
			b.WriteByte(c)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// simplifyFolded is simplify for f, folded by foldText.
func simplifyFolded(f string) string {
	if isASCII(f) {
		return simplifyASCII(f)
	}
	return simplifyUnicode(f)
}

// simplifyUnicode is simplifyFolded for any f.
func simplifyUnicode(f string) string {
	var b strings.Builder
	b.Grow(len(f))
	space := true
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// simplifyASCII is simplify for a folded ASCII f: letters and digits kept,
// every other run one space, none at the ends. It returns f itself when
// nothing changes. Folding folded text changes nothing, so it is
// simplifyRawASCII.
func simplifyASCII(f string) string { return simplifyRawASCII(f) }

// isAlnumByte says whether the ASCII character c is a letter or a digit.
func isAlnumByte(c byte) bool { return asciiAlnum[c] }

// cleanSpaces replaces every kind of space by a plain one, drops zero-width
// characters and collapses runs of spaces.
func cleanSpaces(s string) string {
	if spacesClean(s) {
		return s
	}
	return cleanSpacesCopy(s)
}

// cleanSpacesCopy is cleanSpaces, writing a new string.
func cleanSpacesCopy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\ufeff', '\u00ad':
			continue
		}
		if isSpaceRune(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// spacesClean says whether cleanSpaces(s) is s: valid UTF-8 with no space
// but single plain ones between other characters, and no zero-width
// character. Most lines of mail are.
func spacesClean(s string) bool {
	space := true // a space at the start is trimmed
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if space {
					return false
				}
				space = true
			case c >= '\t' && c <= '\r':
				return false
			default:
				space = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case utf8.RuneError, '\u200b', '\u200c', '\u200d', '\ufeff', '\u00ad':
			return false
		}
		if isSpaceRune(r) {
			return false
		}
		space = false
		i += size
	}
	return !space || s == ""
}

// Answers that say the authority does not know or that the question does
// not apply, in simplified form. They answer the question with a null value.
var unknownAnswers = []string{
	"unknown", "not known", "n a", "na", "n d", "nd", "not applicable", "not available", "no data", "none available",
	"no information", "no reliable data", "no figures", "no estimate", "no official data", "not yet known", "dont know",
	"do not know", "we do not know", "cannot be estimated", "can not be estimated", "no statistics", "tbd",
	"inconnu", "inconnue", "non connu", "non connue", "pas connu", "pas de donnees", "pas de donnee",
	"pas de chiffres", "pas de chiffre", "non disponible", "sans objet", "s o", "ne sait pas", "non communique",
	"nous ne disposons pas", "aucune donnee", "aucune estimation", "nicht bekannt", "unbekannt", "keine angaben",
	"keine daten", "k a", "keine zahlen", "nicht verfugbar", "sconosciuto", "non noto", "non disponibile",
	"non conosciuto", "dato non disponibile", "nessun dato", "desconocido", "no disponible", "sin datos", "no se sabe",
	"no consta", "necunoscut", "necunoscuta", "nu se cunoaste", "nu se stie", "nu exista date", "nu avem date",
	"nincs adat", "nem ismert", "ismeretlen", "nincs adatunk", "brak danych", "nieznana", "nieznane", "nie wiadomo",
	"nieznany", "neznamy", "nezname", "neni znamo", "nie je zname", "nemame udaje", "nepoznato", "nepoznat",
	"nema podataka", "nije poznato", "ni podatkov", "neznano", "desconhecido", "sem dados", "nao disponivel",
	"onbekend", "niet bekend", "geen gegevens", "неизвестно", "няма данни", "нема података", "непознато", "невідомо",
	"нет данных", "αγνωστο", "δεν υπαρχουν στοιχεια", "bilinmiyor", "e panjohur", "nuk dihet", "ei tiedossa", "okand",
	"ukendt", "ukjent",
}

// unknownByFirst holds unknownAnswers by their first byte.
var unknownByFirst = sync.OnceValue(func() *[256][]string {
	var by [256][]string
	for _, u := range unknownAnswers {
		by[u[0]] = append(by[u[0]], u)
	}
	return &by
})

// Answers that leave a question blank: a template's placeholders.
var blankAnswers = map[string]bool{
	"": true, "...": true, "…": true, "___": true, "tbc": true, "to be completed": true, "a completer": true,
	"to be confirmed": true, "see below": true, "see above": true, "voir ci-dessous": true, "voir ci-dessus": true,
	"see attachment": true, "see attached": true, "voir piece jointe": true, "cf. piece jointe": true,
}

// isUnknown says whether s says "unknown", "n/a", "not applicable" or the like
// (alone or at the start, as in "unknown (no census data)"), or is only a dash
// or a question mark.
func isUnknown(s string) bool {
	return unknownFolded(foldText(s))
}

// unknownFolded is isUnknown for f, folded by foldText.
func unknownFolded(f string) bool {
	return unknownKey(f, simplifyFolded(f))
}

// unknownKey is isUnknown for f, folded by foldText, and k, simplified from
// f by simplifyFolded.
func unknownKey(f, k string) bool {
	switch strings.Trim(strings.TrimSpace(f), " .") {
	case "-", "--", "/", "?", "x", "n/a", "n.a.", "n/d", "k.a.", "s.o.", "-/-":
		return true
	}
	if k == "" {
		return false
	}
	// Only the answers that start with k's first byte may start k.
	for _, u := range unknownByFirst()[k[0]] {
		if hasPhrase(k, u) {
			// "na" and "nd" only alone: "na 20" is not a thing.
			if len(u) <= 3 && k != u && !strings.Contains(u, " ") {
				continue
			}
			return true
		}
	}
	return false
}

// isBlank says whether s leaves the question unanswered: empty, only
// punctuation, or a template placeholder.
func isBlank(s string) bool {
	return blankFolded(foldText(s))
}

// blankFolded is isBlank for f, folded by foldText.
func blankFolded(f string) bool {
	t := strings.TrimSpace(f)
	if blankAnswers[strings.Trim(t, " :")] {
		return true
	}
	// A template's hint: "(name)", "[number of inhabitants]", "<e-mail>".
	if len(t) >= 2 && strings.ContainsRune("([<", rune(t[0])) && strings.ContainsRune(")]>", rune(t[len(t)-1])) &&
		!strings.ContainsAny(t[1:len(t)-1], "()[]<>@0123456789") && countFields(t) <= 6 {
		inner := strings.TrimSpace(t[1 : len(t)-1])
		if inner != "x" && inner != "" && inner != "*" && inner != "v" {
			return true
		}
	}
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '?' || r == '-' || r == '/' || r == '☒' || r == '☑' || r == '✔' || r == '✓' {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Countries

// countryNames lists, for each ISO 3166-1 code, its alpha-3 code(s) and its
// names in the languages of Europe. Codes (two or three letters) match only
// a whole answer; names match anywhere.
var countryNames = map[string]string{
	"AL": "ALB|albania|albanie|albanien|albania|albania|albanië|albanie|albánie|albánsko|albanija|албанија|албания|albánia|αλβανία|arnavutluk|албанія|shqiperia|shqiperi|shqipëria|shqipëri|republic of albania",
	"AD": "AND|andorra|andorre|andora|андора|андорра|ανδόρρα|principality of andorra",
	"AM": "ARM|armenia|arménie|armenien|arménia|armenië|arménie|arménsko|armenija|јерменија|jermenija|örményország|армения|αρμενία|ermenistan|вірменія|ерменија|hayastan|հայաստան",
	"AT": "AUT|austria|autriche|österreich|oesterreich|áustria|oostenrijk|rakousko|rakúsko|avstrija|austrija|аустрија|ausztria|австрия|αυστρία|avusturya|австрія|австрија|republik österreich",
	"AZ": "AZE|azerbaijan|azerbaïdjan|aserbaidschan|azerbaigian|azerbaiyán|azerbaijão|azerbeidzjan|azerbejdżan|ázerbájdžán|azerbajdžan|азербејџан|azerbejdžan|azerbaidjan|azerbajdzsán|азербайджан|αζερμπαϊτζάν|azerbaycan|azerbajxhan",
	"BE": "BEL|belgium|belgique|belgien|belgio|bélgica|belgië|belgie|belgia|belgicko|belgija|белгија|белгия|βέλγιο|belçika|бельгія|бельгия|belgjika|kingdom of belgium|royaume de belgique",
	"BA": "BIH|bosnia and herzegovina|bosnia & herzegovina|bosnia herzegovina|bosnia|bosnie-herzégovine|bosnie herzegovine|bosnie|bosnien und herzegowina|bosnien-herzegowina|bosnien|bosnia ed erzegovina|bosnia erzegovina|bosnia y herzegovina|bósnia e herzegovina|bósnia-herzegovina|bosnië en herzegovina|bosnië-herzegovina|bośnia i hercegowina|bosna a hercegovina|bosna i hercegovina|bosna in hercegovina|босна и херцеговина|bosnia și herțegovina|bosnia si hertegovina|bosznia-hercegovina|bosznia és hercegovina|βοσνία-ερζεγοβίνη|βοσνία και ερζεγοβίνη|bosna-hersek|боснія і герцеговина|босния и герцеговина|bosnjë-hercegovina|bosnja dhe hercegovina|bosna dhe hercegovina",
	"BG": "BGR|bulgaria|bulgarie|bulgarien|bulgária|bulgarije|bułgaria|bulharsko|bolgarija|bugarska|бугарска|българия|βουλγαρία|bulgaristan|болгарія|болгария|bullgaria|бугарија|republic of bulgaria",
	"HR": "HRV|croatia|croatie|kroatien|croazia|croacia|croácia|kroatië|chorwacja|chorvatsko|chorvátsko|hrvaška|hrvatska|хрватска|croația|croatia|horvátország|хърватия|κροατία|hırvatistan|хорватія|хорватия|kroacia|republic of croatia|republika hrvatska",
	"CY": "CYP|cyprus|chypre|zypern|cipro|chipre|cypr|kypr|ciper|cyprus|kipar|кипар|cipru|ciprus|кипър|κύπρος|kıbrıs|кіпр|кипр|qipro|qiproja",
	"CZ": "CZE|czech republic|czechia|the czech republic|république tchèque|tchéquie|tschechien|tschechische republik|repubblica ceca|cechia|república checa|chequia|república tcheca|chéquia|tchéquia|tsjechië|tsjechische republiek|czechy|republika czeska|česká republika|česko|češka|češka republika|чешка|чешка република|cehia|republica cehă|republica ceha|csehország|cseh köztársaság|чехия|τσεχία|τσεχική δημοκρατία|çekya|çek cumhuriyeti|чехія|çekia|republika çeke",
	"DK": "DNK|denmark|danemark|dänemark|danimarca|dinamarca|denemarken|dania|dánsko|danska|данска|danemarca|dánia|дания|δανία|danimarka|данія|danmark",
	"EE": "EST|estonia|estonie|estland|estónia|estonsko|estónsko|estonija|естонија|észtország|естония|εσθονία|estonya|естонія|эстония|eesti",
	"FI": "FIN|finland|finlande|finnland|finlandia|finlândia|finsko|fínsko|finska|финска|finlanda|finnország|финландия|φινλανδία|finlandiya|фінляндія|финляндия|suomi",
	"FR": "FRA|france|frankreich|francia|frança|frankrijk|francja|francie|francúzsko|francija|француска|franța|franta|franciaország|франция|γαλλία|fransa|франція|franca|франција|république française|french republic",
	"GE": "GEO|georgia|géorgie|georgien|geórgia|georgië|gruzja|gruzie|gruzínsko|gruzija|грузија|grúzia|грузия|γεωργία|gürcistan|грузія|gjeorgjia|sakartvelo|საქართველო",
	"DE": "DEU|germany|allemagne|deutschland|germania|alemania|alemanha|duitsland|niemcy|německo|nemecko|nemčija|njemačka|немачка|nemačka|németország|германия|γερμανία|almanya|німеччина|gjermania|германија|bundesrepublik deutschland|federal republic of germany|république fédérale d'allemagne|brd",
	"GR": "GRC|EL|greece|grèce|griechenland|grecia|grécia|griekenland|grecja|řecko|grécko|grčija|grčka|грчка|görögország|гърция|ελλάδα|ελλάς|yunanistan|греція|греция|greqia|грција|hellas|hellenic republic",
	"HU": "HUN|hungary|hongrie|ungarn|ungheria|hungría|hungria|hongarije|węgry|maďarsko|madžarska|mađarska|мађарска|madjarska|ungaria|magyarország|унгария|ουγγαρία|macaristan|угорщина|венгрия|hungaria|унгарија",
	"IS": "ISL|iceland|islande|island|islanda|islandia|islândia|ijsland|islandija|исланд|izland|исландия|ισλανδία|izlanda|ісландія|ísland",
	"IE": "IRL|ireland|irlande|irland|irlanda|ierland|irlandia|irsko|írsko|irska|ирска|írország|ирландия|ιρλανδία|ірландія|éire|eire|republic of ireland",
	"IT": "ITA|italy|italie|italien|italia|itália|italië|włochy|itálie|taliansko|italija|италија|olaszország|италия|ιταλία|italya|італія|repubblica italiana",
	"LV": "LVA|latvia|lettonie|lettland|lettonia|letonia|letónia|letland|łotwa|lotyšsko|latvija|летонија|letonija|lettország|латвия|λετονία|letonya|латвія|латвија",
	"LI": "LIE|liechtenstein|lihtenštajn|lichtenštejnsko|lichtenštajnsko|лихтенштајн|lichtenstein|лихтенщайн|λιχτενστάιν|lihtenştayn|ліхтенштейн|лихтенштейн|lihtenshtajn",
	"LT": "LTU|lithuania|lituanie|litauen|lituania|lituânia|litouwen|litwa|litva|литванија|litvanija|litvánia|литва|λιθουανία|litvanya",
	"LU": "LUX|luxembourg|luxemburg|lussemburgo|luxemburgo|luksemburg|lucembursko|luxembursko|луксембург|люксембург|λουξεμβούργο|lüksemburg|luksemburgu|grand-duché de luxembourg|grand duchy of luxembourg",
	"MT": "MLT|malta|malte|мальта|малта|μάλτα",
	"MD": "MDA|moldova|republic of moldova|the republic of moldova|moldavie|république de moldavie|république de moldova|moldau|republik moldau|moldawien|moldavia|repubblica di moldavia|repubblica moldova|república de moldavia|república de moldova|moldávia|república da moldávia|moldavië|republiek moldavië|mołdawia|republika mołdawii|moldavsko|moldavija|молдавија|republica moldova|moldovai köztársaság|молдова|μολδαβία|δημοκρατία της μολδαβίας|молдавия|moldavia|republika e moldavisë",
	"MC": "MCO|monaco|monako|монако|μονακό|principality of monaco|principauté de monaco",
	"ME": "MNE|montenegro|monténégro|crna gora|црна гора|czarnogóra|černá hora|čierna hora|črna gora|muntenegru|montenegró|черна гора|μαυροβούνιο|karadağ|чорногорія|черногория|mali i zi",
	"NL": "NLD|netherlands|the netherlands|holland|pays-bas|pays bas|niederlande|paesi bassi|olanda|países bajos|holanda|países baixos|nederland|holandia|niderlandy|nizozemsko|holandsko|nizozemska|холандија|holandija|țările de jos|tarile de jos|hollandia|нидерландия|холандия|ολλανδία|κάτω χώρες|hollanda|нідерланди|нидерланды|kingdom of the netherlands",
	"MK": "MKD|north macedonia|republic of north macedonia|macedonia|fyrom|former yugoslav republic of macedonia|the former yugoslav republic of macedonia|macédoine du nord|république de macédoine du nord|macédoine|ex-république yougoslave de macédoine|nordmazedonien|mazedonien|macedonia del nord|macedonia del norte|macedônia do norte|macedónia do norte|macedónia|noord-macedonië|macedonia północna|severní makedonie|severné macedónsko|severna makedonija|северна македонија|македонија|macedonia de nord|észak-macedónia|северна македония|βόρεια μακεδονία|kuzey makedonya|північна македонія|северная македония|maqedonia e veriut|maqedonia",
	"NO": "NOR|norway|norvège|norwegen|norvegia|noruega|noorwegen|norwegia|norsko|nórsko|norveška|норвешка|norvégia|норвегия|νορβηγία|norveç|норвегія|norvegjia|norge|noreg",
	"PL": "POL|poland|pologne|polen|polonia|polónia|polska|polsko|poľsko|poljska|пољска|lengyelország|полша|πολωνία|polonya|польща|польша|полска|republic of poland|rzeczpospolita polska",
	"PT": "PRT|portugal|portogallo|portugalia|portugalsko|portugalska|португалија|portugália|португалия|πορτογαλία|portekiz|португалія|república portuguesa",
	"RO": "ROU|ROM|romania|roumanie|rumänien|rumania|rumanía|roménia|romênia|roemenië|rumunia|rumunsko|romunija|rumunjska|румунија|rumunija|românia|románia|румъния|ρουμανία|romanya|румунія|румыния|романија",
	"SM": "SMR|san marino|saint-marin|saint marin|сан марино|σαν μαρίνο|republic of san marino",
	"RS": "SRB|serbia|serbie|serbien|sérvia|servië|srbsko|srbija|србија|szerbia|сърбия|σερβία|sırbistan|сербія|сербия|republic of serbia|republika srbija|република србија",
	"SK": "SVK|slovakia|slovak republic|the slovak republic|slovaquie|république slovaque|slowakei|slowakische republik|slovacchia|repubblica slovacca|eslovaquia|república eslovaca|eslováquia|slowakije|słowacja|slovensko|slovenská republika|slovaška|slovačka|словачка|slovacia|szlovákia|словакия|σλοβακία|slovakya|словаччина|sllovakia|slovak",
	"SI": "SVN|slovenia|slovénie|slowenien|eslovenia|eslovénia|slovenië|słowenia|slovinsko|slovenija|словенија|szlovénia|словения|σλοβενία|slovenya|словенія|sllovenia|republic of slovenia|republika slovenija",
	"ES": "ESP|spain|espagne|spanien|spagna|españa|espanha|spanje|hiszpania|španělsko|španielsko|španija|španjolska|шпанија|spanija|spania|spanyolország|испания|ισπανία|ispanya|іспанія|spanja|espanya|kingdom of spain|reino de españa",
	"SE": "SWE|sweden|suède|schweden|svezia|suecia|suécia|zweden|szwecja|švédsko|švedska|шведска|suedia|svédország|швеция|σουηδία|isveç|швеція|sverige",
	"CH": "CHE|switzerland|suisse|schweiz|svizzera|suiza|suíça|zwitserland|szwajcaria|švýcarsko|švajčiarsko|švica|švicarska|швајцарска|švajcarska|elveția|elvetia|svájc|швейцария|ελβετία|isviçre|швейцарія|zvicra|швајцарија|helvetia|confoederatio helvetica|svizra|swiss confederation|confédération suisse",
	"TR": "TUR|turkey|türkiye|turkiye|turquie|türkei|turchia|turquía|turquia|turkije|turcja|turecko|turčija|turska|турска|turcia|törökország|турция|τουρκία|туреччина|turqia|турција|republic of türkiye|republic of turkey",
	"UA": "UKR|ukraine|ucraina|ucrania|ucrânia|oekraïne|ukraina|ukrajina|украјина|ukrajna|украйна|ουκρανία|ukrayna|україна|украина",
	"GB": "GBR|UK|GB|united kingdom|the united kingdom|u k|great britain|britain|england|scotland|wales|northern ireland|united kingdom of great britain and northern ireland|royaume-uni|royaume uni|grande-bretagne|grande bretagne|angleterre|écosse|pays de galles|irlande du nord|vereinigtes königreich|großbritannien|grossbritannien|schottland|nordirland|regno unito|gran bretagna|inghilterra|scozia|galles|reino unido|gran bretaña|inglaterra|escocia|gales|grã-bretanha|escócia|verenigd koninkrijk|groot-brittannië|engeland|schotland|zjednoczone królestwo|wielka brytania|anglia|szkocja|spojené království|velká británie|anglie|skotsko|spojené kráľovstvo|veľká británia|anglicko|škótsko|združeno kraljestvo|velika britanija|anglija|škotska|ujedinjeno kraljevstvo|уједињено краљевство|велика британија|engleska|regatul unit|marea britanie|scoția|egyesült királyság|nagy-britannia|skócia|обединеното кралство|великобритания|англия|шотландия|ηνωμένο βασίλειο|μεγάλη βρετανία|αγγλία|σκωτία|birleşik krallık|ingiltere|büyük britanya|iskoçya|велика британія|сполучене королівство|англія|шотландія|соединённое королевство|mbretëria e bashkuar|britania e madhe|обединето кралство|cymru",
	"XK": "XKX|RKS|kosovo|kosova|kosowo|косово|koszovó|κοσσυφοπέδιο|κόσοβο|republic of kosovo|republika e kosovës",
	"BY": "BLR|belarus|biélorussie|bélarus|weißrussland|weissrussland|bielorussia|bielorrusia|belarús|bielorrússia|wit-rusland|białoruś|bělorusko|bielorusko|belorusija|bjelorusija|белорусија|bielorusia|belarusz|fehéroroszország|беларус|λευκορωσία|беларусь|білорусь|белоруссия|bjellorusia",
	"RU": "RUS|russia|russian federation|the russian federation|russie|fédération de russie|russland|russische föderation|federazione russa|rusia|federación de rusia|rússia|federação russa|rusland|rosja|rusko|rusija|русија|oroszország|русия|ρωσία|rusya|росія|россия|российская федерация|русија",
	"VA": "VAT|holy see|vatican|vatican city|saint-siège|saint siège|vatikan|heiliger stuhl|vaticano|santa sede|città del vaticano|ciudad del vaticano|vaticaanstad|watykan|vatikán|ватикан|βατικανό|vatikani",
	"KZ": "KAZ|kazakhstan|kasachstan|kazakistan|kazajistán|cazaquistão|kazachstan|kazachstán|kazahstan|казахстан|kazahsztán|καζακστάν|kazakistani",
	"IL": "ISR|israel|israël|israele|israel|izrael|израел|израиль|ισραήλ|israil",
	"CA": "CAN|canada|kanada|canadá|канада|καναδάς",
	"US": "USA|united states|united states of america|etats-unis|états-unis|vereinigte staaten|stati uniti|estados unidos|verenigde staten|stany zjednoczone|spojené státy|сша|ηπα|amerika birleşik devletleri",
	"JP": "JPN|japan|japon|giappone|japão|japonia|japonsko|јапан|япония|ιαπωνία|japonya",
	"MX": "MEX|mexico|mexique|mexiko|messico|méxico|meksyk|мексико|мексика|μεξικό|meksika",
}

// countryIndex maps simplified names to codes; countryCodes maps upper-case
// alpha-2 and alpha-3 codes (and a few customary ones: UK, EL) to alpha-2.
var countryIndex, countryCodes, countryMaxWords = func() (map[string]string, map[string]string, int) {
	names := make(map[string]string)
	codes := make(map[string]string)
	maxWords := 1
	for code, list := range countryNames {
		codes[code] = code
		for _, n := range strings.Split(list, "|") {
			if n == "" {
				continue
			}
			if strings.ToUpper(n) == n && utf8.RuneCountInString(n) <= 3 && isASCII(n) {
				codes[n] = code
				continue
			}
			k := simplify(n)
			if k == "" {
				continue
			}
			if _, dup := names[k]; !dup {
				names[k] = code
			}
			if w := len(strings.Fields(k)); w > maxWords {
				maxWords = w
			}
		}
	}
	return names, codes, maxWords
}()

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Leading words that do not change the country: "the Netherlands",
// "la France", "l'Italie", "Republic of Moldova" is listed whole.
var countryArticles = map[string]bool{"the": true, "la": true, "le": true, "l": true, "die": true, "der": true, "das": true, "il": true, "el": true, "lo": true, "de": true, "a": true, "o": true, "in": true, "en": true}

// parseCountry returns the ISO 3166-1 alpha-2 code of the country that s
// names, in any of the languages listed in countryNames or by its alpha-2 or
// alpha-3 code, or "" when s names none. The whole answer is tried first,
// then its parts (split at commas, slashes, brackets), then any name found
// in it: "Belgique (Wallonie)" and "Kosovo*" are read too.
func parseCountry(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	raw := strings.Trim(cleanSpaces(s), " .*:;,")
	if c, ok := countryCodes[strings.ToUpper(raw)]; ok && len(raw) <= 3 {
		return c
	}
	k := simplify(raw)
	if c := countryByKey(k); c != "" {
		return c
	}
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool {
		return strings.ContainsRune(",;/()[]|\n–—", r)
	}) {
		p := strings.Trim(strings.TrimSpace(part), " .*:-")
		if c, ok := countryCodes[strings.ToUpper(p)]; ok && len(p) <= 3 && strings.ToUpper(p) == p {
			return c
		}
		if c := countryByKey(simplify(p)); c != "" {
			return c
		}
	}
	return countryInWords(k)
}

// parseCountryWhole is parseCountry without looking for a name inside a
// longer text: the whole answer, or one of its parts, must be the country.
func parseCountryWhole(s string) string {
	raw := strings.Trim(cleanSpaces(s), " .*:;,")
	if c, ok := countryCodes[strings.ToUpper(raw)]; ok && len(raw) <= 3 {
		return c
	}
	if c := countryByKey(simplify(raw)); c != "" {
		return c
	}
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool {
		return strings.ContainsRune(",;/()[]|\n–—", r)
	}) {
		if c := countryByKey(simplify(strings.Trim(strings.TrimSpace(part), " .*:-"))); c != "" {
			return c
		}
	}
	return ""
}

// countryInWords finds a country name anywhere in the simplified text k,
// longest names first.
func countryInWords(k string) string {
	words := strings.Fields(k)
	for n := countryMaxWords; n >= 1; n-- {
		for i := 0; i+n <= len(words); i++ {
			if c, ok := countryIndex[strings.Join(words[i:i+n], " ")]; ok {
				return c
			}
		}
	}
	return ""
}

func countryByKey(k string) string {
	if k == "" {
		return ""
	}
	if c, ok := countryIndex[k]; ok {
		return c
	}
	w := strings.Fields(k)
	for len(w) > 1 && countryArticles[w[0]] {
		w = w[1:]
		if c, ok := countryIndex[strings.Join(w, " ")]; ok {
			return c
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// Numbers

// numToken is one number found in a text.
type numToken struct {
	value      float64
	start, end int // byte offsets in the text searched
	digits     int // digits written, without separators
	grouped    bool
	percent    bool
	multiplied bool
	year       bool // looks like a year (1900–2100, written without separators)
	inParens   bool
}

// Words that multiply the number before them, simplified.
var multipliers = map[string]float64{
	"k": 1e3, "thousand": 1e3, "thousands": 1e3, "mille": 1e3, "milliers": 1e3, "tsd": 1e3, "tausend": 1e3,
	"mila": 1e3, "mii": 1e3, "mie": 1e3, "tys": 1e3, "tis": 1e3, "tisic": 1e3, "ezer": 1e3, "duizend": 1e3,
	"хиляди": 1e3, "хиљада": 1e3, "тисяч": 1e3, "тысяч": 1e3, "χιλιαδες": 1e3, "bin": 1e3, "mijë": 1e3, "mije": 1e3,
	"tisuca": 1e3, "tisoc": 1e3, "tusen": 1e3, "tuhatta": 1e3,
	"m": 1e6, "million": 1e6, "millions": 1e6, "mio": 1e6, "mln": 1e6, "mn": 1e6, "millionen": 1e6, "milioni": 1e6,
	"milione": 1e6, "millon": 1e6, "millones": 1e6, "milhao": 1e6, "milhoes": 1e6, "milioane": 1e6, "milion": 1e6,
	"miliona": 1e6, "milionu": 1e6, "miliony": 1e6, "millio": 1e6, "miljoen": 1e6, "милиона": 1e6, "милион": 1e6,
	"мільйона": 1e6, "миллиона": 1e6, "миллион": 1e6, "εκατομμυρια": 1e6, "εκατ": 1e6, "milyon": 1e6, "milion e": 1e6,
	"miljon": 1e6, "miljoonaa": 1e6,
}

// numberTokens finds the numbers written in s, in the formats of Europe:
// 45000, 45 000 (any space), 45,000, 45.000, 45'000, 45,5, 1.2 million,
// 45k. A group separator is followed by exactly three digits; anything else
// after a comma or point is a decimal part.
func numberTokens(s string) []numToken {
	var out []numToken
	// The runes of s and their byte offsets (an invalid byte is one rune).
	runes := utf8.RuneCountInString(s)
	rs := make([]rune, 0, runes)
	offs := make([]int, 0, runes+1)
	for i, r := range s {
		rs = append(rs, r)
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	isDigit := func(i int) bool { return i >= 0 && i < len(rs) && rs[i] >= '0' && rs[i] <= '9' }
	runDigits := func(i int) int {
		n := 0
		for isDigit(i + n) {
			n++
		}
		return n
	}
	parens := 0
	for i := 0; i < len(rs); {
		r := rs[i]
		switch r {
		case '(', '[':
			parens++
		case ')', ']':
			if parens > 0 {
				parens--
			}
		}
		if !isDigit(i) {
			i++
			continue
		}
		// A digit glued to letters before it (ROMED2, Q4) is not a count.
		if i > 0 && (unicode.IsLetter(rs[i-1])) {
			i += runDigits(i)
			continue
		}
		start := i
		first := runDigits(i)
		intPart := string(rs[i : i+first])
		i += first
		frac := ""
		grouped := false
		var groupSep rune
		for {
			if i >= len(rs) {
				break
			}
			c := rs[i]
			sepSpace := isSpaceRune(c) && c != '\n' && c != '\t'
			if !(sepSpace || c == '.' || c == ',' || c == '\'' || c == '’') {
				break
			}
			n := runDigits(i + 1)
			if n == 0 {
				break
			}
			if n == 3 && first <= 3 && (groupSep == 0 || groupSep == c || (isSpaceRune(groupSep) && sepSpace)) {
				// "2 000 - 3 000": a space only groups a first group of up to
				// three digits, and only groups of exactly three.
				if !(sepSpace && len(intPart) > 3 && groupSep == 0) {
					intPart += string(rs[i+1 : i+1+n])
					groupSep = c
					grouped = true
					i += 1 + n
					continue
				}
			}
			if (c == '.' || c == ',') && frac == "" && (groupSep == 0 || groupSep != c) {
				frac = string(rs[i+1 : i+1+n])
				i += 1 + n
			}
			break
		}
		tok := numToken{start: offs[start], grouped: grouped, inParens: parens > 0}
		v := 0.0
		for _, d := range intPart {
			v = v*10 + float64(d-'0')
		}
		tok.digits = len(intPart)
		if frac != "" {
			f := 0.0
			scale := 1.0
			for _, d := range frac {
				f = f*10 + float64(d-'0')
				scale *= 10
			}
			v += f / scale
		}
		// What follows: %, or a multiplier word.
		j := i
		for j < len(rs) && isSpaceRune(rs[j]) && rs[j] != '\n' {
			j++
		}
		if j < len(rs) && (rs[j] == '%' || rs[j] == '‰') {
			tok.percent = true
			i = j + 1
		} else {
			k := j
			for k < len(rs) && (unicode.IsLetter(rs[k])) {
				k++
			}
			if k > j {
				w := simplify(string(rs[j:k]))
				if m, ok := multipliers[w]; ok && !(w == "m" && k < len(rs) && (rs[k] == '²' || rs[k] == '2')) {
					// "1.250 million": one group separator before a multiplier
					// is a decimal point.
					if grouped && frac == "" && groupSep != 0 && !isSpaceRune(groupSep) && strings.Count(string(rs[start:i]), string(groupSep)) == 1 {
						v = v / 1000
					}
					v *= m
					tok.multiplied = true
					i = k
					if i < len(rs) && rs[i] == '.' {
						i++
					}
				}
			}
		}
		if !grouped && frac == "" && !tok.multiplied && !tok.percent && len(intPart) == 4 && v >= 1900 && v <= 2100 {
			tok.year = true
		}
		tok.value = v
		tok.end = offs[i]
		out = append(out, tok)
	}
	return out
}

// Words after which a four-digit number is a year, not a count.
var yearWords = map[string]bool{
	"census": true, "recensement": true, "recensamant": true, "recensamantul": true, "zensus": true, "volkszahlung": true,
	"censimento": true, "censo": true, "spis": true, "spisu": true, "scitani": true, "nepszamlalas": true, "popis": true,
	"year": true, "an": true, "anul": true, "annee": true, "jahr": true, "anno": true, "ano": true, "rok": true, "ev": true,
	"since": true, "depuis": true, "seit": true, "dal": true, "desde": true, "din": true, "od": true, "in": true,
	"en": true, "im": true, "nel": true, "w": true, "v": true, "of": true, "au": true, "per": true, "stand": true,
	"data": true, "date": true, "estimate": true, "estimation": true, "schatzung": true, "stima": true, "january": true,
	"february": true, "march": true, "april": true, "may": true, "june": true, "july": true, "august": true,
	"september": true, "october": true, "november": true, "december": true, "janvier": true, "fevrier": true,
	"mars": true, "avril": true, "mai": true, "juin": true, "juillet": true, "aout": true, "septembre": true,
	"octobre": true, "novembre": true, "decembre": true, "until": true, "jusqu": true, "bis": true, "to": true,
}

// countTokens drops the years that are dates ("(census 2021)", "since
// 2016") and percentages from the numbers of s.
func countTokens(s string) (counts, percents []numToken) {
	toks := numberTokens(s)
	for i, t := range toks {
		if t.percent {
			percents = append(percents, t)
			continue
		}
		if t.year {
			// The word before: simplify leaves words with one space between.
			prev := simplify(s[:t.start])
			if t.inParens || (prev != "" && yearWords[prev[strings.LastIndexByte(prev, ' ')+1:]]) {
				continue
			}
			// "2021 census: 45 000": a year followed by a count that is no
			// year, not as a range ("2000-3500" is one).
			if i+1 < len(toks) && !toks[i+1].year && !toks[i+1].percent {
				between := simplify(s[t.end:toks[i+1].start])
				raw := strings.TrimSpace(s[t.end:toks[i+1].start])
				if !rangeWords[between] && !strings.HasPrefix(raw, "-") && !strings.HasPrefix(raw, "–") && !strings.HasPrefix(raw, "—") {
					continue
				}
			}
		}
		counts = append(counts, t)
	}
	return counts, percents
}

// parseNumber reads the first count written in s ("45 000", "45,000",
// "45.000", "45'000", "45000 inhabitants", "approx. 45 000", "45k",
// "1.2 million", "1,2 Mio."), skipping years that are dates. ok is false
// when s holds no number.
func parseNumber(s string) (n int64, ok bool) {
	counts, _ := countTokens(s)
	if len(counts) == 0 {
		return 0, false
	}
	// Prefer a number outside brackets: "(census 2021: 12 000) 45 000" is rare,
	// "45 000 (2021)" is common, and the year is gone already.
	t := counts[0]
	for _, c := range counts {
		if !c.inParens {
			t = c
			break
		}
	}
	if t.value > 9e15 || t.value < 0 || math.IsNaN(t.value) {
		return 0, false
	}
	return int64(math.Round(t.value)), true
}

// Words between two numbers that make a range, simplified.
var rangeWords = map[string]bool{
	"": true, "to": true, "and": true, "or": true, "et": true, "a": true, "au": true, "ou": true, "bis": true, "und": true,
	"e": true, "y": true, "i": true, "si": true, "do": true, "tot": true, "en": true, "es": true, "ate": true,
	"till": true, "hasta": true, "fino a": true, "pana la": true, "and about": true, "to about": true, "a environ": true,
	"up to": true, "jusqu a": true, "und etwa": true, "ili": true, "lub": true, "nebo": true, "alebo": true, "vagy": true,
	"of": true, "ή": true, "до": true, "и": true, "ва": true, "ve": true, "deri ne": true, "dhe": true, "az": true,
}

// Words before a number that make it an upper bound: "less than 100".
var upToWords = []string{
	"less than", "fewer than", "under", "below", "up to", "max", "maximum", "at most", "moins de", "jusqu a",
	"au plus", "au maximum", "weniger als", "unter", "bis zu", "hochstens", "meno di", "fino a", "al massimo",
	"menos de", "hasta", "como maximo", "mai putin de", "sub", "pana la", "maxim", "ponizej", "mniej niz", "do",
	"mene nez", "menej nez", "kevesebb mint", "legfeljebb", "minder dan", "hooguit", "manje od", "manje nego",
	"ispod", "menos de", "по-малко от", "менее", "до", "λιγοτεροι απο", "κατω απο",
}

// upToKeys are upToWords simplified, with a space on each side.
var upToKeys = sync.OnceValue(func() []string {
	keys := make([]string, len(upToWords))
	for i, w := range upToWords {
		keys[i] = " " + simplify(w) + " "
	}
	return keys
})

// Words before a number that make a rough estimate: they change nothing.
// Listed for documentation: parseRange ignores all words but the ones above.

// parseRange reads an estimate: one number gives {n, n}; "2000-3000",
// "2 000 – 3 000", "between 2 000 and 3 000", "entre 2 000 et 3 000",
// "2.000 bis 3.000", "2-3 thousand" give a range; "less than 100" gives
// {0, 100}. answered is true also when the value is nil: "unknown",
// "inconnu", "n/a" and the like, and an estimate given only as a percentage
// of the population ("approx. 1%"), which is not a number of people: it is
// an answer that cannot be stored as one.
func parseRange(s string) (r *Range, answered bool) {
	counts, percents := countTokens(s)
	if len(counts) == 0 {
		if len(percents) > 0 || isUnknown(s) {
			return nil, true
		}
		if k := simplify(s); hasPhrasePrefix(k, noneWords) || hasPhrasePrefix(k, []string{"no roma", "no travellers", "pas de roms", "keine roma"}) {
			return &Range{}, true
		}
		return nil, false
	}
	// The first count outside brackets, as for parseNumber.
	idx := 0
	for i, c := range counts {
		if !c.inParens {
			idx = i
			break
		}
	}
	t1 := counts[idx]
	lo, hi := t1.value, t1.value
	if idx+1 < len(counts) {
		t2 := counts[idx+1]
		between := strings.TrimSpace(foldText(s[t1.end:t2.start]))
		between = strings.Trim(between, " ")
		conn := simplify(between)
		dashy := between == "" || strings.Trim(between, "-~/…. ") == "" || strings.HasPrefix(between, "-") || strings.HasPrefix(between, "~")
		if dashy || rangeWords[conn] {
			v2 := t2.value
			if t2.multiplied && !t1.multiplied {
				// "2-3 thousand", "1,5 - 2 millions"
				m := 1e3
				if t2.value/1e6 >= 1 && math.Mod(t2.value, 1e5) == 0 {
					m = 1e6
				}
				if lo*m <= v2 {
					lo *= m
				}
			}
			hi = v2
			// "10-12 000": the first number in thousands too.
			if lo >= 1 && lo < 100 && !t1.grouped && lo*1000 <= hi && lo*1000*10 > hi {
				lo *= 1000
			}
		}
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	before := " " + simplify(s[:t1.start]) + " "
	if hi == lo {
		for _, w := range upToKeys() {
			if strings.HasSuffix(before, w) {
				lo = 0
				break
			}
		}
	}
	if lo < 0 || hi > 9e15 {
		return nil, false
	}
	return &Range{Min: int64(math.Round(lo)), Max: int64(math.Round(hi))}, true
}

// ---------------------------------------------------------------------------
// Addresses and telephone numbers

// emailRE matches an address; local parts and domains may be written in
// any script (RFC 6531), as people's names are.
var emailRE = mustCompileLit(`[\p{L}\p{N}._%+\-']+@[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?)*\.\p{L}{2,}`)

// parseEmail returns the first address in s, lower-cased: from a bare
// address, "mailto:" links and "Name <addr>" alike. "" when there is none.
func parseEmail(s string) string {
	m := emailRE.FindString(s)
	if m == "" {
		// "jana.novak(at)brno.cz", "jana.novak [at] brno [dot] cz"
		r := emailObfuscation.Replace(s)
		if r != s {
			m = emailRE.FindString(r)
		}
	}
	m = strings.TrimLeft(m, ".'")
	return strings.ToLower(m)
}

var emailObfuscation = strings.NewReplacer("(at)", "@", "[at]", "@", "{at}", "@", " (at) ", "@", " [at] ", "@",
	"(dot)", ".", "[dot]", ".", " [dot] ", ".", " (dot) ", ".", "(a)", "@", "[a]", "@")

// parsePhone returns s as written, trimmed, when it holds a telephone
// number (at least four digits: "14 030" is one), and "" otherwise.
func parsePhone(s string) string {
	s = cleanSpaces(s)
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits < 4 {
		return ""
	}
	return strings.Trim(s, " ;,")
}

// ---------------------------------------------------------------------------
// Options

// option is one code of a list and the ways an answer names it: simplified
// labels, where a trailing "*" lets the last word continue ("stereotyp*").
type optionDef struct {
	code   string
	labels []string
}

// The words that say yes and no, simplified, in the languages of Europe.
var (
	yesWords = []string{"yes", "oui", "ja", "jawohl", "si", "sim", "da", "tak", "ano", "igen", "evet", "po", "ναι",
		"да", "так", "jah", "kylla", "yep", "yeah", "absolutely", "certainly", "of course", "bien sur",
		"volontiers", "avec plaisir", "gerne", "gern", "certo", "certamente", "claro", "desigur", "sigur", "hogyne",
		"oczywiscie", "samozrejme", "samozrejmne", "naravno", "zeker", "natuurlijk", "sure", "ok", "okay", "d accord"}
	noWords = []string{"no", "non", "nein", "nu", "nie", "ne", "nem", "nao", "nee", "nej", "hayir", "jo", "οχι",
		"не", "ні", "нет", "ei", "nope", "no thanks", "no thank you", "non merci", "pas pour le moment",
		"not at the moment", "not now", "nicht", "keine"}
)

// optionLists are the codes of the questions with codes (questionnaire.md),
// with their EN and FR labels and the obvious variants and translations.
var optionLists = map[int][]optionDef{
	3: {
		{"municipality", []string{"municipality city town commune", "municipality", "municipalities", "city", "town",
			"commune", "communes", "ville", "municipalite", "commune ville municipalite", "city council", "town council",
			"borough", "village", "local authority", "local government", "mairie", "gemeinde", "stadt", "marktgemeinde",
			"kommune", "comune", "municipio", "ayuntamiento", "concello", "ajuntament", "municipiu", "municipiul", "oras",
			"primaria", "comuna", "gmina", "miasto", "obec", "mesto", "město", "statutarni mesto", "varos", "telepules",
			"onkormanyzat", "kozseg", "gemeente", "stad", "municipio", "camara municipal", "opcina", "opstina", "grad",
			"obcina", "mestna obcina", "община", "град", "општина", "δημος", "belediye", "komuna", "bashkia", "kunta",
			"kaupunki", "kommun", "kommune"}},
		{"intermediate", []string{"county province or departement", "departement province ou comte", "county",
			"counties", "province", "provinces", "departement", "departements", "comte", "county council", "district",
			"kreis", "landkreis", "bezirk", "provincia", "provincie", "diputacion", "judet", "judetul", "consiliul judetean",
			"megye", "megyei onkormanyzat", "powiat", "okres", "okrug", "zupanija", "comarca", "consell comarcal",
			"metropolitan", "metropole", "city region", "oblast", "област", "νομος", "landschaftsverband",
			"intermediate"}},
		{"region", []string{"region", "regions", "regional authority", "regional council", "regional government",
			"self governing region", "regional", "conseil regional", "collectivite territoriale", "land", "bundesland",
			"regione", "region autonoma", "comunidad autonoma", "autonomous community", "regiune", "regiunea",
			"wojewodztwo", "voivodeship", "samorzad wojewodztwa", "kraj", "samospravny kraj", "vyssi uzemny celok",
			"regio", "regiao", "regija", "pokrajina", "autonomna pokrajina", "регион", "περιφερεια", "rajon", "qark",
			"maakunta", "lan", "region"}},
		{"association", []string{"association of authorities", "association de collectivites", "association",
			"associations", "association of municipalities", "association of local authorities", "union", "federation",
			"network", "reseau", "union des villes", "verband", "stadtetag", "gemeindebund", "stadtebund", "landkreistag",
			"associazione", "anci", "asociacion", "federacion", "asociatia", "asociatie", "zwiazek", "zwiazek miast",
			"svaz", "svaz mest a obci", "szovetseg", "vereniging", "vng", "associacao", "savez", "udruzenje", "zdruzenje",
			"skupnost", "сдружение", "ενωση", "birlik", "shoqata", "liitto", "forbund", "interkommunale"}},
		{"other", []string{"other", "autre", "andere", "sonstige", "altro", "otro", "outro", "altul", "inne",
			"inna", "jine", "jina", "ine", "ina", "egyeb", "overig", "druga", "drugo", "друго", "αλλο", "diger", "tjeter"}},
	},
	10: {
		{"undecided", []string{"not decided yet", "pas encore decide", "pas encore decidee", "not yet decided",
			"undecided", "not decided", "not sure", "unsure", "maybe", "perhaps", "possibly", "to be decided",
			"under consideration", "under discussion", "being considered", "to be discussed", "pending", "tbd",
			"a l etude", "en cours d etude", "en reflexion", "en cours de reflexion", "pas encore", "peut etre",
			"a decider", "indecis", "en attente", "noch nicht entschieden", "noch offen", "unentschieden", "vielleicht",
			"wird gepruft", "in prufung", "non ancora deciso", "non ancora", "forse", "da decidere", "in valutazione",
			"aun no decidido", "todavia no decidido", "no decidido", "quizas", "quiza", "tal vez", "a decidir",
			"nedecis", "inca nu", "inca nedecis", "poate", "in curs de decizie", "meg nem dontottunk", "meg nem dontott",
			"talan", "dontes alatt", "jeszcze nie zdecydowano", "nie zdecydowano", "moze", "do decyzji",
			"zatim nerozhodnuto", "nerozhodnuto", "mozna", "zatial nerozhodnute", "nerozhodnute", "mozno",
			"nog niet besloten", "misschien", "nog niet beslist", "ainda nao decidido", "talvez", "por decidir",
			"jos nije odluceno", "nije odluceno", "mozda", "se razmatra", "все още не е решено", "не е решено",
			"не вирішено", "δεν εχει αποφασιστει", "ισως", "henuz karar verilmedi", "ende e pavendosur"}},
		{"no", append([]string{"not interested", "no interest", "pas interesse", "pas interessee", "pas interesses",
			"ne souhaite pas", "ne souhaitons pas", "nicht interessiert", "kein interesse", "non interessato",
			"non interessati", "no interesado", "no interesados", "nu este interesata", "nu suntem interesati",
			"nem erdekel", "nie jestesmy zainteresowani", "nemame zajem", "nemame zaujem", "niet geinteresseerd",
			"nao interessado", "nismo zainteresovani", "nismo zainteresirani", "do not wish", "does not wish",
			"not at this stage", "not at this time"}, noWords...)},
		{"yes", append([]string{"interested", "we are interested", "interessee", "interesse", "interessiert",
			"interessato", "interessati", "interesado", "interesada", "interesados", "interesata", "interesati",
			"zainteresowani", "zainteresowana", "mame zajem", "mame zaujem", "erdekel", "erdeklodunk", "geinteresseerd",
			"interessada", "zainteresovani", "zainteresirani", "would like to join", "wish to join", "want to join",
			"souhaite participer", "souhaitons participer", "souhaite adherer"}, yesWords...)},
	},
	11: {
		{"education", []string{"education", "educational", "educatie", "educatia", "educatiei", "bildung",
			"schulbildung", "istruzione", "educazione", "educacion", "edukacja", "oswiata", "vzdelavani", "vzdelavanie",
			"skolstvi", "skolstvo", "oktatas", "onderwijs", "educacao", "obrazovanje", "izobrazevanje", "образование",
			"образовање", "εκπαιδευση", "egitim", "arsim", "arsimi", "koulutus", "schooling", "school", "schools",
			"scolarisation", "scolarite", "ecole", "enseignement"}},
		{"employment", []string{"employment and vocational training", "emploi et formation professionnelle",
			"employment", "emploi", "employ", "jobs", "labour market", "labor market", "vocational training",
			"formation professionnelle", "beschaftigung", "arbeit", "arbeitsmarkt", "berufsbildung",
			"berufliche bildung", "occupazione", "lavoro", "formazione professionale", "empleo",
			"formacion profesional", "ocupare", "ocuparea fortei de munca", "angajare", "formare profesionala",
			"munca", "zatrudnienie", "ksztalcenie zawodowe", "praca", "zamestnanost", "zamestnanie", "zamestnanost",
			"zamestnanie", "foglalkoztatas", "szakkepzes", "munka", "werkgelegenheid", "werk", "beroepsopleiding",
			"emprego", "formacao profissional", "zaposljavanje", "zaposlovanje", "заетост", "запошљавање", "вработување",
			"απασχοληση", "istihdam", "punesim", "punesimi", "tyollisyys", "employment and training", "employability"}},
		{"housing", []string{"housing", "logement", "logements", "habitat", "accommodation", "wohnen", "wohnraum",
			"wohnungen", "wohnung", "alloggio", "alloggi", "abitazione", "abitare", "casa", "vivienda", "viviendas",
			"locuire", "locuinte", "locuintele", "mieszkalnictwo", "mieszkania", "bydleni", "byvanie", "lakhatas",
			"lakas", "huisvesting", "wonen", "habitacao", "stanovanje", "stambeno", "stanovanja", "жилище", "домување", "становање",
			"жилищно", "становање", "στεγαση", "barinma", "konut", "strehim", "strehimi", "asuminen", "halting sites",
			"traveller accommodation"}},
		{"health", []string{"health", "health care", "healthcare", "sante", "gesundheit", "gesundheitswesen",
			"salute", "sanita", "salud", "sanidad", "sanatate", "sanatatea", "zdrowie", "ochrona zdrowia", "zdravi",
			"zdravotnictvi", "zdravie", "zdravotnictvo", "egeszseg", "egeszsegugy", "gezondheid", "gezondheidszorg",
			"saude", "zdravlje", "zdravstvo", "zdravje", "здраве", "здравеопазване", "здравље", "здравство", "υγεια", "saglik",
			"shendetesi", "shendetesia", "terveys"}},
	},
	12: {
		{"rights", []string{"rights duties and responsibilities", "droits devoirs et responsabilites", "rights",
			"human rights", "duties", "responsibilities", "droits", "devoirs", "rechte", "rechte und pflichten",
			"diritti", "diritti doveri e responsabilita", "derechos", "derechos deberes y responsabilidades",
			"drepturi", "drepturi obligatii si responsabilitati", "obligatii", "prawa", "prawa obowiazki",
			"prava", "prava povinnosti", "prava dolznosti", "jogok", "jogok kotelessegek", "rechten", "rechten plichten",
			"direitos", "direitos deveres", "права", "δικαιωματα", "haklar", "te drejtat", "oikeudet"}},
		{"participation", []string{"roma participation", "participation des roms", "participation", "participation of roma",
			"participation rom", "partizipation", "beteiligung", "partizipation der roma", "partecipazione",
			"partecipazione dei rom", "participacion", "participacion gitana", "participacion de los gitanos",
			"participare", "participarea romilor", "participarea", "uczestnictwo", "partycypacja", "udzial romow",
			"ucast", "ucast romu", "participacia", "participacia romov", "reszvetel", "roma reszvetel", "participatie",
			"participacao", "sudjelovanje", "ucesce", "ucesce roma", "udelezba", "участие", "учешће", "учество", "συμμετοχη",
			"katilim", "pjesemarrja", "osallisuus", "roma involvement", "involvement of roma", "empowerment"}},
		{"stereotypes", []string{"combating stereotypes", "lutte contre les stereotypes", "stereotyp*", "stereotip*",
			"estereotip*", "sztereotip*", "stereotiep*", "estereotip*", "стереотип*", "στερεοτυπ*", "antigypsyism",
			"anti gypsyism", "antigypsism", "antitsiganism*", "antiziganism*", "prejudice", "prejudices", "prejuges",
			"discrimination", "discriminations", "diskriminierung", "discriminazione", "discriminacion", "discriminare",
			"dyskryminacja", "diskriminace", "diskriminacia", "diszkriminacio", "discriminatie", "discriminacao",
			"diskriminacija", "дискриминация", "διακρισεις", "ayrimcilik"}},
		{"intercultural", []string{"intercultural understanding", "comprehension interculturelle", "intercultur*",
			"interkultur*", "interkulturn*", "interkulturaln*", "miedzykultur*", "medukultur*", "medjukultur*", "medkultur*", "intercultureel", "interkulturalis*", "междукултурн*",
			"међукултурн*", "διαπολιτισμικ*", "kulturlerarasi", "nderkulturor*", "mutual understanding",
			"comprehension mutuelle", "dialogue interculturel", "intercultural dialogue"}},
	},
	13: {
		{"good_practices", []string{"exchange of good practices", "echange de bonnes pratiques", "good practices",
			"good practice", "best practices", "best practice", "bonnes pratiques", "bonne pratique",
			"echange de pratiques", "exchange of experience", "exchange of experiences", "echange d experiences",
			"gute praxis", "gute praktiken", "bewahrte praktiken", "bewahrte verfahren", "erfahrungsaustausch",
			"buone pratiche", "buone prassi", "scambio di buone pratiche", "buenas practicas",
			"intercambio de buenas practicas", "bune practici", "schimb de bune practici", "schimb de experienta",
			"dobre praktyki", "wymiana dobrych praktyk", "dobra praxe", "dobre praxe", "dobra prax", "vymena",
			"jo gyakorlatok", "jo gyakorlat", "tapasztalatcsere", "goede praktijken", "uitwisseling",
			"boas praticas", "intercambio de boas praticas", "dobre prakse", "dobra praksa", "razmjena",
			"razmena", "dobre prakse", "добри практики", "καλες πρακτικες", "iyi uygulamalar", "praktikat e mira",
			"good_practices", "exchange"}},
		{"workshops", []string{"thematic workshops", "ateliers thematiques", "workshops", "workshop", "ateliers",
			"atelier", "seminars", "seminaires", "seminare", "seminari", "seminarios", "seminarii", "seminaria",
			"seminare", "szeminariumok", "thematische workshops", "laboratori tematici", "laboratori", "talleres",
			"talleres tematicos", "ateliere", "ateliere tematice", "warsztaty", "warsztaty tematyczne", "tematicke dilny",
			"dilny", "tematicke workshopy", "workshopy", "tematikus workshopok", "workshopok", "muhelyek",
			"thematische werkplaatsen", "oficinas", "oficinas tematicas", "radionice", "tematske radionice",
			"delavnice", "работилници", "семинари", "εργαστηρια", "atolyeler", "punetori"}},
		{"study_visits", []string{"study visits", "study visit", "visites d etude", "visite d etude", "visites d etudes",
			"visites d'etude", "study trips", "study tours", "studienbesuche", "studienreisen", "studienfahrten",
			"visite di studio", "visite studio", "visitas de estudio", "visite de studiu", "vizite de studiu",
			"vizite de studii", "wizyty studyjne", "studijni cesty", "studijni navstevy", "studijne navstevy",
			"studijne cesty", "tanulmanyutak", "tanulmanyut", "studiebezoeken", "studiereizen", "visitas de estudo",
			"studijska putovanja", "studijske posjete", "studijske posete", "studijski obiski", "учебни посещения",
			"студийни посещения", "студиски посети", "студијске посете", "студијске посјете", "студијска путовања", "studijske posjete", "μελετητικες επισκεψεις", "επισκεψεις μελετης",
			"calisma ziyaretleri", "vizita studimore", "study_visits", "visits", "visites", "exchange visits"}},
		{"training", []string{"training", "trainings", "training courses", "formation", "formations", "schulung",
			"schulungen", "fortbildung", "fortbildungen", "weiterbildung", "formazione", "corsi di formazione",
			"formacion", "cursos", "formare", "instruire", "cursuri de formare", "szkolenia", "szkolenie", "skoleni",
			"skolenia", "vzdelavaci kurzy", "kepzes", "kepzesek", "opleiding", "opleidingen", "trainingen",
			"formacao", "obuka", "obuke", "usposabljanje", "обучение", "обуке", "обука", "обуки", "καταρτιση", "εκπαιδευσεις",
			"egitimler", "trajnim", "trajnime", "capacity building", "renforcement des capacites"}},
		{"expertise", []string{"expert advice", "expertise", "expert", "experts", "advice", "advisory", "consultancy",
			"technical assistance", "assistance technique", "conseil", "conseils", "expertenrat", "beratung",
			"fachberatung", "expertise", "consulenza", "consulenza tecnica", "assistenza tecnica", "asesoramiento",
			"asesoria", "asistencia tecnica", "expertiza", "consultanta", "consiliere", "ekspertyza", "doradztwo",
			"porady ekspertow", "expertni poradenstvi", "poradenstvi", "odborne poradenstvo", "poradenstvo",
			"szakertoi tanacsadas", "tanacsadas", "deskundig advies", "advies", "aconselhamento", "consultoria",
			"ekspertiza", "strucni savjeti", "strucni saveti", "savjetovanje", "savetovanje", "strokovno svetovanje",
			"експертни съвети", "експертиза", "стручни савети", "συμβουλες εμπειρογνωμονων", "εμπειρογνωμοσυνη",
			"uzman tavsiyesi", "keshilla ekspertesh", "ekspertize"}},
		{"funding", []string{"information on funding", "information sur les financements", "funding", "fundings",
			"funds", "financing", "finance", "grants", "eu funds", "european funds", "funding opportunities",
			"financement", "financements", "fonds", "subventions", "finanzierung", "finanzierungsmoglichkeiten",
			"fordermittel", "forderung", "finanziamenti", "finanziamento", "fondi", "financiacion", "financiamiento",
			"fondos", "subvenciones", "finantare", "finantari", "fonduri", "finansowanie", "fundusze",
			"financovani", "dotace", "fondy", "financovanie", "finanszirozas", "palyazat", "palyazatok", "tamogatas",
			"financiering", "subsidies", "fondsen", "financiamento", "fundos", "financiranje", "finansiranje",
			"fondovi", "financiranje", "финансиране", "финансирање", "фондове", "χρηματοδοτηση", "finansman", "fonlar",
			"financim", "financimi", "fondet", "rahoitus"}},
	},
	16: {
		{"no", append([]string{"no thanks", "no thank you", "non merci", "nein danke", "not necessary",
			"we already receive it", "already receive", "recevons deja", "already subscribed", "pas necessaire"},
			noWords...)},
		{"yes", append([]string{"please do", "yes please", "with pleasure", "avec plaisir", "volontiers",
			"please send", "gladly"}, yesWords...)},
	},
}

// optionCodes returns the codes of question q's list, in questionnaire
// order. The slice is shared: callers only read it.
func optionCodes(q int) []string {
	if q < 0 || q >= len(codesByQuestion) {
		return nil
	}
	return codesByQuestion[q]
}

// codesByQuestion holds optionCodes by question, listed once.
var codesByQuestion = func() (byQ [17][]string) {
	for _, f := range formCodesOrder {
		byQ[f.q] = append(byQ[f.q], f.code)
	}
	return byQ
}()

// formCodesOrder is the order of the codes in questionnaire.md.
var formCodesOrder = []struct {
	q    int
	code string
}{
	{3, "municipality"}, {3, "intermediate"}, {3, "region"}, {3, "association"}, {3, "other"},
	{10, "yes"}, {10, "no"}, {10, "undecided"},
	{11, "education"}, {11, "employment"}, {11, "housing"}, {11, "health"},
	{12, "rights"}, {12, "participation"}, {12, "stereotypes"}, {12, "intercultural"},
	{13, "good_practices"}, {13, "workshops"}, {13, "study_visits"}, {13, "training"}, {13, "expertise"}, {13, "funding"},
	{16, "yes"}, {16, "no"},
}

// singleChoice says whether question q takes one code, not a list.
func singleChoice(q int) bool { return q == 3 || q == 10 || q == 16 }

// optionIndex holds, per question, each label as words, longest first, and
// the longest label in words.
type labelWords struct {
	code   string
	words  []string
	prefix bool // the last word may continue: "stereotyp*"
}

var optionIndex = sync.OnceValue(func() map[int][]labelWords {
	m := make(map[int][]labelWords)
	for q, list := range optionLists {
		var all []labelWords
		for _, o := range list {
			for _, l := range o.labels {
				prefix := strings.HasSuffix(l, "*")
				w := strings.Fields(simplify(strings.TrimSuffix(l, "*")))
				if len(w) == 0 {
					continue
				}
				all = append(all, labelWords{code: o.code, words: w, prefix: prefix})
			}
			// The code itself: "study_visits" is "study visits" once simplified.
			all = append(all, labelWords{code: o.code, words: strings.Fields(simplify(o.code))})
		}
		// Longest first, so that "employment and vocational training" wins
		// over "training" and "not decided yet" over "no".
		sortLabels(all)
		m[q] = all
	}
	return m
})

// optionStarts holds, per question, the positions in optionIndex of the
// labels by their first word, and of those whose one word is a prefix
// ("stereotyp*"), which may start with any word.
type labelStarts struct {
	byFirst map[string][]int
	prefix  []int
}

var optionStarts = sync.OnceValue(func() map[int]labelStarts {
	m := make(map[int]labelStarts)
	for q, labels := range optionIndex() {
		st := labelStarts{byFirst: make(map[string][]int)}
		for i, l := range labels {
			if l.prefix && len(l.words) == 1 {
				st.prefix = append(st.prefix, i)
			} else {
				st.byFirst[l.words[0]] = append(st.byFirst[l.words[0]], i)
			}
		}
		m[q] = st
	}
	return m
})

func sortLabels(all []labelWords) {
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && labelLess(all[j], all[j-1]); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
}

func labelLess(a, b labelWords) bool {
	if len(a.words) != len(b.words) {
		return len(a.words) > len(b.words)
	}
	la, lb := len(strings.Join(a.words, " ")), len(strings.Join(b.words, " "))
	if la != lb {
		return la > lb
	}
	if a.code != b.code {
		return a.code < b.code
	}
	return strings.Join(a.words, " ") < strings.Join(b.words, " ")
}

// A word of a text: its folded form and where it is.
type textWord struct {
	w          string
	start, end int
}

// splitWords cuts s into runs of letters and digits, folded, with their
// byte offsets in s.
func splitWords(s string) []textWord {
	if isASCII(s) {
		return splitWordsASCII(s, foldASCII(s))
	}
	return splitWordsUnicode(s)
}

// splitWordsUnicode is splitWords for any s.
func splitWordsUnicode(s string) []textWord {
	var out []textWord
	start := -1
	for i, r := range s {
		if r < utf8.RuneSelf && asciiAlnum[r] || r >= utf8.RuneSelf && isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, textWord{w: simplify(s[start:i]), start: start, end: i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, textWord{w: simplify(s[start:]), start: start, end: len(s)})
	}
	// simplify may split a word in two (rare: a letter it drops); keep one.
	for i := range out {
		out[i].w = strings.ReplaceAll(out[i].w, " ", "")
	}
	return out
}

// splitWordsASCII is splitWords for ASCII s, whose words are letters and
// digits only: each is its part of f, foldASCII(s), folded once for all.
func splitWordsASCII(s, f string) []textWord {
	n := 0
	for i := 0; i < len(s); i++ {
		if asciiAlnum[s[i]] && (i == 0 || !asciiAlnum[s[i-1]]) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]textWord, 0, n)
	start := -1
	for i := 0; i < len(f); i++ {
		if asciiAlnum[f[i]] {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, textWord{w: f[start:i], start: start, end: i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, textWord{w: f[start:], start: start, end: len(f)})
	}
	return out
}

// isWordRune says whether r belongs to a word of splitWords: a letter, a
// digit or a mark on one.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// wordScanner reads the words of splitWords one at a time, for callers that
// need only the first few.
type wordScanner struct {
	s   string
	pos int
	// vocab, when set, holds the only words the caller looks for, each
	// mapped to itself: an ASCII word of s not in it reads as "", and one in
	// it as the string of vocab, so that reading a capitalized word
	// allocates nothing.
	vocab *vocabSet
}

// vocabSet is the vocabulary of a wordScanner: words, each mapped to
// itself, and their lengths, which rule out most words of a text without
// looking them up.
type vocabSet struct {
	words map[string]string
	lens  lenFilter
}

func newVocabSet(words map[string]string) *vocabSet {
	v := &vocabSet{words: words}
	for w := range words {
		v.lens.add(w)
	}
	return v
}

// lenFilter holds the lengths of a set of strings by their first byte: it
// rules out a string that is not in the set, most of the time, for less
// than a map look-up costs. Bit n of entry c is set when a string of n
// bytes that starts with c is in the set, bit 63 for 63 bytes or more.
type lenFilter [256]uint64

// add puts s in the set.
func (f *lenFilter) add(s string) {
	if s != "" {
		f[s[0]] |= 1 << min(len(s), 63)
	}
}

// mayHold is false when s is not in the set; "" never is.
func (f *lenFilter) mayHold(s string) bool {
	return s != "" && f[s[0]]&(1<<min(len(s), 63)) != 0
}

// next returns the next word of splitWords(sc.s), and false at the end.
func (sc *wordScanner) next() (textWord, bool) {
	s := sc.s
	start := -1
	i := sc.pos
	for i < len(s) {
		r, size := rune(s[i]), 1
		var inWord bool
		if r < utf8.RuneSelf {
			inWord = asciiAlnum[r] // the ASCII letters and digits
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			inWord = isWordRune(r)
		}
		if inWord {
			if start < 0 {
				start = i
			}
			i += size
			continue
		}
		if start >= 0 {
			break
		}
		i += size
	}
	sc.pos = i
	if start < 0 {
		return textWord{}, false
	}
	w := s[start:i]
	if isASCII(w) {
		// Letters and digits only: simplify only lower-cases.
		if sc.vocab != nil {
			return textWord{w: vocabWord(sc.vocab, w), start: start, end: i}, true
		}
		return textWord{w: foldASCII(w), start: start, end: i}, true
	}
	return textWord{w: strings.ReplaceAll(simplify(w), " ", ""), start: start, end: i}, true
}

// vocabWord is foldASCII(w) as vocab holds it, or "" when vocab does not.
// w is a word of ASCII letters and digits: its folded first byte and its
// length are those of foldASCII(w).
func vocabWord(vocab *vocabSet, w string) string {
	if w == "" || vocab.lens[asciiFold[w[0]]]&(1<<min(len(w), 63)) == 0 {
		return "" // vocab.lens.mayHold(foldASCII(w)) is false
	}
	var buf [32]byte
	if len(w) > len(buf) {
		return vocab.words[foldASCII(w)]
	}
	for k := 0; k < len(w); k++ {
		buf[k] = asciiFold[w[k]]
	}
	return vocab.words[string(buf[:len(w)])]
}

// An event of an options answer: a label or a mark, in text order.
type optEvent struct {
	pos     int
	end     int
	code    string // a label; "" for a mark
	mark    bool
	checked bool
	word    bool // a mark written as a word ("yes", "X")
}

// Marks that tick a box, and marks of an empty box.
var (
	checkedMarks   = "☒☑✔✓✅■⊠▣◉●✗✘❎🗹"
	uncheckedMarks = "☐□○◯⬜❏❑▢"
)

// findMarks returns the check marks of s: [X], [x], (x), [✓], ☒, ☑, ✔, ✓…
// as checked, [ ], ( ), ☐ as not checked.
func findMarks(s string) []optEvent {
	// Room for the marks between brackets; those beyond ASCII are rare.
	out := make([]optEvent, 0, strings.Count(s, "[")+strings.Count(s, "("))
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf && c != '[' && c != '(' {
			// The other marks are all beyond ASCII.
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '[' || r == '(':
			closer := byte(']')
			if r == '(' {
				closer = ')'
			}
			j := strings.IndexByte(s[i+1:], closer)
			if j >= 0 && j <= 8 {
				// Trimmed first, "[ ]" needs no cleaning: the same result.
				inner := cleanSpaces(strings.TrimSpace(s[i+1 : i+1+j]))
				if inner == "" || inner == "_" {
					out = append(out, optEvent{pos: i, end: i + j + 2, mark: true})
					i += j + 2
					continue
				}
				if tickMark(inner) && !(r == '(' && strings.EqualFold(inner, "o")) {
					out = append(out, optEvent{pos: i, end: i + j + 2, mark: true, checked: true})
					i += j + 2
					continue
				}
			}
		case strings.ContainsRune(checkedMarks, r):
			out = append(out, optEvent{pos: i, end: i + size, mark: true, checked: true})
		case strings.ContainsRune(uncheckedMarks, r):
			out = append(out, optEvent{pos: i, end: i + size, mark: true})
		case (r == 'þ' || r == 'ý' || r == '¨') && standalone(s, i, size):
			// Word's Wingdings boxes as the text part shows them: þ ticked,
			// ý crossed, ¨ empty.
			out = append(out, optEvent{pos: i, end: i + size, mark: true, checked: r != '¨'})
		}
		i += size
	}
	return out
}

// tickMarks are what ticks a box between brackets, in lower case.
var tickMarks = []string{"x", "xx", "*", "•", "v", "✓", "✔", "☒", "☑", "✗", "✘", "ok", "o"}

// tickMark says whether s, in lower case, is one of tickMarks; it compares
// without lower-casing s into a new string.
func tickMark(s string) bool {
	for _, t := range tickMarks {
		if strings.EqualFold(s, t) {
			return true
		}
	}
	return false
}

// standalone says whether the rune at s[i:i+size] stands alone, between
// spaces or line ends.
func standalone(s string, i, size int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+size:])
	return (i == 0 || isSpaceRune(before)) && (i+size == len(s) || isSpaceRune(after))
}

// Words that pick every option, or none, simplified.
var (
	allWords = []string{"all", "all of them", "all of the above", "all options", "all the above", "tous", "toutes",
		"tous les themes", "toutes les options", "alle", "tutti", "tutte", "todos", "todas", "toate", "wszystkie",
		"vsechny", "vsetky", "mind", "mindegyik", "mindet", "svi", "sve", "всички", "сви", "ολα", "hepsi", "te gjitha",
		"kaikki", "everything"}
	noneWords = []string{"none", "nothing", "no one", "aucun", "aucune", "rien", "keine", "keiner", "nessuno",
		"nessuna", "ninguno", "ninguna", "nada", "niciunul", "niciuna", "nimic", "zadne", "ziadne", "zaden", "egyik sem",
		"egyik", "semmi", "geen", "geen enkele", "nenhum", "nenhuma", "nijedan", "nista", "никакви", "κανενα", "hicbiri",
		"asnje"}
	exceptWords = []string{"except", "but", "apart from", "other than", "sauf", "excepte", "hormis", "ausser",
		"bis auf", "tranne", "eccetto", "excepto", "menos", "salvo", "cu exceptia", "mai putin", "oprocz", "poza",
		"krome", "okrem", "kiveve", "behalve", "osim", "exceto"}
)

func hasPhrasePrefix(k string, list []string) bool {
	for _, p := range list {
		if hasPhrase(k, p) {
			return true
		}
	}
	return false
}

// hasPhrase says whether k is p or starts with p and a space.
func hasPhrase(k, p string) bool {
	return strings.HasPrefix(k, p) && (len(k) == len(p) || k[len(p)] == ' ')
}

// yesNoMarkWords are the words that tick (or not) the option they follow,
// as in "Education: yes, Housing: no".
var yesNoMarkWords = map[string]bool{"yes": true, "oui": true, "ja": true, "da": true, "si": true, "tak": true,
	"ano": true, "igen": true, "sim": true, "evet": true, "ναι": true, "да": true,
	"no": false, "non": false, "nein": false, "nu": false, "nie": false, "ne": false, "nem": false, "nao": false,
	"nee": false, "hayir": false, "οχι": false, "не": false}

// optionEvents finds the labels of question q's options in s, and the
// marks around them; f is foldText(s).
func optionEvents(q int, s, f string) []optEvent {
	labels := optionIndex()[q]
	starts := optionStarts()[q]
	marks := findMarks(s)
	var words []textWord
	if isASCII(s) {
		words = splitWordsASCII(s, f)
	} else {
		words = splitWordsUnicode(s)
	}
	// Each mark and each word gives at most one event.
	ev := make([]optEvent, 0, len(marks)+len(words))
	mi := 0
	for i := 0; i < len(words); {
		for mi < len(marks) && marks[mi].pos < words[i].start {
			ev = append(ev, marks[mi])
			mi++
		}
		matched := false
		// The labels that may start with this word, in their order: the
		// first that matches wins.
		exact, prefix := starts.byFirst[words[i].w], starts.prefix
		for len(exact) > 0 || len(prefix) > 0 {
			var li int
			if len(prefix) == 0 || len(exact) > 0 && exact[0] < prefix[0] {
				li, exact = exact[0], exact[1:]
			} else {
				li, prefix = prefix[0], prefix[1:]
			}
			l := labels[li]
			n := len(l.words)
			if i+n > len(words) {
				continue
			}
			ok := true
			for k, lw := range l.words {
				w := words[i+k].w
				if w == lw || (l.prefix && k == n-1 && strings.HasPrefix(w, lw)) {
					continue
				}
				ok = false
				break
			}
			if !ok {
				continue
			}
			// A mark inside the label's words would split two labels.
			end := words[i+n-1].end
			if mi < len(marks) && marks[mi].pos < end {
				continue
			}
			ev = append(ev, optEvent{pos: words[i].start, end: end, code: l.code})
			i += n
			matched = true
			break
		}
		if matched {
			continue
		}
		w := words[i]
		if w.w == "x" {
			ev = append(ev, optEvent{pos: w.start, end: w.end, mark: true, checked: true, word: true})
		} else if v, ok := yesNoMarkWords[w.w]; ok && q != 10 && q != 16 && len(ev) > 0 && ev[len(ev)-1].code != "" {
			// Only right after a label and set off from it: "Education: yes",
			// "Housing - no", "Health (yes)"; "Educație și Sănătate" is prose.
			gap := s[ev[len(ev)-1].end:w.start]
			if strings.ContainsAny(gap, ":-–=(\t") || strings.Contains(gap, "  ") {
				ev = append(ev, optEvent{pos: w.start, end: w.end, mark: true, checked: v, word: true})
			}
		}
		i++
	}
	for ; mi < len(marks); mi++ {
		ev = append(ev, marks[mi])
	}
	return ev
}

// parseOptions reads the options that an answer to question q (3, 10, 11,
// 12, 13 or 16) chooses, as codes in questionnaire order: options marked
// with [X], (x), ☒, ✓, X before or after their label, or "yes" after it;
// the options left when the others were deleted; or the labels and codes
// written in prose ("Education and housing"). answered is false when the
// text chooses nothing: an empty template ("[ ] Yes [ ] No") or text that
// names no option. "unknown", "none" and the like answer with no code.
func parseOptions(q int, s string) (codes []string, answered bool) {
	return parseOptionsFolded(q, s, foldText(s))
}

// parseOptionsFolded is parseOptions for s and f, foldText(s), which the
// caller may have already.
func parseOptionsFolded(q int, s, f string) (codes []string, answered bool) {
	codes = []string{}
	if _, ok := optionLists[q]; !ok {
		return codes, false
	}
	k := simplifyFolded(f)
	if unknownKey(f, k) {
		return codes, true
	}
	multi := !singleChoice(q)
	if multi && hasPhrasePrefix(k, noneWords) {
		return codes, true
	}
	ev := optionEvents(q, s, f)
	// "All", "all except health".
	if multi && hasPhrasePrefix(k, allWords) {
		except := false
		for _, w := range exceptWords {
			if strings.Contains(" "+k+" ", " "+w+" ") {
				except = true
			}
		}
		out := map[string]bool{}
		for _, c := range optionCodes(q) {
			out[c] = true
		}
		if except {
			for _, e := range ev {
				if e.code != "" {
					out[e.code] = false
				}
			}
		}
		return inOrder(q, out), true
	}
	// Merge the labels of one option that follow each other with no mark
	// between them: "Municipality (city, town, commune)".
	merged := ev[:0] // in place: it never outgrows what it has read
	for _, e := range ev {
		if n := len(merged); n > 0 && e.code != "" && merged[n-1].code == e.code {
			merged[n-1].end = e.end
			continue
		}
		merged = append(merged, e)
	}
	ev = merged
	nMarks, nLabels := 0, 0
	realMarks := 0
	for _, e := range ev {
		if e.mark {
			nMarks++
			if !e.word {
				realMarks++
			}
		} else {
			nLabels++
		}
	}
	if nLabels == 0 {
		return codes, false
	}
	// The codes chosen, in text order: a few of a short list.
	var chosenBuf [8]string
	chosen := chosenBuf[:0]
	choose := func(c string) {
		if !slices.Contains(chosen, c) {
			chosen = append(chosen, c)
		}
	}
	if nMarks == 0 {
		// Prose, or the options left after deleting the others.
		if !multi {
			if c := proseChoice(q, ev); c != "" {
				return []string{c}, true
			}
			return codes, false
		}
		for _, e := range ev {
			choose(e.code)
		}
		return inOrderOf(q, chosen), true
	}
	// Marks before or after labels: whichever pairs more labels with a mark.
	before, after := 0, 0
	for i, e := range ev {
		if e.code == "" {
			continue
		}
		if i > 0 && ev[i-1].mark {
			before++
		}
		if i+1 < len(ev) && ev[i+1].mark {
			after++
		}
	}
	useBefore := before > after || before == after && ev[0].mark
	if realMarks == 0 && before == after {
		// Word marks ("Education: yes") come after their labels.
		useBefore = false
	}
	// The codes of the labels, once each.
	var presentBuf [8]string
	present := presentBuf[:0]
	for i, e := range ev {
		if e.code == "" {
			continue
		}
		if !slices.Contains(present, e.code) {
			present = append(present, e.code)
		}
		var m *optEvent
		if useBefore && i > 0 && ev[i-1].mark {
			m = &ev[i-1]
		} else if !useBefore && i+1 < len(ev) && ev[i+1].mark {
			m = &ev[i+1]
		}
		if m != nil && m.checked {
			choose(e.code)
		}
	}
	if len(chosen) == 0 {
		// Every box empty. When some options were deleted, the ones left are
		// the choice; the whole list untouched is a blank template.
		if len(present) > 0 && len(present) < len(optionCodes(q)) && realMarks > 0 {
			allUnchecked := true
			for _, e := range ev {
				if e.mark && e.checked {
					allUnchecked = false
				}
			}
			if allUnchecked && (multi || len(present) == 1) {
				if !multi {
					for _, e := range ev {
						if e.code != "" {
							return []string{e.code}, true
						}
					}
				}
				return inOrderOf(q, present), true
			}
		}
		return codes, false
	}
	if !multi {
		return []string{chosen[0]}, true
	}
	return inOrderOf(q, chosen), true
}

// proseChoice picks the one code that a prose answer to a single-choice
// question gives: for the yes/no questions an undecided answer wins over the
// words yes and no ("no, not yet decided" is undecided), then the first
// label written.
func proseChoice(q int, ev []optEvent) string {
	if q == 10 {
		for _, e := range ev {
			if e.code == "undecided" {
				return e.code
			}
		}
	}
	for _, e := range ev {
		if e.code != "" {
			return e.code
		}
	}
	return ""
}

// inOrder returns the codes set in m in questionnaire order.
func inOrder(q int, m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for _, c := range optionCodes(q) {
		if m[c] {
			out = append(out, c)
		}
	}
	return out
}

// inOrderOf is inOrder for the codes of a list.
func inOrderOf(q int, list []string) []string {
	out := make([]string, 0, len(list))
	for _, c := range optionCodes(q) {
		if slices.Contains(list, c) {
			out = append(out, c)
		}
	}
	return out
}
