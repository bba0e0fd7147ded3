package intake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// readDocx reads a Word 2007+ file (as Word and LibreOffice write it): its
// main document part as text, and the content controls and legacy form fields
// named by a questionnaire key as Fields. Headers, footers, footnotes and
// comments live in other parts and are not read.
func readDocx(data []byte, lim Limits) (document, error) {
	lim = lim.attachLimits()
	z, err := openZip(data, lim)
	if err != nil {
		return document{}, fmt.Errorf("not a valid Word file: %w", err)
	}
	main := "word/document.xml"
	if rels, err := z.read("_rels/.rels"); err == nil {
		if t := officeDocumentTarget(rels); t != "" && z.has(t) {
			main = t
		}
	} else if errors.Is(err, ErrLimit) {
		return document{}, err
	}
	x, err := z.read(main)
	if errors.Is(err, ErrLimit) {
		return document{}, err
	}
	if err != nil {
		return document{}, fmt.Errorf("not a valid Word file: %w", err)
	}
	w := docxWalker{fields: fieldSet{}}
	if err := w.walk(x); err != nil {
		return document{}, fmt.Errorf("not a valid Word file: %s: %w", main, err)
	}
	return document{Fields: w.fields.fields(), Text: w.b.String()}, nil
}

// officeDocumentTarget returns the main part named by a package's
// relationships (_rels/.rels), without its leading slash.
func officeDocumentTarget(rels []byte) string {
	var r struct {
		Rel []struct {
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	d := xml.NewDecoder(bytes.NewReader(rels))
	d.CharsetReader = charsetReader
	if d.Decode(&r) != nil {
		return ""
	}
	for _, rel := range r.Rel {
		if strings.HasSuffix(rel.Type, "/officeDocument") {
			return strings.TrimPrefix(rel.Target, "/")
		}
	}
	return ""
}

// docxWalker turns WordprocessingML into text and fields, one token at a
// time. Elements are matched by local name, so that the transitional, strict
// and w14 namespaces all work.
type docxWalker struct {
	b      textBuilder
	fields fieldSet

	skip    int // depth inside an element whose content is left out
	inBody  bool
	sdts    []*docxSdt
	flds    []*docxFld // open complex fields (w:fldChar begin ... end)
	inRPr   bool
	inRun   bool
	font    string // the run's font, for Wingdings check boxes
	inText  bool   // inside w:t
	ffData  *docxFld
	inSdtPr *docxSdt
}

// docxSdt is an open content control (w:sdt).
type docxSdt struct {
	tag, alias           string
	checkbox, checked    bool
	placeholder, dropped bool // placeholder shown; content left out
	capture              *strings.Builder
}

// docxFld is an open complex field, such as FORMCHECKBOX or FORMTEXT.
type docxFld struct {
	name              string
	checkbox, checked bool
	dropdown          bool
	entries           []string
	result            int
	inResult          bool
	capture           *strings.Builder
}

// controlKey is the key a content control is named by: its tag, or its
// title (alias) as a key or as a question's label ("Telephone", "Pays"),
// since LibreOffice keeps titles but drops tags when it saves a Word file.
func controlKey(tag, alias string) string {
	if k := fieldKey(tag); k != "" {
		return k
	}
	if k := fieldKey(alias); k != "" {
		return k
	}
	if k := headerKey(alias); formKeys[k] {
		return k
	}
	return ""
}

func attr(e xml.StartElement, local string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// onOff reads a WordprocessingML boolean: absent or "1", "true", "on" is true.
func onOff(e xml.StartElement) bool {
	v, ok := attr(e, "val")
	if !ok {
		return true
	}
	switch strings.ToLower(v) {
	case "0", "false", "off":
		return false
	}
	return true
}

// docxSkipped are elements whose content is never text of the document:
// deleted and moved-away text, field instructions, properties, and the VML
// copy of a text box (mc:Fallback).
var docxSkipped = map[string]bool{
	"del": true, "moveFrom": true, "delText": true, "instrText": true, "delInstrText": true,
	"Fallback": true, "pPr": true, "tblPr": true, "trPr": true, "tcPr": true, "tblGrid": true,
	"sectPr": true, "tblPrEx": true, "commentReference": true, "footnoteReference": true,
	"endnoteReference": true, "annotationRef": true,
}

func (w *docxWalker) walk(x []byte) error {
	d := xml.NewDecoder(bytes.NewReader(x))
	d.CharsetReader = charsetReader
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if w.skip > 0 {
				w.skip++
				continue
			}
			w.start(t)
		case xml.EndElement:
			if w.skip > 0 {
				w.skip--
				continue
			}
			w.end(t)
		case xml.CharData:
			if w.skip == 0 && w.inText {
				w.textRun(string(t))
			}
		}
	}
}

func (w *docxWalker) start(e xml.StartElement) {
	name := e.Name.Local
	if !w.inBody {
		if name == "body" {
			w.inBody = true
		}
		return
	}
	if docxSkipped[name] {
		w.skip = 1
		return
	}
	if w.inSdtPr != nil {
		w.sdtProperty(e)
		return
	}
	if w.ffData != nil {
		w.formFieldData(e)
		return
	}
	switch name {
	case "p":
		w.b.startPara()
	case "tbl":
		w.b.startTable()
	case "tr":
		w.b.startRow()
	case "tc":
		w.b.startCell()
	case "r":
		w.inRun, w.font = true, ""
	case "rPr":
		w.inRPr = true
	case "rFonts":
		if w.inRPr {
			for _, a := range []string{"ascii", "hAnsi", "cs"} {
				if v, ok := attr(e, a); ok {
					w.font = v
					break
				}
			}
		}
	case "t":
		w.inText = true
	case "tab", "ptab":
		if w.inRun {
			w.b.text("\t")
		}
	case "br", "cr":
		w.b.lineBreak()
	case "noBreakHyphen":
		w.b.text("-")
	case "sym":
		font, _ := attr(e, "font")
		c, _ := attr(e, "char")
		if n, err := strconv.ParseUint(c, 16, 32); err == nil {
			w.symbol(font, rune(n))
		}
	case "fldChar":
		w.fieldChar(e)
	case "sdt":
		w.sdts = append(w.sdts, &docxSdt{})
	case "sdtPr":
		if len(w.sdts) > 0 {
			w.inSdtPr = w.sdts[len(w.sdts)-1]
		}
	case "sdtContent":
		if len(w.sdts) == 0 {
			return
		}
		s := w.sdts[len(w.sdts)-1]
		switch {
		case s.checkbox:
			w.b.mark(s.checked)
			s.dropped = true
			w.skip = 1
		case s.placeholder:
			s.dropped = true
			w.skip = 1
		default:
			s.capture = w.b.startCapture()
		}
	}
}

func (w *docxWalker) end(e xml.EndElement) {
	name := e.Name.Local
	if !w.inBody {
		return
	}
	if w.inSdtPr != nil {
		if name == "sdtPr" {
			w.inSdtPr = nil
		}
		return
	}
	if w.ffData != nil {
		if name == "fldChar" {
			w.ffData = nil
		}
		return
	}
	switch name {
	case "body":
		w.inBody = false
	case "p":
		w.b.endPara()
	case "tbl":
		w.b.endTable()
	case "tr":
		w.b.endRow()
	case "tc":
		w.b.endCell()
	case "r":
		w.inRun, w.font = false, ""
	case "rPr":
		w.inRPr = false
	case "t":
		w.inText = false
	case "sdt":
		if len(w.sdts) == 0 {
			return
		}
		s := w.sdts[len(w.sdts)-1]
		w.sdts = w.sdts[:len(w.sdts)-1]
		val := ""
		if s.capture != nil {
			val = w.b.endCapture(s.capture)
		}
		key := controlKey(s.tag, s.alias)
		switch {
		case key == "":
		case s.checkbox:
			w.fields.set(key, yesOff(s.checked))
		case !s.placeholder:
			w.fields.set(key, val)
		}
	}
}

// sdtProperty reads a child of w:sdtPr: the tag, the alias (the control's
// title), a w14 check box and its state, whether the placeholder is shown.
func (w *docxWalker) sdtProperty(e xml.StartElement) {
	s := w.inSdtPr
	switch e.Name.Local {
	case "tag":
		s.tag, _ = attr(e, "val")
	case "alias":
		s.alias, _ = attr(e, "val")
	case "checkbox":
		s.checkbox = true
	case "checked":
		s.checked = onOff(e)
	case "showingPlcHdr":
		s.placeholder = onOff(e)
	}
}

// fieldChar handles w:fldChar: the begin, separate and end of a complex
// field. A legacy check box (FORMCHECKBOX) is written as its mark; a legacy
// form field named by a key gives a Field.
func (w *docxWalker) fieldChar(e xml.StartElement) {
	typ, _ := attr(e, "fldCharType")
	switch typ {
	case "begin":
		f := &docxFld{result: -1}
		w.flds = append(w.flds, f)
		// w:ffData, if any, is a child of this w:fldChar: its children go
		// to formFieldData until the w:fldChar ends.
		w.ffData = f
	case "separate":
		if len(w.flds) > 0 {
			f := w.flds[len(w.flds)-1]
			f.inResult = true
			if fieldKey(f.name) != "" && !f.checkbox {
				f.capture = w.b.startCapture()
			}
		}
	case "end":
		if len(w.flds) == 0 {
			return
		}
		f := w.flds[len(w.flds)-1]
		w.flds = w.flds[:len(w.flds)-1]
		key := fieldKey(f.name)
		switch {
		case f.checkbox:
			w.b.mark(f.checked)
			w.fields.set(key, yesOff(f.checked))
		case f.dropdown:
			v := ""
			if f.result >= 0 && f.result < len(f.entries) {
				v = f.entries[f.result]
			} else if f.result < 0 && len(f.entries) > 0 {
				v = f.entries[0]
			}
			w.b.text(v)
			w.fields.set(key, v)
		case f.capture != nil:
			w.fields.set(key, w.b.endCapture(f.capture))
		}
	}
}

// formFieldData reads a child of w:ffData: the field's name and, for a
// check box or a drop-down list, its state.
func (w *docxWalker) formFieldData(e xml.StartElement) {
	f := w.ffData
	switch e.Name.Local {
	case "name":
		f.name, _ = attr(e, "val")
	case "checkBox":
		f.checkbox = true
	case "default":
		if f.checkbox {
			f.checked = onOff(e)
		}
	case "checked":
		f.checked = onOff(e)
	case "ddList":
		f.dropdown = true
	case "result":
		if v, ok := attr(e, "val"); ok {
			f.result, _ = strconv.Atoi(v)
		}
	case "listEntry":
		v, _ := attr(e, "val")
		f.entries = append(f.entries, v)
	}
}

func yesOff(b bool) string {
	if b {
		return "Yes"
	}
	return "Off"
}

// textRun writes the text of a w:t. Text in a Wingdings font is symbols: its
// check boxes become marks, the rest is left out.
func (w *docxWalker) textRun(s string) {
	if len(w.flds) > 0 && !w.flds[len(w.flds)-1].inResult {
		return // between a field's begin and separate: its instruction
	}
	if isSymbolFont(w.font) {
		for _, r := range s {
			w.symbol(w.font, r)
		}
		return
	}
	for _, r := range s {
		if checked, ok := puaMark(r); ok {
			w.b.mark(checked)
		} else {
			w.b.text(string(r))
		}
	}
}

// puaMark reads a Wingdings check box kept as its private-use code point
// (U+F0FE, U+F0A8...), as LibreOffice writes them.
func puaMark(r rune) (checked, ok bool) {
	switch r {
	case 0xF0A8, 0xF06F, 0xF071:
		return false, true
	case 0xF0FE, 0xF0FD, 0xF078:
		return true, true
	}
	return false, false
}

func isPUAMark(r rune) bool {
	_, ok := puaMark(r)
	return ok
}

func isSymbolFont(f string) bool {
	return strings.HasPrefix(strings.ToLower(f), "wingdings")
}

// symbol writes a character of a symbol font (w:sym, or text in Wingdings):
// the check boxes and check marks that people type.
func (w *docxWalker) symbol(font string, r rune) {
	if r >= 0xF000 && r <= 0xF0FF {
		r -= 0xF000
	}
	f := strings.ToLower(font)
	switch {
	case strings.HasPrefix(f, "wingdings 2"):
		switch r {
		case 0xA3, 0x2A:
			w.b.mark(false)
		case 0x52, 0x54, 0x51:
			w.b.mark(true)
		case 0x50:
			w.b.text("✓")
		}
	case strings.HasPrefix(f, "wingdings"):
		switch r {
		case 0xA8, 0x6F, 0x71:
			w.b.mark(false)
		case 0xFE, 0xFD, 0x78:
			w.b.mark(true)
		case 0xFC:
			w.b.text("✓")
		}
	default:
		if r >= 0x20 {
			w.b.text(string(r))
		}
	}
}
