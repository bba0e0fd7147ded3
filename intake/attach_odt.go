package intake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// readODT reads an OpenDocument text: content.xml as text, and its form
// controls and content controls named by a questionnaire key as Fields.
// Headers and footers (styles.xml), notes, comments and deleted text are not
// read.
func readODT(data []byte, lim Limits) (document, error) {
	lim = lim.attachLimits()
	z, err := openZip(data, lim)
	if err != nil {
		return document{}, fmt.Errorf("not a valid OpenDocument file: %w", err)
	}
	x, err := z.read("content.xml")
	if errors.Is(err, ErrLimit) {
		return document{}, err
	}
	if err != nil {
		return document{}, fmt.Errorf("not a valid OpenDocument file: %w", err)
	}
	w := odtWalker{fields: fieldSet{}, controls: map[string]*odtControl{}}
	if err := w.walk(x); err != nil {
		return document{}, fmt.Errorf("not a valid OpenDocument file: content.xml: %w", err)
	}
	return document{Fields: w.fields.fields(), Text: w.b.String()}, nil
}

// odtControl is a form control of office:forms, shown in the text where a
// draw:control refers to it.
type odtControl struct {
	kind    string // checkbox, radio, text, list
	name    string
	label   string
	value   string
	checked bool
	inList  bool // the value comes from the selected form:option
}

type odtWalker struct {
	b        textBuilder
	fields   fieldSet
	controls map[string]*odtControl

	skip    int
	inText  bool // inside office:text
	inForms int  // depth inside office:forms
	control *odtControl
	textual []bool // per open element: whether its character data is text
	ccs     []*odtContentControl
	marks   []*odtFieldmark
}

// odtContentControl is an open loext:content-control (LibreOffice 7.5+).
type odtContentControl struct {
	tag, alias string
	checkbox   bool
	checked    bool
	capture    *strings.Builder
}

// odtFieldmark is a legacy form field (Word's FORMCHECKBOX, FORMDROPDOWN,
// FORMTEXT), as LibreOffice keeps them: field:fieldmark, or
// field:fieldmark-start ... field:fieldmark-end around the value.
type odtFieldmark struct {
	typ, name string
	checked   bool
	entries   []string
	selected  int
	capture   *strings.Builder
}

// odtSkipped are elements whose content is not the document's text.
var odtSkipped = map[string]bool{
	"tracked-changes": true, "annotation": true, "annotation-end": true, "note": true,
	"table-columns": true, "table-column": true, "sequence-decls": true, "variable-decls": true,
	"user-field-decls": true, "title": true, "desc": true, "event-listeners": true,
	"covered-table-cell": true,
}

func (w *odtWalker) walk(x []byte) error {
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
			if w.skip == 0 && w.inText && w.inForms == 0 && len(w.textual) > 0 && w.textual[len(w.textual)-1] {
				w.chars(string(t))
			}
		}
	}
}

// chars writes character data the ODF way: runs of white space are one
// space (text:s and text:tab stand for the others).
func (w *odtWalker) chars(s string) {
	var out strings.Builder
	sp := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			sp = true
			continue
		}
		if sp {
			out.WriteByte(' ')
			sp = false
		}
		out.WriteRune(r)
	}
	if sp {
		out.WriteByte(' ')
	}
	t := out.String()
	if strings.HasPrefix(t, " ") && len(w.b.paras) > 0 {
		p := w.b.paras[len(w.b.paras)-1].String()
		if p == "" || strings.HasSuffix(p, " ") {
			t = t[1:]
		}
	}
	// Wingdings check boxes keep their private-use code points.
	for {
		i := strings.IndexFunc(t, isPUAMark)
		if i < 0 {
			break
		}
		r, n := utf8.DecodeRuneInString(t[i:])
		w.b.text(t[:i])
		checked, _ := puaMark(r)
		w.b.mark(checked)
		t = strings.TrimPrefix(t[i+n:], " ")
	}
	w.b.text(t)
}

func (w *odtWalker) start(e xml.StartElement) {
	name := e.Name.Local
	if !w.inText {
		if name == "text" && e.Name.Space == nsOffice {
			w.inText = true
		}
		return
	}
	if odtSkipped[name] {
		w.skip = 1
		return
	}
	if w.inForms > 0 || name == "forms" {
		w.inForms++
		w.formElement(e)
		return
	}
	w.textual = append(w.textual, odtTextual[name])
	switch name {
	case "p", "h":
		w.b.startPara()
	case "table":
		if e.Name.Space == nsTable {
			w.b.startTable()
		}
	case "table-row":
		w.b.startRow()
	case "table-cell":
		w.b.startCell()
	case "s":
		n := 1
		if v, ok := attr(e, "c"); ok {
			if c, err := strconv.Atoi(v); err == nil && c > 0 {
				n = min(c, 100)
			}
		}
		w.b.text(strings.Repeat(" ", n))
	case "tab":
		w.b.text("\t")
	case "line-break":
		w.b.lineBreak()
	case "fieldmark", "fieldmark-start":
		fm := &odtFieldmark{selected: -1}
		for _, a := range e.Attr {
			switch a.Name.Local {
			case "type":
				fm.typ = strings.TrimPrefix(a.Value, "vnd.oasis.opendocument.field.")
			case "name":
				fm.name = a.Value
			}
		}
		w.marks = append(w.marks, fm)
	case "param":
		if len(w.marks) == 0 {
			return
		}
		fm := w.marks[len(w.marks)-1]
		n, _ := attr(e, "name")
		v, _ := attr(e, "value")
		switch n {
		case "Checkbox_Checked":
			fm.checked = v == "true"
		case "Dropdown_ListEntry":
			fm.entries = append(fm.entries, v)
		case "Dropdown_Selected":
			fm.selected, _ = strconv.Atoi(v)
		}
	case "fieldmark-end":
		if len(w.marks) == 0 {
			return
		}
		fm := w.marks[len(w.marks)-1]
		w.marks = w.marks[:len(w.marks)-1]
		if fm.capture != nil {
			w.fields.set(controlKey(fm.name, ""), w.b.endCapture(fm.capture))
		}
	case "control":
		id, _ := attr(e, "control")
		if c := w.controls[id]; c != nil {
			w.showControl(c)
		}
	case "content-control":
		cc := &odtContentControl{}
		for _, a := range e.Attr {
			switch a.Name.Local {
			case "tag":
				cc.tag = a.Value
			case "alias":
				cc.alias = a.Value
			case "checkbox":
				cc.checkbox = a.Value == "true"
			case "checked":
				cc.checked = a.Value == "true"
			case "showing-place-holder":
				if a.Value == "true" {
					w.skip = 1
				}
			}
		}
		if cc.checkbox {
			w.b.mark(cc.checked)
			w.skip = 1
		} else if w.skip == 0 {
			cc.capture = w.b.startCapture()
		}
		if w.skip > 0 {
			// The content is left out: the end tag is not seen, so the
			// field is set now.
			w.textual = w.textual[:len(w.textual)-1]
			key := controlKey(cc.tag, cc.alias)
			if cc.checkbox {
				w.fields.set(key, yesOff(cc.checked))
			}
			return
		}
		w.ccs = append(w.ccs, cc)
	}
}

// odtTextual are the elements whose character data is text.
var odtTextual = map[string]bool{
	"p": true, "h": true, "span": true, "a": true, "text-input": true, "user-field-get": true,
	"variable-get": true, "drop-down": true, "date": true, "time": true, "page-number": true,
	"bookmark-ref": true, "reference-ref": true, "ruby-base": true, "meta": true, "meta-field": true,
	"content-control": true, "sequence": true, "chapter": true, "number": true, "file-name": true, "author-name": true,
	"expression": true, "sequence-ref": true, "note-ref": true,
}

func (w *odtWalker) end(e xml.EndElement) {
	name := e.Name.Local
	if !w.inText {
		return
	}
	if w.inForms > 0 {
		w.inForms--
		if w.control != nil && isControlElement(name) {
			w.control = nil
		}
		return
	}
	if name == "text" && e.Name.Space == nsOffice {
		w.inText = false
		return
	}
	if len(w.textual) > 0 {
		w.textual = w.textual[:len(w.textual)-1]
	}
	switch name {
	case "p", "h":
		w.b.endPara()
	case "fieldmark", "fieldmark-start":
		if len(w.marks) == 0 {
			return
		}
		fm := w.marks[len(w.marks)-1]
		if name == "fieldmark" {
			w.marks = w.marks[:len(w.marks)-1]
		}
		w.showFieldmark(fm, name == "fieldmark-start")
	case "table":
		if e.Name.Space == nsTable {
			w.b.endTable()
		}
	case "table-row":
		w.b.endRow()
	case "table-cell":
		w.b.endCell()
	case "content-control":
		if len(w.ccs) == 0 {
			return
		}
		cc := w.ccs[len(w.ccs)-1]
		w.ccs = w.ccs[:len(w.ccs)-1]
		val := w.b.endCapture(cc.capture)
		w.fields.set(controlKey(cc.tag, cc.alias), val)
	}
}

const (
	nsOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	nsTable  = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
)

func isControlElement(name string) bool {
	switch name {
	case "checkbox", "radio", "text", "textarea", "formatted-text", "number", "date", "time",
		"combobox", "listbox":
		return true
	}
	return false
}

// formElement reads an element of office:forms: a control, or an option of
// a list.
func (w *odtWalker) formElement(e xml.StartElement) {
	name := e.Name.Local
	if e.Name.Space != "" && !strings.Contains(e.Name.Space, ":form:") {
		return
	}
	if name == "option" {
		if w.control != nil && w.control.inList {
			var label, value string
			sel := false
			for _, a := range e.Attr {
				switch a.Name.Local {
				case "label":
					label = a.Value
				case "value":
					value = a.Value
				case "current-selected":
					sel = a.Value == "true"
				}
			}
			if sel && w.control.value == "" {
				w.control.value = label
				if w.control.value == "" {
					w.control.value = value
				}
			}
		}
		return
	}
	if !isControlElement(name) {
		return
	}
	c := &odtControl{kind: name}
	var id, xmlID, state, curState, value, curValue string
	sel, curSel := "", ""
	for _, a := range e.Attr {
		switch a.Name.Local {
		case "id":
			if a.Name.Space == "http://www.w3.org/XML/1998/namespace" || a.Name.Space == "xml" {
				xmlID = a.Value
			} else {
				id = a.Value
			}
		case "name":
			c.name = a.Value
		case "label":
			c.label = a.Value
		case "state":
			state = a.Value
		case "current-state":
			curState = a.Value
		case "value":
			value = a.Value
		case "current-value":
			curValue = a.Value
		case "selected":
			sel = a.Value
		case "current-selected":
			curSel = a.Value
		}
	}
	switch name {
	case "checkbox":
		if curState == "" {
			curState = state
		}
		c.checked = curState == "checked"
	case "radio":
		if curSel == "" {
			curSel = sel
		}
		c.checked = curSel == "true"
		c.value = value
	case "listbox", "combobox":
		c.inList = true
		c.value = curValue
	default:
		c.kind = "text"
		c.value = curValue
		if c.value == "" {
			c.value = value
		}
	}
	w.control = c
	for _, k := range []string{id, xmlID} {
		if k != "" {
			w.controls[k] = c
		}
	}
}

// showFieldmark writes a legacy form field once its parameters are read.
// open says the value follows, up to field:fieldmark-end.
func (w *odtWalker) showFieldmark(fm *odtFieldmark, open bool) {
	key := controlKey(fm.name, "")
	switch fm.typ {
	case "FORMCHECKBOX":
		w.b.mark(fm.checked)
		w.fields.set(key, yesOff(fm.checked))
	case "FORMDROPDOWN":
		v := ""
		if fm.selected >= 0 && fm.selected < len(fm.entries) {
			v = fm.entries[fm.selected]
		} else if len(fm.entries) > 0 {
			v = fm.entries[0]
		}
		w.b.text(v)
		w.fields.set(key, v)
	default:
		if open && key != "" {
			fm.capture = w.b.startCapture()
		}
	}
}

// showControl writes a form control where the text shows it, and sets its
// field when its name is a questionnaire key.
func (w *odtWalker) showControl(c *odtControl) {
	switch c.kind {
	case "checkbox":
		w.b.mark(c.checked)
		if c.label != "" {
			w.b.text(c.label)
		}
		key := fieldKey(c.name)
		w.fields.set(key, yesOff(c.checked))
	case "radio":
		w.b.mark(c.checked)
		if c.label != "" {
			w.b.text(c.label)
		}
		key := fieldKey(c.name)
		if key == "" {
			return
		}
		if code := fieldKey(key + "_" + c.value); code != "" {
			w.fields.set(code, yesOff(c.checked))
		}
		if c.checked {
			w.fields.set(key, c.value)
		}
	default:
		w.b.text(c.value)
		key := fieldKey(c.name)
		w.fields.set(key, strings.TrimSpace(c.value))
		if isCodeKey(key) {
			break
		}
		if code := fieldKey(key + "_" + c.value); code != "" {
			w.fields.set(code, "Yes")
		}
	}
}
