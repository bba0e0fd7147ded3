package intake

import "testing"

func FuzzTmpSmall(f *testing.F) {
	f.Add("1. Brno\n2. Czech Republic\n3. [X] Municipality")
	f.Fuzz(func(t *testing.T, s string) {
		extractText(s)
	})
}
