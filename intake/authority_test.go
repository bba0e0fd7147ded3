package intake

import (
	"strings"
	"testing"
)

func TestAuthorityKey(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name, country, from string
		want                string
	}{
		{"Ville de Montreuil", "FR", "", "fr:montreuil"},
		{"Montreuil", "FR", "", "fr:montreuil"},
		{"  MAIRIE DE MONTREUIL ", "FR", "", "fr:montreuil"},
		{"Statutární město Brno", "CZ", "", "cz:statutarni brno"},
		{"City of Brno", "CZ", "", "cz:brno"},
		{"Stadt Graz", "AT", "", "at:graz"},
		{"Primăria Municipiului Turda", "RO", "", "ro:municipiului turda"},
		{"", "RO", "Primaria@Turda.example.ro", "sender:primaria@turda.example.ro"},
	}
	for _, tt := range tests {
		q := &Questionnaire{Country: str(tt.country)}
		if tt.name != "" {
			q.AuthorityName = str(tt.name)
		}
		if got := AuthorityKey(q, tt.from); got != tt.want {
			t.Errorf("AuthorityKey(%q, %q) = %q, want %q", tt.name, tt.country, got, tt.want)
		}
	}
}

func TestMerge(t *testing.T) {
	str := func(s string) *string { return &s }
	n := int64(380000)
	first := &Questionnaire{AuthorityName: str("Brno"), Country: str("CZ"), Population: &n, Interested: str("undecided"),
		ThematicPriorities: []string{"education"}, CrosscuttingIssues: []string{}, Activities: []string{},
		Source: "body", Missing: []string{"roma_estimate", "needs"}}
	correction := &Questionnaire{Interested: str("yes"), ThematicPriorities: []string{"education", "housing"},
		CrosscuttingIssues: []string{}, Activities: []string{}, Source: "docx",
		Missing: []string{"authority_name", "country", "authority_type", "population", "roma_estimate", "contact_name",
			"contact_function", "contact_email", "contact_phone", "crosscutting_issues", "activities", "needs", "projects", "newsletter"}}
	got := Merge(first, correction)
	if *got.AuthorityName != "Brno" || *got.Population != 380000 || *got.Interested != "yes" ||
		strings.Join(got.ThematicPriorities, ",") != "education,housing" || got.Source != "docx" {
		t.Errorf("Merge = %+v", got)
	}
	if want := "roma_estimate,needs"; strings.Join(got.Missing, ",") != want {
		t.Errorf("Merge missing = %v, want %s", got.Missing, want)
	}
	if *first.Interested != "undecided" {
		t.Errorf("Merge changed its input")
	}
}
