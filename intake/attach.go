package intake

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/htmlindex"
)

// This file finds the attachments that may hold answers and hands each to its
// reader (attach_docx.go, attach_odt.go, attach_pdf.go, attach_xlsx.go),
// within the Limits.
//
// What the readers give, for fromFields and extractText:
//   - Fields: keys are questionnaire keys ("country") or, for a check box or a
//     spreadsheet column of one option, key_code ("thematic_priorities_education").
//     A check box is "Yes" (ticked) or "Off"; a spreadsheet cell marking an option
//     ("x", "yes", "oui", "✓"...) is "Yes" too, an empty or "no" one "Off". A radio
//     group or a drop-down list named by a key gives key = the chosen value as
//     written, and key_value = "Yes" when the value is a code. Text is as written,
//     trimmed. A field the readers cannot name keeps its own name (a form field
//     "Text1", a spreadsheet header "Remarks").
//   - Text: the document in reading order, one paragraph a line, a table row as
//     "cell | cell", check boxes as "☒" (ticked) and "☐". From Word and
//     OpenDocument files, a form field shows its value; headers, footers,
//     comments, notes, deleted text and placeholder text are left out. From a
//     PDF, the text is what the pages print, a line a line, with " | " where a
//     wide gap or a column edge splits a line; a form's values are in Fields
//     only. From a spreadsheet, each sheet, a row a line.

// document is what an attachment holds: named fields (one map per authority:
// a form, or each row of a spreadsheet), or text.
type document struct {
	Name   string              // the attachment's file name
	Source string              // docx, odt, pdf, xlsx
	Fields []map[string]string // keys as questionnaire.md: "country", "thematic_priorities_education"...
	Text   string
}

// Defaults for the Limits fields read here.
const (
	defaultMaxAttachment = 20 << 20
	defaultMaxExpanded   = 50 << 20
	defaultMaxDocuments  = 20

	// A zip entry larger than zipRatioMinSize that expands more than
	// maxZipRatio times its compressed size is taken for a zip bomb.
	maxZipRatio     = 100
	zipRatioMinSize = 1 << 20

	// An inline image with a Content-ID smaller than this is a logo or a
	// signature picture, not a scanned reply.
	inlineLogoSize = 50 << 10
	// No image this small is a scanned page.
	tinyImageSize = 4 << 10

	// maxDocText bounds the text kept from one document.
	maxDocText = 4 << 20
)

// attachLimits are the Limits with the defaults filled in.
func (lim Limits) attachLimits() Limits {
	if lim.MaxAttachment <= 0 {
		lim.MaxAttachment = defaultMaxAttachment
	}
	if lim.MaxExpanded <= 0 {
		lim.MaxExpanded = defaultMaxExpanded
	}
	if lim.MaxDocuments <= 0 {
		lim.MaxDocuments = defaultMaxDocuments
	}
	return lim
}

// limitError is a reader's error for going over one of the Limits; it is
// ErrLimit for errors.Is.
type limitError struct{ msg string }

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == ErrLimit }

// kind is what an attachment is, as far as reading answers goes.
type kind int

const (
	kindNone     kind = iota // a body part, or something that holds no answers
	kindDocx                 // Word 2007+ (.docx, .docm, .dotx)
	kindODT                  // OpenDocument text
	kindPDF                  // PDF
	kindXLSX                 // Excel 2007+
	kindImage                // a picture: cannot be read
	kindUnusable             // a document that may hold answers but that no reader here reads
)

// source is the document.Source of each readable kind.
var kindSource = map[kind]string{kindDocx: "docx", kindODT: "odt", kindPDF: "pdf", kindXLSX: "xlsx"}

// readAttachments reads the attachments of m that may hold answers: Word
// and OpenDocument files, PDFs and spreadsheets, each recognised by its
// content, its name or its content type, whichever says it (Outlook labels
// them all application/octet-stream). errs names, file by file, what could not
// be read: a picture or a scan, a damaged file, a file over a limit; such a
// message goes to review. A reader's panic is an error, never a crash.
func readAttachments(m *message, lim Limits) (docs []document, errs []string) {
	if m == nil {
		return nil, nil
	}
	lim = lim.attachLimits()
	var unread []string
	n := 0
	for i, p := range m.parts {
		name := attachmentName(p, i)
		k, why := identify(p, name)
		switch k {
		case kindNone:
			continue
		case kindImage:
			if isLogo(p) {
				continue
			}
			errs = append(errs, name+" is an image: it cannot be read; staff must read it")
			continue
		case kindUnusable:
			errs = append(errs, name+": "+why+": staff must read it")
			continue
		}
		if n++; n > lim.MaxDocuments {
			unread = append(unread, name)
			continue
		}
		if len(p.Content) > lim.MaxAttachment {
			errs = append(errs, fmt.Sprintf("%s: %s is over the %s limit for an attachment; not read", name, mib(int64(len(p.Content))), mib(int64(lim.MaxAttachment))))
			continue
		}
		d, err := readDocument(k, p.Content, lim)
		if err != nil {
			errs = append(errs, name+": "+err.Error())
		}
		if len(d.Fields) > 0 || strings.TrimSpace(d.Text) != "" {
			d.Name, d.Source = name, kindSource[k]
			docs = append(docs, d)
		}
	}
	if len(unread) > 0 {
		errs = append(errs, fmt.Sprintf("%s: not read: over the limit of %d documents read in one message", strings.Join(unread, ", "), lim.MaxDocuments))
	}
	return docs, errs
}

// readDocument runs the reader of k on data. A document with fields or text
// is kept even when err is not nil (a spreadsheet read in part).
func readDocument(k kind, data []byte, lim Limits) (d document, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = document{}, fmt.Errorf("cannot be read: internal error: %v", p)
		}
	}()
	switch k {
	case kindDocx:
		return readDocx(data, lim)
	case kindODT:
		return readODT(data, lim)
	case kindPDF:
		return readPDF(data, lim)
	case kindXLSX:
		return readXLSX(data, lim)
	}
	return document{}, nil
}

// isLogo says whether an image part is decoration: small and inline with a
// Content-ID (a signature logo), or too small to be a scanned page.
func isLogo(p *enmime.Part) bool {
	if len(p.Content) < tinyImageSize {
		return true
	}
	return p.ContentID != "" && len(p.Content) < inlineLogoSize
}

// mib formats a byte count for error messages: "50 MiB", "20.5 MiB", "4.9 KiB".
func mib(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// identify says what part p is, from its content first (magic bytes), then its
// file name, then its content type. For kindUnusable, why says what it is.
func identify(p *enmime.Part, name string) (k kind, why string) {
	ct := strings.ToLower(p.ContentType)
	ext := strings.ToLower(path.Ext(name))
	if p.FileName == "" && !strings.EqualFold(p.Disposition, "attachment") && !hasHeaderName(p) &&
		(ct == "" || strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "message/")) {
		return kindNone, "" // the body
	}
	labelled := labelKind(ext, ct)
	c := p.Content
	switch {
	case isPDF(c):
		return kindPDF, ""
	case bytes.HasPrefix(c, []byte("PK\x03\x04")) || bytes.HasPrefix(c, []byte("PK\x05\x06")):
		switch k := zipKind(c); k {
		case kindUnusable:
			return k, "an OpenDocument spreadsheet (.ods) cannot be read"
		case kindNone:
		default:
			return k, ""
		}
		switch labelled {
		case kindDocx, kindODT, kindXLSX:
			return labelled, "" // its reader says what is wrong with it
		}
		return kindNone, ""
	case bytes.HasPrefix(c, oleMagic):
		switch {
		case labelled == kindDocx || labelled == kindXLSX:
			return kindUnusable, "protected by a password, it cannot be read"
		case ext == ".doc" || ext == ".dot" || strings.Contains(ct, "msword"):
			return kindUnusable, "an old Word file (.doc) cannot be read"
		case ext == ".xls" || strings.Contains(ct, "ms-excel"):
			return kindUnusable, "an old Excel file (.xls) cannot be read"
		case ext == ".msg" || strings.Contains(ct, "ms-outlook"):
			return kindUnusable, "an Outlook message file (.msg) cannot be read"
		}
		return kindUnusable, "an old Microsoft Office file cannot be read"
	case isImage(c):
		return kindImage, ""
	case bytes.HasPrefix(c, []byte(`{\rtf`)):
		return kindUnusable, "an RTF file cannot be read"
	}
	if labelled == kindImage && len(c) == 0 {
		return kindNone, ""
	}
	return labelled, ""
}

// labelKind is what a file name's extension or a content type says a part is.
func labelKind(ext, ct string) kind {
	switch ext {
	case ".docx", ".docm", ".dotx", ".dotm":
		return kindDocx
	case ".odt", ".ott":
		return kindODT
	case ".pdf":
		return kindPDF
	case ".xlsx", ".xlsm", ".xltx":
		return kindXLSX
	case ".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".webp":
		return kindImage
	}
	switch {
	case strings.Contains(ct, "wordprocessingml"):
		return kindDocx
	case ct == "application/vnd.oasis.opendocument.text":
		return kindODT
	case ct == "application/pdf" || ct == "application/x-pdf":
		return kindPDF
	case strings.Contains(ct, "spreadsheetml"):
		return kindXLSX
	case strings.HasPrefix(ct, "image/"):
		return kindImage
	}
	return kindNone
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// isPDF says whether c starts like a PDF. Readers accept "%PDF-" anywhere in
// the first kilobyte.
func isPDF(c []byte) bool {
	head := c[:min(len(c), 1024)]
	return bytes.Contains(head, []byte("%PDF-"))
}

func isImage(c []byte) bool {
	for _, m := range [][]byte{
		{0xFF, 0xD8, 0xFF},                 // JPEG
		[]byte("\x89PNG\r\n\x1a\n"),        // PNG
		[]byte("GIF87a"), []byte("GIF89a"), // GIF
		[]byte("II*\x00"), []byte("MM\x00*"), // TIFF
		[]byte("BM"), // BMP
	} {
		if bytes.HasPrefix(c, m) {
			return true
		}
	}
	if len(c) >= 12 && string(c[0:4]) == "RIFF" && string(c[8:12]) == "WEBP" {
		return true
	}
	if len(c) >= 12 && string(c[4:8]) == "ftyp" {
		switch string(c[8:12]) {
		case "heic", "heix", "mif1", "msf1", "avif":
			return true
		}
	}
	return false
}

// zipKind says which document a zip archive holds, from its entry names
// (and the ODF mimetype entry), or kindNone.
func zipKind(c []byte) kind {
	// ODF puts an uncompressed "mimetype" entry first.
	if len(c) > 38 && string(c[30:38]) == "mimetype" {
		rest := c[38:min(len(c), 38+64)]
		switch {
		case bytes.HasPrefix(rest, []byte("application/vnd.oasis.opendocument.text")):
			return kindODT
		case bytes.HasPrefix(rest, []byte("application/vnd.oasis.opendocument.spreadsheet")):
			return kindUnusable
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(c), int64(len(c)))
	if err != nil {
		return kindNone
	}
	for _, f := range zr.File {
		n := strings.ToLower(f.Name)
		switch {
		case strings.HasPrefix(n, "word/"):
			return kindDocx
		case strings.HasPrefix(n, "xl/"):
			return kindXLSX
		case n == "content.xml":
			return kindODT
		}
	}
	return kindNone
}

// hasHeaderName says whether p's headers name a file, even in a form enmime
// did not decode.
func hasHeaderName(p *enmime.Part) bool {
	if p.Header == nil {
		return false
	}
	for _, h := range []string{"Content-Disposition", "Content-Type"} {
		v := strings.ToLower(p.Header.Get(h))
		if strings.Contains(v, "filename") || strings.Contains(v, "name=") || strings.Contains(v, "name*") {
			return true
		}
	}
	return false
}

// attachmentName is the file name of p, decoded, without any directory; or
// "attachment N" when it has none. enmime leaves some RFC 2231 names empty
// (filename*=iso-8859-1'fr'r%E9ponse.docx), so the raw header parameters are
// read too.
func attachmentName(p *enmime.Part, i int) string {
	name := p.FileName
	if name == "" && p.Header != nil {
		for _, h := range []string{"Content-Disposition", "Content-Type"} {
			for _, param := range []string{"filename", "name"} {
				if name == "" {
					name = headerParam(p.Header.Get(h), param)
				}
			}
		}
	}
	name = cleanName(name)
	if name == "" {
		name = "attachment " + strconv.Itoa(i+1)
		if p.ContentType != "" {
			name += " (" + p.ContentType + ")"
		}
	}
	return name
}

// cleanName drops directories, control characters and excess length from a
// file name.
func cleanName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "")
	}
	return s
}

// headerParam returns the parameter called name of a header value such as
// `attachment; filename*=iso-8859-1'fr'r%E9ponse.docx`: RFC 2231 (charset,
// continuations) and RFC 2047 encoded words decoded. "" when absent.
func headerParam(v, name string) string {
	var plain string
	segs := map[int]string{}
	encoded := map[int]bool{}
	for _, kv := range splitParams(v) {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = unquote(strings.TrimSpace(val))
		switch {
		case k == name:
			plain = val
		case k == name+"*":
			segs[0], encoded[0] = val, true
		case strings.HasPrefix(k, name+"*"):
			rest := k[len(name)+1:]
			enc := strings.HasSuffix(rest, "*")
			rest = strings.TrimSuffix(rest, "*")
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 && n < 100 {
				segs[n], encoded[n] = val, enc
			}
		}
	}
	if len(segs) == 0 {
		if strings.Contains(plain, "=?") {
			d := mime.WordDecoder{CharsetReader: charsetReader}
			if s, err := d.DecodeHeader(plain); err == nil {
				return s
			}
		}
		return plain
	}
	var raw []byte
	charset := ""
	for n := 0; n < 100; n++ {
		s, ok := segs[n]
		if !ok {
			break
		}
		if n == 0 && encoded[0] {
			if parts := strings.SplitN(s, "'", 3); len(parts) == 3 {
				charset, s = parts[0], parts[2] // parts[1] is the language
			}
		}
		if encoded[n] {
			if u, err := url.PathUnescape(strings.ReplaceAll(s, "+", "%2B")); err == nil {
				s = u
			}
		}
		raw = append(raw, s...)
	}
	if s := decodeCharset(raw, charset); s != "" {
		return s
	}
	return plain
}

// splitParams splits a header value at the semicolons that are not quoted.
func splitParams(v string) []string {
	var out []string
	quoted, esc := false, false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case esc:
			esc = false
		case c == '\\' && quoted:
			esc = true
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		var b strings.Builder
		esc := false
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && !esc {
				esc = true
				continue
			}
			esc = false
			b.WriteByte(s[i])
		}
		return b.String()
	}
	return s
}

// decodeCharset decodes raw from the named charset to UTF-8, the WHATWG way
// (iso-8859-1 read as windows-1252). An unknown or empty charset leaves valid
// UTF-8 as it is and reads other bytes as windows-1252.
func decodeCharset(raw []byte, charset string) string {
	cs := strings.ToLower(strings.TrimSpace(charset))
	if cs == "" || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" {
		if utf8.Valid(raw) {
			return string(raw)
		}
		cs = "windows-1252"
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		if utf8.Valid(raw) {
			return string(raw)
		}
		enc, _ = htmlindex.Get("windows-1252")
	}
	out, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return strings.ToValidUTF8(string(raw), "")
	}
	return string(out)
}

// charsetReader turns input in a named charset into UTF-8, for encoded words
// and XML declarations.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(strings.ToLower(strings.TrimSpace(label)))
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", label)
	}
	return enc.NewDecoder().Reader(r), nil
}

// zipContainer reads entries out of a zip archive (.docx, .odt, .xlsx)
// within a budget of expanded bytes shared by all its entries.
type zipContainer struct {
	r      *zip.Reader
	files  map[string]*zip.File // by lower-case name; the first of duplicates
	limit  int64                // Limits.MaxExpanded
	budget int64                // what is left of limit
}

// openZip opens data as a zip archive. The error is zip's own ("zip: not a
// valid zip file"), for the reader to say which kind of file is damaged.
func openZip(data []byte, lim Limits) (*zipContainer, error) {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	z := &zipContainer{r: r, files: make(map[string]*zip.File, len(r.File)), limit: int64(lim.MaxExpanded), budget: int64(lim.MaxExpanded)}
	for _, f := range r.File {
		n := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))
		if _, dup := z.files[n]; !dup {
			z.files[n] = f
		}
	}
	return z, nil
}

// has says whether the archive holds an entry called name (any case).
func (z *zipContainer) has(name string) bool {
	_, ok := z.files[strings.ToLower(name)]
	return ok
}

// checkAll checks every entry's declared size against the budget and the
// compression ratio, without reading: for a library that reads them all.
func (z *zipContainer) checkAll() error {
	var total uint64
	for _, f := range z.r.File {
		if err := z.checkEntry(f); err != nil {
			return err
		}
		total += f.UncompressedSize64
		if total > uint64(z.limit) {
			return z.overLimit()
		}
	}
	return nil
}

func (z *zipContainer) overLimit() error {
	return &limitError{fmt.Sprintf("expands past the %s limit (a zip bomb?)", mib(z.limit))}
}

func (z *zipContainer) checkEntry(f *zip.File) error {
	if f.UncompressedSize64 > uint64(z.budget) {
		return z.overLimit()
	}
	if f.UncompressedSize64 > zipRatioMinSize {
		if f.CompressedSize64 == 0 || f.UncompressedSize64/f.CompressedSize64 > maxZipRatio {
			ratio := f.UncompressedSize64 / max(f.CompressedSize64, 1)
			return &limitError{fmt.Sprintf("%s expands %d:1, over the %d:1 limit (a zip bomb?)", f.Name, ratio, maxZipRatio)}
		}
	}
	return nil
}

// read returns the entry called name (any case). The entry's declared size
// and the bytes it actually expands to both count against the budget; going
// over is a *limitError. A missing entry is errNoEntry.
func (z *zipContainer) read(name string) ([]byte, error) {
	f, ok := z.files[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("%w: %s", errNoEntry, name)
	}
	if err := z.checkEntry(f); err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, z.budget+1))
	z.budget -= int64(len(b))
	if z.budget < 0 {
		return nil, z.overLimit()
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name, err)
	}
	return b, nil
}

var errNoEntry = fmt.Errorf("missing part")

// textBuilder assembles a document's text: paragraphs as lines, a table row
// as one "cell | cell" line (a cell's paragraphs joined by spaces, a nested
// table's rows joined into its cell). Captures collect the text written while
// they are open, for the fields of content controls and form fields.
type textBuilder struct {
	lines    []string
	paras    []*strings.Builder // open paragraphs; nested ones are text boxes
	tables   []*tableState
	captures []*strings.Builder
	size     int  // bytes written, bounded by maxDocText
	space    bool // a check box mark was just written: the next text needs a space before it
}

type tableState struct {
	row    []string
	cell   []string
	inCell bool
}

func (b *textBuilder) inCell() bool {
	return len(b.tables) > 0 && b.tables[len(b.tables)-1].inCell
}

func (b *textBuilder) startPara() { b.paras = append(b.paras, new(strings.Builder)) }

func (b *textBuilder) endPara() {
	if len(b.paras) == 0 {
		return
	}
	s := strings.TrimRight(b.paras[len(b.paras)-1].String(), " \t")
	b.paras = b.paras[:len(b.paras)-1]
	b.space = false
	for _, c := range b.captures {
		if c.Len() > 0 && !strings.HasSuffix(c.String(), "\n") {
			c.WriteByte('\n')
		}
	}
	switch {
	case len(b.paras) > 0:
		// A text box inside a paragraph: its text joins the paragraph's.
		if s = strings.TrimSpace(s); s != "" {
			p := b.paras[len(b.paras)-1]
			if p.Len() > 0 && !strings.HasSuffix(p.String(), " ") {
				p.WriteByte(' ')
			}
			p.WriteString(s)
			b.space = true
		}
	case b.inCell():
		t := b.tables[len(b.tables)-1]
		t.cell = append(t.cell, s)
	default:
		b.lines = append(b.lines, s)
	}
}

// text writes s into the open paragraph (opening one if needed) and into
// every open capture.
func (b *textBuilder) text(s string) {
	if s == "" || b.size > maxDocText {
		return
	}
	if len(b.paras) == 0 {
		b.startPara()
	}
	p := b.paras[len(b.paras)-1]
	if b.space {
		b.space = false
		if !strings.HasPrefix(s, " ") && !strings.HasPrefix(s, "\t") {
			s = " " + s
		}
	}
	b.size += len(s)
	p.WriteString(s)
	for _, c := range b.captures {
		c.WriteString(s)
	}
}

// mark writes a check box: "☒" when ticked, "☐" when not, set off by spaces.
func (b *textBuilder) mark(checked bool) {
	m := "☐"
	if checked {
		m = "☒"
	}
	if len(b.paras) > 0 {
		p := b.paras[len(b.paras)-1].String()
		if p != "" && !strings.HasSuffix(p, " ") && !strings.HasSuffix(p, "\t") {
			m = " " + m
		}
	}
	b.space = false
	b.text(m)
	b.space = true
}

// lineBreak is a manual line break: a new line, or a space inside a table.
func (b *textBuilder) lineBreak() {
	if b.inCell() || len(b.paras) > 1 {
		b.text(" ")
		return
	}
	b.text("\n")
}

func (b *textBuilder) startCapture() *strings.Builder {
	c := new(strings.Builder)
	b.captures = append(b.captures, c)
	return c
}

func (b *textBuilder) endCapture(c *strings.Builder) string {
	for i := len(b.captures) - 1; i >= 0; i-- {
		if b.captures[i] == c {
			b.captures = append(b.captures[:i], b.captures[i+1:]...)
			break
		}
	}
	return strings.TrimSpace(c.String())
}

func (b *textBuilder) startTable() {
	b.closeParas()
	b.tables = append(b.tables, &tableState{})
}

func (b *textBuilder) endTable() {
	if len(b.tables) == 0 {
		return
	}
	b.endRow()
	b.tables = b.tables[:len(b.tables)-1]
	if len(b.tables) == 0 {
		b.lines = append(b.lines, "")
	}
}

func (b *textBuilder) startRow() {
	if len(b.tables) == 0 {
		b.startTable()
	}
	b.endRow()
}

func (b *textBuilder) endRow() {
	if len(b.tables) == 0 {
		return
	}
	b.endCell()
	t := b.tables[len(b.tables)-1]
	row := t.row
	t.row = nil
	empty := true
	for i, c := range row {
		row[i] = strings.Join(strings.Fields(c), " ")
		if row[i] != "" {
			empty = false
		}
	}
	if empty {
		return
	}
	line := strings.Join(row, " | ")
	if len(b.tables) > 1 {
		parent := b.tables[len(b.tables)-2]
		parent.cell = append(parent.cell, line)
		return
	}
	b.lines = append(b.lines, line)
}

func (b *textBuilder) startCell() {
	if len(b.tables) == 0 {
		b.startTable()
	}
	b.endCell()
	b.tables[len(b.tables)-1].inCell = true
}

func (b *textBuilder) endCell() {
	if len(b.tables) == 0 {
		return
	}
	t := b.tables[len(b.tables)-1]
	if !t.inCell {
		return
	}
	b.closeParas()
	var parts []string
	for _, s := range t.cell {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	t.row = append(t.row, strings.Join(parts, " "))
	t.cell, t.inCell = nil, false
}

// closeParas ends the paragraphs left open by broken markup.
func (b *textBuilder) closeParas() {
	for len(b.paras) > 0 {
		b.endPara()
	}
}

// String ends what is open and returns the text: lines joined, trailing
// spaces trimmed, runs of blank lines collapsed into one.
func (b *textBuilder) String() string {
	for len(b.tables) > 0 {
		b.endTable()
	}
	b.closeParas()
	var out strings.Builder
	blank := true
	for _, l := range b.lines {
		for _, l := range strings.Split(l, "\n") {
			l = strings.TrimRight(l, " \t")
			if l == "" {
				if !blank {
					out.WriteByte('\n')
				}
				blank = true
				continue
			}
			out.WriteString(l)
			out.WriteByte('\n')
			blank = false
		}
	}
	return strings.TrimRight(out.String(), "\n")
}

// fieldSet collects named fields, keeping the first value of a check box
// that is ticked and joining repeated text.
type fieldSet map[string]string

func (f fieldSet) set(key, val string) {
	if key == "" {
		return
	}
	old, ok := f[key]
	switch {
	case !ok || old == "" || old == "Off":
		f[key] = val
	case val == "" || val == "Off" || val == old:
	case old == "Yes" || val == "Yes":
		f[key] = "Yes"
	default:
		f[key] = old + "\n" + val
	}
}

// fields returns the set as document Fields: nil when empty.
func (f fieldSet) fields() []map[string]string {
	if len(f) == 0 {
		return nil
	}
	return []map[string]string{map[string]string(f)}
}

// formQuestions are the questions as the forms and spreadsheets name them:
// number, key and labels (questionnaire.md).
var formQuestions = []struct {
	n           int
	key, en, fr string
}{
	{1, "authority_name", "Name of the local or regional authority", "Nom de la collectivité locale ou régionale"},
	{2, "country", "Country", "Pays"},
	{3, "authority_type", "Type of authority", "Type de collectivité"},
	{4, "population", "Population", "Population"},
	{5, "roma_estimate", "Estimated number of Roma and Travellers", "Estimation du nombre de Roms et Gens du voyage"},
	{6, "contact_name", "Contact person", "Personne de contact"},
	{7, "contact_function", "Function", "Fonction"},
	{8, "contact_email", "E-mail", "Courriel"},
	{9, "contact_phone", "Telephone", "Téléphone"},
	{10, "interested", "Is your authority interested in joining the Alliance?", "Votre collectivité souhaite-t-elle participer à l'Alliance ?"},
	{11, "thematic_priorities", "Thematic priorities", "Priorités thématiques"},
	{12, "crosscutting_issues", "Cross-cutting issues", "Questions transversales"},
	{13, "activities", "Activities of interest", "Activités qui vous intéressent"},
	{14, "needs", "Main needs and challenges", "Principaux besoins et difficultés"},
	{15, "projects", "Current projects and good practices", "Projets en cours et bonnes pratiques"},
	{16, "newsletter", "May we send you the Alliance newsletter?", "Acceptez-vous de recevoir la lettre d'information de l'Alliance ?"},
}

// formCodes are the options of the questions with codes, as key_code names
// them in forms (questionnaire.md).
var formCodes = []struct {
	key, code, en, fr string
}{
	{"authority_type", "municipality", "Municipality (city, town, commune)", "Commune (ville, municipalité)"},
	{"authority_type", "intermediate", "County, province or département", "Département, province ou comté"},
	{"authority_type", "region", "Region", "Région"},
	{"authority_type", "association", "Association of authorities", "Association de collectivités"},
	{"authority_type", "other", "Other", "Autre"},
	{"interested", "yes", "Yes", "Oui"},
	{"interested", "no", "No", "Non"},
	{"interested", "undecided", "Not decided yet", "Pas encore décidé"},
	{"thematic_priorities", "education", "Education", "Éducation"},
	{"thematic_priorities", "employment", "Employment and vocational training", "Emploi et formation professionnelle"},
	{"thematic_priorities", "housing", "Housing", "Logement"},
	{"thematic_priorities", "health", "Health", "Santé"},
	{"crosscutting_issues", "rights", "Rights, duties and responsibilities", "Droits, devoirs et responsabilités"},
	{"crosscutting_issues", "participation", "Roma participation", "Participation des Roms"},
	{"crosscutting_issues", "stereotypes", "Combating stereotypes", "Lutte contre les stéréotypes"},
	{"crosscutting_issues", "intercultural", "Intercultural understanding", "Compréhension interculturelle"},
	{"activities", "good_practices", "Exchange of good practices", "Échange de bonnes pratiques"},
	{"activities", "workshops", "Thematic workshops", "Ateliers thématiques"},
	{"activities", "study_visits", "Study visits", "Visites d'étude"},
	{"activities", "training", "Training", "Formation"},
	{"activities", "expertise", "Expert advice", "Expertise"},
	{"activities", "funding", "Information on funding", "Information sur les financements"},
	{"newsletter", "yes", "Yes", "Oui"},
	{"newsletter", "no", "No", "Non"},
}

// formKeys holds every key and key_code a form field may be named by.
var formKeys = func() map[string]bool {
	m := make(map[string]bool, len(formQuestions)+len(formCodes))
	for _, q := range formQuestions {
		m[q.key] = true
	}
	for _, c := range formCodes {
		m[c.key+"_"+c.code] = true
	}
	return m
}()

// fieldKey returns the key or key_code that a form field, content control
// or column is named by, or "" when the name is none. Case, spaces, hyphens
// and the path of a fully qualified PDF field name ("form1[0].page1[0].country[0]")
// do not matter.
func fieldKey(name string) string {
	k := strings.TrimSpace(name)
	if i := strings.LastIndexByte(k, '.'); i >= 0 && i < len(k)-1 {
		k = k[i+1:]
	}
	if i := strings.IndexByte(k, '['); i > 0 && strings.HasSuffix(k, "]") {
		k = k[:i]
	}
	k = strings.ToLower(k)
	k = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.':
			return '_'
		}
		return r
	}, k)
	for strings.Contains(k, "__") {
		k = strings.ReplaceAll(k, "__", "_")
	}
	k = strings.Trim(k, "_")
	if formKeys[k] {
		return k
	}
	return ""
}

// isCodeKey says whether key is a key_code (a check box of one option).
func isCodeKey(key string) bool {
	for _, q := range formQuestions {
		if q.key == key {
			return false
		}
	}
	return formKeys[key]
}
