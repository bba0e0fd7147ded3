package intake

import (
	"os"
	"path/filepath"
	"testing"
)

// quotedQuestionnaire is the English questionnaire as replies quote it.
const quotedQuestionnaire = `
On 14/04/2026 09:30, European Alliance for Roma Inclusion wrote:
> Dear Sir or Madam,
>
> The Congress of Local and Regional Authorities of the Council of Europe
> invites local and regional authorities to join the European Alliance of
> Cities and Regions for Roma Inclusion. This short questionnaire tells us
> about your authority and about the activities that would be most useful
> to you. Answering it is also how your authority asks to join.
>
> 1. Name of the local or regional authority:
> 2. Country:
`

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ lang, text string }{
		{"en", "Dear colleagues,\n\nPlease find below the answers of our city to the questionnaire. We would be glad to take part.\n\nKind regards,\nJana"},
		{"fr", "Bonjour,\n\nVeuillez trouver ci-dessous les réponses de la Ville de Montreuil au questionnaire.\n\nBien cordialement,\nHélène"},
		{"de", "Sehr geehrte Damen und Herren,\n\nanbei senden wir Ihnen die Antworten der Stadt Duisburg auf den Fragebogen.\n\nMit freundlichen Grüßen\nJürgen Schäfer"},
		{"it", "Gentili colleghi,\n\nin allegato trovate le risposte della Regione Emilia-Romagna al questionario. Restiamo a disposizione per qualsiasi chiarimento.\n\nCordiali saluti,\nGiulia"},
		{"es", "Estimados señores:\n\nLes remitimos las respuestas del Ayuntamiento de Granada al cuestionario de la Alianza. Quedamos a su disposición.\n\nUn cordial saludo,\nLucía"},
		{"pt", "Exmos. Senhores,\n\nEnviamos em anexo as respostas da Câmara Municipal de Lisboa ao questionário. Estamos à disposição para qualquer esclarecimento.\n\nCom os melhores cumprimentos,\nJoão"},
		{"ro", "Stimată doamnă, stimate domn,\n\nVă transmitem mai jos răspunsurile Primăriei Municipiului Turda la chestionarul Alianței.\n\nCu stimă,\nIoana Mureșan"},
		{"hu", "Tisztelt Hölgyem/Uram!\n\nMellékelten küldjük Miskolc Megyei Jogú Város válaszait a kérdőívre. Kérjük, jelezzék, ha további információra van szükség.\n\nÜdvözlettel:\nSzabó Réka"},
		{"pl", "Szanowni Państwo,\n\nw załączeniu przesyłam odpowiedzi Gminy Miejskiej Kraków na ankietę dotyczącą Sojuszu. Jesteśmy zainteresowani współpracą.\n\nZ poważaniem\nMałgorzata Wiśniewska"},
		{"cs", "Dobrý den,\n\nzasíláme odpovědi statutárního města Brna na dotazník Aliance. Děkujeme za spolupráci a těšíme se na další kroky.\n\nS pozdravem\nJana Kovářová"},
		{"sk", "Dobrý deň,\n\nposielame odpovede Prešovského samosprávneho kraja na dotazník. Ďakujeme za spoluprácu a tešíme sa na ďalšie kroky.\n\nS pozdravom\nZuzana Horváthová"},
		{"hr", "Poštovani,\n\nu nastavku su odgovori Grada Zagreba na upitnik. Također vas molimo da nam javite tko je osoba za kontakt i gdje se održava sastanak.\n\nSrdačan pozdrav,\nIvana Horvat"},
		{"sr", "Поштовани,\n\nу наставку су одговори Града Ниша на упитник Алијансе. Хвала вам на сарадњи и радујемо се даљим корацима.\n\nСрдачан поздрав,\nДраган Петровић"},
		{"bg", "Уважаеми дами и господа,\n\nИзпращаме отговорите на Столична община на въпросника. Благодаря за съдействието и оставаме на разположение.\n\nС уважение,\nДимитър Георгиев"},
		{"el", "Αξιότιμοι κύριοι,\n\nσας αποστέλλουμε τις απαντήσεις του Δήμου Λαρισαίων στο ερωτηματολόγιο. Παραμένουμε στη διάθεσή σας για κάθε διευκρίνιση.\n\nΜε εκτίμηση,\nΕλένη"},
		{"nl", "Geachte heer/mevrouw,\n\nHierbij sturen wij u de antwoorden van de gemeente Utrecht op de vragenlijst. Wij zijn graag bereid om verdere informatie te geven.\n\nMet vriendelijke groet,\nAnouk de Vries"},
		// Short notes.
		{"es", "Buenos días,\n\nadjuntamos el cuestionario cumplimentado.\n\nSaludos"},
		{"it", "Buongiorno,\n\nin allegato il questionario compilato.\n\nSaluti"},
		{"pt", "Bom dia,\n\nsegue em anexo o questionário preenchido.\n\nCumprimentos"},
		{"ro", "Bună ziua,\n\natașat găsiți chestionarul completat.\n\nCu stimă"},
		{"hu", "Jó napot!\n\nCsatolva küldöm a kitöltött kérdőívet.\n\nÜdvözlettel"},
		{"pl", "Dzień dobry,\n\nw załączeniu przesyłam wypełnioną ankietę.\n\nPozdrawiam"},
		{"cs", "Dobrý den,\n\nv příloze zasílám vyplněný dotazník.\n\nS pozdravem"},
		{"sk", "Dobrý deň,\n\nv prílohe posielam vyplnený dotazník.\n\nS pozdravom"},
		{"de", "Guten Tag,\n\nanbei der ausgefüllte Fragebogen.\n\nViele Grüße"},
		{"nl", "Goedendag,\n\nin de bijlage vindt u de ingevulde vragenlijst.\n\nMet vriendelijke groet"},
		{"fr", "Bonjour,\n\nci-joint le questionnaire rempli.\n\nCordialement"},
		{"en", "Hi,\n\nplease find the completed questionnaire attached.\n\nThanks"},
		{"el", "Καλημέρα,\n\nσας στέλνουμε συνημμένο το ερωτηματολόγιο.\n\nΜε εκτίμηση"},
		{"bg", "Добър ден,\n\nприлагаме попълнения въпросник.\n\nПоздрави"},
		{"hr", "Dobar dan,\n\nu privitku šaljemo ispunjeni upitnik.\n\nLijep pozdrav"},
		{"sl", "Pozdravljeni,\n\nv prilogi pošiljamo izpolnjen vprašalnik.\n\nLep pozdrav"},
		{"tr", "Merhaba,\n\ndoldurulmuş anketi ekte gönderiyoruz.\n\nSaygılarımla"},
		{"sq", "Përshëndetje,\n\nju dërgojmë pyetësorin e plotësuar.\n\nMe respekt"},
		{"it", "1. Comune di Bari\n2. Italia\n3. Comune\n4. 316.000\n10. Sì\n16. Sì\n\nCordiali saluti,\nMarco"},
		{"es", "1. Ayuntamiento de Bilbao\n2. España\n4. 345.000\n10. Sí\n\nUn saludo"},
		// The quoted English questionnaire does not count.
		{"fr", "Bonjour,\n\nVoici nos réponses, merci de votre patience.\n\nCordialement\n" + quotedQuestionnaire},
		{"ro", "Bună ziua,\n\nVă trimitem răspunsurile noastre mai jos.\n\nCu stimă,\nSorina" + quotedQuestionnaire},
		// Too little to say.
		{"", "ok"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := detectLanguage("Re: Questionnaire: European Alliance of Cities and Regions for Roma Inclusion\n" + tt.text); got != tt.lang {
			t.Errorf("detectLanguage(%.50q) = %q, want %q", tt.text, got, tt.lang)
		}
	}
}

func TestDetectLanguageSampleMail(t *testing.T) {
	want := map[string]string{
		"01-questionnaire-en-inline.eml": "en", "02-questionnaire-fr-outlook.eml": "fr", "03-questionnaire-en-outlook-html.eml": "en",
		"04-questionnaire-ro-by-number.eml": "ro", "05-questionnaire-forwarded-partial.eml": "en", "06-questionnaire-en-correction.eml": "en",
		"07-join-request-en.eml": "en", "08-join-request-fr.eml": "fr", "09-auto-reply-fr-en.eml": "fr", "10-auto-reply-exchange-de.eml": "de",
		"14-unsubscribe-en.eml": "en", "15-unsubscribe-fr.eml": "fr", "16-other-question.eml": "en", "17-questionnaire-attachment.eml": "es",
		"18-minimal-headers.eml": "en", "19-duplicate-message-id.eml": "en", "20-questionnaire-fr-cp1252.eml": "fr",
	}
	for name, lang := range want {
		raw, err := os.ReadFile(filepath.Join("../internal/samplemail/mail", name))
		if err != nil {
			t.Fatal(err)
		}
		m, _ := read(raw, Limits{})
		if got := detectLanguage(m.env.Subject + "\n" + m.text); got != lang {
			t.Errorf("%s: detectLanguage = %q, want %q", name, got, lang)
		}
	}
}
