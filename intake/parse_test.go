package intake

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/jhillyerd/enmime/v2"

	"github.com/coe-congress/alliancebot/internal/corpus"
	"github.com/coe-congress/alliancebot/internal/samplemail"
)

// TestParseCorpus runs Parse over every message of the shared corpus and
// holds it to the labels its source projects give.
func TestParseCorpus(t *testing.T) {
	files := corpus.Files(t)
	var bounces, bouncesFound, autoReplies, autoFound int
	for _, f := range files {
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		res := Parse(raw, Options{})
		if _, err := json.Marshal(res); err != nil {
			t.Errorf("%s: result does not encode: %v", f.Name, err)
		}
		if res.Errors == nil {
			t.Errorf("%s: Errors is nil, want a list", f.Name)
		}
		switch f.Label {
		case "bounce":
			bounces++
			if res.Class == ClassBounce && res.Bounce != nil && res.Bounce.Recipient != "" {
				bouncesFound++
			} else {
				t.Logf("%s: labelled bounce, got %s %+v", f.Name, res.Class, res.Bounce)
			}
		case "auto_reply":
			autoReplies++
			if res.Class == ClassAutoReply {
				autoFound++
			} else {
				t.Errorf("%s: labelled auto_reply, got %s", f.Name, res.Class)
			}
		}
		if (f.Label == "bounce" || f.Label == "auto_reply") && (res.Class == ClassQuestionnaire || res.Class == ClassJoinRequest) {
			t.Errorf("%s: labelled %s, classified %s", f.Name, f.Label, res.Class)
		}
	}
	recall := float64(bouncesFound) / float64(bounces)
	t.Logf("bounces classified with their recipient: %d of %d (%.1f%%); auto-replies: %d of %d",
		bouncesFound, bounces, 100*recall, autoFound, autoReplies)
	if recall < 0.95 {
		t.Errorf("bounce recall %.1f%%, want at least 95%%", 100*recall)
	}
}

// TestParseSamples checks the class of every sample message against the
// class its author gave it.
func TestParseSamples(t *testing.T) {
	for _, s := range samplemail.All() {
		res := Parse(s.Raw, Options{})
		if string(res.Class) != s.Class {
			t.Errorf("%s: class %s, want %s", s.Name, res.Class, s.Class)
		}
	}
}

func TestParseNews(t *testing.T) {
	raw := []byte("From: Staff <secretariat@coe.int>\r\nTo: roma.summit+news@coe.int\r\nSubject: Summit in Strasbourg\r\n\r\nThe next summit...\r\n")
	opt := Options{Staff: []string{"secretariat@coe.int"}, NewsAddress: "roma.summit+news@coe.int"}
	if got := Parse(raw, opt).Class; got != ClassNews {
		t.Errorf("Parse(staff mail to +news) = %s, want news", got)
	}
	if got := Parse(raw, Options{}).Class; got == ClassNews {
		t.Errorf("Parse without configured staff = news, want never")
	}
	forged := bytes.Replace(raw, []byte("secretariat@coe.int>"), []byte("someone@example.org>"), 1)
	if got := Parse(forged, opt).Class; got == ClassNews {
		t.Errorf("Parse(mail from a non-staff sender) = news")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range samplemail.All() {
		f.Add(s.Raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res := Parse(raw, Options{Limits: Limits{MaxSize: 1 << 17, MaxParts: 50}})
		if res == nil || res.Errors == nil || res.Class == "" {
			t.Fatalf("Parse = %+v", res)
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	})
}

// corpusMessages reads the corpus for the benchmarks.
func corpusMessages(b *testing.B) [][]byte {
	files := corpus.Files(b)
	var raws [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
	}
	return raws
}

// BenchmarkParseCorpus is parse + classify + extract over the whole corpus;
// compare with BenchmarkEnmimeCorpus (bench/run-parse prints the ratio).
func BenchmarkParseCorpus(b *testing.B) {
	raws := corpusMessages(b)
	b.ResetTimer()
	for b.Loop() {
		for _, raw := range raws {
			Parse(raw, Options{})
		}
	}
	b.ReportMetric(float64(len(raws)*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkEnmimeCorpus is bare enmime.ReadEnvelope on the same messages.
func BenchmarkEnmimeCorpus(b *testing.B) {
	raws := corpusMessages(b)
	b.ResetTimer()
	for b.Loop() {
		for _, raw := range raws {
			enmime.ReadEnvelope(bytes.NewReader(raw))
		}
	}
	b.ReportMetric(float64(len(raws)*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
