package intake

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
)

// The fuzz targets take arbitrary bytes as an attachment. Each also hands the
// bytes straight to the parser inside the container (XML, content stream,
// cells), which mutations of a whole zip or PDF rarely reach. Nothing may
// panic; small limits keep each input's work bounded.

var fuzzLimits = Limits{MaxAttachment: 1 << 20, MaxExpanded: 4 << 20, MaxDocuments: 2}

// zipEntry returns the entry called name of the zip archive b.
func zipEntry(t testing.TB, b []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	x, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func FuzzDocx(f *testing.F) {
	for _, n := range []string{"word.docx", "libreoffice.docx", "truncated.docx"} {
		b := testdoc(f, n)
		f.Add(b)
		if n != "truncated.docx" {
			f.Add(zipEntry(f, b, "word/document.xml"))
		}
	}
	f.Add([]byte(`<w:document><w:body><w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox/></w:ffData></w:fldChar></w:r><w:sdt><w:sdtPr><w14:checkbox/></w:sdtPr><w:sdtContent><w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:sdtContent></w:sdt></w:p></w:body></w:document>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		readDocx(b, fuzzLimits)
		w := docxWalker{fields: fieldSet{}}
		w.walk(b)
		_ = w.b.String()
	})
}

func FuzzODT(f *testing.F) {
	for _, n := range []string{"saint-aubin.odt", "libreoffice.odt", "oberwald.odt"} {
		b := testdoc(f, n)
		f.Add(b)
		f.Add(zipEntry(f, b, "content.xml"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		readODT(b, fuzzLimits)
		w := odtWalker{fields: fieldSet{}, controls: map[string]*odtControl{}}
		w.walk(b)
		_ = w.b.String()
	})
}

func FuzzXLSX(f *testing.F) {
	for _, n := range []string{"vega-alta.xlsx", "val-de-meuse.xlsx"} {
		f.Add(testdoc(f, n))
	}
	f.Add([]byte("Question\tA\tB\n1. Name\tX\tY\n2. Pays\tFrance\tBelgique\n11a Éducation\tx\t\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		readXLSX(b, fuzzLimits)
		// The bytes as a sheet: lines of tab-separated cells.
		var rows [][]string
		for i, line := range strings.Split(string(b), "\n") {
			if i >= 200 {
				break
			}
			rows = append(rows, strings.Split(line, "\t"))
		}
		sheetFields(rows)
		sheetText(rows)
	})
}

func FuzzPDF(f *testing.F) {
	for _, n := range []string{"form.pdf", "text.pdf", "scan.pdf"} {
		f.Add(testdoc(f, n))
	}
	f.Add([]byte("BT /F1 12 Tf 1 0 0 1 72 700 Tm [(Pays)-3000(France)] TJ T* (\\101\\(x) Tj ET BI /W 2 ID \x00\x01 EI q 1 0 0 1 0 0 cm Q"))
	f.Add([]byte("/CIDInit /ProcSet findresource begin 1 begincodespacerange <0000> <FFFF> endcodespacerange 2 beginbfrange <0003> <0005> <0041> <0010> <0011> [<00E9> <D83DDE00>] endbfrange 1 beginbfchar <0020> <0020> endbfchar"))
	f.Fuzz(func(t *testing.T, b []byte) {
		readPDF(b, fuzzLimits)
		// The bytes as a content stream and as a ToUnicode map.
		x := &pdfExtractor{budget: 1 << 20}
		x.run(b, nil, identity, 0)
		layoutPage(x.frags)
		parseToUnicode(b, true)
	})
}
