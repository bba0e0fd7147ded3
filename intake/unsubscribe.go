package intake

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file recognises requests to stop receiving mail: a message to the
// unsubscribe address, or a short message whose subject or first lines ask
// to leave, in the main languages of the member states. A questionnaire
// answer "newsletter: no" is not such a request (the questionnaire records
// it), and neither is a long letter that mentions unsubscribing in passing.

const (
	// maxUnsubscribeText is the longest own text (quotes removed) read as an
	// unsubscribe request.
	maxUnsubscribeText = 1200
	// maxUnsubscribeLines is the number of the own text's first non-empty
	// lines where the request must be.
	maxUnsubscribeLines = 5
)

// findUnsubscribe returns the request to leave that m makes, or nil. The
// address is the sender's, or the one the request names ("please remove
// j.doe@example.org").
func findUnsubscribe(m *message, opt *Options) *Unsubscribe {
	if m == nil || m.env == nil {
		return nil
	}
	from := strings.ToLower(strings.TrimSpace(m.env.From))
	if !strings.Contains(from, "@") {
		if a := bounceAddrRe.FindString(from); a != "" {
			from = strings.ToLower(a)
		}
	}
	if opt != nil && opt.UnsubscribeAddress != "" {
		for _, a := range append(append([]string{}, m.env.To...), m.env.Cc...) {
			if strings.EqualFold(strings.TrimSpace(a), opt.UnsubscribeAddress) {
				return &Unsubscribe{Address: from}
			}
		}
	}
	if oneClickUnsubscribe(m) {
		return &Unsubscribe{Address: from}
	}
	if isReport(m) || fromMailingList(m) {
		return nil
	}
	own := ownText(m, maxUnsubscribeText)
	if len(own) > maxUnsubscribeText || questionnaireLike(own) {
		return nil
	}
	ours := map[string]bool{ownMailbox: true, from: true}
	if opt != nil && opt.UnsubscribeAddress != "" {
		ours[strings.ToLower(opt.UnsubscribeAddress)] = true
	}
	for _, a := range append(append([]string{}, m.env.To...), m.env.Cc...) {
		ours[strings.ToLower(a)] = true
	}
	subject := stripReplyPrefixes(m.env.Subject)
	found := false
	named := ""
	if loc := unsubscribeCue(subject); loc != nil {
		found = true
		named = namedAddress(subject, loc[0], ours)
	}
	n := 0
	for _, line := range strings.Split(own, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if n++; n > maxUnsubscribeLines {
			break
		}
		if answerLineRe.MatchString(line) {
			continue
		}
		loc := unsubscribeCue(line)
		if loc == nil {
			continue
		}
		found = true
		if named == "" {
			named = namedAddress(line, loc[0], ours)
		}
		if named == "" {
			// "Please remove the following address:" and the address below.
			if rest := strings.TrimSpace(line[loc[1]:]); rest == "" || strings.HasSuffix(rest, ":") {
				named = nextLineAddress(own, line, ours)
			}
		}
		break
	}
	if !found {
		return nil
	}
	if named != "" {
		return &Unsubscribe{Address: named}
	}
	return &Unsubscribe{Address: from}
}

// oneClickUnsubscribe says whether a mail client sent m to our
// List-Unsubscribe address on its user's behalf (Apple Mail marks it
// "X-Apple-Unsubscribe: true", and Auto-Submitted).
func oneClickUnsubscribe(m *message) bool {
	return strings.EqualFold(strings.TrimSpace(m.header.Get("X-Apple-Unsubscribe")), "true")
}

// fromMailingList says whether m was relayed by a mailing list, whose footer
// tells how to unsubscribe from it.
func fromMailingList(m *message) bool {
	h := m.header
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" || h.Get("Mailing-List") != "" || h.Get("X-Mailman-Version") != "" {
		return true
	}
	switch headerKeyword(h.Get("Precedence")) {
	case "list", "bulk", "junk":
		return true
	}
	return false
}

// unsubscribeRe matches a request to leave, in the main languages of the
// member states.
var unsubscribeRe = mustCompileLit(`(?i)(?:` +
	// English
	`\bun-?subscribe\b|\bunsubscription\b|remove (?:me|us|my (?:e-?mail|address|name|contact)|our (?:e-?mail|address)|this (?:e-?mail|address)|the (?:following )?(?:e-?mail|address)(?:es)?|[^\s@]+@[^\s@]+\.\w+)\b|` +
	`take (?:me|us|my (?:e-?mail|address|name)) off|delete (?:me|my (?:e-?mail|address|details))|stop (?:sending|emailing|e-mailing|mailing)|` +
	`(?:no longer|don'?t|do not) (?:wish|want|like) to (?:receive|get|be on)|opt[- ]?out\b|` +
	`(?:please )?(?:do not|don'?t) (?:send|e-?mail|contact) (?:me|us) (?:any ?more|again)|` +
	// French
	`d[ée]sabonn|d[ée]sinscri|d[ée]-?inscri|ne (?:souhaite|veux|d[ée]sire) plus recevoir|ne plus recevoir|` +
	`(?:retirer|supprimer|enlever|radier|effacer)[- ]?(?:moi|nous)|(?:retirez|supprimez|enlevez|radiez|effacez)[- ](?:moi|nous|mon adresse|notre adresse|mes coordonn[ée]es|l'adresse)|` +
	`(?:retirer|supprimer|enlever|radier) (?:mon|notre) (?:adresse|nom|contact)|` +
	// German
	`abmelden|abmeldung|abbestellen|austragen|(?:melden|tragen) sie (?:mich|uns)\b[^.!?\n]{0,60}\b(?:ab|aus)\b|(?:aus|von) (?:ihrem|dem|diesem|ihrer) (?:verteiler|liste|mailingliste|newsletter) (?:zu )?(?:entfernen|streichen|nehmen|l[öo]schen)|` +
	`(?:entfernen|l[öo]schen|streichen) sie (?:mich|uns|meine adresse)|keine (?:weiteren )?(?:e-?mails|nachrichten|newsletter|informationen) mehr|` +
	// Spanish, Portuguese, Italian
	`dar(?:me|nos|se)? de baja|darse de baja|baja de (?:la|su|esta) lista|cancelar (?:la |mi )?suscripci[óo]n|anular (?:la |mi )?suscripci[óo]n|` +
	`no (?:deseo|quiero|deseamos|queremos) (?:seguir )?recibir|elim[íi]n(?:en|eme|arme|ar mi)|` +
	`cancelar (?:a |minha )?(?:subscri[çc][ãa]o|inscri[çc][ãa]o|assinatura)|descadastr|remov(?:er|am)[- ]?me|anular (?:a )?subscri[çc][ãa]o|n[ãa]o (?:desejo|quero) (?:mais )?receber|` +
	`disiscriv|cancellami|cancellarmi|cancellateci|rimuover(?:mi|ci)|rimuovetemi|annullare (?:l'|la mia )?iscrizione|non (?:desidero|voglio) (?:pi[ùu] )?ricevere|` +
	// Dutch, Polish, Czech, Slovak, Romanian, Hungarian
	`uitschrijven|afmelden|schrijf (?:mij|me|ons) uit|meld (?:mij|me|ons) af|verwijder (?:mij|me|ons|mijn)|` +
	`wypisz|wypisa[ćc]|wypisanie|rezygnuj[eę] z|usu[ńn](?:cie)? (?:mnie|m[óo]j)|nie chc[ęe] (?:ju[żz] )?otrzymywa[ćc]|` +
	`odhl[áa]sit|odhl[áa][šs]en[íi]|odhlaste|odhl[áa]si[ťt]|odhl[áa]senie|nechci (?:u[žz] )?dost[áa]vat|` +
	`dezabon|nu mai doresc s[ăa] primesc|` +
	`leiratkoz|t[öo]r[öo]lj[eé]k|t[öo]r[öo]ljenek|` +
	// South Slavic, Greek, Cyrillic, Turkish, Nordic, Baltic
	`odjav(?:a|ite|iti|i me)|ne [žz]elim (?:vi[šs]e )?(?:primati|dobivati)|` +
	`διαγραφ|απεγγραφ|` +
	`отпис|відпис|` +
	`abonelikten [çc][ıi]k|listeden [çc][ıi]kar|` +
	`avregistrer|avsluta (?:min )?prenumeration|avprenumerer|afmeld|avmeld|frameld|` +
	`peruuta tilaus|poista minut|atsisakyti prenumeratos|atrakst[īi]t|loobu` +
	`)`)

// negationRe matches a negation right before a request ("please do not
// unsubscribe us").
var negationRe = regexp.MustCompile(`(?i)(?:\bnot|n't|\bnever|\bnicht|\bne pas|\bpas|\bniet|\bnie|\bnon)\W+(?:\w+\W+){0,2}$`)

// urlRe matches links, whose "unsubscribe" is no request.
var urlRe = mustCompileLit(`(?i)(?:https?://|www\.)\S+|<mailto:[^>]*>|mailto:\S+`)

// unsubscribeCue returns where s asks to leave, or nil.
func unsubscribeCue(s string) []int {
	s = urlRe.ReplaceAllStringFunc(s, func(u string) string { return strings.Repeat(" ", len(u)) })
	for _, loc := range unsubscribeRe.FindAllStringIndex(s, 4) {
		if !negationRe.MatchString(s[:loc[0]]) {
			return loc
		}
	}
	return nil
}

// answerLineRe matches a questionnaire answer line ("Newsletter: no",
// "16. Unsubscribe from the newsletter - yes").
var answerLineRe = regexp.MustCompile(`(?i)[:\-–=]\s*(?:\[?x\]?\s*)?(?:yes|no|oui|non|ja|nein|s[íi]|n[ãa]o|nee|tak|nie|da|ne|igen|nem|ano|jah|ei|kyll[äa]|nej)\s*[.!]?$`)

// questionLineRe matches a numbered question or answer line ("16.", "Q16:").
var questionLineRe = regexp.MustCompile(`(?im)^\s*(?:q(?:uestion)?\s*)?\d{1,2}\s*[.):]\s`)

// questionnaireLike says whether text reads as answers to numbered questions.
func questionnaireLike(text string) bool {
	return len(questionLineRe.FindAllStringIndex(text, 4)) >= 4
}

// namedAddress returns the address written in s in the request that starts
// at at, when it is not one of ours.
func namedAddress(s string, at int, ours map[string]bool) string {
	rest := s[at:]
	if len(rest) > 80 {
		rest = rest[:80]
	}
	loc := bounceAddrRe.FindStringIndex(rest)
	if loc == nil {
		return ""
	}
	if strings.Contains(strings.ToLower(rest[:loc[0]]), "contact") {
		return ""
	}
	a := cleanAddr(rest[loc[0]:loc[1]])
	if ours[a] {
		return ""
	}
	return a
}

// nextLineAddress returns the address alone on the line after line in text.
func nextLineAddress(text, line string, ours map[string]bool) string {
	i := strings.Index(text, line)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(text[i+len(line):], "\n \t")
	next, _, _ := strings.Cut(rest, "\n")
	next = strings.Trim(strings.TrimSpace(next), "<>")
	if a := bounceAddrRe.FindString(next); a != "" && len(a) >= len(next)-2 {
		if a = cleanAddr(a); !ours[a] {
			return a
		}
	}
	return ""
}

// replyPrefixesRe matches the reply and forward prefixes of a subject.
var replyPrefixesRe = regexp.MustCompile(`(?i)^\s*(?:(?:re|aw|sv|vs|odp|antw|r|rif|res|ynt|wg|tr|fw|fwd|enc|doorst|отв|απ)\s*(?:\[\d+\])?\s*:\s*)+`)

func stripReplyPrefixes(s string) string {
	return replyPrefixesRe.ReplaceAllString(s, "")
}

// ownText returns what the sender of m wrote: the body without quoted lines
// ("> ..."), without the quoted original below "-----Original Message-----",
// "On ... wrote:" and their translations, and without the signature. It stops
// reading once it has more than limit bytes.
func ownText(m *message, limit int) string {
	// The lines are read once per message, for the largest limit asked: for
	// a smaller one, reading stops after the same line as it does in those
	// read, the first whose end is past limit.
	if m.own == nil || m.ownLimit < limit {
		own := readOwnText(m, limit)
		m.own, m.ownLimit = &own, limit
	}
	own := *m.own
	if len(own) > limit {
		if i := strings.IndexByte(own[limit:], '\n'); i >= 0 {
			own = own[:limit+i+1]
		}
	}
	return strings.TrimSpace(own)
}

// readOwnText is ownText's lines, each with its line feed, untrimmed.
func readOwnText(m *message, limit int) string {
	text := m.text
	if strings.TrimSpace(text) == "" && m.html != "" {
		text = m.strippedHTML()
	}
	if len(text) > 256<<10 {
		text = text[:256<<10]
	}
	var b strings.Builder
	b.Grow(min(len(text), limit) + 1)
	for line, rest, more := cutLine(text); ; line, rest, more = cutLine(rest) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, ">") || strings.HasPrefix(t, "|") {
			if !more {
				break
			}
			continue
		}
		if t == "--" || t == "---" || quoteStartRe.MatchString(t) || sentFromRe.MatchString(t) {
			break
		}
		if headerBlockStart(line, rest, more) {
			break
		}
		if wroteRe.mayMatch(t) && endsWithWroteVerb(t) && wroteRe.MatchString(t) {
			break
		}
		if more && len(t) < 200 && wroteIntroRe.MatchString(t) {
			next, _, _ := cutLine(rest)
			if two := t + " " + strings.TrimSpace(next); endsWithWroteVerb(two) && wroteRe.MatchString(two) {
				break
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
		if b.Len() > limit || !more {
			break
		}
	}
	return b.String()
}

var (
	// quoteStartRe matches the separators above a quoted or forwarded message.
	quoteStartRe = mustCompileStart(`(?i)^(?:[-_=*]{2,}\s*(?:original message|message d'origine|ursp(?:r[üu]|ru)ngliche nachricht|originalnachricht|messaggio originale|mensaje original|mensagem original|oorspronkelijk bericht|origineel bericht|forwarded message|message transf[ée]r[ée]|weitergeleitete nachricht|wiadomo[śs][ćc] oryginalna|p[ůu]vodn[íi] zpr[áa]va|p[ôo]vodn[áa] spr[áa]va|izvorna poruka|originalna poruka|izvirno sporo[čc]ilo|mesaj original|mesajul original|eredeti [üu]zenet|оригинално съобщение|исходное сообщение|пересланное сообщение|оригінальне повідомлення|αρχικό μήνυμα|orijinal ileti|alkuper[äa]inen viesti|ursprungligt meddelande|oprindelig meddelelse|opprinnelig melding|originali žinutė|s[äa]kotn[ēe]j[āa] zi[ņn]a|algne kiri)|_{8,}|-{8,}|={8,})\s*[-_=*]*\s*$`)
	// sentFromRe matches the signature of mobile mail clients.
	sentFromRe = mustCompileStart(`(?i)^(?:sent from my|envoy[ée] de mon|von meinem|inviato da|enviado desde|enviado do meu|verzonden vanaf|wys[łl]ane z)\b`)
	// wroteRe matches "On <date>, <name> wrote:" and its translations.
	wroteRe = mustCompileStart(`(?i)^(?:on|le|am|el|il|em|op|w dniu|dne|den|dana|în|la|на|στις|\d).{0,200}(?:wrote|a [ée]crit|schrieb|escribi[óo]|ha scritto|scrisse|escreveu|schreef|napisa[łl](?:\(a\))?|napsal(?:\(a\))?|skrev|kirjoitti|je napisao|je napisala|a scris|[íi]rta|написа|написал|написала|написав|έγραψε|yazd[ıi])\s*:?\s*$`)
	// wroteIntroRe matches the start of a "wrote:" line split in two.
	wroteIntroRe = mustCompileStart(`(?i)^(?:on|le|am|el|il|em|op|w dniu|dne|den|dana|în|la|на|στις)\s`)
	// headerFieldRe matches the first line of a quoted header block
	// (Outlook: "From: ... Sent: ..."), in many languages.
	quotedFromRe = mustCompileStart(`(?i)^\*?(?:from|von|de|da|van|od|fr[åa]n|fra|від|от|από|kimden|felad[óo]|mittente|remitente|exp[ée]diteur|lähettäjä|saatja|siuntėjas|sūtītājs)\s*\*?\s*:`)
	quotedSentRe = mustCompileStart(`(?i)^\*?(?:sent|date|gesendet|datum|envoy[ée]|date d'envoi|inviato|data|enviado|enviada|fecha|verzonden|wys[łl]ano|odesl[áa]no|odoslan[ée]|poslano|poslato|trimis|elk[üu]ldve|d[áa]tum|skickat|sendt|l[äa]hetetty|отправлено|изпратено|надіслано|στάλθηκε|g[öo]nderildi|tarih|to|an|[àa]|a|para|aan|do|till|til|kime|címzett|subject|betreff|objet|oggetto|asunto|assunto|onderwerp|temat|p[řr]edm[ěe]t)\s*\*?\s*:`)
)

// wroteVerbs are the verbs that end a wroteRe match, one entry per spelling
// its character classes allow.
var wroteVerbs = []string{
	"wrote", "a écrit", "a ecrit", "schrieb", "escribió", "escribio", "ha scritto", "scrisse",
	"escreveu", "schreef", "napisał", "napisal", "napisał(a)", "napisal(a)", "napsal", "napsal(a)",
	"skrev", "kirjoitti", "je napisao", "je napisala", "a scris", "írta", "irta",
	"написа", "написал", "написала", "написав", "έγραψε", "yazdı", "yazdi",
}

// endsWithWroteVerb says whether s ends as a wroteRe match must: one of
// wroteVerbs in any case (the case folding of (?i)), then white space and a
// colon at most. It is much cheaper than wroteRe, whose ".{0,200}" makes the
// regexp machine carry up to 200 threads through every line that starts
// with "on", "le" or a digit; wroteRe still decides.
func endsWithWroteVerb(s string) bool {
	s = trimRightRegexpSpace(s)
	if strings.HasSuffix(s, ":") {
		s = trimRightRegexpSpace(s[:len(s)-1])
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	for _, v := range wroteVerbsByLast().of(foldRune(last)) {
		tail := s
		for range utf8.RuneCountInString(v) {
			if tail == "" {
				break
			}
			_, size := utf8.DecodeLastRuneInString(tail)
			tail = tail[:len(tail)-size]
		}
		if strings.EqualFold(s[len(tail):], v) {
			return true
		}
	}
	return false
}

// wroteVerbsByLast holds wroteVerbs by the foldRune of their last letter.
var wroteVerbsByLast = sync.OnceValue(func() *runeIndex {
	by := &runeIndex{beyond: make(map[rune][]string)}
	for _, v := range wroteVerbs {
		last, _ := utf8.DecodeLastRuneInString(v)
		by.add(foldRune(last), v)
	}
	return by
})

// runeIndex holds strings by a rune: those of an ASCII rune in an array,
// the others in a map (most lines end in ASCII).
type runeIndex struct {
	ascii  [utf8.RuneSelf][]string
	beyond map[rune][]string
}

func (x *runeIndex) add(r rune, s string) {
	if 0 <= r && r < utf8.RuneSelf {
		x.ascii[r] = append(x.ascii[r], s)
		return
	}
	x.beyond[r] = append(x.beyond[r], s)
}

// of returns the strings of r.
func (x *runeIndex) of(r rune) []string {
	if 0 <= r && r < utf8.RuneSelf {
		return x.ascii[r]
	}
	return x.beyond[r]
}

// cutLine returns the first line of s, without its line end ("\n" or
// "\r\n"), and the rest of s after it; more is false when s has no line
// end, and line is all of s. These are the lines of
// strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), read without
// copying s.
func cutLine(s string) (line, rest string, more bool) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return s, "", false
	}
	line, rest = s[:i], s[i+1:]
	if strings.HasSuffix(line, "\r") {
		line = line[:len(line)-1]
	}
	return line, rest, true
}

// headerBlockStart says whether line starts a quoted header block: a "From:"
// line followed within three lines by "Sent:", "Date:", "To:"... rest is
// what follows line (see cutLine), more whether there is any.
func headerBlockStart(line, rest string, more bool) bool {
	// The field name ends with a colon.
	if strings.IndexByte(line, ':') < 0 || !quotedFromRe.MatchString(strings.TrimSpace(line)) {
		return false
	}
	for j := 0; more && j < 3; j++ {
		line, rest, more = cutLine(rest)
		if quotedSentRe.MatchString(strings.TrimSpace(line)) {
			return true
		}
	}
	return false
}
