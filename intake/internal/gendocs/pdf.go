package main

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"unicode/utf16"
)

// This file writes small PDFs by hand: a fillable form (AcroForm text
// fields, a combo box, check boxes, radio groups, a hierarchical name), a
// text-only reply, and a scan (one image, no text).

type pdfWriter struct {
	objs []string
}

// reserve returns the number of a new, empty object.
func (w *pdfWriter) reserve() int {
	w.objs = append(w.objs, "")
	return len(w.objs)
}

func (w *pdfWriter) set(n int, body string) { w.objs[n-1] = body }

func (w *pdfWriter) add(body string) int {
	n := w.reserve()
	w.set(n, body)
	return n
}

// stream adds a stream object; deflated when flate is true.
func (w *pdfWriter) stream(dict string, data []byte, flate bool) int {
	if flate {
		var b bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
		zw.Write(data)
		zw.Close()
		data = b.Bytes()
		dict += " /Filter /FlateDecode"
	}
	return w.add(fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
}

func (w *pdfWriter) bytes(root int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(w.objs))
	for i, o := range w.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(w.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info << /Producer (alliancebot gendocs) >> >>\nstartxref\n%d\n%%%%EOF\n", len(w.objs)+1, root, xref)
	return b.Bytes()
}

func ref(n int) string { return fmt.Sprintf("%d 0 R", n) }

// pdfString is s as a PDF string: a literal when it is ASCII, else UTF-16BE
// with a byte order mark.
func pdfString(s string) string {
	ascii := true
	for _, r := range s {
		if r >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return "(" + strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`, "\n", `\r`).Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	return b.String() + ">"
}

// winAnsi encodes s for a WinAnsiEncoding font, as a PDF literal string;
// the characters it lacks are taken from extra (code points 128 on), as a
// /Differences array maps them.
func winAnsi(s string, extra map[rune]byte) string {
	table := map[rune]byte{'–': 0x96, '’': 0x92, 'Š': 0x8A, 'š': 0x9A, 'ü': 0xFC, 'é': 0xE9, 'ä': 0xE4, 'ö': 0xF6}
	var b strings.Builder
	b.WriteByte('(')
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80:
			b.WriteRune(r)
		case extra[r] != 0:
			fmt.Fprintf(&b, "\\%03o", extra[r])
		case table[r] != 0:
			fmt.Fprintf(&b, "\\%03o", table[r])
		default:
			b.WriteByte('?')
		}
	}
	b.WriteByte(')')
	return b.String()
}

// textPDF is a reply typed into a word processor and printed to PDF, as the
// Općina Gornji Brijeg (Croatia) sent it: a title, then a two-column table
// without borders, one long question wrapped over two lines.
func textPDF() []byte {
	w := &pdfWriter{}
	catalog, pages, page := w.reserve(), w.reserve(), w.reserve()
	// Characters outside WinAnsi come from a /Differences array.
	extra := map[rune]byte{'ć': 128, 'Č': 129, 'č': 130, 'ž': 131, 'đ': 132}
	f1 := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [128 /cacute /Ccaron /ccaron /zcaron /dcroat] >> >>")
	f2 := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	var c strings.Builder
	c.WriteString("BT /F2 13 Tf 72 780 Td " + winAnsi("Questionnaire – Alliance of Cities and Regions for Roma Inclusion", extra) + " Tj ET\n")
	c.WriteString("BT /F1 10 Tf 72 760 Td " + winAnsi("Reply of the Općina Gornji Brijeg, Croatia (14 April 2026)", extra) + " Tj ET\n")
	rows := [][2]string{
		{"1. Name of the local or regional authority", "Općina Gornji Brijeg"},
		{"2. Country", "Croatia"},
		{"3. Type of authority", "Municipality"},
		{"4. Population", "6.240"},
		{"5. Estimated number of Roma and Travellers", "around 400"},
		{"6. Contact person", "Ivana Horvat"},
		{"7. Function", "Head of the Social Welfare Department"},
		{"8. E-mail", "ivana.horvat@gornji-brijeg.example.hr"},
		{"9. Telephone", "+385 40 123 456"},
		{"10. Is your authority interested in", "Yes"},
		{"joining the Alliance?", ""},
		{"11. Thematic priorities", "Education, Housing, Health"},
		{"12. Cross-cutting issues", "Roma participation"},
		{"13. Activities of interest", "Study visits, Training"},
		{"14. Main needs and challenges", "Legalisation of housing in the Šljunkovac settlement"},
		{"15. Current projects and good practices", "Roma teaching assistants in two primary schools"},
		{"16. May we send you the Alliance newsletter?", "Yes"},
	}
	y := 730
	for i, r := range rows {
		// Text is shown as a word processor does: kerned TJ arrays, one
		// BT block per cell, absolute positions.
		if i == 3 {
			// Kerning inside a word must not split it.
			c.WriteString(fmt.Sprintf("BT /F1 10 Tf 1 0 0 1 72 %d Tm [(4. Pop)-18(ulation)] TJ ET\n", y))
		} else {
			c.WriteString(fmt.Sprintf("BT /F1 10 Tf 1 0 0 1 72 %d Tm %s Tj ET\n", y, winAnsi(r[0], extra)))
		}
		if r[1] != "" {
			c.WriteString(fmt.Sprintf("BT /F1 10 Tf 1 0 0 1 330 %d Tm %s Tj ET\n", y, winAnsi(r[1], extra)))
		}
		y -= 16
	}
	c.WriteString(fmt.Sprintf("BT /F1 10 Tf 72 %d Td 14 TL %s Tj T* %s Tj ET\n", y-20,
		winAnsi("Ivana Horvat", extra), winAnsi("Jedinstveni upravni odjel, Općina Gornji Brijeg", extra)))
	content := w.stream("", []byte(c.String()), true)
	w.set(page, fmt.Sprintf("<< /Type /Page /Parent %s /MediaBox [0 0 595 842] /Resources << /Font << /F1 %s /F2 %s >> >> /Contents %s >>", ref(pages), ref(f1), ref(f2), ref(content)))
	w.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count 1 >>", ref(page)))
	w.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %s >>", ref(pages)))
	return w.bytes(catalog)
}

// scanPDF is a scanned reply: one page that is one grey image, no text.
func scanPDF() []byte {
	w := &pdfWriter{}
	catalog, pages, page := w.reserve(), w.reserve(), w.reserve()
	const iw, ih = 120, 170
	img := make([]byte, iw*ih)
	seed := uint32(2026)
	for i := range img {
		seed = seed*1664525 + 1013904223
		v := byte(235 + seed>>28) // paper
		row, col := i/iw, i%iw
		if row%12 < 2 && col > 10 && col < 110 && seed>>24&7 != 0 {
			v = 40 // lines of "handwriting"
		}
		img[i] = v
	}
	im := w.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8", iw, ih), img, true)
	content := w.stream("", []byte("q 595 0 0 842 0 0 cm /Im1 Do Q\n"), false)
	w.set(page, fmt.Sprintf("<< /Type /Page /Parent %s /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 %s >> >> /Contents %s >>", ref(pages), ref(im), ref(content)))
	w.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count 1 >>", ref(page)))
	w.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %s >>", ref(pages)))
	return w.bytes(catalog)
}

// formPDF is the bot's fillable PDF as the Municipiul Târgu Verde (Romania)
// filled it in a PDF reader: fields named by key, check boxes by key_code,
// radio groups for the yes/no questions, a combo box for the type.
func formPDF() []byte {
	w := &pdfWriter{}
	catalog, pages, page, acro := w.reserve(), w.reserve(), w.reserve(), w.reserve()
	helv := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	zadb := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>")
	apOff := w.stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10]", []byte("0 G 0.5 0.5 9 9 re s"), false)
	apOn := func() int {
		return w.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /Font << /ZaDb %s >> >>", ref(zadb)),
			[]byte("0 G 0.5 0.5 9 9 re s q 0 g BT /ZaDb 8 Tf 1.5 2 Td (4) Tj ET Q"), false)
	}()
	var fields, annots []string
	var content strings.Builder
	content.WriteString("BT /F1 13 Tf 50 800 Td (Questionnaire - Alliance of Cities and Regions for Roma Inclusion) Tj ET\n")
	y := 770
	label := func(s string) {
		content.WriteString(fmt.Sprintf("BT /F1 9 Tf 50 %d Td %s Tj ET\n", y+3, winAnsi(s, nil)))
	}
	widget := func(extra string, x, wd, ht int) string {
		return fmt.Sprintf("/Type /Annot /Subtype /Widget /Rect [%d %d %d %d] /P %s /F 4 %s", x, y, x+wd, y+ht, ref(page), extra)
	}
	text := func(key, lbl, value string, multiline bool) {
		label(lbl)
		ff := ""
		if multiline {
			ff = "/Ff 4096"
		}
		n := w.add(fmt.Sprintf("<< %s /FT /Tx /T (%s) /TU %s /V %s /DA (/Helv 9 Tf 0 g) %s >>", widget("", 300, 250, 14), key, pdfString(lbl), pdfString(value), ff))
		fields, annots = append(fields, ref(n)), append(annots, ref(n))
		y -= 20
	}
	check := func(key, lbl string, on bool) {
		state := "/Off"
		if on {
			state = "/Yes"
		}
		content.WriteString(fmt.Sprintf("BT /F1 9 Tf 315 %d Td %s Tj ET\n", y+2, winAnsi(lbl, nil)))
		n := w.add(fmt.Sprintf("<< %s /FT /Btn /T (%s) /V %s /AS %s /MK << /CA (4) >> /DA (/ZaDb 0 Tf 0 g) /AP << /N << /Yes %s /Off %s >> >> >>",
			widget("", 300, 10, 10), key, state, state, ref(apOn), ref(apOff)))
		fields, annots = append(fields, ref(n)), append(annots, ref(n))
		y -= 14
	}
	radio := func(key, lbl string, opts []option) {
		label(lbl)
		parent := w.reserve()
		var kids []string
		chosen := "/Off"
		for _, o := range opts {
			state := "/Off"
			if o.checked {
				state, chosen = "/"+o.code, "/"+o.code
			}
			content.WriteString(fmt.Sprintf("BT /F1 9 Tf 315 %d Td %s Tj ET\n", y+2, winAnsi(o.label, nil)))
			k := w.add(fmt.Sprintf("<< %s /Parent %s /AS %s /MK << /CA (l) >> /AP << /N << /%s %s /Off %s >> >> >>",
				widget("", 300, 10, 10), ref(parent), state, o.code, ref(apOn), ref(apOff)))
			kids, annots = append(kids, ref(k)), append(annots, ref(k))
			y -= 14
		}
		w.set(parent, fmt.Sprintf("<< /FT /Btn /Ff 49152 /T (%s) /V %s /Kids [%s] /DA (/ZaDb 0 Tf 0 g) >>", key, chosen, strings.Join(kids, " ")))
		fields = append(fields, ref(parent))
		y -= 4
	}
	boxes := func(key, lbl string, opts []option) {
		label(lbl)
		for _, o := range opts {
			check(key+"_"+o.code, o.label, o.checked)
		}
		y -= 4
	}
	text("authority_name", "1. Name of the local or regional authority", "Municipiul Târgu Verde", false)
	text("country", "2. Country", "Romania", false)
	label("3. Type of authority")
	combo := w.add(fmt.Sprintf("<< %s /FT /Ch /Ff 131072 /T (authority_type) /Opt [(municipality) (intermediate) (region) (association) (other)] /V (municipality) /DA (/Helv 9 Tf 0 g) >>", widget("", 300, 150, 14)))
	fields, annots = append(fields, ref(combo)), append(annots, ref(combo))
	y -= 20
	text("population", "4. Population", "61 000", false)
	text("roma_estimate", "5. Estimated number of Roma and Travellers", "3 000 - 4 000", false)
	text("contact_name", "6. Contact person", "Andrei Popescu", false)
	text("contact_function", "7. Function", "Councillor, Roma Office of the City Hall", false)
	text("contact_email", "8. E-mail", "a.popescu@primaria-targuverde.example.ro", false)
	text("contact_phone", "9. Telephone", "+40 256 123 456", false)
	radio("interested", "10. Is your authority interested in joining the Alliance?", []option{
		{"yes", "Yes", true}, {"no", "No", false}, {"undecided", "Not decided yet", false},
	})
	boxes("thematic_priorities", "11. Thematic priorities", []option{
		{"education", "Education", true}, {"employment", "Employment and vocational training", true},
		{"housing", "Housing", true}, {"health", "Health", false},
	})
	boxes("crosscutting_issues", "12. Cross-cutting issues", []option{
		{"rights", "Rights, duties and responsibilities", false}, {"participation", "Roma participation", true},
		{"stereotypes", "Combating stereotypes", false}, {"intercultural", "Intercultural understanding", false},
	})
	boxes("activities", "13. Activities of interest", []option{
		{"good_practices", "Exchange of good practices", false}, {"workshops", "Thematic workshops", false},
		{"study_visits", "Study visits", false}, {"training", "Training", true},
		{"expertise", "Expert advice", true}, {"funding", "Information on funding", false},
	})
	text("needs", "14. Main needs and challenges", "Social housing for 60 families;\nschool transport from the Pădurii district", true)
	// A field inside a parent field: its full name is page1.projects.
	label("15. Current projects and good practices")
	parent := w.reserve()
	child := w.add(fmt.Sprintf("<< %s /Parent %s /FT /Tx /T (projects) /V %s /DA (/Helv 9 Tf 0 g) >>", widget("", 300, 250, 14), ref(parent),
		pdfString("Roma health mediators in three districts (with the County Public Health Directorate)")))
	w.set(parent, fmt.Sprintf("<< /T (page1) /Kids [%s] >>", ref(child)))
	fields, annots = append(fields, ref(parent)), append(annots, ref(child))
	y -= 20
	radio("newsletter", "16. May we send you the Alliance newsletter?", []option{{"yes", "Yes", true}, {"no", "No", false}})
	text("Date", "Date", "14.04.2026", false)

	cs := w.stream("", []byte(content.String()), true)
	w.set(acro, fmt.Sprintf("<< /Fields [%s] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv %s /ZaDb %s >> >> >>", strings.Join(fields, " "), ref(helv), ref(zadb)))
	w.set(page, fmt.Sprintf("<< /Type /Page /Parent %s /MediaBox [0 0 595 842] /Resources << /Font << /F1 %s >> >> /Contents %s /Annots [%s] >>",
		ref(pages), ref(helv), ref(cs), strings.Join(annots, " ")))
	w.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count 1 >>", ref(page)))
	w.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %s /AcroForm %s >>", ref(pages), ref(acro)))
	return w.bytes(catalog)
}
