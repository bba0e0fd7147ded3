package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
)

var update = flag.Bool("update", false, "rewrite the golden files of the parse tests")

// goldenInputs are the messages whose parse --json output is kept in
// testdata/parse.golden.jsonl: the sample mail, the intake test messages,
// and mails carrying each kind of attachment (testdata/parse/*.eml, made from
// intake's test documents by TestMakeAttachmentMail).
func goldenInputs(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		"../../internal/samplemail/mail/*.eml",
		"../../intake/testdata/signals/*.eml",
		"../../intake/testdata/answers/*.eml",
		"testdata/parse/*.eml",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 80 {
		t.Fatalf("only %d golden inputs found", len(files))
	}
	return files
}

// TestParseGolden holds `alliancebot parse --json` to the contract's output
// on known messages. Run with -update after a deliberate change, and read the
// diff.
func TestParseGolden(t *testing.T) {
	files := goldenInputs(t)
	stdout, stderr, err := runCmd(t, t.Context(), nil, append([]string{"parse", "--json"}, files...)...)
	if err != nil {
		t.Fatalf("parse --json: %v\n%s", err, stderr)
	}
	const golden = "testdata/parse.golden.jsonl"
	if *update {
		if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestParseGolden -update)", err)
	}
	got, wantLines := strings.Split(stdout, "\n"), strings.Split(string(want), "\n")
	if len(got) != len(wantLines) {
		t.Errorf("parse --json gave %d lines, golden has %d", len(got), len(wantLines))
	}
	for i := range min(len(got), len(wantLines)) {
		if got[i] != wantLines[i] {
			t.Errorf("line %d differs:\n got %s\nwant %s", i+1, got[i], wantLines[i])
		}
	}
}

// TestParseContract checks every output line against the shape of
// ../shared/spec/parse-json.md: the keys, their order, null and [] where the
// contract says so.
func TestParseContract(t *testing.T) {
	files := goldenInputs(t)
	stdout, _, err := runCmd(t, t.Context(), nil, append([]string{"parse", "--json"}, files...)...)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(files) {
		t.Fatalf("%d lines for %d files, want one a file", len(lines), len(files))
	}
	classes := []string{"questionnaire", "join_request", "unsubscribe", "bounce", "auto_reply", "news", "other"}
	qKeys := []string{"authority_name", "country", "authority_type", "population", "roma_estimate", "contact_name",
		"contact_function", "contact_email", "contact_phone", "interested", "thematic_priorities", "crosscutting_issues",
		"activities", "needs", "projects", "newsletter", "source", "missing"}
	seen := make(map[string]int)
	for i, line := range lines {
		keys := topKeys(t, line)
		head := []string{"file", "message_id", "from", "subject", "date", "class", "language"}
		if !slices.Equal(keys[:len(head)], head) || keys[len(keys)-1] != "errors" {
			t.Errorf("%s: keys %v, want %v ... errors", files[i], keys, head)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		class, _ := r["class"].(string)
		seen[class]++
		if !slices.Contains(classes, class) {
			t.Errorf("%s: class %q", files[i], class)
		}
		if _, ok := r["errors"].([]any); !ok {
			t.Errorf("%s: errors is %v, want a list", files[i], r["errors"])
		}
		for _, detail := range []string{"questionnaire", "join_request", "bounce", "unsubscribe"} {
			_, has := r[detail]
			if want := class == detail; has != want && !(detail == "questionnaire" && r["questionnaires"] != nil) {
				t.Errorf("%s: class %s, has %s = %v", files[i], class, detail, has)
			}
		}
		if q, ok := r["questionnaire"].(map[string]any); ok {
			var qk []string
			for _, k := range topKeys(t, string(mustJSON(t, q))) {
				qk = append(qk, k)
			}
			slices.Sort(qk)
			want := slices.Clone(qKeys)
			slices.Sort(want)
			if !slices.Equal(qk, want) {
				t.Errorf("%s: questionnaire keys %v, want %v", files[i], qk, want)
			}
			for _, list := range []string{"thematic_priorities", "crosscutting_issues", "activities", "missing"} {
				if _, ok := q[list].([]any); !ok {
					t.Errorf("%s: %s = %v, want a list, never null", files[i], list, q[list])
				}
			}
		}
	}
	for _, c := range []string{"questionnaire", "join_request", "unsubscribe", "bounce", "auto_reply", "other"} {
		if seen[c] == 0 {
			t.Errorf("no golden input of class %s", c)
		}
	}
	t.Logf("classes: %v", seen)
}

// topKeys returns the keys of a JSON object in the order written.
func topKeys(t *testing.T, obj string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseUnreadableFile(t *testing.T) {
	good := "../../internal/samplemail/mail/01-questionnaire-en-inline.eml"
	stdout, stderr, err := runCmd(t, t.Context(), nil, "parse", "--json", "testdata/no-such-file.eml", good)
	if err == nil {
		t.Errorf("parse of a missing file succeeded")
	}
	if !strings.Contains(stderr, "no-such-file.eml") {
		t.Errorf("stderr = %q, want the missing file named", stderr)
	}
	if strings.Count(stdout, "\n") != 1 || !strings.Contains(stdout, `"class":"questionnaire"`) {
		t.Errorf("stdout = %q, want the good file's line all the same", stdout)
	}
}

// TestDaemonStoresWhatParseSays: the result stored with a message is the
// one parse --json prints (less the file name).
func TestDaemonStoresWhatParseSays(t *testing.T) {
	_, environ, dbPath := setup(t)
	if _, stderr, err := runCmd(t, t.Context(), environ, "serve", "--once"); err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	db, err := store.Open(dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	err = db.ForEach(func(m *store.Message) error {
		raw, err := db.Raw(m.ID)
		if err != nil {
			return err
		}
		want, _ := json.Marshal(intake.Parse(raw, intake.Options{}))
		if !bytes.Equal(m.Result, want) {
			t.Errorf("message %d: stored result\n%s\nparse says\n%s", m.ID, m.Result, want)
		}
		n++
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("ForEach: %d messages, %v", n, err)
	}
}

var makeMail = flag.Bool("make-attachment-mail", false, "write testdata/parse/*.eml from intake's test documents")

// TestMakeAttachmentMail wraps each of intake's test documents in a reply
// such as an authority sends. It only runs with -make-attachment-mail.
func TestMakeAttachmentMail(t *testing.T) {
	if !*makeMail {
		t.Skip("run with -make-attachment-mail to rewrite testdata/parse/*.eml")
	}
	docs := []struct{ file, ctype, from, body string }{
		{"word.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Biuro Prezydenta <biuro@um.example.pl>", "Dear Sir or Madam,\r\n\r\nPlease find attached our completed questionnaire.\r\n\r\nKind regards"},
		{"libreoffice.docx", "application/octet-stream", "Mairie <mairie@commune.example.fr>", "Bonjour,\r\n\r\nVeuillez trouver ci-joint le questionnaire rempli.\r\n\r\nCordialement"},
		{"libreoffice.odt", "application/vnd.oasis.opendocument.text", "Gemeinde <gemeinde@example.at>", "Sehr geehrte Damen und Herren,\r\n\r\nanbei der ausgefüllte Fragebogen.\r\n\r\nMit freundlichen Grüßen"},
		{"form.pdf", "application/pdf", "Primaria <primaria@example.ro>", "Stimate doamne si domni,\r\n\r\nva transmitem chestionarul completat.\r\n\r\nCu stima"},
		{"text.pdf", "application/pdf", "Obec <obec@example.sk>", "Dobrý deň,\r\n\r\nv prílohe posielame vyplnený dotazník.\r\n\r\nS pozdravom"},
		{"val-de-meuse.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Association <secretariat@val-de-meuse.example.be>", "Bonjour,\r\n\r\nVoici les réponses de nos trois communes dans le tableau joint.\r\n\r\nBien à vous"},
		{"scan.pdf", "application/pdf", "Municipality <info@example.gr>", "Dear Sirs,\r\n\r\nthe signed questionnaire is attached (scanned).\r\n\r\nRegards"},
		{"bomb.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Someone <x@example.net>", "See attached."},
	}
	for i, d := range docs {
		data, err := os.ReadFile(filepath.Join("../../intake/testdata/attach", d.file))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "From: %s\r\nTo: roma.summit@coe.int\r\nSubject: %s\r\n", d.from, mime.QEncoding.Encode("utf-8", "RE: Questionnaire – Alliance"))
		fmt.Fprintf(&b, "Date: Tue, 21 Apr 2026 1%d:00:00 +0200\r\nMessage-ID: <attach-%d@example.eu>\r\nMIME-Version: 1.0\r\n", i, i)
		b.WriteString("Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n--=_b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(d.body + "\r\n--=_b\r\n")
		fmt.Fprintf(&b, "Content-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", d.ctype, d.file, d.file)
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n--=_b--\r\n")
		name := filepath.Join("testdata/parse", "attached-"+strings.ReplaceAll(d.file, ".", "-")+".eml")
		if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
