package intake

// This file guesses the language a message is written in. Replies quote the
// English or French questionnaire and often answer with its labels, so the
// guess is made on the reply's own text: not quoted, above the first reply
// header, without disclaimers. A trigram model (whatlanggo) is good at
// French and English but weak on the languages that share much of their
// vocabulary (Spanish, Italian, Portuguese; Czech and Slovak; the Slavic
// languages of the Balkans), so common words and letters proper to each
// language decide first, and the model breaks ties.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// stopWords are frequent words of each language: function words and the
// words of greetings and closings in letters. Words shared by several
// languages count for each.
var stopWords = map[string]string{
	"en": "the and of to in is are we our you your for with this that please find would be have has will on as at by it not from dear regards thank thanks kind best attached below answers questionnaire sincerely faithfully hello hi",
	"fr": "le la les de des du et est nous vous votre vos pour avec dans une un sur au aux pas ne qui que ce cette sont bonjour madame monsieur cordialement merci notre nos ci-dessous veuillez trouver souhaite être également réponses salutations bien à vous",
	"de": "der die das und ist wir sie ihr ihre ihnen mit für von zu den dem des ein eine nicht auf im bei sehr geehrte damen herren freundlichen grüßen grüssen bitte unsere unser auch wird werden haben anbei antworten fragebogen stadt",
	"it": "il lo la gli le di e è che per con un una del della dei delle non sono siamo nostro nostra vostro gentili cordiali saluti grazie questo questa anche alla al nel nella risposte allegato distinti",
	"es": "el la los las de del y que en es por para con un una no su sus nuestro nuestra les estimados estimadas saludo cordial atentamente gracias adjunto señores señoras está están muy también ayuntamiento respuestas cuestionario remitimos",
	"pt": "o a os as de do da dos das e que em no na um uma para com não por nosso nossa são está também cumprimentos obrigado obrigada atenciosamente senhores caros respostas questionário município câmara",
	"nl": "de het een en van in is dat op te voor met zijn wij we u uw niet ook bij geachte vriendelijke groet groeten hierbij onze antwoorden gemeente",
	"ro": "și si în de la cu pe este sunt că pentru din nu o un vă va mai care al ale lui noastră dumneavoastră stimate stimată stimă mulțumesc jos răspunsurile primăria municipiului transmitem",
	"hu": "a az és hogy nem is egy van vagy meg csak mint már még kérdőív kérdőívet tisztelt üdvözlettel köszönöm által alatt szerint valamint önkormányzat kérjük válaszait küldjük mellékelten",
	"pl": "i w z na do nie się że jest to od o dla po przez jak oraz są jako szanowni państwo pozdrawiam poważaniem dziękuję przesyłam naszej nasz gmina miasta odpowiedzi ankietę",
	"cs": "a v na se je z že to do o k s pro jsou jako ale by jsme váš vám dobrý den děkuji pozdravem zasíláme naše našeho také který která vážení odpovědi dotazník město",
	"sk": "a v na sa je z že to do o k s pre sú ako ale by sme váš vám dobrý deň ďakujem pozdravom zasielame naše nášho aj ktorý ktorá vážení odpovede dotazník mesto",
	"hr": "i u je na se da za od su sa ili kao što koji koja poštovani pozdrav hvala našeg naše grad također nam vam biti će tko gdje mjesto lijepo odgovore upitnik",
	"sr": "i u je na se da za od su sa ili kao što koji koja poštovani pozdrav hvala našeg naše grad takođe nam vam biti će ko gde mesto lepo odgovore upitnik и у је на се да за од су са или као што који поштовани поздрав хвала града",
	"sl": "in je v na se za da so z ki pa spoštovani lep pozdrav hvala naše mesto tudi občina odgovore vprašalnik",
	"bg": "и на за в да се от с е са по че не ли като към при уважаеми поздрави благодаря нашата община отговорите въпросника",
	"ru": "и в не на что с по это как из для уважаемые спасибо",
	"uk": "і в у не на що з до це як для шановні дякую",
	"el": "και το η ο της του των να με για σε που από είναι στο στην αξιότιμοι ευχαριστώ παρακαλώ δήμος",
	"tr": "ve bir bu için ile da de olarak çok saygılarımla belediyesi",
	"sq": "dhe të në për me një është nga që faleminderit përshëndetje bashkia",
}

// langCodes are the languages that stopWords and letterHints name, and
// langIndex their indexes in it: guessLanguage scores them in an array.
var langCodes, langIndex = func() ([]string, map[string]int) {
	var codes []string
	index := make(map[string]int)
	add := func(l string) {
		if _, ok := index[l]; !ok {
			index[l] = len(codes)
			codes = append(codes, l)
		}
	}
	for l := range stopWords {
		add(l)
	}
	for _, l := range letterHints {
		add(l)
	}
	if len(codes) > maxLangs {
		panic("intake: more languages than maxLangs")
	}
	return codes, index
}()

// maxLangs bounds the languages of langCodes.
const maxLangs = 32

// stopIndex holds the languages (by langIndex) of each stop word, and
// stopLens their lengths, which rule out most other words.
var stopIndex, stopLens = func() (map[string][]int, *lenFilter) {
	m := make(map[string][]int)
	lens := new(lenFilter)
	for lang, list := range stopWords {
		for _, w := range strings.Fields(list) {
			m[w] = append(m[w], langIndex[lang])
			lens.add(w)
		}
	}
	return m, lens
}()

// letterHints are letters proper to a language (or nearly so).
var letterHints = map[rune]string{
	'ă': "ro", 'ș': "ro", 'ț': "ro", 'ş': "ro", 'ţ': "ro",
	'ő': "hu", 'ű': "hu",
	'ą': "pl", 'ę': "pl", 'ł': "pl", 'ś': "pl", 'ź': "pl", 'ż': "pl", 'ń': "pl",
	'ř': "cs", 'ě': "cs", 'ů': "cs",
	'ľ': "sk", 'ĺ': "sk", 'ŕ': "sk", 'ô': "sk", 'ä': "sk",
	'đ': "hr",
	'ã': "pt", 'õ': "pt",
	'ñ': "es", '¿': "es", '¡': "es",
	'ß': "de",
	'ç': "fr", 'œ': "fr", 'è': "fr", 'ê': "fr",
	'ı': "tr", 'ğ': "tr",
	'ë': "sq",
	'ђ': "sr", 'ћ': "sr", 'џ': "sr", 'љ': "sr", 'њ': "sr", 'ј': "sr",
	'ъ': "bg", 'щ': "bg",
	'ы': "ru", 'э': "ru", 'ё': "ru",
	'є': "uk", 'ї': "uk", 'ґ': "uk", 'і': "uk",
	'ѓ': "mk", 'ќ': "mk", 'ѕ': "mk",
}

// letterHintIndex is letterHints by langIndex.
var letterHintIndex = func() map[rune]int {
	m := make(map[rune]int, len(letterHints))
	for r, l := range letterHints {
		m[r] = langIndex[l]
	}
	return m
}()

// whatlangLangs are the languages the model may answer.
var whatlangLangs = map[whatlanggo.Lang]bool{
	whatlanggo.Eng: true, whatlanggo.Fra: true, whatlanggo.Deu: true, whatlanggo.Ita: true, whatlanggo.Spa: true,
	whatlanggo.Por: true, whatlanggo.Nld: true, whatlanggo.Ron: true, whatlanggo.Hun: true, whatlanggo.Pol: true,
	whatlanggo.Ces: true, whatlanggo.Hrv: true, whatlanggo.Srp: true, whatlanggo.Slv: true, whatlanggo.Bul: true,
	whatlanggo.Ell: true, whatlanggo.Rus: true, whatlanggo.Ukr: true, whatlanggo.Tur: true, whatlanggo.Mkd: true,
	whatlanggo.Fin: true, whatlanggo.Swe: true, whatlanggo.Dan: true, whatlanggo.Nob: true, whatlanggo.Lit: true,
	whatlanggo.Lav: true, whatlanggo.Est: true,
}

// detectLanguage returns the ISO 639-1 code of the main language of the
// message's own text, or "" when unsure. text is the subject, a line break
// and the body, as Parse gives it; the subject only counts when the body
// says too little, and not when it is a reply's ("Re: Questionnaire…": the
// words are the Alliance's).
func detectLanguage(text string) string {
	if len(text) > 1<<20 {
		text = text[:1<<20]
	}
	subject, body := "", text
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		subject, body = text[:i], text[i+1:]
	}
	return languageOf(subject, splitLines(body))
}

// language is detectLanguage(m.env.Subject + "\n" + m.text), with the lines
// of the body shared with the other detectors.
func (m *message) language() string {
	subject, body := m.env.Subject, m.text
	if strings.IndexByte(subject, '\n') >= 0 || len(subject) >= 1<<20 {
		return detectLanguage(subject + "\n" + body)
	}
	if n := 1<<20 - len(subject) - 1; len(body) > n {
		body = body[:n]
	}
	return languageOf(subject, m.lines(body))
}

// languageOf is detectLanguage on the subject and the lines of the body.
func languageOf(subject string, body []tline) string {
	own, letters := replyOwnText(body)
	if subj := stripSubjectPrefixes(subject); letters < 40 && subj == strings.TrimSpace(subject) {
		// A subject of the sender's own (not "Re: <ours>") says something.
		own = subj + "\n" + own
		letters += letterCount(subj)
	}
	if letters < 12 {
		return ""
	}
	return guessLanguage(own)
}

func letterCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// stripSubjectPrefixes removes "Re:", "AW:", "Fwd:" and the like.
func stripSubjectPrefixes(s string) string {
	for {
		t := strings.TrimSpace(s)
		i := strings.IndexByte(t, ':')
		if i <= 0 || i > 5 || strings.ContainsAny(t[:i], " \t") {
			return t
		}
		s = t[i+1:]
	}
}

// replyOwnText is what the sender wrote: unquoted lines above the first reply
// header, without disclaimers and separators. A message that is only a
// forward keeps the forwarded text. It returns the text, each line with its
// line feed, and its letterCount: the lines are counted first, and the text
// made only of those kept.
func replyOwnText(lines []tline) (string, int) {
	above := func(l *tline) bool {
		return l.depth == 0 && !l.blank && l.kind != lineDisclaim && l.kind != lineSeparator && l.kind != lineSigSep
	}
	end := len(lines)
	letters := 0
	for i := range lines {
		if lines[i].kind == lineReply {
			end = i
			break
		}
		if above(&lines[i]) {
			letters += letterCount(lines[i].text)
		}
	}
	keep := above
	if letters < 40 {
		// Little or nothing above the quote: read the unquoted text below too.
		end, letters = len(lines), 0
		keep = func(l *tline) bool { return l.depth == 0 && !l.blank && l.kind == lineText }
		for i := range lines {
			if keep(&lines[i]) {
				letters += letterCount(lines[i].text)
			}
		}
	}
	n := 0
	for i := range lines[:end] {
		if keep(&lines[i]) {
			n += len(lines[i].text) + 1
		}
	}
	var b strings.Builder
	b.Grow(n)
	for i := range lines[:end] {
		if keep(&lines[i]) {
			b.WriteString(lines[i].text)
			b.WriteByte('\n')
		}
	}
	return b.String(), letters
}

// asciiWordByte says which ASCII characters guessLanguage reads as part of
// a word: the letters, the hyphen and the apostrophe.
var asciiWordByte = func() (in [utf8.RuneSelf]bool) {
	for c := range rune(utf8.RuneSelf) {
		in[c] = unicode.IsLetter(c) || c == '-' || c == '\''
	}
	return in
}()

// trimWordMarks is strings.Trim(w, "-'"), without building the set of its
// cutset for each word.
func trimWordMarks(w string) string {
	for w != "" && (w[0] == '-' || w[0] == '\'') {
		w = w[1:]
	}
	for w != "" && (w[len(w)-1] == '-' || w[len(w)-1] == '\'') {
		w = w[:len(w)-1]
	}
	return w
}

// guessLanguage scores common words and proper letters, then asks the
// trigram model when the scores do not decide.
func guessLanguage(s string) string {
	// The scores by langIndex; a language scores when it is above 0.
	var score [maxLangs]float64
	words := 0
	low := toLower(s)
	addWord := func(w string) {
		w = trimWordMarks(w)
		if w == "" {
			return
		}
		words++
		if !stopLens.mayHold(w) {
			return
		}
		langs := stopIndex[w]
		for _, l := range langs {
			score[l] += 1 / float64(len(langs))
		}
	}
	// The words are the runs of letters, hyphens and apostrophes. The
	// letters proper to a language are counted on the way: they are all
	// beyond ASCII.
	var hints [maxLangs]int
	start := -1
	for i := 0; i < len(low); {
		var inWord bool
		size := 1
		if c := low[i]; c < utf8.RuneSelf {
			inWord = asciiWordByte[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(low[i:])
			inWord = unicode.IsLetter(r)
			if l, ok := letterHintIndex[r]; ok {
				hints[l]++
			}
		}
		if inWord {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			addWord(low[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		addWord(low[start:])
	}
	for l, n := range hints {
		if n > 6 {
			n = 6
		}
		score[l] += 0.75 * float64(n)
	}
	// The best two, by score then code.
	bi, si := -1, -1
	for l, v := range score[:len(langCodes)] {
		if v <= 0 {
			continue
		}
		if bi < 0 || v > score[bi] || v == score[bi] && langCodes[l] < langCodes[bi] {
			si = bi
			bi = l
		} else if si < 0 || v > score[si] || v == score[si] && langCodes[l] < langCodes[si] {
			si = l
		}
	}
	best, second := "", ""
	bs, ss := 0.0, 0.0 // their scores
	if bi >= 0 {
		best, bs = langCodes[bi], score[bi]
	}
	if si >= 0 {
		second, ss = langCodes[si], score[si]
	}
	// Clear scores decide without the model, which costs the most.
	if best != "" && bs >= 3 && bs >= 1.4*ss {
		return refineSlavic(best, low)
	}
	model := ""
	info := whatlanggo.DetectWithOptions(s, whatlanggo.Options{Whitelist: whatlangLangs})
	if info.Lang >= 0 && whatlangLangs[info.Lang] {
		model = info.Lang.Iso6391()
	}
	if best != "" {
		switch {
		case bs >= 1.5 && model == best:
			return refineSlavic(best, low)
		case bs >= 2 && model == second && ss >= 2:
			return refineSlavic(second, low)
		}
	}
	modelScored := false
	if l, ok := langIndex[model]; ok {
		modelScored = score[l] > 0
	}
	if model != "" && info.Confidence >= 0.25 && (best == "" || modelScored || words < 8) {
		return refineSlavic(model, low)
	}
	if best != "" && bs >= 3 && bs > ss {
		return refineSlavic(best, low)
	}
	return ""
}

// toLower is strings.ToLower, which maps the runes of a text that is not
// all ASCII one by one through a function: this one writes the ASCII
// characters, most of any text, directly.
func toLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		// An invalid byte is utf8.RuneError, written as "\uFFFD" as
		// strings.ToLower writes it.
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(unicode.ToLower(r))
		i += size
	}
	return b.String()
}

// refineSlavic tells Serbian from Croatian (ekavian "mesto", "gde" and
// Cyrillic are Serbian; ijekavian "mjesto", "gdje" Croatian), and Czech from
// Slovak by their letters. low is the text, lower-cased.
func refineSlavic(lang, low string) string {
	switch lang {
	case "hr", "sr":
		low = " " + low + " "
		cyr, ije, eka := 0, 0, 0
		for _, r := range low {
			if unicode.Is(unicode.Cyrillic, r) {
				cyr++
			}
		}
		for _, w := range []string{"mjest", "gdje", "lijep", "tko", "tisuć", "također", "sveučilišt", "općin", "mjesec", "vrijem", "uvjet", "pozdravljam", "srdačan"} {
			ije += strings.Count(low, w)
		}
		for _, w := range []string{"mest", " gde ", "lep", " ko ", "hiljad", "takođe", "univerzitet", "opštin", "mesec", "vreme", "uslov", "grad ", "srpsk"} {
			eka += strings.Count(low, w)
		}
		if cyr > 10 || eka > ije {
			return "sr"
		}
		if ije > eka {
			return "hr"
		}
		return lang
	case "cs", "sk":
		cs, sk := 0, 0
		for _, r := range low {
			switch r {
			case 'ř', 'ě', 'ů':
				cs++
			case 'ľ', 'ĺ', 'ŕ', 'ô', 'ä':
				sk++
			}
		}
		if sk > cs {
			return "sk"
		}
		if cs > sk {
			return "cs"
		}
	}
	return lang
}
