package intake

import (
	"strings"
	"testing"
)

func checkMayCloseOrDisclaim(t *testing.T, s string) {
	t.Helper()
	f := foldText(s)
	if mayCloseOrDisclaim(f) {
		return
	}
	if k := simplifyFolded(f); isClosing(k) || isDisclaimer(k) {
		t.Fatalf("mayCloseOrDisclaim(%q) is false, but %q closes (%v) or disclaims (%v)", f, k, isClosing(k), isDisclaimer(k))
	}
}

// TestMayCloseOrDisclaim holds mayCloseOrDisclaim to isClosing and
// isDisclaimer: it may only rule out lines that are neither.
func TestMayCloseOrDisclaim(t *testing.T) {
	// Its reasoning needs the ASCII phrases to be simplified words.
	for _, list := range [][]string{closingPhrases, disclaimerStarts, disclaimerA} {
		for _, p := range list {
			if isASCII(p) && simplify(p) != p {
				t.Errorf("phrase %q is not simplified", p)
			}
		}
	}
	inputs := []string{"Best regards,", "-- Many thanks in advance and best regards!", "Thanks", "*Cordialement*",
		"This e-mail and any attachments are confidential.", "CONFIDENTIALITY NOTICE: x", "Disclaimers: none",
		"The information is intended solely for the addressee.", "GDPR: the recipient must delete it", "(Mit freundlichen Grüßen)"}
	for _, p := range append(append(append([]string{}, closingPhrases...), disclaimerStarts...), disclaimerA...) {
		inputs = append(inputs, p, strings.ToUpper(p)+".", "x "+p, "Many thanks, "+p+"!", p+" message")
	}
	for _, text := range lineTexts(t) {
		for _, l := range strings.Split(text, "\n") {
			inputs = append(inputs, strings.TrimSpace(l))
		}
	}
	for _, s := range inputs {
		checkMayCloseOrDisclaim(t, s)
	}
}

func FuzzMayCloseOrDisclaim(f *testing.F) {
	f.Add("Many thanks in advance and best regards")
	f.Add("this message is confidential, if you are not the intended recipient")
	f.Fuzz(checkMayCloseOrDisclaim)
}
