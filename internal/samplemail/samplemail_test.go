package samplemail

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"path"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// maxSize is a little above the ~8 KB the samples aim for.
const maxSize = 12 * 1024

func TestAllSortedAndListed(t *testing.T) {
	all := All()
	if len(all) < 19 {
		t.Fatalf("got %d samples, want at least 19", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b Sample) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All() is not sorted by name")
	}
	classes, err := readClasses()
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(files, "mail/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	onDisk := map[string]bool{}
	for _, p := range names {
		onDisk[path.Base(p)] = true
		if _, ok := classes[path.Base(p)]; !ok {
			t.Errorf("%s is not listed in classes.csv", path.Base(p))
		}
	}
	for name, e := range classes {
		if !onDisk[name] {
			t.Errorf("classes.csv lists %s, which is not in mail/", name)
		}
		if !slices.Contains(Classes, e.class) {
			t.Errorf("%s: class %q is not one of %v", name, e.class, Classes)
		}
		if strings.TrimSpace(e.note) == "" {
			t.Errorf("%s: empty note", name)
		}
	}
	if len(all) != len(classes) {
		t.Errorf("All() gives %d samples, classes.csv lists %d", len(all), len(classes))
	}
	if _, ok := Get(all[0].Name); !ok {
		t.Errorf("Get(%q) found nothing", all[0].Name)
	}
}

func TestEveryClassButNewsHasSamples(t *testing.T) {
	seen := map[string]int{}
	for _, s := range All() {
		seen[s.Class]++
	}
	for _, c := range Classes {
		if c == "news" { // only for configured staff senders
			continue
		}
		if seen[c] == 0 {
			t.Errorf("no sample of class %s", c)
		}
	}
}

func TestCRLF(t *testing.T) {
	for _, s := range All() {
		for i, b := range s.Raw {
			if b == '\n' && (i == 0 || s.Raw[i-1] != '\r') {
				t.Errorf("%s: bare LF at byte %d", s.Name, i)
				break
			}
			if b == '\r' && (i+1 == len(s.Raw) || s.Raw[i+1] != '\n') {
				t.Errorf("%s: bare CR at byte %d", s.Name, i)
				break
			}
		}
		if !bytes.HasSuffix(s.Raw, []byte("\r\n")) {
			t.Errorf("%s: does not end with CRLF", s.Name)
		}
		for n, line := range bytes.Split(s.Raw, []byte("\r\n")) {
			if len(line) > 998 {
				t.Errorf("%s: line %d is %d bytes long, RFC 5322 allows 998", s.Name, n+1, len(line))
			}
		}
		if len(s.Raw) > maxSize {
			t.Errorf("%s: %d bytes, keep samples under %d", s.Name, len(s.Raw), maxSize)
		}
	}
}

var decoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(r), nil
}

func TestHeaders(t *testing.T) {
	ids := map[string][]string{}
	for _, s := range All() {
		msg, err := mail.ReadMessage(bytes.NewReader(s.Raw))
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		hdrEnd := bytes.Index(s.Raw, []byte("\r\n\r\n"))
		for i, b := range s.Raw[:hdrEnd] {
			if b >= 0x80 {
				t.Errorf("%s: non-ASCII byte in the header at %d (use RFC 2047)", s.Name, i)
				break
			}
		}
		p := mail.AddressParser{WordDecoder: decoder}
		from, err := p.ParseList(msg.Header.Get("From"))
		if err != nil || len(from) == 0 {
			t.Errorf("%s: From %q: %v", s.Name, msg.Header.Get("From"), err)
		}
		d, err := msg.Header.Date()
		if err != nil {
			t.Errorf("%s: Date: %v", s.Name, err)
		} else if d.Year() != 2026 {
			t.Errorf("%s: Date %v is not in 2026", s.Name, d)
		}
		if subj := msg.Header.Get("Subject"); subj != "" {
			if _, err := decoder.DecodeHeader(subj); err != nil {
				t.Errorf("%s: Subject: %v", s.Name, err)
			}
		}
		if to := msg.Header.Get("To"); to != "" {
			if _, err := p.ParseList(to); err != nil {
				t.Errorf("%s: To %q: %v", s.Name, to, err)
			}
		}
		if id := msg.Header.Get("Message-Id"); id != "" {
			ids[id] = append(ids[id], s.Name)
		}
	}
	// One pair shares a Message-ID on purpose; 18 has none.
	for id, names := range ids {
		if len(names) > 1 && !(len(names) == 2 && names[0] == "07-join-request-en.eml" && names[1] == "19-duplicate-message-id.eml") {
			t.Errorf("Message-ID %s is used by %v", id, names)
		}
	}
	if got := ids["<DMS-OUT-0001@pisarnica.gradleskovac.example.rs>"]; len(got) != 2 {
		t.Errorf("07 and 19 should share a Message-ID, got %v", got)
	}
	if s, ok := Get("18-minimal-headers.eml"); ok {
		msg, _ := mail.ReadMessage(bytes.NewReader(s.Raw))
		if msg != nil && msg.Header.Get("Message-Id") != "" {
			t.Error("18 must have no Message-ID")
		}
	}
}

// TestMIME walks every part: content types parse, multipart bodies close,
// transfer encodings decode, and text decodes in its declared charset.
func TestMIME(t *testing.T) {
	for _, s := range All() {
		msg, err := mail.ReadMessage(bytes.NewReader(s.Raw))
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		var n int
		if err := walk(textproto.MIMEHeader(msg.Header), msg.Body, 0, &n); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}

func walk(h textproto.MIMEHeader, body io.Reader, depth int, leaves *int) error {
	if depth > 5 {
		return errors.New("MIME nesting too deep")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %v", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		if params["boundary"] == "" {
			return fmt.Errorf("%s without boundary", mt)
		}
		mr := multipart.NewReader(body, params["boundary"])
		parts := 0
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %v", mt, err)
			}
			parts++
			if err := walk(p.Header, p, depth+1, leaves); err != nil {
				return err
			}
		}
		if parts == 0 {
			return fmt.Errorf("%s with no parts", mt)
		}
		return nil
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	var data []byte
	switch cte := strings.ToLower(h.Get("Content-Transfer-Encoding")); cte {
	case "", "7bit":
		for _, b := range raw {
			if b >= 0x80 {
				return fmt.Errorf("%s: 8-bit byte in a 7bit part", mt)
			}
		}
		data = raw
	case "8bit", "binary":
		data = raw
	case "quoted-printable":
		data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return fmt.Errorf("%s: quoted-printable: %v", mt, err)
		}
	case "base64":
		data, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.ReplaceAll(raw, []byte("\r\n"), nil))))
		if err != nil {
			return fmt.Errorf("%s: base64: %v", mt, err)
		}
	default:
		return fmt.Errorf("%s: unknown Content-Transfer-Encoding %q", mt, cte)
	}
	*leaves++
	switch {
	case strings.HasPrefix(mt, "text/"):
		cs := params["charset"]
		if cs == "" {
			cs = "us-ascii"
		}
		switch strings.ToLower(cs) {
		case "utf-8", "us-ascii":
			if !utf8.Valid(data) {
				return fmt.Errorf("%s: not valid UTF-8", mt)
			}
		default:
			enc, err := htmlindex.Get(cs)
			if err != nil {
				return fmt.Errorf("%s: charset %q: %v", mt, cs, err)
			}
			if _, err := enc.NewDecoder().Bytes(data); err != nil {
				return fmt.Errorf("%s: %s: %v", mt, cs, err)
			}
		}
		if mt == "text/rfc822-headers" {
			if _, err := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(data), strings.NewReader("\r\n")))).ReadMIMEHeader(); err != nil {
				return fmt.Errorf("text/rfc822-headers: %v", err)
			}
		}
	case mt == "message/delivery-status":
		// Per-message fields, then per-recipient fields, as header blocks.
		r := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
		perMsg, err := r.ReadMIMEHeader()
		if err != nil || perMsg.Get("Reporting-Mta") == "" {
			return fmt.Errorf("delivery-status: per-message fields: %v", err)
		}
		perRcpt, err := r.ReadMIMEHeader()
		if (err != nil && err != io.EOF) || perRcpt.Get("Final-Recipient") == "" || perRcpt.Get("Action") == "" || perRcpt.Get("Status") == "" {
			return fmt.Errorf("delivery-status: per-recipient fields: %v", err)
		}
	case mt == "message/rfc822":
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("message/rfc822: %v", err)
		}
		return walk(textproto.MIMEHeader(m.Header), m.Body, depth+1, leaves)
	}
	return nil
}
