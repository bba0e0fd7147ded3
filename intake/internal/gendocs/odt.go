package main

import (
	"fmt"
	"strings"
)

// This file writes OpenDocument text in LibreOffice's style: office:forms
// with check boxes, radio buttons and a text field shown by draw:control,
// text:s and text:tab, a tracked change, a footnote and a comment.

const odtNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ` +
	`xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" ` +
	`xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ` +
	`xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ` +
	`xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" ` +
	`xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" ` +
	`xmlns:xlink="http://www.w3.org/1999/xlink" ` +
	`xmlns:dc="http://purl.org/dc/elements/1.1/" ` +
	`xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" ` +
	`xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" ` +
	`xmlns:form="urn:oasis:names:tc:opendocument:xmlns:form:1.0" ` +
	`xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" ` +
	`xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" ` +
	`office:version="1.3"`

type odtForm struct {
	controls []string
	n        int
}

// control adds a form control and returns the draw:control that shows it.
func (f *odtForm) control(xml string) string {
	f.n++
	id := fmt.Sprintf("control%d", f.n)
	f.controls = append(f.controls, strings.ReplaceAll(xml, "ID", id))
	return `<draw:control text:anchor-type="as-char" svg:y="-0.45cm" draw:z-index="` + fmt.Sprint(f.n) + `" draw:style-name="gr1" draw:text-style-name="P9" svg:width="7.5cm" svg:height="0.55cm" draw:control="` + id + `"/>`
}

func (f *odtForm) checkbox(name, label string, checked bool) string {
	state := "unchecked"
	if checked {
		state = "checked"
	}
	return f.control(`<form:checkbox form:name="` + name + `" form:control-implementation="ooo:com.sun.star.form.component.CheckBox" xml:id="ID" form:id="ID" form:label="` + xmlEsc.Replace(label) + `" form:current-state="` + state + `" form:image-position="center"><form:properties><form:property form:property-name="DefaultControl" office:value-type="string" office:string-value="com.sun.star.form.control.CheckBox"/></form:properties></form:checkbox>`)
}

func (f *odtForm) radio(name, value, label string, selected bool) string {
	sel := ""
	if selected {
		sel = ` form:current-selected="true"`
	}
	return f.control(`<form:radio form:name="` + name + `" form:control-implementation="ooo:com.sun.star.form.component.RadioButton" xml:id="ID" form:id="ID" form:label="` + xmlEsc.Replace(label) + `" form:value="` + value + `"` + sel + ` form:image-position="center"><form:properties><form:property form:property-name="DefaultControl" office:value-type="string" office:string-value="com.sun.star.form.control.RadioButton"/></form:properties></form:radio>`)
}

func (f *odtForm) text(name, value string) string {
	return f.control(`<form:text form:name="` + name + `" form:control-implementation="ooo:com.sun.star.form.component.TextField" xml:id="ID" form:id="ID" form:current-value="` + xmlEsc.Replace(value) + `" form:convert-empty-to-null="true"><form:properties><form:property form:property-name="DefaultControl" office:value-type="string" office:string-value="com.sun.star.form.control.TextField"/></form:properties></form:text>`)
}

func tp(content ...string) string {
	return `<text:p text:style-name="P2">` + strings.Join(content, "") + `</text:p>`
}

func ocell(content ...string) string {
	return `<table:table-cell table:style-name="Tableau1.A1" office:value-type="string">` + strings.Join(content, "") + `</table:table-cell>`
}

func orow(q string, answer ...string) string {
	return `<table:table-row>` + ocell(tp(xmlEsc.Replace(q))) + ocell(answer...) + `</table:table-row>`
}

// saintAubinODT is the questionnaire, in French, as the Ville de
// Saint-Aubin-les-Forges (France) filled it in LibreOffice: answers typed in
// the table, options ticked in form check boxes.
func saintAubinODT() []byte {
	f := &odtForm{}
	boxes := func(key string, opts []option) []string {
		var ps []string
		for _, o := range opts {
			ps = append(ps, tp(f.checkbox(key+"_"+o.code, o.label, o.checked)))
		}
		return ps
	}
	rows := []string{
		`<table:table-header-rows><table:table-row>` + ocell(tp(`<text:span text:style-name="T1">Question</text:span>`)) + ocell(tp(`<text:span text:style-name="T1">Réponse</text:span>`)) + `</table:table-row></table:table-header-rows>`,
		orow("1. Nom de la collectivité locale ou régionale", tp(`Ville de <text:span text:style-name="T2">Saint-Aubin</text:span>-les-Forges`)),
		orow("2. Pays", tp("France")),
		orow("3. Type de collectivité", boxes("authority_type", []option{
			{"municipality", "Commune (ville, municipalité)", true},
			{"intermediate", "Département, province ou comté", false},
			{"region", "Région", false},
			{"association", "Association de collectivités", false},
			{"other", "Autre", false},
		})...),
		orow("4. Population", tp(`12<text:s/>300 habitants`)),
		orow("5. Estimation du nombre de Roms et Gens du voyage", tp("entre 200 et 300")),
		orow("6. Personne de contact", tp("Claire Mercier")),
		orow("7. Fonction", tp("Chargée de mission cohésion sociale")),
		orow("8. Courriel", tp(f.text("contact_email", "c.mercier@saint-aubin.example.fr"))),
		orow("9. Téléphone", tp(`+33<text:s/>3<text:s/>86<text:s/>12<text:s/>34<text:s/>56`)),
		orow("10. Votre collectivité souhaite-t-elle participer à l'Alliance ?",
			tp(f.radio("interested", "yes", "Oui", true)), tp(f.radio("interested", "no", "Non", false)),
			tp(f.radio("interested", "undecided", "Pas encore décidé", false))),
		orow("11. Priorités thématiques", boxes("thematic_priorities", []option{
			{"education", "Éducation", true}, {"employment", "Emploi et formation professionnelle", false},
			{"housing", "Logement", false}, {"health", "Santé", true},
		})...),
		orow("12. Questions transversales", boxes("crosscutting_issues", []option{
			{"rights", "Droits, devoirs et responsabilités", true}, {"participation", "Participation des Roms", false},
			{"stereotypes", "Lutte contre les stéréotypes", false}, {"intercultural", "Compréhension interculturelle", true},
		})...),
		orow("13. Activités qui vous intéressent", boxes("activities", []option{
			{"good_practices", "Échange de bonnes pratiques", false}, {"workshops", "Ateliers thématiques", true},
			{"study_visits", "Visites d'étude", false}, {"training", "Formation", true},
			{"expertise", "Expertise", false}, {"funding", "Information sur les financements", false},
		})...),
		orow("14. Principaux besoins et difficultés",
			tp(`Scolarisation des enfants de l'aire d'accueil ; recrutement de <text:change text:change-id="ct1"/><text:change-start text:change-id="ct2"/>médiateurs scolaires<text:change-end text:change-id="ct2"/>.`),
			tp(`Accès aux soins<office:annotation><dc:creator>Claire Mercier</dc:creator><dc:date>2026-04-13T15:20:00</dc:date><text:p>à vérifier avec le CCAS</text:p></office:annotation> pour les familles itinérantes.`)),
		orow("15. Projets en cours et bonnes pratiques",
			tp(`Médiation santé avec l'ARS depuis 2022<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p text:style-name="Footnote">Financé par le FSE+.</text:p></text:note-body></text:note> ;<text:line-break/>accompagnement vers l'emploi<text:tab/>(12 personnes en 2025).`)),
		orow("16. Acceptez-vous de recevoir la lettre d'information de l'Alliance ?",
			tp(f.checkbox("newsletter_yes", "Oui", true), " ", f.checkbox("newsletter_no", "Non", false))),
	}
	body := `<office:forms form:automatic-focus="false" form:apply-design-mode="false"><form:form form:name="Formulaire" form:apply-filter="true" form:command-type="table" form:control-implementation="ooo:com.sun.star.form.component.Form" office:target-frame="" xlink:href="" xlink:type="simple">` +
		`%CONTROLS%</form:form></office:forms>` +
		`<text:tracked-changes text:track-changes="false">` +
		`<text:changed-region xml:id="ct1" text:id="ct1"><text:deletion><office:change-info><dc:creator>Claire Mercier</dc:creator><dc:date>2026-04-13T15:18:00</dc:date></office:change-info><text:p>enseignants </text:p></text:deletion></text:changed-region>` +
		`<text:changed-region xml:id="ct2" text:id="ct2"><text:insertion><office:change-info><dc:creator>Claire Mercier</dc:creator><dc:date>2026-04-13T15:18:00</dc:date></office:change-info></text:insertion></text:changed-region>` +
		`</text:tracked-changes>` +
		`<text:sequence-decls><text:sequence-decl text:display-outline-level="0" text:name="Table"/></text:sequence-decls>` +
		`<text:h text:style-name="Heading_20_1" text:outline-level="1">Questionnaire – Alliance des villes et régions pour l'inclusion des Roms</text:h>` +
		`<text:p text:style-name="P1">Merci de remplir le tableau<text:s text:c="2"/>et de le renvoyer<text:tab/>avant le 30 avril 2026.</text:p>` +
		`<table:table table:name="Tableau1" table:style-name="Tableau1"><table:table-column table:style-name="Tableau1.A" table:number-columns-repeated="2"/>` +
		strings.Join(rows, "") + `</table:table>` +
		`<text:p text:style-name="P1">Fait à Saint-Aubin-les-Forges, le 14 avril 2026.</text:p>`
	// The controls are known once the rows are written.
	body = strings.Replace(body, "%CONTROLS%", strings.Join(f.controls, ""), 1)
	content := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<office:document-content ` + odtNS + `><office:scripts/><office:font-face-decls><style:font-face style:name="Liberation Sans" svg:font-family="'Liberation Sans'" style:font-family-generic="swiss"/></office:font-face-decls>` +
		`<office:automatic-styles><style:style style:name="Tableau1" style:family="table"><style:table-properties style:width="17cm" table:align="margins"/></style:style><style:style style:name="Tableau1.A" style:family="table-column"><style:table-column-properties style:column-width="7cm"/></style:style><style:style style:name="Tableau1.A1" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000"/></style:style><style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style><style:style style:name="gr1" style:family="graphic"><style:graphic-properties style:vertical-pos="top" style:vertical-rel="baseline"/></style:style></office:automatic-styles>` +
		`<office:body><office:text>` + body + `</office:text></office:body></office:document-content>`
	return odtPackage(content, "Congrès des pouvoirs locaux et régionaux – Conseil de l'Europe")
}

// oberwaldODT is a letter answering the questionnaire in paragraphs, with a
// table for the contact, as the Landkreis Oberwald (Germany) wrote it. It is
// exported to PDF by LibreOffice for libreoffice-text.pdf.
func oberwaldODT() []byte {
	ps := []string{
		`<text:p text:style-name="P1">Landkreis Oberwald – Amt für Integration</text:p>`,
		tp("Dear Sir or Madam,"),
		tp("please find below our answers to the questionnaire of the Alliance of Cities and Regions for Roma Inclusion."),
		tp("1. Name of the local or regional authority: Landkreis Oberwald"),
		tp("2. Country: Germany"),
		tp("3. Type of authority: County, province or département"),
		tp("4. Population: 184 500"),
		tp("5. Estimated number of Roma and Travellers: unknown"),
		`<table:table table:name="Kontakt" table:style-name="Tableau1"><table:table-column table:style-name="Tableau1.A" table:number-columns-repeated="2"/>` +
			orow("6. Contact person", tp("Dr. Sabine Krüger")) +
			orow("7. Function", tp("Integration Commissioner")) +
			orow("8. E-mail", tp("s.krueger@lk-oberwald.example.de")) +
			orow("9. Telephone", tp("+49 9561 12 345")) +
			`</table:table>`,
		tp("10. Is your authority interested in joining the Alliance? Not decided yet"),
		tp("11. Thematic priorities: Employment and vocational training, Health"),
		tp("12. Cross-cutting issues: Intercultural understanding"),
		tp("13. Activities of interest: Thematic workshops, Expert advice"),
		tp("14. Main needs and challenges: access of Sinti and Roma youth to apprenticeships in the district."),
		tp("15. Current projects and good practices: mentoring programme with the chamber of crafts (since 2021)."),
		tp("16. May we send you the Alliance newsletter? Yes"),
		tp("Yours faithfully,"),
		tp("Dr. Sabine Krüger"),
	}
	content := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<office:document-content ` + odtNS + `><office:automatic-styles><style:style style:name="Tableau1" style:family="table"><style:table-properties style:width="17cm" table:align="margins"/></style:style><style:style style:name="Tableau1.A" style:family="table-column"><style:table-column-properties style:column-width="6cm"/></style:style><style:style style:name="Tableau1.A1" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="none"/></style:style></office:automatic-styles>` +
		`<office:body><office:text>` + strings.Join(ps, "") + `</office:text></office:body></office:document-content>`
	return odtPackage(content, "Landkreis Oberwald")
}

// odtPackage packs content.xml with a minimal manifest, meta and styles
// (whose header holds headerText, which must not be read).
func odtPackage(content, headerText string) []byte {
	styles := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<office:document-styles ` + odtNS + `><office:styles><style:style style:name="Standard" style:family="paragraph" style:class="text"/></office:styles>` +
		`<office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21.001cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm"/><style:header-style/></style:page-layout></office:automatic-styles>` +
		`<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"><style:header><text:p text:style-name="Header">` + xmlEsc.Replace(headerText) + `</text:p></style:header></style:master-page></office:master-styles></office:document-styles>`
	return zipFiles([]entry{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>`},
		{"content.xml", content},
		{"styles.xml", styles},
		{"meta.xml", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<office:document-meta ` + odtNS + `><office:meta><meta:generator>LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2</meta:generator><dc:date>2026-04-14T09:12:00</dc:date></office:meta></office:document-meta>`},
	})
}
