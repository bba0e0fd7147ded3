package intake

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// joinTestMessage builds a plain-text message and reads it as Parse does.
func joinTestMessage(t *testing.T, from, subject, body string) *message {
	t.Helper()
	raw := "From: " + from + "\r\nTo: roma.summit@coe.int\r\nSubject: " + subject +
		"\r\nDate: Thu, 23 Apr 2026 16:48:03 +0200\r\nMessage-ID: <j@test.example>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n")
	m, err := read([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFindJoinRequest(t *testing.T) {
	tests := []struct {
		name, from, subject, body string
		want                      string // JSON, "null" for nil
	}{
		{"en letter with contact", "Mayor's Office <kabinet@zrenjanin.example.rs>", "Participation in the Alliance",
			"Dear Madam, Dear Sir,\n\nOn behalf of the City of Zrenjanin, I have the honour to inform you that we would like to join the European Alliance of Cities and Regions for Roma Inclusion.\n\nOur contact person will be Ms Milena Jovanović, Adviser for Roma Inclusion, e-mail: milena.jovanovic@zrenjanin.example.rs.\n\nYours faithfully,\n\nSimo Salapura\nMayor of the City of Zrenjanin\n",
			`{"authority_name":"City of Zrenjanin","country":"RS","contact_name":"Milena Jovanović","contact_function":"Adviser for Roma Inclusion","contact_email":"milena.jovanovic@zrenjanin.example.rs"}`},
		{"fr letter signed", "Marie Dupont <m.dupont@villeurbanne.example.fr>", "Adhésion à l'Alliance",
			"Madame, Monsieur,\n\nLa Ville de Villeurbanne souhaite adhérer à l'Alliance européenne des villes et des régions pour l'inclusion des Roms.\n\nJe reste à votre disposition.\n\nCordialement,\n\nMarie Dupont\nDirectrice de la cohésion sociale\nVille de Villeurbanne\n",
			`{"authority_name":"Ville de Villeurbanne","country":"FR","contact_name":"Marie Dupont","contact_function":"Directrice de la cohésion sociale","contact_email":"m.dupont@villeurbanne.example.fr"}`},
		{"de letter", "Referat Integration <integration@stadt-graz.example.at>", "Beitritt zur Allianz",
			"Sehr geehrte Damen und Herren,\n\ndie Stadt Graz möchte der Europäischen Allianz der Städte und Regionen für die Inklusion der Roma beitreten.\n\nAnsprechpartnerin ist Frau Katharina Pölzl, Leiterin des Referats für Integration (k.poelzl@stadt.graz.example.at).\n\nMit freundlichen Grüßen\nKatharina Pölzl\n",
			`{"authority_name":"Stadt Graz","country":"AT","contact_name":"Katharina Pölzl","contact_function":"Leiterin des Referats für Integration","contact_email":"k.poelzl@stadt.graz.example.at"}`},
		{"it letter of intent", "Comune di Torino <gabinetto@comune.torino.example.it>", "Lettera di intenti",
			"Gentili Signori,\n\ncon la presente il Comune di Torino esprime la volontà di aderire all'Alleanza europea delle città e delle regioni per l'inclusione dei Rom.\n\nCordiali saluti,\n\nMarco Rossi\nAssessore alle politiche sociali\n",
			`{"authority_name":"Comune di Torino","country":"IT","contact_name":"Marco Rossi","contact_function":"Assessore alle politiche sociali","contact_email":"gabinetto@comune.torino.example.it"}`},
		{"es letter", "Lucía Romero <lromero@cordoba.example.es>", "Solicitud",
			"Estimados señores:\n\nEl Ayuntamiento de Córdoba desea adherirse a la Alianza europea de ciudades y regiones para la inclusión de los gitanos.\n\nUn cordial saludo,\n\nLucía Romero\nJefa del Servicio de Inclusión\n",
			`{"authority_name":"Ayuntamiento de Córdoba","country":"ES","contact_name":"Lucía Romero","contact_function":"Jefa del Servicio de Inclusión","contact_email":"lromero@cordoba.example.es"}`},
		{"ro letter", "Primaria Cluj <relatii@primariaclujnapoca.example.ro>", "Scrisoare de intenție",
			"Stimate doamne și domni,\n\nPrimăria Municipiului Cluj-Napoca dorește să adere la Alianța europeană a orașelor și regiunilor pentru incluziunea romilor.\n\nCu stimă,\n\nIoana Pop\nȘef serviciu relații internaționale\n",
			`{"authority_name":"Primăria Municipiului Cluj-Napoca","country":"RO","contact_name":"Ioana Pop","contact_function":"Șef serviciu relații internaționale","contact_email":"relatii@primariaclujnapoca.example.ro"}`},
		{"en no ccTLD, country in signature", "Roma Unit <roma.unit@gmail.example.com>", "Joining",
			"Hello,\n\nOur municipality would like to become a member of the Alliance.\n\nBest regards,\n\nPeter Horvat\nRoma coordinator\nMunicipality of Murska Sobota, Slovenia\n",
			`{"authority_name":"Municipality of Murska Sobota","country":"SI","contact_name":"Peter Horvat","contact_function":"Roma coordinator","contact_email":"roma.unit@gmail.example.com"}`},
		{"hu letter", "a@miskolc.example.hu", "Csatlakozás",
			"Tisztelt Hölgyem/Uram!\n\nMiskolc Megyei Jogú Város Önkormányzata csatlakozni kíván a Romák Befogadásáért Európai Városok és Régiók Szövetségéhez.\n\nKapcsolattartó: Szabó Réka, esélyegyenlőségi referens (szabo.reka@miskolc.example.hu).\n\nÜdvözlettel:\nDr. Kiss Péter\npolgármester\n",
			`{"authority_name":"Miskolc Megyei Jogú Város Önkormányzata","country":"HU","contact_name":"Szabó Réka","contact_function":"esélyegyenlőségi referens","contact_email":"szabo.reka@miskolc.example.hu"}`},
		{"pl letter", "b@krakow.example.pl", "Przystąpienie do Sojuszu",
			"Szanowni Państwo,\n\nGmina Miejska Kraków pragnie przystąpić do Europejskiego Sojuszu Miast i Regionów na rzecz Włączenia Romów.\n\nOsobą do kontaktu będzie Pani Małgorzata Wiśniewska, Pełnomocnik ds. społeczności romskiej.\n\nZ poważaniem\nJan Nowak\nPrezydent Miasta\n",
			`{"authority_name":"Gmina Miejska Kraków","country":"PL","contact_name":"Małgorzata Wiśniewska","contact_function":"Pełnomocnik ds. społeczności romskiej","contact_email":"b@krakow.example.pl"}`},
		{"cs letter", "c@brno.example.cz", "Aliance",
			"Vážení,\n\nStatutární město Brno by se rádo připojilo k Evropské alianci měst a regionů pro začleňování Romů.\n\nS pozdravem\nJana Kovářová\nkoordinátorka\n",
			`{"authority_name":"Statutární město Brno","country":"CZ","contact_name":"Jana Kovářová","contact_function":"koordinátorka","contact_email":"c@brno.example.cz"}`},
		{"bg letter", "d@sofia.example.bg", "Алианс",
			"Уважаеми дами и господа,\n\nСтолична община желае да се присъедини към Европейския алианс на градовете и регионите за приобщаване на ромите.\n\nС уважение,\nДимитър Георгиев\nГлавен експерт\n",
			`{"authority_name":"Столична община","country":"BG","contact_name":"Димитър Георгиев","contact_function":"Главен експерт","contact_email":"d@sofia.example.bg"}`},
		{"pt letter", "e@lisboa.example.pt", "Adesão",
			"Exmos. Senhores,\n\nA Câmara Municipal de Lisboa pretende aderir à Aliança Europeia das Cidades e Regiões para a Inclusão dos Ciganos.\n\nCom os melhores cumprimentos,\nJoão Ferreira\nVereador\n",
			`{"authority_name":"Câmara Municipal de Lisboa","country":"PT","contact_name":"João Ferreira","contact_function":"Vereador","contact_email":"e@lisboa.example.pt"}`},
		{"nl letter", "f@utrecht.example.nl", "Deelname",
			"Geachte heer/mevrouw,\n\nDe gemeente Utrecht wil graag deelnemen aan de Europese Alliantie van Steden en Regio's voor de Inclusie van Roma.\n\nMet vriendelijke groet,\nAnouk de Vries\nBeleidsadviseur\n",
			`{"authority_name":"Gemeente Utrecht","country":"NL","contact_name":"Anouk de Vries","contact_function":"Beleidsadviseur","contact_email":"f@utrecht.example.nl"}`},
		{"sr latin letter", "g@ni.example.rs", "Pristupanje",
			"Poštovani,\n\nGrad Niš želi da pristupi Evropskoj alijansi gradova i regiona za inkluziju Roma.\n\nSrdačan pozdrav,\nDragan Petrović\nKoordinator za romska pitanja\n",
			`{"authority_name":"Grad Niš","country":"RS","contact_name":"Dragan Petrović","contact_function":"Koordinator za romska pitanja","contact_email":"g@ni.example.rs"}`},
		// Not a wish to join.
		{"summit question", "Eszter Molnár <molnar.eszter@pecs.example.hu>", "Summit",
			"Dear Secretariat,\n\nOur Deputy Mayor would like to participate in the next Summit of the Alliance. When will it take place?\n\nBest regards,\nEszter Molnár\n", `null`},
		{"unsubscribe", "r.devries@utrecht.example.nl", "Unsubscribe",
			"Please remove me from your mailing list.\n\nThank you,\nRuben de Vries\n", `null`},
		{"quoted invitation only", "jana@brno.example.cz", "Re: Questionnaire",
			"Thanks, we will answer next week.\n\nJana\n" + quotedQuestionnaire, `null`},
		{"how to join", "info@town.example.pl", "Question",
			"Hello, could you tell us how to join the Alliance and what the costs are?\n", `null`},
	}
	for _, tt := range tests {
		m := joinTestMessage(t, tt.from, tt.subject, tt.body)
		got, _ := json.Marshal(findJoinRequest(m))
		var g, w any
		json.Unmarshal(got, &g)
		json.Unmarshal([]byte(tt.want), &w)
		if string(mustJSON(g)) != string(mustJSON(w)) {
			t.Errorf("%s: findJoinRequest = %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestFindJoinRequestSampleMail(t *testing.T) {
	want := map[string]string{
		"07-join-request-en.eml": `{"authority_name":"City of Leskovac","country":"RS","contact_name":"Dragan Petrović","contact_function":"Coordinator for Roma Issues","contact_email":"d.petrovic@gradleskovac.example.rs"}`,
		"08-join-request-fr.eml": `{"authority_name":"Commune d'Anderlecht","country":"BE","contact_name":"Nadia Bouzidi","contact_function":"chargée de projets au service de la Cohésion sociale","contact_email":"n.bouzidi@anderlecht.example.be"}`,
	}
	files, _ := filepath.Glob("../internal/samplemail/mail/*.eml")
	for _, f := range files {
		name := filepath.Base(f)
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := read(raw, Limits{})
		j := findJoinRequest(m)
		w, isJoin := want[name]
		switch {
		case isJoin && j == nil:
			t.Errorf("%s: findJoinRequest = nil, want %s", name, w)
		case isJoin:
			if got := string(mustJSON(j)); got != w {
				t.Errorf("%s: findJoinRequest = %s\nwant %s", name, got, w)
			}
		case j != nil && !strings.Contains(name, "questionnaire"):
			// Questionnaire replies also ask to join; Parse finds them first.
			t.Errorf("%s: findJoinRequest = %s, want nil", name, mustJSON(j))
		}
	}
}
