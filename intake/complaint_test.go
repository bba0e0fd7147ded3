package intake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coe-congress/alliancebot/internal/corpus"
)

func TestComplaint(t *testing.T) {
	arf := "From: fbl@isp.example\r\nTo: roma.summit@coe.int\r\nSubject: Abuse report\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n" +
		"--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n" +
		"Original-Rcpt-To: <Mayor@Town.example>\r\n\r\n" +
		"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: roma.summit@coe.int\r\nTo: someone@else.example\r\nSubject: Alliance news\r\n\r\nNews.\r\n--b--\r\n"
	if got, ok := Complaint([]byte(arf), Limits{}); !ok || got != "mayor@town.example" {
		t.Errorf("Complaint(ARF) = %q, %v; want mayor@town.example", got, ok)
	}
	if got, ok := Complaint([]byte("From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"), Limits{}); ok {
		t.Errorf("Complaint(plain mail) = %q, true", got)
	}
	files := corpus.Files(t)
	found := 0
	for _, f := range files {
		if !strings.HasPrefix(filepath.Base(f.Path), "arf-") {
			continue
		}
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := Complaint(raw, Limits{}); ok {
			found++
		}
	}
	t.Logf("%d corpus abuse reports name their recipient", found)
	if found == 0 {
		t.Error("no abuse report of the corpus names its recipient")
	}
}

func FuzzComplaint(f *testing.F) {
	f.Add([]byte("Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nOriginal-Rcpt-To: a@b\r\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		Complaint(raw, Limits{MaxSize: 1 << 16})
	})
}
