package intake

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	pdfcpu "github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/form"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// readPDF reads a PDF: its AcroForm fields (with pdfcpu) as Fields, and the
// text of its pages as Text. A PDF with neither fields nor text is a scan:
// an error says so, for staff to read it.
//
// pdfcpu parses the file; the text is taken from the pages' content streams
// here, with the fonts' ToUnicode maps or encodings, and laid out by position:
// a line of text a line, a wide gap between two pieces of a line " | ".
func readPDF(data []byte, lim Limits) (doc document, err error) {
	lim = lim.attachLimits()
	ctx, err := readPDFContext(data, lim)
	if err != nil {
		return document{}, err
	}
	fields, ferr := pdfFormFields(ctx)
	text := pdfText(ctx, lim)
	doc = document{Fields: fields.fields(), Text: text}
	if !hasAnswers(fields) && countLetters(text) < 10 {
		return document{}, errors.New("no text (a scanned image?): staff must read it")
	}
	if ferr != nil && len(fields) == 0 {
		return doc, fmt.Errorf("form fields not read: %w", ferr)
	}
	return doc, nil
}

// readPDFContext parses data with pdfcpu, with limits from lim and no
// configuration directory, network or file access.
func readPDFContext(data []byte, lim Limits) (ctx *model.Context, err error) {
	defer func() {
		if p := recover(); p != nil {
			ctx, err = nil, fmt.Errorf("not a valid PDF file: %v", p)
		}
	}()
	conf := pdfConfig(lim)
	ctx, err = api.ReadValidateAndOptimize(bytes.NewReader(data), conf)
	if err != nil {
		if errors.Is(err, pdfcpu.ErrWrongPassword) || strings.Contains(err.Error(), "password") {
			return nil, errors.New("protected by a password, it cannot be read: staff must read it")
		}
		// Validation is strict about things that do not matter here:
		// read the file without it, for its text.
		ctx2, err2 := api.ReadContext(bytes.NewReader(data), conf)
		if err2 != nil || ctx2 == nil || ctx2.XRefTable == nil {
			return nil, fmt.Errorf("not a valid PDF file: %v", shortErr(err))
		}
		if err := ctx2.EnsurePageCount(); err != nil {
			return nil, fmt.Errorf("not a valid PDF file: %v", shortErr(err))
		}
		ctx2.XRefTable.Form = nil // fields need validation
		return ctx2, nil
	}
	return ctx, nil
}

// shortErr is the first line of err, without pdfcpu's long tails.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func pdfConfig(lim Limits) *model.Configuration {
	l := model.DefaultResourceLimits()
	l.MaxStreamBytes = int64(lim.MaxAttachment)
	l.MaxDecodeBytes = int64(lim.MaxExpanded)
	l.MaxImageBytes = int64(lim.MaxExpanded)
	l.MaxImagePixels = 50 << 20
	l.MaxObjectCount = 500_000
	l.MaxXRefEntries = 500_000
	l.MaxObjectStreamCount = 500_000
	l.MaxObjectStreamFirst = 4 << 20
	l.MaxRecursionDepth = 64
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Offline:                   true,
		Cmd:                       model.LISTFORMFIELDS,
		Limits:                    l,
	}
}

// pdfFormFields returns the AcroForm fields of ctx by key: text fields as
// written, check boxes "Yes" or "Off", a radio group or a list key = the
// chosen value (and key_value = "Yes"). A field whose name is no key keeps
// its name, or its tooltip when the tooltip is a key.
func pdfFormFields(ctx *model.Context) (fs fieldSet, err error) {
	fs = fieldSet{}
	if ctx.XRefTable == nil || ctx.XRefTable.Form == nil {
		return fs, nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	fields, _, err := form.FormFields(ctx)
	if err != nil {
		return fs, err
	}
	for _, f := range fields {
		key := fieldKey(f.Name)
		if key == "" {
			key = fieldKey(f.AltName)
		}
		if key == "" {
			key = strings.TrimSpace(f.Name)
		}
		v := f.V
		switch f.Typ {
		case form.FTCheckBox:
			fs.set(key, yesOff(v != "" && v != "Off"))
		case form.FTRadioButtonGroup, form.FTComboBox, form.FTListBox:
			fs.set(key, v)
			if v != "" {
				if code := fieldKey(key + "_" + v); code != "" {
					fs.set(code, "Yes")
				}
			}
		default:
			// pdfcpu writes line breaks in values as `\n`.
			fs.set(key, strings.TrimSpace(strings.ReplaceAll(v, `\n`, "\n")))
		}
	}
	return fs, nil
}

// hasAnswers says whether a form holds anything filled in.
func hasAnswers(fs fieldSet) bool {
	for _, v := range fs {
		if v != "" && v != "Off" {
			return true
		}
	}
	return false
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// Bounds on the work of text extraction.
const (
	pdfMaxPages     = 500
	pdfMaxOps       = 2_000_000 // content stream operators, all pages
	pdfMaxFragments = 200_000
	pdfMaxFormDepth = 8
)

// pdfText returns the text of ctx's pages.
func pdfText(ctx *model.Context, lim Limits) (text string) {
	defer func() {
		if p := recover(); p != nil {
			text = ""
		}
	}()
	x := &pdfExtractor{xref: ctx.XRefTable, budget: int64(lim.MaxExpanded), fonts: map[types.IndirectRef]*pdfFont{}}
	var pages []string
	for n := 1; n <= min(ctx.PageCount, pdfMaxPages); n++ {
		d, _, inh, err := ctx.PageDict(n, false)
		if err != nil || d == nil {
			continue
		}
		content, err := ctx.PageContent(d, n)
		if err != nil || len(content) == 0 {
			continue
		}
		if x.budget -= int64(len(content)); x.budget < 0 {
			break
		}
		res := x.dict(d["Resources"])
		if res == nil && inh != nil {
			res = inh.Resources
		}
		x.frags = x.frags[:0]
		x.run(content, res, identity, 0)
		if s := layoutPage(x.frags); s != "" {
			pages = append(pages, s)
		}
	}
	return strings.Join(pages, "\n\n")
}

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (m applied first).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func translate(tx, ty float64) matrix { return matrix{1, 0, 0, 1, tx, ty} }

// fragment is a piece of text shown by one operator, in user space.
type fragment struct {
	x, y, end, size float64
	text            string
}

type pdfExtractor struct {
	xref   *model.XRefTable
	fonts  map[types.IndirectRef]*pdfFont
	frags  []fragment
	ops    int
	budget int64
}

func (x *pdfExtractor) deref(o types.Object) types.Object {
	if o == nil || x.xref == nil {
		return o
	}
	o, err := x.xref.Dereference(o)
	if err != nil {
		return nil
	}
	return o
}

func (x *pdfExtractor) dict(o types.Object) types.Dict {
	d, _ := x.deref(o).(types.Dict)
	return d
}

func (x *pdfExtractor) num(o types.Object) (float64, bool) {
	switch v := x.deref(o).(type) {
	case types.Integer:
		return float64(v), true
	case types.Float:
		return float64(v), true
	}
	return 0, false
}

// textState is the graphics and text state that positions text.
type textState struct {
	ctm                      matrix
	font                     *pdfFont
	size, tc, tw, th, tl, ts float64
}

// run interprets a content stream with resources res under the matrix ctm.
func (x *pdfExtractor) run(content []byte, res types.Dict, ctm matrix, depth int) {
	st := textState{ctm: ctm, th: 1}
	var stack []textState
	var tm, tlm matrix
	lx := pdfLexer{b: content}
	var args []any
	for {
		tok, ok := lx.next()
		if !ok || x.ops > pdfMaxOps || len(x.frags) > pdfMaxFragments {
			return
		}
		op, isOp := tok.(pdfOp)
		if !isOp {
			if len(args) < 64 {
				args = append(args, tok)
			}
			continue
		}
		x.ops++
		switch op {
		case "q":
			if len(stack) < 64 {
				stack = append(stack, st)
			}
		case "Q":
			if len(stack) > 0 {
				st = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if m, ok := argMatrix(args); ok {
				st.ctm = m.mul(st.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tf":
			if len(args) >= 2 {
				if n, ok := args[0].(pdfName); ok {
					st.font = x.font(res, string(n))
				}
				st.size, _ = argNum(args[1])
			}
		case "Tc":
			st.tc, _ = argNumAt(args, 0)
		case "Tw":
			st.tw, _ = argNumAt(args, 0)
		case "Tz":
			if v, ok := argNumAt(args, 0); ok {
				st.th = v / 100
			}
		case "TL":
			st.tl, _ = argNumAt(args, 0)
		case "Ts":
			st.ts, _ = argNumAt(args, 0)
		case "Td", "TD":
			if len(args) >= 2 {
				tx, _ := argNum(args[0])
				ty, _ := argNum(args[1])
				if op == "TD" {
					st.tl = -ty
				}
				tlm = translate(tx, ty).mul(tlm)
				tm = tlm
			}
		case "Tm":
			if m, ok := argMatrix(args); ok {
				tm, tlm = m, m
			}
		case "T*":
			tlm = translate(0, -st.tl).mul(tlm)
			tm = tlm
		case "Tj", "'", "\"":
			if op != "Tj" {
				tlm = translate(0, -st.tl).mul(tlm)
				tm = tlm
			}
			if op == "\"" && len(args) >= 3 {
				st.tw, _ = argNum(args[0])
				st.tc, _ = argNum(args[1])
			}
			if len(args) > 0 {
				if s, ok := args[len(args)-1].([]byte); ok {
					tm = x.show(s, &st, tm)
				}
			}
		case "TJ":
			if len(args) > 0 {
				if a, ok := args[0].([]any); ok {
					for _, e := range a {
						switch v := e.(type) {
						case []byte:
							tm = x.show(v, &st, tm)
						case float64:
							tm = translate(-v/1000*st.size*st.th, 0).mul(tm)
						}
					}
				}
			}
		case "Do":
			if len(args) > 0 {
				if n, ok := args[0].(pdfName); ok {
					x.xobject(res, string(n), st.ctm, depth)
				}
			}
		case "BI":
			lx.skipInlineImage()
		}
		args = args[:0]
	}
}

// show adds the text of string s at the text matrix tm and returns tm moved
// past it.
func (x *pdfExtractor) show(s []byte, st *textState, tm matrix) matrix {
	f := st.font
	if f == nil {
		f = defaultFont
	}
	trm := matrix{st.size * st.th, 0, 0, st.size, 0, st.ts}.mul(tm).mul(st.ctm)
	start := trm
	var b strings.Builder
	for _, g := range f.decode(s) {
		adv := g.width*st.size + st.tc
		if g.space {
			adv += st.tw
		}
		b.WriteString(g.text)
		tm = translate(adv*st.th, 0).mul(tm)
	}
	end := matrix{st.size * st.th, 0, 0, st.size, 0, st.ts}.mul(tm).mul(st.ctm)
	if b.Len() == 0 {
		return tm
	}
	size := math.Hypot(start[2], start[3])
	if size < 0.1 {
		size = 0.1
	}
	x.frags = append(x.frags, fragment{x: start[4], y: start[5], end: end[4], size: size, text: b.String()})
	return tm
}

// xobject runs a form XObject (an image holds no text).
func (x *pdfExtractor) xobject(res types.Dict, name string, ctm matrix, depth int) {
	xo := x.dict(res["XObject"])
	if xo == nil {
		return
	}
	o, ok := xo[name]
	if !ok {
		return
	}
	if x.xref == nil {
		return
	}
	sd, _, err := x.xref.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return
	}
	if st := sd.Dict.Subtype(); st != nil && *st == "Form" && depth < pdfMaxFormDepth {
		if x.budget <= 0 {
			return
		}
		if sd.Content == nil {
			if err := sd.DecodeWithLimit(x.budget); err != nil {
				return
			}
		}
		if x.budget -= int64(len(sd.Content)); x.budget < 0 {
			return
		}
		m := identity
		if a, ok := x.deref(sd.Dict["Matrix"]).(types.Array); ok {
			var args []any
			for _, e := range a {
				if v, ok := x.num(e); ok {
					args = append(args, v)
				}
			}
			if mm, ok := argMatrix(args); ok {
				m = mm
			}
		}
		r := x.dict(sd.Dict["Resources"])
		if r == nil {
			r = res
		}
		x.run(sd.Content, r, m.mul(ctm), depth+1)
	}
}

func argNum(a any) (float64, bool) {
	v, ok := a.(float64)
	return v, ok
}

func argNumAt(args []any, i int) (float64, bool) {
	if i >= len(args) {
		return 0, false
	}
	return argNum(args[i])
}

func argMatrix(args []any) (matrix, bool) {
	if len(args) < 6 {
		return matrix{}, false
	}
	var m matrix
	for i := range m {
		v, ok := args[len(args)-6+i].(float64)
		if !ok {
			return matrix{}, false
		}
		m[i] = v
	}
	return m, true
}

// layoutPage puts a page's fragments in reading order: lines from the top,
// pieces from the left. Pieces apart by more than 1.5 em, or starting at the
// left edge of a column (an x where pieces start on three lines or more), are
// joined by " | "; a wide gap between lines is a blank line.
func layoutPage(frags []fragment) string {
	if len(frags) == 0 {
		return ""
	}
	fs := make([]fragment, len(frags))
	copy(fs, frags)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].y > fs[j].y })
	type line struct {
		y, size float64
		fs      []fragment
	}
	var lines []*line
	for _, f := range fs {
		var l *line
		if len(lines) > 0 {
			last := lines[len(lines)-1]
			if math.Abs(last.y-f.y) < 0.5*math.Min(last.size, f.size) {
				l = last
			}
		}
		if l == nil {
			l = &line{y: f.y, size: f.size}
			lines = append(lines, l)
		}
		l.fs = append(l.fs, f)
		l.size = math.Max(l.size, f.size)
	}
	// Column edges: x where pieces of text that do not start their line
	// start, on three lines or more, and where a line starts too (a cell
	// that wraps) or on many of the lines. A piece is text with no gap wider
	// than a space in it.
	pieceStarts := map[int]int{}
	lineStarts := map[int]int{}
	multi := 0
	for _, l := range lines {
		sort.SliceStable(l.fs, func(i, j int) bool { return l.fs[i].x < l.fs[j].x })
		lineStarts[int(math.Round(l.fs[0].x))]++
		end := l.fs[0].end
		seen := map[int]bool{}
		for _, f := range l.fs[1:] {
			if f.x-end > 0.3*math.Max(f.size, 1) && strings.TrimSpace(f.text) != "" {
				if x := int(math.Round(f.x)); !seen[x] {
					pieceStarts[x]++
					seen[x] = true
				}
			}
			end = math.Max(end, f.end)
		}
		if len(seen) > 0 {
			multi++
		}
	}
	near := func(m map[int]int, x float64) int {
		r := int(math.Round(x))
		return m[r-1] + m[r] + m[r+1]
	}
	isEdge := func(x float64) bool {
		n := near(pieceStarts, x)
		return n >= 3 && (near(lineStarts, x) > 0 || float64(n) >= 0.4*float64(multi))
	}
	var out strings.Builder
	prevY, prevSize := math.NaN(), 0.0
	for _, l := range lines {
		var b strings.Builder
		end := math.Inf(-1)
		for _, f := range l.fs {
			t := f.text
			if b.Len() > 0 && strings.TrimSpace(t) != "" {
				gap := f.x - end
				em := math.Max(f.size, 1)
				prev := strings.TrimRight(b.String(), " ")
				switch {
				case (gap > 1.5*em || gap > 0.1*em && isEdge(f.x)) && !listMarker.MatchString(prev):
					b.Reset()
					b.WriteString(prev)
					b.WriteString(" | ")
					t = strings.TrimLeft(t, " ")
				case gap > 0.15*em && !strings.HasSuffix(b.String(), " ") && !strings.HasPrefix(t, " "):
					b.WriteByte(' ')
				}
			}
			b.WriteString(t)
			end = math.Max(end, f.end)
		}
		s := strings.TrimSpace(strings.Join(strings.Fields(b.String()), " "))
		if s == "" || s == "|" {
			continue
		}
		if !math.IsNaN(prevY) && prevY-l.y > 2.0*math.Max(prevSize, l.size) {
			out.WriteByte('\n')
		}
		out.WriteString(s)
		out.WriteByte('\n')
		prevY, prevSize = l.y, l.size
	}
	return strings.TrimRight(out.String(), "\n")
}

// listMarker matches a line that so far holds only a list number or bullet:
// the gap after it is a tab, not a column.
var listMarker = regexp.MustCompile(`^(\d{1,2}[.)]?|[a-zA-Z][.)]|[•▪◦·–-])$`)

// pdfFont decodes the strings shown in one font.
type pdfFont struct {
	twoByte  bool
	toUni    map[uint32]string
	enc      *[256]rune
	widths   map[uint32]float64 // in text space units (1/1000 glyph units)
	dw       float64
	codeLens []int // byte lengths of codes, from a ToUnicode codespace
}

// defaultFont decodes text shown with no font, or a font that is missing.
var defaultFont = &pdfFont{dw: 0.5, enc: &winAnsi}

type glyph struct {
	text  string
	width float64
	space bool
}

func (f *pdfFont) decode(s []byte) []glyph {
	var out []glyph
	for i := 0; i < len(s); {
		n := 1
		if f.twoByte {
			n = 2
		}
		if n > len(s)-i {
			n = len(s) - i
		}
		var code uint32
		for _, c := range s[i : i+n] {
			code = code<<8 | uint32(c)
		}
		i += n
		g := glyph{width: f.dw}
		if w, ok := f.widths[code]; ok {
			g.width = w
		}
		if t, ok := f.toUni[code]; ok {
			g.text = t
		} else if !f.twoByte && f.enc != nil {
			r := f.enc[byte(code)]
			if r != 0 {
				g.text = string(r)
			}
		}
		g.space = n == 1 && code == 32
		if g.text == "\u00a0" {
			g.text = " "
		}
		if g.text != "" && !utf8ValidPrintable(g.text) {
			g.text = ""
		}
		out = append(out, g)
	}
	return out
}

func utf8ValidPrintable(s string) bool {
	for _, r := range s {
		if r == unicode.ReplacementChar || (unicode.IsControl(r) && r != '\t') {
			return false
		}
	}
	return true
}

// font returns the font called name in res, read once per font object.
func (x *pdfExtractor) font(res types.Dict, name string) *pdfFont {
	fonts := x.dict(res["Font"])
	if fonts == nil {
		return nil
	}
	o, ok := fonts[name]
	if !ok {
		return nil
	}
	ref, isRef := o.(types.IndirectRef)
	if isRef {
		if f, ok := x.fonts[ref]; ok {
			return f
		}
	}
	f := x.readFont(x.dict(o))
	if isRef && len(x.fonts) < 10_000 {
		x.fonts[ref] = f
	}
	return f
}

func (x *pdfExtractor) readFont(d types.Dict) *pdfFont {
	f := &pdfFont{dw: 0.5, widths: map[uint32]float64{}}
	if d == nil {
		f.enc = &winAnsi
		return f
	}
	sub := ""
	if s := d.Subtype(); s != nil {
		sub = *s
	}
	if sub == "Type0" {
		f.twoByte = true
		f.dw = 1
		if a, ok := x.deref(d["DescendantFonts"]).(types.Array); ok && len(a) > 0 {
			if cid := x.dict(a[0]); cid != nil {
				if v, ok := x.num(cid["DW"]); ok {
					f.dw = v / 1000
				}
				x.cidWidths(f, cid["W"])
			}
		}
	} else {
		first := 0.0
		if v, ok := x.num(d["FirstChar"]); ok {
			first = v
		}
		if a, ok := x.deref(d["Widths"]).(types.Array); ok {
			for i, e := range a {
				if i > 255 {
					break
				}
				if v, ok := x.num(e); ok && first+float64(i) < 256 {
					f.widths[uint32(first)+uint32(i)] = v / 1000
				}
			}
		}
		if len(f.widths) == 0 {
			f.widths[32] = 0.278
		}
		f.enc = x.simpleEncoding(d["Encoding"])
	}
	if x.xref == nil {
		return f
	}
	if sd, _, err := x.xref.DereferenceStreamDict(d["ToUnicode"]); err == nil && sd != nil {
		if sd.Content == nil && x.budget > 0 {
			_ = sd.DecodeWithLimit(min(x.budget, 4<<20))
		}
		if len(sd.Content) > 0 {
			f.toUni = parseToUnicode(sd.Content, f.twoByte)
		}
	}
	return f
}

// cidWidths reads a CIDFont's W array: c [w1 w2 ...] or cfirst clast w.
func (x *pdfExtractor) cidWidths(f *pdfFont, o types.Object) {
	a, ok := x.deref(o).(types.Array)
	if !ok {
		return
	}
	for i := 0; i < len(a) && len(f.widths) < 65536; {
		c, ok := x.num(a[i])
		if !ok || i+1 >= len(a) {
			return
		}
		if ws, ok := x.deref(a[i+1]).(types.Array); ok {
			for j, e := range ws {
				if v, ok := x.num(e); ok {
					f.widths[uint32(c)+uint32(j)] = v / 1000
				}
			}
			i += 2
			continue
		}
		if i+2 >= len(a) {
			return
		}
		last, _ := x.num(a[i+1])
		w, _ := x.num(a[i+2])
		for code := c; code <= last && code-c < 65536; code++ {
			f.widths[uint32(code)] = w / 1000
		}
		i += 3
	}
}

// simpleEncoding builds the code-to-character table of a simple font.
func (x *pdfExtractor) simpleEncoding(o types.Object) *[256]rune {
	base := &winAnsi
	var diffs types.Array
	switch v := x.deref(o).(type) {
	case types.Name:
		base = namedEncoding(string(v))
	case types.Dict:
		if n, ok := x.deref(v["BaseEncoding"]).(types.Name); ok {
			base = namedEncoding(string(n))
		}
		diffs, _ = x.deref(v["Differences"]).(types.Array)
	}
	if len(diffs) == 0 {
		return base
	}
	enc := *base
	code := -1
	for _, e := range diffs {
		switch v := x.deref(e).(type) {
		case types.Integer:
			code = int(v)
		case types.Name:
			if code >= 0 && code < 256 {
				enc[code] = glyphRune(string(v))
				code++
			}
		}
	}
	return &enc
}

func namedEncoding(n string) *[256]rune {
	if n == "MacRomanEncoding" {
		return &macRoman
	}
	return &winAnsi
}

var winAnsi, macRoman = func() (w, m [256]rune) {
	for i := 0; i < 256; i++ {
		if i >= 0x20 {
			w[i] = charmap.Windows1252.DecodeByte(byte(i))
			m[i] = charmap.Macintosh.DecodeByte(byte(i))
		}
	}
	return w, m
}()

// glyphNames are glyph names of the Adobe Glyph List that are not a letter,
// a digit name or a letter with an accent.
var glyphNames = map[string]rune{
	"space": ' ', "exclam": '!', "quotedbl": '"', "numbersign": '#', "dollar": '$', "percent": '%',
	"ampersand": '&', "quotesingle": '\'', "quoteright": '’', "quoteleft": '‘', "parenleft": '(',
	"parenright": ')', "asterisk": '*', "plus": '+', "comma": ',', "hyphen": '-', "period": '.',
	"slash": '/', "colon": ':', "semicolon": ';', "less": '<', "equal": '=', "greater": '>',
	"question": '?', "at": '@', "bracketleft": '[', "backslash": '\\', "bracketright": ']',
	"asciicircum": '^', "underscore": '_', "grave": '`', "braceleft": '{', "bar": '|',
	"braceright": '}', "asciitilde": '~', "endash": '–', "emdash": '—', "quotedblleft": '“',
	"quotedblright": '”', "quotesinglbase": '‚', "quotedblbase": '„', "bullet": '•',
	"ellipsis": '…', "Euro": '€', "nbspace": ' ', "degree": '°', "section": '§', "paragraph": '¶',
	"copyright": '©', "registered": '®', "trademark": '™', "guillemotleft": '«', "guillemotright": '»',
	"guilsinglleft": '‹', "guilsinglright": '›', "dagger": '†', "daggerdbl": '‡', "oe": 'œ', "OE": 'Œ',
	"ae": 'æ', "AE": 'Æ', "oslash": 'ø', "Oslash": 'Ø', "lslash": 'ł', "Lslash": 'Ł', "dotlessi": 'ı',
	"germandbls": 'ß', "eth": 'ð', "Eth": 'Ð', "thorn": 'þ', "Thorn": 'Þ', "multiply": '×',
	"divide": '÷', "periodcentered": '·', "minus": '−', "exclamdown": '¡', "questiondown": '¿',
	"cent": '¢', "sterling": '£', "yen": '¥', "currency": '¤', "brokenbar": '¦', "ordfeminine": 'ª',
	"ordmasculine": 'º', "plusminus": '±', "mu": 'µ', "onehalf": '½', "onequarter": '¼',
	"threequarters": '¾', "fi": 'ﬁ', "fl": 'ﬂ', "florin": 'ƒ', "perthousand": '‰',
	"zero": '0', "one": '1', "two": '2', "three": '3', "four": '4', "five": '5', "six": '6',
	"seven": '7', "eight": '8', "nine": '9', "uni00A0": ' ', "check": '✓', "checkbox": '☐',
}

// accentMarks are the accent suffixes of glyph names ("eacute") and their
// combining characters.
var accentMarks = map[string]rune{
	"grave": '\u0300', "acute": '\u0301', "circumflex": '\u0302', "tilde": '\u0303', "macron": '\u0304',
	"breve": '\u0306', "dotaccent": '\u0307', "dieresis": '\u0308', "ring": '\u030A',
	"hungarumlaut": '\u030B', "caron": '\u030C', "commaaccent": '\u0326', "cedilla": '\u0327', "ogonek": '\u0328',
}

// glyphRune maps a glyph name to its character: "a", "eacute", "uni00E9",
// "u1F600", the names above; 0 when unknown.
func glyphRune(n string) rune {
	if i := strings.IndexByte(n, '.'); i > 0 {
		n = n[:i] // "a.sc"
	}
	if r, ok := glyphNames[n]; ok {
		return r
	}
	if len(n) == 1 && n[0] < 0x80 {
		return rune(n[0])
	}
	if strings.HasPrefix(n, "uni") && len(n) >= 7 {
		if v, err := strconv.ParseUint(n[3:7], 16, 32); err == nil {
			return rune(v)
		}
	}
	if strings.HasPrefix(n, "u") && len(n) >= 5 && len(n) <= 7 {
		if v, err := strconv.ParseUint(n[1:], 16, 32); err == nil && v <= unicode.MaxRune {
			return rune(v)
		}
	}
	if len(n) > 1 {
		if mark, ok := accentMarks[n[1:]]; ok && n[0] < 0x80 {
			s := norm.NFC.String(string(rune(n[0])) + string(mark))
			if r := []rune(s); len(r) == 1 {
				return r[0]
			}
		}
	}
	return 0
}

// parseToUnicode reads the bfchar and bfrange mappings of a ToUnicode CMap.
func parseToUnicode(b []byte, twoByte bool) map[uint32]string {
	m := map[uint32]string{}
	lx := pdfLexer{b: b}
	var toks []any
	mode := ""
	for len(m) < 1<<17 {
		tok, ok := lx.next()
		if !ok {
			break
		}
		if op, isOp := tok.(pdfOp); isOp {
			switch op {
			case "beginbfchar", "beginbfrange":
				mode = string(op)
			case "endbfchar", "endbfrange":
				mode = ""
			}
			toks = toks[:0]
			continue
		}
		if mode == "" {
			continue
		}
		toks = append(toks, tok)
		switch mode {
		case "beginbfchar":
			if len(toks) == 2 {
				src, ok1 := toks[0].([]byte)
				if ok1 && len(src) <= 4 {
					m[codeOf(src)] = dstString(toks[1])
				}
				toks = toks[:0]
			}
		case "beginbfrange":
			if len(toks) == 3 {
				lo, ok1 := toks[0].([]byte)
				hi, ok2 := toks[1].([]byte)
				if ok1 && ok2 && len(lo) <= 4 && len(hi) <= 4 {
					l, h := codeOf(lo), codeOf(hi)
					if h >= l && h-l < 1<<16 {
						switch d := toks[2].(type) {
						case []byte:
							r := utf16Runes(d)
							for c := l; c <= h && len(r) > 0; c++ {
								m[c] = string(r)
								r[len(r)-1]++
							}
						case []any:
							for i, e := range d {
								if c := l + uint32(i); c <= h {
									m[c] = dstString(e)
								}
							}
						}
					}
				}
				toks = toks[:0]
			}
		}
	}
	return m
}

func codeOf(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c = c<<8 | uint32(x)
	}
	return c
}

func dstString(o any) string {
	switch v := o.(type) {
	case []byte:
		return string(utf16Runes(v))
	case pdfName:
		if r := glyphRune(string(v)); r != 0 {
			return string(r)
		}
	}
	return ""
}

// utf16Runes decodes big-endian UTF-16.
func utf16Runes(b []byte) []rune {
	if len(b) == 1 {
		return []rune{rune(b[0])}
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return utf16.Decode(u)
}

// pdfLexer reads the tokens of a content stream or a CMap: numbers
// (float64), names (pdfName), strings ([]byte), arrays ([]any), operators
// (pdfOp). Dictionaries are skipped.
type pdfLexer struct {
	b   []byte
	pos int
}

type (
	pdfName string
	pdfOp   string
)

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	return strings.IndexByte("()<>[]{}/%", c) >= 0
}

func (l *pdfLexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isPDFSpace(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

func (l *pdfLexer) next() (any, bool) {
	return l.token(0)
}

func (l *pdfLexer) token(depth int) (any, bool) {
	for {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return nil, false
		}
		c := l.b[l.pos]
		switch {
		case c == '/':
			l.pos++
			start := l.pos
			for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
				l.pos++
			}
			return pdfName(l.b[start:l.pos]), true
		case c == '(':
			return l.literal(), true
		case c == '<' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '<':
			l.skipDict()
			continue
		case c == '<':
			return l.hex(), true
		case c == '[':
			l.pos++
			var a []any
			for {
				l.skipSpace()
				if l.pos >= len(l.b) {
					return a, true
				}
				if l.b[l.pos] == ']' {
					l.pos++
					return a, true
				}
				if depth > 16 {
					l.pos++
					continue
				}
				t, ok := l.token(depth + 1)
				if !ok {
					return a, true
				}
				if len(a) < 1<<16 {
					a = append(a, t)
				}
			}
		case c == ']' || c == '>' || c == ')' || c == '{' || c == '}':
			l.pos++
			continue
		case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
			start := l.pos
			l.pos++
			for l.pos < len(l.b) && (l.b[l.pos] == '.' || (l.b[l.pos] >= '0' && l.b[l.pos] <= '9')) {
				l.pos++
			}
			v, err := strconv.ParseFloat(string(l.b[start:l.pos]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			return v, true
		default:
			start := l.pos
			for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
				l.pos++
			}
			if l.pos == start {
				l.pos++
				continue
			}
			return pdfOp(l.b[start:l.pos]), true
		}
	}
}

// skipDict skips a << ... >> dictionary, nested ones and strings included.
func (l *pdfLexer) skipDict() {
	depth := 0
	for l.pos < len(l.b) {
		switch {
		case l.b[l.pos] == '(':
			l.literal()
		case l.pos+1 < len(l.b) && l.b[l.pos] == '<' && l.b[l.pos+1] == '<':
			depth++
			l.pos += 2
		case l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>':
			depth--
			l.pos += 2
			if depth <= 0 {
				return
			}
		default:
			l.pos++
		}
	}
}

func (l *pdfLexer) literal() []byte {
	l.pos++ // (
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return out
			}
		case '\\':
			if l.pos >= len(l.b) {
				return out
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; k++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func (l *pdfLexer) hex() []byte {
	l.pos++ // <
	var out []byte
	var hi byte
	half := false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

// skipInlineImage skips an inline image's dictionary and data, up to and
// including EI.
func (l *pdfLexer) skipInlineImage() {
	i := bytes.Index(l.b[l.pos:], []byte("ID"))
	if i < 0 {
		l.pos = len(l.b)
		return
	}
	l.pos += i + 2
	for l.pos < len(l.b) {
		j := bytes.Index(l.b[l.pos:], []byte("EI"))
		if j < 0 {
			l.pos = len(l.b)
			return
		}
		p := l.pos + j
		l.pos = p + 2
		if p > 0 && isPDFSpace(l.b[p-1]) && (l.pos >= len(l.b) || isPDFSpace(l.b[l.pos])) {
			return
		}
	}
}
