package main

import (
	"github.com/xuri/excelize/v2"
)

// This file writes spreadsheets with one row per authority, as associations
// answering for their members send them.

// vegaAltaXLSX is the Mancomunidad de la Vega Alta (Spain) answering for
// three municipalities: a title, a blank row, English headers, an empty row
// between two authorities, lists written in one cell, a second sheet of
// notes.
func vegaAltaXLSX() []byte {
	f := excelize.NewFile()
	defer f.Close()
	const s = "Answers"
	f.SetSheetName("Sheet1", s)
	f.SetCellValue(s, "A1", "Alliance questionnaire – answers of the Mancomunidad de la Vega Alta")
	header := []any{"Name of the local or regional authority", "Country", "Type of authority", "Population",
		"Estimated number of Roma and Travellers", "Contact person", "Function", "E-mail", "Telephone",
		"Is your authority interested in joining the Alliance?", "Thematic priorities", "Cross-cutting issues",
		"Activities of interest", "Main needs and challenges", "Current projects and good practices",
		"May we send you the Alliance newsletter?", "Remarks"}
	f.SetSheetRow(s, "A3", &header)
	rows := [][]any{
		{"Ayuntamiento de Valdeserra", "Spain", "Municipality", 23150, 900, "Lucía Romero Gil",
			"Councillor for Social Services", "lromero@valdeserra.example.es", "+34 953 123 456", "Yes",
			"Education, Housing", "Roma participation", "Exchange of good practices, Training",
			"Substandard housing in the Las Cuevas neighbourhood", "Roma Plan 2023-2027 with the regional government", "Yes", ""},
		{"Ayuntamiento de Fuentealba del Río", "Spain", "Municipality", 7480, "150-200", "Javier Morales Ruiz",
			"Social inclusion officer", "jmorales@fuentealba.example.es", "+34 953 654 321", "Yes",
			"Education, Employment and vocational training", "Combating stereotypes, Intercultural understanding", "Study visits",
			"School absenteeism of Roma girls", "Mediation programme with the Fundación Secretariado Gitano", "Yes", "Answer sent by the Mancomunidad"},
		nil, // an empty row
		{"Ayuntamiento de Castrillo de la Vega Alta", "Spain", "Municipality", 3920, "unknown", "María José Castro",
			"Mayor", "alcaldia@castrillo-vegaalta.example.es", "+34 953 777 888", "Not decided yet",
			"Health", "", "Information on funding", "", "", "No", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 4+i)
		if r != nil {
			f.SetSheetRow(s, cell, &r)
		}
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	f.SetCellStyle(s, "D4", "D7", style)
	f.NewSheet("Notes")
	f.SetCellValue("Notes", "A1", "Figures from the municipal registers (padrón), 1 January 2026.")
	f.SetCellValue("Notes", "A2", "Contact at the Mancomunidad: Pilar Navarro, pnavarro@vegaalta.example.es")
	return xlsxBytes(f)
}

// valDeMeuseXLSX is an association of Belgian communes answering in French:
// an instructions sheet first, then numbered French headers and one column
// per option, ticked with "x", "X", "oui" or "✓".
func valDeMeuseXLSX() []byte {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Instructions")
	f.SetCellValue("Instructions", "A1", "Merci de remplir une ligne par commune, puis de renvoyer le fichier au secrétariat du Congrès.")
	f.SetCellValue("Instructions", "A2", "Pour les questions 11 à 13, cochez les colonnes par un x.")
	const s = "Réponses"
	f.NewSheet(s)
	header := []any{"1. Nom de la collectivité locale ou régionale", "2. Pays", "3. Type de collectivité", "4. Population",
		"5. Estimation du nombre de Roms et Gens du voyage", "6. Personne de contact", "7. Fonction", "8. Courriel",
		"9. Téléphone", "10. Intérêt pour l'Alliance",
		"11a Éducation", "11b Emploi et formation professionnelle", "11c Logement", "11d Santé",
		"Q12 Droits, devoirs et responsabilités", "Q12 Participation des Roms",
		"Questions transversales : Lutte contre les stéréotypes", "Questions transversales – Compréhension interculturelle",
		"13. Échange de bonnes pratiques", "13. Ateliers thématiques", "13. Visites d'étude", "13. Formation",
		"13. Expertise", "13. Information sur les financements",
		"14. Principaux besoins et difficultés", "15. Projets en cours et bonnes pratiques", "16. Lettre d'information"}
	f.SetSheetRow(s, "A1", &header)
	rows := [][]any{
		{"Commune de Hautfays-sur-Meuse", "Belgique", "Commune", "5 870", "environ 120", "Sophie Lambert",
			"Échevine des affaires sociales", "s.lambert@hautfays.example.be", "+32 81 12 34 56", "Oui",
			"x", "", "x", "", "x", "", "", "", "x", "", "", "", "", "",
			"Terrain pour les gens du voyage", "Plan de cohésion sociale 2026-2030", "oui"},
		{"Commune de Wérimont", "Belgique", "Commune", "9 310", "inconnu", "Marc Dubois",
			"Coordinateur du Plan de cohésion sociale", "m.dubois@werimont.example.be", "+32 81 98 76 54", "Oui",
			"X", "X", "", "", "", "X", "X", "", "", "X", "X", "", "", "",
			"Médiation scolaire", "", "oui"},
		{"Ville de Beaurieux-Meuse", "Belgique", "Commune", "21 640", "300 à 400", "Nadia El Amrani",
			"Directrice du CPAS", "n.elamrani@beaurieux.example.be", "+32 71 55 44 33", "Pas encore décidé",
			"", "✓", "✓", "✓", "", "", "", "✓", "", "", "", "✓", "✓", "✓",
			"Logement et accès à l'emploi", "Accompagnement de 15 familles vers le logement", "non"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 2+i)
		f.SetSheetRow(s, cell, &r)
	}
	return xlsxBytes(f)
}

func xlsxBytes(f *excelize.File) []byte {
	b, err := f.WriteToBuffer()
	if err != nil {
		panic(err)
	}
	return b.Bytes()
}
