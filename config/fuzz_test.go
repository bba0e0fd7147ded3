package config

import "testing"

// FuzzLoad feeds arbitrary text to Load as the TOML file. The text is handed
// over in memory (the file read is the only step skipped) so that the fuzzer
// runs fast enough to minimise what it finds.
func FuzzLoad(f *testing.F) {
	seeds := []string{
		"",
		"[imap]\naddr = \"mail.example.org\"\npoll_interval = \"30s\"\nmax_attempts = 5\n[log]\nlevel = \"debug\"\n",
		"[imap]\ntls = \"none\"\naddr = \"127.0.0.1:143\"\n",
		"[imap]\nadress = 1\n[smtp]\nx = [1, \"a\", {y = 2}]\n",
		"imap = 3\n",
		"[[imap]]\naddr = \"x\"\n",
		"[imap.addr]\nhost = \"x\"\n",
		"imap.batch_size = 9223372036854775807\nimap.poll_interval = 1979-05-27T07:32:00Z\n",
		"[log]\nlevel = nan\nformat = inf\n",
		"[store]\npath = \"\"\"\nmulti\nline\"\"\"\n",
		"[imap\n",
		"\"imap\".\"\" = 1\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := load("fuzz.toml", text, nil)
		if err != nil {
			if err.Error() == "" {
				t.Errorf("Load(%q) error has no text", text)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("Load(%q) = %+v, which fails Validate: %v", text, cfg, err)
		}
	})
}
