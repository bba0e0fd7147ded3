// Command gendocs makes the documents in intake/testdata/attach: filled
// questionnaires as authorities send them (Word, OpenDocument, PDF forms and
// text, spreadsheets), a scan, a zip bomb and a damaged file. The
// authorities, people and addresses are invented; the countries are real.
//
// Run it from the module root:
//
//	go run ./intake/internal/gendocs
//
// The files it writes itself are the same at every run. With -libreoffice it
// also has LibreOffice (soffice, from Debian's libreoffice-writer-nogui)
// open the Word file and save it again, to get files as LibreOffice really writes
// them: libreoffice.odt, libreoffice.docx, libreoffice-word.pdf and
// libreoffice-text.pdf. Those differ slightly at each run (dates, ids), so
// they are remade only when asked.
package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	out := flag.String("out", "intake/testdata/attach", "directory to write the documents to")
	lo := flag.Bool("libreoffice", false, "also make the LibreOffice files with soffice")
	flag.Parse()
	if err := run(*out, *lo); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(out string, lo bool) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	word := wordDocx()
	files := map[string][]byte{
		"word.docx":         word,
		"truncated.docx":    word[:len(word)/2],
		"bomb.docx":         bombDocx(60 << 20),
		"ratio-bomb.docx":   bombDocx(8 << 20),
		"saint-aubin.odt":   saintAubinODT(),
		"oberwald.odt":      oberwaldODT(),
		"form.pdf":          formPDF(),
		"text.pdf":          textPDF(),
		"scan.pdf":          scanPDF(),
		"vega-alta.xlsx":    vegaAltaXLSX(),
		"val-de-meuse.xlsx": valDeMeuseXLSX(),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
	}
	if !lo {
		return nil
	}
	// LibreOffice opens the Word questionnaire as an authority using it
	// would, and saves it as Word and as OpenDocument, and prints it to PDF;
	// it also prints the Oberwald letter to PDF.
	tmp, err := os.MkdirTemp("", "gendocs")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, c := range []struct{ src, format, dst string }{
		{"word.docx", "odt", "libreoffice.odt"},
		{"word.docx", "docx:MS Word 2007 XML", "libreoffice.docx"},
		{"word.docx", "pdf:writer_pdf_Export", "libreoffice-word.pdf"},
		{"oberwald.odt", "pdf:writer_pdf_Export", "libreoffice-text.pdf"},
	} {
		dir := filepath.Join(tmp, c.dst)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		cmd := exec.Command("soffice", "--headless", "-env:UserInstallation=file://"+filepath.Join(tmp, "profile"),
			"--convert-to", c.format, "--outdir", dir, filepath.Join(out, c.src))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("soffice %s: %w", c.dst, err)
		}
		ext := filepath.Ext(c.dst)
		base := c.src[:len(c.src)-len(filepath.Ext(c.src))]
		b, err := os.ReadFile(filepath.Join(dir, base+ext))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, c.dst), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// modTime is the date of every zip entry, so that the files are the same at
// every run.
var modTime = time.Date(2026, 4, 14, 9, 12, 0, 0, time.UTC)

type entry struct {
	name string
	body string
}

// zipFiles writes the entries, in order, deflated except "mimetype".
func zipFiles(entries []entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: modTime}
		if e.name == "mimetype" {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		io.WriteString(w, e.body)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
