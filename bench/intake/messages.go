package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime/quotedprintable"
	"os"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/internal/corpus"
	"github.com/coe-congress/alliancebot/internal/samplemail"
)

// Origins of the messages of a set.
const (
	originSample    = "samplemail"
	originCorpus    = "corpus"
	originGenerated = "generated"
)

// message is one message of the benchmark set.
type message struct {
	name   string // sample or corpus file name, or "generated-N"
	origin string
	raw    []byte
}

// messageSet is the mailbox the contenders drain.
type messageSet struct {
	msgs      []message
	byOrigin  map[string]int
	bytes     int64
	rewritten int // samples and corpus files that got a new Message-ID
	skipped   []string
}

// buildSet returns n messages: every sample, every non-empty corpus file of
// corpusDir ("" for none) and generated questionnaire replies for the rest, in
// a fixed shuffled order. No two of them are the same message for the store:
// each has its own Message-ID (one is added where a file has none or repeats
// another's) or, failing that, its own bytes. When samples and corpus alone
// are more than n, a fixed subset of them is used.
func buildSet(n int, corpusDir string, seed uint64) (*messageSet, error) {
	rng := rand.New(rand.NewPCG(seed, 0x616c6c69616e6365))
	var found []message
	for _, s := range samplemail.All() {
		found = append(found, message{name: s.Name, origin: originSample, raw: s.Raw})
	}
	set := &messageSet{byOrigin: make(map[string]int)}
	if corpusDir != "" {
		files, err := corpus.Load(corpusDir)
		if err != nil {
			return nil, fmt.Errorf("load corpus %s: %w", corpusDir, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("load corpus %s: no message files", corpusDir)
		}
		for _, f := range files {
			raw, err := os.ReadFile(f.Path)
			if err != nil {
				return nil, fmt.Errorf("read corpus file: %w", err)
			}
			if len(raw) == 0 {
				// Dovecot refuses an empty APPEND.
				set.skipped = append(set.skipped, f.Name+" (0 bytes)")
				continue
			}
			found = append(found, message{name: f.Name, origin: originCorpus, raw: raw})
		}
	}
	if len(found) > n {
		rng.Shuffle(len(found), func(i, j int) { found[i], found[j] = found[j], found[i] })
		found = found[:n]
	}

	seen := newDistinct()
	for _, m := range found {
		raw, ok, rewritten := seen.admit(m.raw, fmt.Sprintf("<bench.%d.%s@alliancebot.bench.example>", len(set.msgs)+1, m.origin))
		if !ok {
			set.skipped = append(set.skipped, m.name+" (same bytes as another file)")
			continue
		}
		if rewritten {
			set.rewritten++
		}
		m.raw = raw
		set.add(m)
	}
	gen := newGenerator(rng)
	for len(set.msgs) < n {
		raw := gen.next()
		// Parsing every generated reply would take longer than the
		// benchmark: the generator knows the Message-ID it wrote.
		if !seen.admitKnown(raw, gen.lastID) {
			return nil, fmt.Errorf("generated message %d repeats another", gen.count)
		}
		set.add(message{name: fmt.Sprintf("generated-%d", gen.count), origin: originGenerated, raw: raw})
	}
	rng.Shuffle(len(set.msgs), func(i, j int) { set.msgs[i], set.msgs[j] = set.msgs[j], set.msgs[i] })
	return set, nil
}

func (s *messageSet) add(m message) {
	s.msgs = append(s.msgs, m)
	s.byOrigin[m.origin]++
	s.bytes += int64(len(m.raw))
}

// replace swaps message i, which the server refused, for a generated one.
func (s *messageSet) replace(i int, gen *generator) {
	old := s.msgs[i]
	s.byOrigin[old.origin]--
	s.bytes -= int64(len(old.raw))
	s.skipped = append(s.skipped, old.name+" (refused by Dovecot)")
	raw := gen.next()
	s.msgs[i] = message{name: fmt.Sprintf("generated-r%d", gen.count), origin: originGenerated, raw: raw}
	s.byOrigin[originGenerated]++
	s.bytes += int64(len(raw))
}

// distinct tracks what the store uses to recognise a message it already has:
// the SHA-256 of the bytes, and the Message-ID with the content fingerprint.
type distinct struct {
	sha map[[32]byte]bool
	ids map[string]bool // Message-ID alone: the benchmark wants them all distinct
}

func newDistinct() *distinct {
	return &distinct{sha: make(map[[32]byte]bool), ids: make(map[string]bool)}
}

// admit returns raw, or raw with newID added as its Message-ID when its own
// is missing or taken, and whether the result is a new message.
func (d *distinct) admit(raw []byte, newID string) (out []byte, ok, rewritten bool) {
	env, _ := intake.ReadEnvelope(raw, intake.Limits{})
	if (env.MessageID == "" || d.ids[env.MessageID]) && newID != "" {
		raw = withMessageID(raw, newID)
		rewritten = true
		env, _ = intake.ReadEnvelope(raw, intake.Limits{})
	}
	sum := sha256.Sum256(raw)
	if d.sha[sum] || (env.MessageID != "" && d.ids[env.MessageID]) {
		return raw, false, rewritten
	}
	d.sha[sum] = true
	if env.MessageID != "" {
		d.ids[env.MessageID] = true
	}
	return raw, true, rewritten
}

// admitKnown is admit for a message whose Message-ID is known to be id.
func (d *distinct) admitKnown(raw []byte, id string) bool {
	sum := sha256.Sum256(raw)
	if d.sha[sum] || d.ids[id] {
		return false
	}
	d.sha[sum] = true
	d.ids[id] = true
	return true
}

// withMessageID returns raw with a Message-ID header in front of its header
// block (after a leading mbox "From " line), in raw's own line ending. A
// parser takes the first Message-ID, so an existing one is overridden.
func withMessageID(raw []byte, id string) []byte {
	eol := "\r\n"
	if i := bytes.IndexAny(raw, "\r\n"); i >= 0 {
		switch {
		case raw[i] == '\n':
			eol = "\n"
		case i+1 < len(raw) && raw[i+1] == '\n':
		default:
			eol = "\r"
		}
	}
	at := 0
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			at = i + 1
		}
	}
	out := make([]byte, 0, len(raw)+len(id)+16)
	out = append(out, raw[:at]...)
	out = append(out, "Message-ID: "+id+eol...)
	return append(out, raw[at:]...)
}

// Generated questionnaire replies.

type authority struct {
	name, country, lang, domain, kind string
	population                        int
	roma                              string
}

var authorities = []authority{
	{"City of Brno", "Czech Republic", "cs", "brno.example.cz", "municipality", 381346, "15,000 - 20,000"},
	{"Ville de Montreuil", "France", "fr", "montreuil.example.fr", "municipality", 111240, "400 - 600"},
	{"Galway County Council", "Ireland", "en", "galwaycoco.example.ie", "county", 193323, "1,200 - 1,500"},
	{"Primăria Municipiului Cluj-Napoca", "Romania", "ro", "primariaclujnapoca.example.ro", "municipality", 286598, "5.000 - 7.000"},
	{"Regione Emilia-Romagna", "Italy", "it", "regione.emilia-romagna.example.it", "region", 4455188, "10.000 - 12.000"},
	{"Ayuntamiento de Granada", "Spain", "es", "granada.example.es", "municipality", 228682, "8.000 - 10.000"},
	{"Stadt Duisburg", "Germany", "de", "stadt-duisburg.example.de", "municipality", 503707, "ca. 19.000"},
	{"Košice Self-Governing Region", "Slovakia", "sk", "vucke.example.sk", "region", 781962, "90 000 - 100 000"},
	{"Municipality of Larissa", "Greece", "el", "larissa-city.example.gr", "municipality", 148562, "7.000 - 9.000"},
	{"Miskolc Megyei Jogú Város", "Hungary", "hu", "miskolc.example.hu", "municipality", 150695, "15 000"},
	{"Sofia Municipality", "Bulgaria", "bg", "sofia.example.bg", "municipality", 1248452, "30,000 - 40,000"},
	{"City of Leskovac", "Serbia", "sr", "gradleskovac.example.rs", "municipality", 130426, "8.000 - 10.000"},
	{"Gemeente Utrecht", "Netherlands", "nl", "utrecht.example.nl", "municipality", 367984, "about 500"},
	{"Commune d'Anderlecht", "Belgium", "fr", "anderlecht.example.be", "municipality", 126282, "2 000 - 3 000"},
	{"Union des Villes et Communes de Wallonie", "Belgium", "fr", "uvcw.example.be", "association", 3681000, "inconnu"},
	{"Município de Lisboa", "Portugal", "pt", "cm-lisboa.example.pt", "municipality", 545796, "3.000"},
	{"Grad Zagreb", "Croatia", "hr", "zagreb.example.hr", "municipality", 767131, "2.000 - 3.000"},
	{"Gmina Miasta Kraków", "Poland", "pl", "krakow.example.pl", "municipality", 804237, "około 1 000"},
	{"Helsingin kaupunki", "Finland", "fi", "hel.example.fi", "municipality", 674500, "1 000 - 1 500"},
	{"Göteborgs Stad", "Sweden", "sv", "goteborg.example.se", "municipality", 604829, "3 000 - 5 000"},
	{"Glasgow City Council", "United Kingdom", "en", "glasgow.example.gov.uk", "municipality", 635130, "4,000 - 5,000"},
	{"Comune di Roma Capitale", "Italy", "it", "comune.roma.example.it", "municipality", 2755309, "6.000 - 8.000"},
	{"Skopje City", "North Macedonia", "mk", "skopje.example.mk", "municipality", 526502, "23,000"},
	{"Prešov Self-Governing Region", "Slovakia", "sk", "po-kraj.example.sk", "region", 809443, "130 000"},
	{"Consell Comarcal del Barcelonès", "Spain", "ca", "ccbarcelones.example.cat", "county", 2300000, "15.000 - 20.000"},
	{"Landeshauptstadt Graz", "Austria", "de", "stadt.graz.example.at", "municipality", 305314, "ca. 2.000"},
	{"Municipality of Podgorica", "Montenegro", "sr", "podgorica.example.me", "municipality", 190488, "5,000 - 6,000"},
	{"Kosovo Association of Municipalities", "Kosovo*", "sq", "komunat-ks.example.net", "association", 1761985, "35,000 - 40,000"},
}

var (
	firstNames = []string{"Jana", "Hélène", "Siobhán", "Ioana", "Marco", "Lucía", "Jürgen", "Zuzana", "Eleni", "Gábor",
		"Dimitar", "Dragan", "Anouk", "Nadia", "Pierre", "João", "Ivana", "Małgorzata", "Aino", "Björn", "Fiona",
		"Giulia", "Aleksandar", "Martina", "Nikos", "Réka", "Milena", "Ahmet", "Tomáš", "Sorina", "Kateřina", "Ülle"}
	lastNames = []string{"Kovářová", "Garnier", "Ní Bhriain", "Popescu", "Rinaldi", "Romero Jiménez", "Schäfer", "Horváthová",
		"Papadopoulou", "Kovács", "Georgiev", "Petrović", "de Vries", "Bouzidi", "Lambert", "Ferreira", "Horvat",
		"Wiśniewska", "Virtanen", "Lindqvist", "MacLeod", "Ferri", "Stojanović", "Novak", "Ioannou", "Szabó",
		"Jovanović", "Yılmaz", "Dvořák", "Munteanu", "Svobodová", "Tamm"}
	functions = []string{"Roma affairs coordinator, Social Affairs Department", "Chargée de mission, Direction de la cohésion sociale",
		"Head of Social Inclusion Unit", "Policy officer for minorities", "Coordinator for Roma Issues",
		"Técnica de Inclusión Social", "Referentin für Integration", "Mayor's adviser on social policy",
		"Project manager, European affairs", "Community mediator coordinator"}
	needs = []string{
		"Stable housing for families leaving hostels; early school leaving after the 9th grade; very few Roma staff in city services.",
		"Access to health care for families without registration; segregated classes in two schools; lack of data.",
		"Evictions without rehousing; domiciliation and access to rights; schooling of children living in squats.",
		"Employment of young people after compulsory school; discrimination in the private rental market.",
		"Funding for mediators beyond 2027; cooperation with national authorities; reliable population estimates.",
		"Transit sites for Travellers; school attendance of children who travel part of the year.",
	}
	projects = []string{
		"Rapid re-housing of families with children (since 2016, about 80 families housed); health and school mediators in two districts.",
		"Médiation scolaire et sanitaire avec deux associations ; classes passerelles pour les 11-16 ans.",
		"Roma health mediators in primary care centres (ROMED model), 12 mediators employed by the municipality.",
		"Summer school for pupils at risk of leaving school; scholarships for Roma students in secondary education.",
		"Legalisation of informal settlements and basic infrastructure (water, electricity) in three neighbourhoods.",
		"Local action plan 2024-2028 adopted by the council with a Roma advisory board.",
	}
	subjects = []string{
		"Re: Questionnaire: European Alliance of Cities and Regions for Roma Inclusion",
		"RE: Questionnaire: European Alliance of Cities and Regions for Roma Inclusion",
		"AW: Questionnaire: European Alliance of Cities and Regions for Roma Inclusion",
		"RE: Questionnaire de l'Alliance européenne des villes et des régions pour l'inclusion des Roms",
		"R: Questionnaire: European Alliance of Cities and Regions for Roma Inclusion",
		"Odp: Questionnaire: European Alliance of Cities and Regions for Roma Inclusion",
		"Re: Questionnaire - answers of our municipality",
		"SV: Questionnaire: European Alliance of Cities and Regions for Roma Inclusion",
	}
	greetings = []string{"Dear colleagues,", "Dear Sir or Madam,", "Bonjour,", "Estimados/as señores/as:", "Sehr geehrte Damen und Herren,",
		"Gentili colleghi,", "Stimați colegi,", "Dobrý den,", "Hello,"}
	closings = []string{"Kind regards,", "Best regards,", "Bien cordialement,", "Un cordial saludo,", "Mit freundlichen Grüßen",
		"Cordiali saluti,", "Cu stimă,", "S pozdravem,"}
	disclaimers = []string{
		"This e-mail and any attachments are confidential and intended solely for the addressee. If you have received it in error, please notify the sender and delete it. Any views expressed are those of the author and do not necessarily represent those of the authority.",
		"Ce message et ses pièces jointes sont confidentiels et établis à l'attention exclusive de leurs destinataires. Toute utilisation ou diffusion non autorisée est interdite. Si vous avez reçu ce message par erreur, merci de le détruire et d'en avertir l'expéditeur.",
		"Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie nicht der richtige Adressat sind oder diese E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den Absender und vernichten Sie diese Mail.",
		"Please consider the environment before printing this e-mail.",
		"Questo messaggio e i suoi allegati sono indirizzati esclusivamente alle persone indicate. La diffusione, copia o qualsiasi altra azione derivante dalla conoscenza di queste informazioni sono rigorosamente vietate.",
	}
	questions = []string{
		"Name of the local or regional authority:", "Country:", "Type of authority:", "Population:",
		"Estimated number of Roma and Travellers:", "Contact person:", "Function:", "E-mail:", "Telephone:",
		"Is your authority interested in joining the Alliance?", "Thematic priorities:", "Cross-cutting issues:",
		"Activities of interest:", "Main needs and challenges:", "Current projects and good practices:",
		"May we send you the Alliance newsletter?",
	}
	questionnaireIntro = []string{
		"Dear Sir or Madam,",
		"",
		"The Congress of Local and Regional Authorities of the Council of Europe",
		"invites local and regional authorities to join the European Alliance of",
		"Cities and Regions for Roma Inclusion. This short questionnaire tells us",
		"about your authority and about the activities that would be most useful",
		"to you. Answering it is also how your authority asks to join.",
		"",
		"Please reply to this e-mail and write your answers under each question.",
		"Mark the options that apply with [X]. You may answer in any language;",
		"please keep the question numbers.",
		"",
	}
)

// client is the mail program a generated reply imitates.
type client int

const (
	clientGmail client = iota
	clientOutlook365
	clientOutlookClassic // windows-1252 quoted-printable
	clientThunderbird
	clientAppleMail
	clientRoundcube
	numClients
)

// generator makes questionnaire replies of 2 to 6 KB, each with its own
// Message-ID, in the style of the common mail programs; about one in
// twenty-five carries a small base64 attachment.
type generator struct {
	rng    *rand.Rand
	count  int
	t      time.Time
	lastID string // Message-ID of the last message returned by next
}

func newGenerator(rng *rand.Rand) *generator {
	return &generator{rng: rng, t: time.Date(2026, 4, 14, 9, 30, 0, 0, time.UTC)}
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *generator) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *generator) alnum(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.rng.IntN(len(chars))]
	}
	return string(b)
}

// reply is what one generated message says.
type reply struct {
	auth       authority
	first      string
	last       string
	addr       string
	function   string
	date       time.Time
	subject    string
	questionID string // Message-ID of the questionnaire mail answered
	msgID      string
	answers    []string // one per question
	keep       int      // how many questions the body answers
	target     int      // wanted size in bytes
	attach     bool
}

func (g *generator) next() []byte {
	g.count++
	g.t = g.t.Add(time.Duration(60+g.rng.IntN(900)) * time.Second)
	a := authorities[g.rng.IntN(len(authorities))]
	r := &reply{
		auth:       a,
		first:      g.pick(firstNames),
		last:       g.pick(lastNames),
		function:   g.pick(functions),
		date:       g.t,
		subject:    g.pick(subjects),
		questionID: fmt.Sprintf("<20260414.q%04d.%s@coe.int>", g.rng.IntN(3000), g.hex(4)),
		target:     minSize + g.rng.IntN(maxSize-minSize),
		attach:     g.rng.IntN(25) == 0,
	}
	local := localPart(r.first, r.last)
	r.addr = local + "@" + a.domain
	r.answers = g.answers(r)
	c := client(g.rng.IntN(int(numClients)))
	switch c {
	case clientGmail:
		r.addr = local + fmt.Sprintf("%d", g.rng.IntN(100)) + "@gmail.example"
		r.msgID = fmt.Sprintf("<CA%s@mail.gmail.com>", g.alnum(50))
	case clientOutlook365, clientOutlookClassic:
		box := fmt.Sprintf("PR%dP%dMB%d", 1+g.rng.IntN(3), 190+g.rng.IntN(80), 1000+g.rng.IntN(9000))
		r.msgID = fmt.Sprintf("<%s%s@%s.EURP%d.PROD.OUTLOOK.EXAMPLE>", box, strings.ToUpper(g.hex(24)), box, 190+g.rng.IntN(80))
	default:
		r.msgID = fmt.Sprintf("<%s-%s-%s-%s-%s@%s>", g.hex(8), g.hex(4), g.hex(4), g.hex(4), g.hex(12), a.domain)
	}
	// The Message-ID carries the sequence number: two generated replies can
	// never share one, whatever the random parts.
	r.msgID = strings.Replace(r.msgID, "@", fmt.Sprintf(".%d@", g.count), 1)
	g.lastID = r.msgID

	// Leave questions unanswered while the message is too long (people
	// do), then add the footer and the quoted questionnaire until it reaches
	// its target size.
	r.keep = len(questions)
	if r.attach {
		r.keep = 0 // the answers are in the attachment
	}
	quote := 0
	raw := g.render(c, r, quote)
	for len(raw) > maxSize && r.keep > 4 {
		r.keep -= 2
		raw = g.render(c, r, quote)
	}
	for len(raw) < r.target && quote < 3 {
		quote++
		more := g.render(c, r, quote)
		if len(more) > maxSize {
			break
		}
		raw = more
	}
	return raw
}

// Size range of the generated replies.
const (
	minSize = 2 << 10
	maxSize = 6 << 10
)

func (g *generator) answers(r *reply) []string {
	box := func(on bool) string {
		if on {
			return "[X]"
		}
		return "[ ]"
	}
	kinds := []string{"municipality", "county", "region", "association", "other"}
	kindLabels := []string{"Municipality (city, town, commune)", "County, province or département", "Region", "Association of authorities", "Other"}
	var kind []string
	for i, k := range kinds {
		kind = append(kind, box(k == r.auth.kind)+" "+kindLabels[i])
	}
	opts := func(labels ...string) string {
		var out []string
		for _, l := range labels {
			out = append(out, box(g.rng.IntN(2) == 0)+" "+l)
		}
		return strings.Join(out, "\n")
	}
	yesNo := []string{"[X] Yes   [ ] No   [ ] Not decided yet", "[ ] Yes   [ ] No   [X] Not decided yet"}
	return []string{
		r.auth.name,
		r.auth.country,
		strings.Join(kind, "\n"),
		fmt.Sprintf("%d (1 January 2026)", r.auth.population),
		r.auth.roma,
		r.first + " " + r.last,
		r.function,
		r.addr,
		fmt.Sprintf("+%d %d %d %d", 30+g.rng.IntN(60), 100+g.rng.IntN(900), 10+g.rng.IntN(90), 100+g.rng.IntN(900)),
		yesNo[g.rng.IntN(len(yesNo))],
		opts("Education", "Employment and vocational training", "Housing", "Health"),
		opts("Rights, duties and responsibilities", "Roma participation", "Combating stereotypes", "Intercultural understanding"),
		opts("Exchange of good practices", "Thematic workshops", "Study visits", "Training", "Expert advice", "Information on funding"),
		g.pick(needs),
		g.pick(projects),
		[]string{"[X] Yes   [ ] No", "[ ] Yes   [X] No"}[g.rng.IntN(2)],
	}
}

// plain is the text body: greeting, answers by number, signature, then
// quote levels of padding (disclaimer, quoted questionnaire).
func (g *generator) plain(r *reply, quote int) string {
	var b strings.Builder
	w := func(s string) { b.WriteString(s + "\n") }
	w(g.pick(greetings))
	w("")
	if r.attach {
		w("Please find attached the answers of the " + r.auth.name + " to the questionnaire.")
	} else {
		w("Please find below the answers of the " + r.auth.name + " to the questionnaire.")
	}
	w("")
	for i, q := range questions[:r.keep] {
		w(fmt.Sprintf("%d. %s", i+1, q))
		w(r.answers[i])
		w("")
	}
	w(g.pick(closings))
	w("")
	w(r.first + " " + r.last)
	w(r.function)
	w(r.auth.name)
	if quote >= 1 {
		w("")
		w(disclaimers[g.count%len(disclaimers)])
	}
	if quote >= 2 {
		w("")
		w(fmt.Sprintf("On %s, European Alliance for Roma Inclusion wrote:", r.date.Add(-6*24*time.Hour).Format("02/01/2006 15:04")))
		for _, l := range questionnaireIntro {
			w(strings.TrimRight("> "+l, " "))
		}
		for i, q := range questions {
			w(fmt.Sprintf("> %d. %s", i+1, q))
			w(">")
		}
	}
	if quote >= 3 {
		w("")
		w(disclaimers[(g.count+1)%len(disclaimers)])
		w(disclaimers[(g.count+2)%len(disclaimers)])
	}
	return strings.ReplaceAll(b.String(), "\n", "\r\n")
}

// html is the HTML alternative of the same text, as Outlook and Gmail write it.
func (g *generator) html(c client, text string) string {
	var b strings.Builder
	if c == clientGmail {
		b.WriteString(`<div dir="ltr">`)
		for _, l := range strings.Split(strings.TrimRight(text, "\r\n"), "\r\n") {
			if l == "" {
				b.WriteString("<div><br></div>")
				continue
			}
			b.WriteString("<div>" + htmlEscape(l) + "</div>")
		}
		b.WriteString("</div>\r\n")
		return b.String()
	}
	b.WriteString("<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\">\r\n")
	b.WriteString("<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n")
	b.WriteString("<style><!--\r\n@font-face {font-family:Calibri;}\r\np.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:\"Calibri\",sans-serif;}\r\n--></style>\r\n</head>\r\n")
	b.WriteString("<body lang=\"EN-GB\" link=\"#0563C1\" vlink=\"#954F72\" style=\"word-wrap:break-word\">\r\n<div class=\"WordSection1\">\r\n")
	for _, l := range strings.Split(strings.TrimRight(text, "\r\n"), "\r\n") {
		if l == "" {
			l = "&nbsp;"
		} else {
			l = htmlEscape(l)
		}
		b.WriteString("<p class=\"MsoNormal\">" + l + "<o:p></o:p></p>\r\n")
	}
	b.WriteString("</div>\r\n</body>\r\n</html>\r\n")
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func base64Lines(data []byte, width int) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > width {
		b.WriteString(enc[:width] + "\r\n")
		enc = enc[width:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

// encodeWord returns s as an RFC 2047 encoded word when it is not ASCII.
func encodeWord(s string) string {
	for _, r := range s {
		if r >= 0x80 {
			return "=?utf-8?Q?" + qpWord(s) + "?="
		}
	}
	return s
}

// qpWord is the Q encoding of RFC 2047 section 4.2.
func qpWord(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == ',':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}

// localPart returns an ASCII mailbox name for a person.
func localPart(first, last string) string {
	var b strings.Builder
	for _, c := range []byte(strings.ToLower(asciiFold(first) + "." + asciiFold(last))) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func asciiFold(s string) string {
	r := strings.NewReplacer("á", "a", "à", "a", "ă", "a", "â", "a", "č", "c", "ç", "c", "é", "e", "è", "e", "ě", "e", "í", "i", "ı", "i",
		"ł", "l", "ń", "n", "ó", "o", "ö", "o", "ő", "o", "ř", "r", "š", "s", "ś", "s", "ș", "s", "ț", "t", "ú", "u", "ü", "u", "ů", "u",
		"ý", "y", "ž", "z", "ä", "a", "ß", "ss", "ã", "a", "Ü", "U", "Š", "S", "Ž", "Z", "Č", "C", "'", "")
	return r.Replace(s)
}

// render writes the whole message for client c.
func (g *generator) render(c client, r *reply, quote int) []byte {
	text := g.plain(r, quote)
	from := encodeWord(r.first+" "+r.last) + " <" + r.addr + ">"
	to := "European Alliance for Roma Inclusion <roma.summit@coe.int>"
	date := r.date.In(time.FixedZone("CEST", 2*3600)).Format("Mon, 2 Jan 2006 15:04:05 -0700")
	relay := r.date.Add(-time.Duration(2+g.rng.IntN(10)) * time.Second).In(time.FixedZone("CEST", 2*3600))
	var h strings.Builder
	hdr := func(format string, args ...any) { fmt.Fprintf(&h, format+"\r\n", args...) }
	hdr("Return-Path: <%s>", r.addr)
	hdr("Delivered-To: roma.summit@coe.int")
	relayHost := "mail-out." + r.auth.domain
	switch c {
	case clientGmail:
		relayHost = fmt.Sprintf("mail-sor-f%d.google.example", 1+g.rng.IntN(80))
	case clientOutlook365:
		relayHost = fmt.Sprintf("mail-%s.outbound.protection.outlook.example", g.alnum(12))
	}
	hdr("Received: from %s (%s [203.0.113.%d])", relayHost, relayHost, 1+g.rng.IntN(250))
	hdr("\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))")
	hdr("\tby mx1.coe.int (Postfix) with ESMTPS id 4Z%s", g.alnum(11))
	hdr("\tfor <roma.summit@coe.int>; %s (CEST)", relay.Format("Mon, 2 Jan 2006 15:04:05 -0700"))
	hdr("Authentication-Results: mx1.coe.int;\r\n\tdkim=pass header.d=%s;\r\n\tspf=pass smtp.mailfrom=%s", r.auth.domain, r.addr)

	var body strings.Builder
	var ctype string
	altBoundary := ""
	switch c {
	case clientGmail:
		hdr("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n        d=gmail.example; s=20230601; t=%d; x=%d; darn=coe.int;\r\n        h=to:subject:message-id:date:from:in-reply-to:references:mime-version\r\n         :from:to:cc:subject:date:message-id:reply-to;\r\n        bh=%s=;\r\n        b=%s\r\n         %s==",
			r.date.Unix(), r.date.Unix()+604800, g.alnum(43), g.alnum(70), g.alnum(70))
		hdr("X-Google-Smtp-Source: AGHT+I%s", g.alnum(60))
		hdr("X-Received: by 2002:a05:600c:%s:b0:%s with SMTP id %s;\r\n %s (PDT)", g.hex(4), g.hex(3), g.alnum(30), r.date.Add(-9*time.Hour).Format("Mon, 2 Jan 2006 15:04:05 -0700"))
		hdr("MIME-Version: 1.0")
		hdr("References: %s", r.questionID)
		hdr("In-Reply-To: %s", r.questionID)
		hdr("From: %s", from)
		hdr("Date: %s", date)
		hdr("X-Gm-Features: AQt7F2%s", g.alnum(56))
		hdr("Message-ID: %s", r.msgID)
		hdr("Subject: %s", r.subject)
		hdr("To: %s", to)
		altBoundary = "000000000000" + g.hex(16)
		writeAlt(&body, altBoundary, "UTF-8", qp(text), qp(g.html(c, text)))
		ctype = fmt.Sprintf("multipart/alternative; boundary=\"%s\"", altBoundary)
	case clientOutlook365, clientOutlookClassic:
		hdr("From: %s", from)
		hdr("To: %s", to)
		hdr("Subject: %s", encodeWord(r.subject))
		hdr("Thread-Topic: %s", encodeWord(strings.TrimPrefix(strings.TrimPrefix(r.subject, "RE: "), "AW: ")))
		hdr("Thread-Index: AQH%s", g.alnum(28))
		hdr("Date: %s", r.date.Format("Mon, 2 Jan 2006 15:04:05 +0000"))
		hdr("Message-ID:\r\n %s", r.msgID)
		hdr("References: %s", r.questionID)
		hdr("In-Reply-To: %s", r.questionID)
		hdr("Accept-Language: %s-%s, en-US", r.auth.lang, strings.ToUpper(r.auth.lang))
		hdr("Content-Language: %s-%s", r.auth.lang, strings.ToUpper(r.auth.lang))
		if r.attach {
			hdr("X-MS-Has-Attach: yes")
		} else {
			hdr("X-MS-Has-Attach:")
		}
		hdr("X-MS-TNEF-Correlator:")
		hdr("x-ms-exchange-senderadcheck: 1")
		hdr("x-ms-exchange-antispam-relay: 0")
		hdr("x-ms-publictraffictype: Email")
		hdr("x-microsoft-antispam: BCL:0;ARA:13230040|366016|1800799024|376014|38070700018;")
		hdr("x-forefront-antispam-report: CIP:255.255.255.255;CTRY:;LANG:%s;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:PR1P264MB%d.EURP%d.PROD.OUTLOOK.EXAMPLE;PTR:;CAT:NONE;", r.auth.lang, 1000+g.rng.IntN(9000), 190+g.rng.IntN(80))
		hdr("MIME-Version: 1.0")
		altBoundary = "_000_" + strings.ToUpper(g.hex(40)) + "_"
		if c == clientOutlookClassic {
			if cp, err := charmap.Windows1252.NewEncoder().String(text); err == nil {
				htmlCP, err2 := charmap.Windows1252.NewEncoder().String(strings.Replace(g.html(c, text), "charset=utf-8", "charset=windows-1252", 1))
				if err2 == nil {
					writeAlt(&body, altBoundary, "Windows-1252", qp(cp), qp(htmlCP))
					break
				}
			}
		}
		writeAlt(&body, altBoundary, "utf-8", qp(text), qp(g.html(c, text)))
	case clientAppleMail:
		hdr("Content-Type: text/plain;\r\n\tcharset=utf-8")
		hdr("Content-Transfer-Encoding: quoted-printable")
		hdr("Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.400.131.1.6\\))")
		hdr("Subject: %s", r.subject)
		hdr("From: %s", from)
		hdr("In-Reply-To: %s", r.questionID)
		hdr("Date: %s", date)
		hdr("Content-Language: %s", r.auth.lang)
		hdr("Message-Id: %s", r.msgID)
		hdr("References: %s", r.questionID)
		hdr("To: %s", to)
		hdr("X-Mailer: Apple Mail (2.3826.400.131.1.6)")
		body.WriteString(qp(text))
	case clientRoundcube:
		hdr("MIME-Version: 1.0")
		hdr("Date: %s", date)
		hdr("From: %s", from)
		hdr("To: %s", to)
		hdr("Subject: %s", r.subject)
		hdr("In-Reply-To: %s", r.questionID)
		hdr("References: %s", r.questionID)
		hdr("User-Agent: Roundcube Webmail/1.6.%d", g.rng.IntN(10))
		hdr("Message-ID: %s", r.msgID)
		hdr("X-Sender: %s", r.addr)
		hdr("Content-Type: text/plain; charset=UTF-8;\r\n format=flowed")
		hdr("Content-Transfer-Encoding: 8bit")
		body.WriteString(text)
	default: // Thunderbird
		hdr("Message-ID: %s", r.msgID)
		hdr("Date: %s", date)
		hdr("MIME-Version: 1.0")
		hdr("User-Agent: Mozilla Thunderbird")
		hdr("Subject: %s", r.subject)
		hdr("Content-Language: %s", r.auth.lang)
		hdr("To: %s", to)
		hdr("References: %s", r.questionID)
		hdr("From: %s", from)
		hdr("Organization: %s", encodeWord(r.auth.name))
		hdr("In-Reply-To: %s", r.questionID)
		if !r.attach {
			hdr("Content-Type: text/plain; charset=UTF-8; format=flowed")
			hdr("Content-Transfer-Encoding: 8bit")
		}
		body.WriteString(text)
	}

	switch {
	case r.attach && (c == clientOutlook365 || c == clientOutlookClassic || c == clientGmail):
		mixed := "_004_" + strings.ToUpper(g.hex(40)) + "_"
		if c == clientGmail {
			mixed = "000000000000" + g.hex(16)
		}
		hdr("Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"", mixed)
		h.WriteString("\r\n")
		h.WriteString("--" + mixed + "\r\n")
		h.WriteString("Content-Type: multipart/alternative;\r\n\tboundary=\"" + altBoundary + "\"\r\n\r\n")
		h.WriteString(body.String())
		h.WriteString("\r\n")
		g.attachment(&h, mixed, r)
		h.WriteString("--" + mixed + "--\r\n")
	case r.attach && c == clientThunderbird:
		mixed := "------------" + g.alnum(24)
		hdr("Content-Type: multipart/mixed; boundary=\"%s\"", mixed)
		h.WriteString("\r\nThis is a multi-part message in MIME format.\r\n")
		h.WriteString("--" + mixed + "\r\nContent-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		h.WriteString(body.String())
		h.WriteString("\r\n")
		g.attachment(&h, mixed, r)
		h.WriteString("--" + mixed + "--\r\n")
	default:
		if c == clientOutlook365 || c == clientOutlookClassic {
			hdr("Content-Type: multipart/alternative;\r\n\tboundary=\"%s\"", altBoundary)
		} else if ctype != "" {
			hdr("Content-Type: %s", ctype)
		}
		h.WriteString("\r\n")
		h.WriteString(body.String())
	}
	return []byte(h.String())
}

func writeAlt(b *strings.Builder, boundary, charset, text, html string) {
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=\"%s\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", boundary, charset, text)
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/html; charset=\"%s\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", boundary, charset, html)
	fmt.Fprintf(b, "--%s--\r\n", boundary)
}

// attachment writes a small base64 part: the answers as a text file, or a
// one-page PDF.
func (g *generator) attachment(b *strings.Builder, boundary string, r *reply) {
	base := strings.ReplaceAll(asciiFold(r.auth.name), " ", "_")
	if g.rng.IntN(2) == 0 {
		var t strings.Builder
		t.WriteString("ALLIANCE QUESTIONNAIRE - " + strings.ToUpper(r.auth.name) + "\r\n\r\n")
		for i, q := range questions {
			fmt.Fprintf(&t, "%d. %s %s\r\n", i+1, q, strings.ReplaceAll(r.answers[i], "\n", "\r\n    "))
		}
		name := "Questionnaire_" + base + ".txt"
		fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=UTF-8; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s", boundary, name, name, base64Lines([]byte(t.String()), 76))
		return
	}
	pdf := fmt.Sprintf("%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"+
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"+
		"4 0 obj<</Length 60>>stream\nBT /F1 12 Tf 72 770 Td (Questionnaire %s) Tj ET\nendstream endobj\n"+
		"trailer<</Root 1 0 R/ID[<%s><%s>]>>\n%%%%EOF\n", base, g.hex(32), g.hex(32))
	name := "Questionnaire_" + base + ".pdf"
	fmt.Fprintf(b, "--%s\r\nContent-Type: application/pdf; name=\"%s\"\r\nContent-Description: %s\r\nContent-Disposition: attachment; filename=\"%s\"; size=%d\r\nContent-Transfer-Encoding: base64\r\n\r\n%s",
		boundary, name, name, name, len(pdf), base64Lines([]byte(pdf), 76))
}
