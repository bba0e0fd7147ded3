package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oldFingerprint is fingerprint as it was before it wrote through a buffer:
// the reference that keeps stored fingerprints comparable.
func oldFingerprint(raw []byte) string {
	norm := Normalize(raw)
	head, body := norm, []byte(nil)
	if i := bytes.Index(norm, []byte("\r\n\r\n")); i >= 0 {
		head, body = norm[:i+2], norm[i+4:]
	} else if i := bytes.Index(norm, []byte("\n\n")); i >= 0 {
		head, body = norm[:i+1], norm[i+2:]
	}
	h := sha256.New()
	for _, name := range []string{"from", "date", "subject", "message-id"} {
		h.Write([]byte(name))
		h.Write([]byte{':'})
		h.Write(oldHeaderValue(head, name))
		h.Write([]byte{'\n'})
	}
	for line := range bytes.Lines(body) {
		h.Write(bytes.TrimRight(line, " \t\r\n"))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func oldHeaderValue(head []byte, name string) []byte {
	var val []byte
	in := false
	for line := range bytes.Lines(head) {
		if in {
			if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
				val = append(val, bytes.TrimSpace(line)...)
				continue
			}
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon > 0 && strings.EqualFold(string(bytes.TrimSpace(line[:colon])), name) {
			in = true
			val = append(val, bytes.TrimSpace(line[colon+1:])...)
		}
	}
	return val
}

func fingerprintSamples(t testing.TB) [][]byte {
	samples := [][]byte{
		nil, []byte("\n\n"), []byte("From: a@b\r\n\r\n"), []byte("From a@b Mon\nfrom: x\n y\n\nbody \t\r\n\n  \nend"),
		[]byte("Subject: a\r\n\tb\r\nDate: 1\r\nFROM : c\r\n\r\nline  \r\nline\r\rbare CR\r"),
		[]byte("Message-ID: <a@b>\r\n\r\n" + strings.Repeat("a long line of text, with spaces at its end   \r\n", 500)),
		[]byte("meſſage-id: <a@b>\r\nfrom                                             : c\r\n fold: date: d\r\nsubjec\xff: e\r\n\r\n"),
		[]byte(" from: a\r\nDate:\r\n\t1\r\n  2 \r\nX: y\r\n 3\r\nsubject:"),
		[]byte("X: y\r\n\r\n" + strings.Repeat("z", 20<<10) + "\r\n" + strings.Repeat("w ", 3000)),
	}
	names, _ := filepath.Glob(filepath.Join("testdata", "signals", "*.eml"))
	more, _ := filepath.Glob(filepath.Join("..", "internal", "samplemail", "mail", "*"))
	for _, n := range append(names, more...) {
		if b, err := os.ReadFile(n); err == nil {
			samples = append(samples, b)
		}
	}
	return samples
}

func TestFingerprintUnchanged(t *testing.T) {
	for _, raw := range fingerprintSamples(t) {
		if got, want := fingerprint(Normalize(raw)), oldFingerprint(raw); got != want {
			t.Errorf("fingerprint(%.40q) = %s, want %s", raw, got, want)
		}
	}
}

func FuzzFingerprint(f *testing.F) {
	for _, raw := range fingerprintSamples(f) {
		if len(raw) < 8<<10 {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, want := fingerprint(Normalize(raw)), oldFingerprint(raw); got != want {
			t.Errorf("fingerprint(%q) = %s, want %s", raw, got, want)
		}
	})
}

func BenchmarkFingerprint(b *testing.B) {
	samples := fingerprintSamples(b)
	b.Run("old", func(b *testing.B) {
		for b.Loop() {
			for _, raw := range samples {
				oldFingerprint(raw)
			}
		}
	})
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			for _, raw := range samples {
				fingerprint(Normalize(raw))
			}
		}
	})
}
