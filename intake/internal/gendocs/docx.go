package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
)

// This file writes WordprocessingML as Word 2016 and later write it: rsids,
// split runs, proofing marks, w14 check box content controls, a legacy form
// check box, tracked changes, fields, a text box with its VML fallback, and a
// header.

var xmlEsc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

const wordNS = `xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" ` +
	`xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ` +
	`xmlns:o="urn:schemas-microsoft-com:office:office" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ` +
	`xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" ` +
	`xmlns:v="urn:schemas-microsoft-com:vml" ` +
	`xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing" ` +
	`xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" ` +
	`xmlns:w10="urn:schemas-microsoft-com:office:word" ` +
	`xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
	`xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" ` +
	`xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" ` +
	`xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" ` +
	`xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml" ` +
	`xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" ` +
	`mc:Ignorable="w14 w15 wp14"`

type wordDoc struct {
	id int // w:id of content controls, changes and drawings
}

func (d *wordDoc) nextID() int {
	d.id++
	return 0x3A2F1000 + d.id
}

// r is a run of text, with optional run properties.
func r(text string, rPr ...string) string {
	return `<w:r w:rsidRPr="00C41D2E">` + rprs(rPr) + `<w:t xml:space="preserve">` + xmlEsc.Replace(text) + `</w:t></w:r>`
}

func rprs(rPr []string) string {
	if len(rPr) == 0 {
		return ""
	}
	return "<w:rPr>" + strings.Join(rPr, "") + "</w:rPr>"
}

const bold = `<w:b/><w:bCs/>`

func p(content ...string) string {
	return `<w:p w:rsidR="00C41D2E" w:rsidRDefault="00C41D2E" w:rsidP="00F2A7B1"><w:pPr><w:spacing w:after="60"/></w:pPr>` +
		strings.Join(content, "") + `</w:p>`
}

func tc(width int, content ...string) string {
	return fmt.Sprintf(`<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>`, width) + strings.Join(content, "") + `</w:tc>`
}

func tr(cells ...string) string {
	return `<w:tr w:rsidR="00C41D2E" w:rsidTr="00F2A7B1"><w:trPr><w:cantSplit/></w:trPr>` + strings.Join(cells, "") + `</w:tr>`
}

// sdtText is a plain text content control around runs.
func (d *wordDoc) sdtText(tag, alias string, runs ...string) string {
	return fmt.Sprintf(`<w:sdt><w:sdtPr><w:rPr><w:rStyle w:val="Answer"/></w:rPr><w:alias w:val="%s"/><w:tag w:val="%s"/><w:id w:val="%d"/><w15:appearance w15:val="hidden"/><w:text w:multiLine="1"/></w:sdtPr><w:sdtContent>`,
		xmlEsc.Replace(alias), tag, d.nextID()) + strings.Join(runs, "") + `</w:sdtContent></w:sdt>`
}

// sdtPlaceholder is a content control still showing its placeholder.
func (d *wordDoc) sdtPlaceholder(tag string) string {
	return fmt.Sprintf(`<w:sdt><w:sdtPr><w:tag w:val="%s"/><w:id w:val="%d"/><w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013440"/></w:placeholder><w:showingPlcHdr/><w:text/></w:sdtPr><w:sdtContent>`, tag, d.nextID()) +
		r("Click or tap here to enter text.", `<w:rStyle w:val="PlaceholderText"/>`) + `</w:sdtContent></w:sdt>`
}

// sdtBox is a w14 check box content control, as Word's Developer tab
// inserts it.
func (d *wordDoc) sdtBox(tag string, checked bool) string {
	v, glyph := "0", "☐"
	if checked {
		v, glyph = "1", "☒"
	}
	return fmt.Sprintf(`<w:sdt><w:sdtPr><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic"/></w:rPr><w:tag w:val="%s"/><w:id w:val="%d"/><w14:checkbox><w14:checked w14:val="%s"/><w14:checkedState w14:val="2612" w14:font="MS Gothic"/><w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" w:hint="eastAsia"/></w:rPr><w:t>%s</w:t></w:r></w:sdtContent></w:sdt>`,
		tag, d.nextID(), v, glyph)
}

// legacyBox is a legacy form check box (FORMCHECKBOX) named name.
func legacyBox(name string, checked bool) string {
	state := ""
	if checked {
		state = `<w:checked/>`
	}
	return `<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="` + name + `"/><w:enabled/><w:calcOnExit w:val="0"/><w:checkBox><w:sizeAuto/><w:default w:val="0"/>` + state + `</w:checkBox></w:ffData></w:fldChar></w:r>` +
		`<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>`
}

type option struct {
	code, label string
	checked     bool
}

// boxes is a cell's list of check boxes, one paragraph an option.
func (d *wordDoc) boxes(key string, opts []option) []string {
	var ps []string
	for _, o := range opts {
		ps = append(ps, p(d.sdtBox(key+"_"+o.code, o.checked), r(" "+o.label)))
	}
	return ps
}

// wordDocx is the questionnaire as the Comune di Montegrano Irpino (Italy)
// filled it in Word.
func wordDocx() []byte {
	d := &wordDoc{}
	const w1, w2 = 3600, 5426
	row := func(label []string, answer ...string) string {
		return tr(tc(w1, p(label...)), tc(w2, answer...))
	}
	rows := []string{
		tr(tc(w1, p(r("Question", bold))), tc(w2, p(r("Answer", bold)))),
		// Word splits runs where proofing or editing sessions differ.
		row([]string{r("1. Name of the lo"), `<w:proofErr w:type="spellStart"/>`, r("cal or regional authority"), `<w:proofErr w:type="spellEnd"/>`},
			p(d.sdtText("authority_name", "Name of the authority", r("Comune di Monte"), r("grano Irpino", `<w:lang w:val="it-IT"/>`)))),
		row([]string{r("2. Country")}, p(d.sdtText("country", "Country", r("Italy")))),
		row([]string{r("3. Type of authority")}, d.boxes("authority_type", []option{
			{"municipality", "Municipality (city, town, commune)", true},
			{"intermediate", "County, province or département", false},
			{"region", "Region", false},
			{"association", "Association of authorities", false},
			{"other", "Other", false},
		})...),
		row([]string{r("4. Population")}, p(d.sdtText("population", "Population", r("8 450")))),
		row([]string{r("5. Estimated number of Roma and Travellers")}, p(d.sdtText("roma_estimate", "Estimated number of Roma", r("between 120 and 180")))),
		row([]string{r("6. Contact person")}, p(d.sdtText("contact_name", "Contact person", r("Giulia "), r("Ferraris")))),
		row([]string{r("7. Function")}, p(d.sdtText("contact_function", "Function", r("Councillor for social policies")))),
		row([]string{r("8. E-mail")}, p(d.sdtText("contact_email", "E-mail", r("g.ferraris@comune.montegrano.example")))),
		row([]string{r("9. Telephone")}, p(d.sdtText("contact_phone", "Telephone", r("+39 0825 123 456")))),
		row([]string{r("10. Is your authority interested in joining the Alliance?")}, d.boxes("interested", []option{
			{"yes", "Yes", true}, {"no", "No", false}, {"undecided", "Not decided yet", false},
		})...),
		row([]string{r("11. Thematic priorities")}, d.boxes("thematic_priorities", []option{
			{"education", "Education", true}, {"employment", "Employment and vocational training", false},
			{"housing", "Housing", true}, {"health", "Health", false},
		})...),
		row([]string{r("12. Cross-cutting issues")}, d.boxes("crosscutting_issues", []option{
			{"rights", "Rights, duties and responsibilities", false}, {"participation", "Roma participation", true},
			{"stereotypes", "Combating stereotypes", true}, {"intercultural", "Intercultural understanding", false},
		})...),
		row([]string{r("13. Activities of interest")}, d.boxes("activities", []option{
			{"good_practices", "Exchange of good practices", true}, {"workshops", "Thematic workshops", false},
			{"study_visits", "Study visits", true}, {"training", "Training", false},
			{"expertise", "Expert advice", false}, {"funding", "Information on funding", true},
		})...),
		// A block content control around two paragraphs, with a tracked
		// change: "teachers" deleted, "school mediators" inserted.
		tr(tc(w1, p(r("14. Main needs and challenges"))),
			`<w:tc><w:tcPr><w:tcW w:w="5426" w:type="dxa"/></w:tcPr><w:sdt><w:sdtPr><w:alias w:val="Needs"/><w:tag w:val="needs"/><w:id w:val="`+fmt.Sprint(d.nextID())+`"/></w:sdtPr><w:sdtContent>`+
				p(r("Training of "),
					`<w:del w:id="101" w:author="Giulia Ferraris" w:date="2026-04-13T16:02:00Z"><w:r><w:delText xml:space="preserve">teachers</w:delText></w:r></w:del>`,
					`<w:ins w:id="102" w:author="Giulia Ferraris" w:date="2026-04-13T16:02:00Z"><w:r><w:t>school mediators</w:t></w:r></w:ins>`,
					r(" and early school leaving.")),
			p(r("Decent housing for the 30 families of the Via del Fiume settlement."))+
				`</w:sdtContent></w:sdt></w:tc>`),
		// A run content control with a line break, a tab and a hyperlink
		// field (its instruction must not show).
		row([]string{r("15. Current projects and good practices")}, p(d.sdtText("projects", "Projects",
			r("Homework club with the parish since 2019;"), `<w:r><w:br/></w:r>`,
			r("summer school for 40 children"), `<w:r><w:tab/></w:r>`, r("(see "),
			`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> HYPERLINK "https://www.comune.montegrano.example/rom" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>`,
			r("www.comune.montegrano.example/rom", `<w:rStyle w:val="Hyperlink"/>`),
			`<w:r><w:fldChar w:fldCharType="end"/></w:r>`, r(")")))),
		row([]string{r("16. May we send you the Alliance newsletter?")},
			p(legacyBox("newsletter_yes", true), r(" Yes   "), legacyBox("newsletter_no", false), r(" No"))),
		row([]string{r("Website (optional)")}, p(d.sdtPlaceholder("website"))),
	}
	textBox := `<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>3900000</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV><wp:extent cx="2000000" cy="400000"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapSquare wrapText="bothSides"/><wp:docPr id="1" name="Text Box 1"/><wp:cNvGraphicFramePr/>` +
		`<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2000000" cy="400000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx><w:txbxContent>` +
		p(r("Please return by 30 April 2026")) +
		`</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape id="Text Box 1" o:spid="_x0000_s1026" type="#_x0000_t202" style="position:absolute;width:157.5pt;height:31.5pt"><v:textbox><w:txbxContent>` +
		p(r("Please return by 30 April 2026")) +
		`</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>`
	body := p(r("Questionnaire – Alliance of Cities and Regions for ", bold), r("Roma Inclusion", bold)) +
		p(r("Please fill in the table and send it back to the Congress secretariat."), textBox) +
		`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="9026" w:type="dxa"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid><w:gridCol w:w="3600"/><w:gridCol w:w="5426"/></w:tblGrid>` +
		strings.Join(rows, "") + `</w:tbl>` +
		p() +
		p(r("Consent to publication of the answers: "), `<w:r><w:sym w:font="Wingdings" w:char="F0FE"/></w:r>`, r(" yes "), `<w:r><w:sym w:font="Wingdings" w:char="F0A8"/></w:r>`, r(" no")) +
		p(r("Date: "), `<w:fldSimple w:instr=" DATE  \@ &quot;d MMMM yyyy&quot;  \* MERGEFORMAT ">`+r("14 April 2026")+`</w:fldSimple>`) +
		p(r("Giulia Ferraris, "), `<w:del w:id="103" w:author="Giulia Ferraris" w:date="2026-04-13T16:05:00Z"><w:r><w:delText>Deputy Mayor</w:delText></w:r></w:del>`, r("Councillor")) +
		`<w:sectPr w:rsidR="00C41D2E"><w:headerReference w:type="default" r:id="rId8"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/><w:cols w:space="708"/></w:sectPr>`
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
		`<w:document ` + wordNS + `><w:body>` + body + `</w:body></w:document>`
	header := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
		`<w:hdr ` + wordNS + `>` + p(r("Council of Europe – Congress of Local and Regional Authorities")) + `</w:hdr>`
	return zipFiles([]entry{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", doc},
		{"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/></Relationships>`},
		{"word/header1.xml", header},
		{"word/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
			`<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi"/><w:sz w:val="22"/><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/></w:tblBorders></w:tblPr></w:style><w:style w:type="character" w:styleId="PlaceholderText"><w:name w:val="Placeholder Text"/><w:rPr><w:color w:val="808080"/></w:rPr></w:style></w:styles>`},
		{"docProps/core.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
			`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Questionnaire Alliance</dc:title><dc:creator>Congress secretariat</dc:creator><cp:lastModifiedBy>Giulia Ferraris</cp:lastModifiedBy><dcterms:modified xsi:type="dcterms:W3CDTF">2026-04-14T09:12:00Z</dcterms:modified></cp:coreProperties>`},
		{"docProps/app.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
			`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><AppVersion>16.0000</AppVersion></Properties>`},
	})
}

// bombDocx is a small .docx whose document.xml expands to n bytes of spaces
// inside one paragraph.
func bombDocx(n int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, s string) {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modTime})
		w.Write([]byte(s))
	}
	add("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, Modified: modTime})
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>`))
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		w.Write(chunk[:min(len(chunk), left)])
	}
	w.Write([]byte(`</w:t></w:r></w:p></w:body></w:document>`))
	zw.Close()
	return buf.Bytes()
}
