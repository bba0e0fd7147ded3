package intake

import (
	"bytes"
	"io"
	"mime"
	"strings"

	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// Normalize prepares raw for parsing: it drops a leading mbox "From " line and
// turns bare CR line endings (old Mac mail) into CRLF. It returns raw itself
// when there is nothing to change. The archive always keeps the original.
func Normalize(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	if !hasBareCR(raw) {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/32)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		out = append(out, c)
		if c == '\r' && (i+1 == len(raw) || raw[i+1] != '\n') {
			out = append(out, '\n')
		}
	}
	return out
}

func hasBareCR(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return false
		}
		if i+1 == len(b) || b[i+1] != '\n' {
			return true
		}
		b = b[i+2:]
	}
}

// mimeWordDecoder decodes RFC 2047 encoded words in any charset that
// golang.org/x/net/html/charset knows, leaving undecodable text as it is.
type mimeWordDecoder struct{}

func (mimeWordDecoder) decode(s string) string {
	d := mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		return charset.NewReaderLabel(strings.ToLower(label), r)
	}}
	out, err := d.DecodeHeader(s)
	if err != nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(out)
}

// fixC1 turns the C1 control characters U+0080 to U+009F into the characters
// windows-1252 has at those bytes (’ “ ” € – …). They appear when windows-1252
// text is labelled iso-8859-1, as Outlook and many webmails do, and never in
// real text.
func fixC1(s string) string {
	if !strings.ContainsFunc(s, isC1) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if !isC1(r) {
			return r
		}
		if w := charmap.Windows1252.DecodeByte(byte(r)); w != utf8.RuneError {
			return w
		}
		return r
	}, s)
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }
