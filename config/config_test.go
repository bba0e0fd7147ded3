package config_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/coe-congress/alliancebot/config"
)

// setup writes files into a new temporary directory and returns the
// directory and a function that replaces "{dir}" in s with it.
func setup(t *testing.T, files map[string]string) (dir string, expand func(string) string) {
	t.Helper()
	dir = t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, func(s string) string { return strings.ReplaceAll(s, "{dir}", dir) }
}

// expandAll applies expand to every item of list.
func expandAll(list []string, expand func(string) string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = expand(s)
	}
	return out
}

func TestDefault(t *testing.T) {
	got, err := config.Load("", nil)
	if err != nil {
		t.Fatalf("Load(\"\", nil) error: %v", err)
	}
	if def := config.Default(); !reflect.DeepEqual(got, def) {
		t.Errorf("Load(\"\", nil) = %+v, want Default() = %+v", got, def)
	}
	if err := config.Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}

	tests := []struct {
		key  string
		got  any
		want any
	}{
		{"imap.addr", got.IMAP.Addr, ""},
		{"imap.tls", got.IMAP.TLS, "implicit"},
		{"imap.insecure", got.IMAP.Insecure, false},
		{"imap.mailbox", got.IMAP.Mailbox, "INBOX"},
		{"imap.processed", got.IMAP.Processed, "Processed"},
		{"imap.review", got.IMAP.Review, "Review"},
		{"imap.poll_interval", got.IMAP.PollInterval.Duration, time.Minute},
		{"imap.idle_recheck", got.IMAP.IdleRecheck.Duration, 5 * time.Minute},
		{"imap.max_attempts", got.IMAP.MaxAttempts, 3},
		{"imap.batch_size", got.IMAP.BatchSize, 200},
		{"store.path", got.Store.Path, "alliancebot.db"},
		{"log.level", got.Log.Level, "info"},
		{"log.format", got.Log.Format, "text"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("default %s = %v, want %v", tt.key, tt.got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // Written to {dir}; "alliance.toml" is the config file.
		env   []string          // "{dir}" is replaced.
		want  func(c *config.Config, dir string)
	}{
		{
			name: "file",
			files: map[string]string{"alliance.toml": `
[imap]
addr = "mail.example.org"
username = "bot@example.org"
password = "pw"
tls = "starttls"
insecure = true
mailbox = "Alliance"
processed = "Alliance/Done"
review = "Alliance/Review"
idle = false
poll_interval = "30s"
idle_recheck = "10m"
max_attempts = 5
batch_size = 50

[store]
path = "/var/lib/alliancebot/bot.db"

[log]
level = "debug"
format = "json"
`},
			want: func(c *config.Config, _ string) {
				c.IMAP = config.IMAP{
					Addr:         "mail.example.org",
					Username:     "bot@example.org",
					Password:     "pw",
					TLS:          "starttls",
					Insecure:     true,
					Mailbox:      "Alliance",
					Processed:    "Alliance/Done",
					Review:       "Alliance/Review",
					PollInterval: config.Duration{30 * time.Second},
					IdleRecheck:  config.Duration{10 * time.Minute},
					MaxAttempts:  5,
					BatchSize:    50,
				}
				c.Store.Path = "/var/lib/alliancebot/bot.db"
				c.Log = config.Log{Level: "debug", Format: "json"}
			},
		},
		{
			name:  "file with some keys keeps the other defaults",
			files: map[string]string{"alliance.toml": "[imap]\naddr = \"mail.example.org:1993\"\n"},
			want:  func(c *config.Config, _ string) { c.IMAP.Addr = "mail.example.org:1993" },
		},
		{
			name:  "dotted keys",
			files: map[string]string{"alliance.toml": "imap.addr = \"mail.example.org\"\nlog.level = \"warn\"\n"},
			want: func(c *config.Config, _ string) {
				c.IMAP.Addr = "mail.example.org"
				c.Log.Level = "warn"
			},
		},
		{
			name:  "empty file",
			files: map[string]string{"alliance.toml": ""},
			want:  func(*config.Config, string) {},
		},
		{
			name: "environment wins over the file",
			files: map[string]string{"alliance.toml": `
[imap]
addr = "file.example.org"
username = "file"
poll_interval = "30s"
max_attempts = 5
`},
			env: []string{
				"ALLIANCEBOT_IMAP_ADDR=env.example.org",
				"ALLIANCEBOT_IMAP_POLL_INTERVAL=2m",
				"ALLIANCEBOT_LOG_FORMAT=json",
			},
			want: func(c *config.Config, _ string) {
				c.IMAP.Addr = "env.example.org"
				c.IMAP.Username = "file"
				c.IMAP.PollInterval = config.Duration{2 * time.Minute}
				c.IMAP.MaxAttempts = 5
				c.Log.Format = "json"
			},
		},
		{
			name: "environment alone",
			env: []string{
				"PATH=/usr/bin",
				"ALLIANCEBOT_IMAP_ADDR=127.0.0.1:1143",
				"ALLIANCEBOT_IMAP_USERNAME=bot",
				"ALLIANCEBOT_IMAP_PASSWORD=pw",
				"ALLIANCEBOT_IMAP_TLS=none",
				"ALLIANCEBOT_IMAP_INSECURE=1",
				"ALLIANCEBOT_IMAP_IDLE_RECHECK=90s",
				"ALLIANCEBOT_IMAP_MAX_ATTEMPTS= 7 ",
				"ALLIANCEBOT_IMAP_BATCH_SIZE=10000",
				"ALLIANCEBOT_STORE_PATH=/tmp/a.db",
				"ALLIANCEBOT_LOG_LEVEL=error",
			},
			want: func(c *config.Config, _ string) {
				c.IMAP.Addr = "127.0.0.1:1143"
				c.IMAP.Username = "bot"
				c.IMAP.Password = "pw"
				c.IMAP.TLS = "none"
				c.IMAP.Insecure = true
				c.IMAP.IdleRecheck = config.Duration{90 * time.Second}
				c.IMAP.MaxAttempts = 7
				c.IMAP.BatchSize = 10000
				c.Store.Path = "/tmp/a.db"
				c.Log.Level = "error"
			},
		},
		{
			name: "later environment entry wins, other prefixes ignored",
			env: []string{
				"ALLIANCEBOT_LOG_LEVEL=warn",
				"ALLIANCEBOT_LOG_LEVEL=debug",
				"ALLIANCEBOTX=1",
				"alliancebot_log_level=nonsense",
				"NOEQUALSIGN",
			},
			want: func(c *config.Config, _ string) { c.Log.Level = "debug" },
		},
		{
			name:  "password_file read and trailing newline trimmed",
			files: map[string]string{"pw": " s3cret pass\n"},
			env:   []string{"ALLIANCEBOT_IMAP_PASSWORD_FILE={dir}/pw"},
			want: func(c *config.Config, dir string) {
				c.IMAP.PasswordFile = dir + "/pw"
				c.IMAP.Password = " s3cret pass"
			},
		},
		{
			name: "password_file from the file, CRLF trimmed",
			files: map[string]string{
				"pw":            "s3cret\r\n",
				"alliance.toml": "[imap]\npassword_file = \"{dir}/pw\"\n",
			},
			want: func(c *config.Config, dir string) {
				c.IMAP.PasswordFile = dir + "/pw"
				c.IMAP.Password = "s3cret"
			},
		},
		{
			name:  "empty variable clears the file's password_file",
			files: map[string]string{"alliance.toml": "[imap]\npassword_file = \"/nonexistent\"\n"},
			env:   []string{"ALLIANCEBOT_IMAP_PASSWORD_FILE=", "ALLIANCEBOT_IMAP_PASSWORD=pw"},
			want:  func(c *config.Config, _ string) { c.IMAP.Password = "pw" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, expand := setup(t, nil)
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(expand(content)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			path := ""
			if _, ok := tt.files["alliance.toml"]; ok {
				path = filepath.Join(dir, "alliance.toml")
			}
			got, err := config.Load(path, expandAll(tt.env, expand))
			if err != nil {
				t.Fatalf("Load error: %v", err)
			}
			want := config.Default()
			tt.want(&want, dir)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load = %#v,\nwant %#v", got, want)
			}
			if got.IMAP.Password != want.IMAP.Password {
				t.Errorf("Load password = %q, want %q", string(got.IMAP.Password), string(want.IMAP.Password))
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	const file = "{dir}/alliance.toml"
	tests := []struct {
		name  string
		toml  string // Written to {dir}/alliance.toml, the config file, unless "".
		path  string // Config file when toml is ""; "{dir}" is replaced.
		files map[string]string
		env   []string
		want  []string // Substrings of the error; "{dir}" is replaced.
	}{
		{
			name: "unknown file key",
			toml: "[imap]\nadress = \"x\"\nusename = \"bot\"\n",
			want: []string{
				`config: unknown key "imap.adress" in ` + file,
				`config: unknown key "imap.usename" in ` + file + ` (did you mean "imap.username"?)`,
			},
		},
		{
			name: "unknown section",
			toml: "[smtpx]\nhost = \"x\"\n",
			want: []string{`config: unknown key "smtpx" in ` + file},
		},
		{
			name: "keys are case-sensitive",
			toml: "[IMAP]\naddr = \"x\"\n",
			want: []string{`config: unknown key "IMAP" in ` + file},
		},
		{
			name: "top-level key",
			toml: "addr = \"x\"\n",
			want: []string{`config: unknown key "addr" in ` + file},
		},
		{
			name: "unknown environment variable",
			env:  []string{"ALLIANCEBOT_IMAP_ADRESS=x", "ALLIANCEBOT_IMAP_USERNAM=bot"},
			want: []string{
				"config: unknown environment variable ALLIANCEBOT_IMAP_ADRESS",
				"config: unknown environment variable ALLIANCEBOT_IMAP_USERNAM (did you mean ALLIANCEBOT_IMAP_USERNAME?)",
			},
		},
		{
			name: "bad integer in environment",
			env:  []string{"ALLIANCEBOT_IMAP_MAX_ATTEMPTS=x"},
			want: []string{`config: ALLIANCEBOT_IMAP_MAX_ATTEMPTS: invalid integer "x"`},
		},
		{
			name: "integer out of range in environment",
			env:  []string{"ALLIANCEBOT_IMAP_BATCH_SIZE=99999999999999999999"},
			want: []string{`config: ALLIANCEBOT_IMAP_BATCH_SIZE: integer "99999999999999999999" is out of range`},
		},
		{
			name: "bad boolean in environment",
			env:  []string{"ALLIANCEBOT_IMAP_INSECURE=yes"},
			want: []string{`config: ALLIANCEBOT_IMAP_INSECURE: invalid boolean "yes"`},
		},
		{
			name: "bad duration in environment",
			env:  []string{"ALLIANCEBOT_IMAP_POLL_INTERVAL=5"},
			want: []string{`config: ALLIANCEBOT_IMAP_POLL_INTERVAL: invalid duration "5"`},
		},
		{
			name: "bad duration in file",
			toml: "[imap]\npoll_interval = \"soon\"\n",
			want: []string{`config: imap.poll_interval in ` + file + `: invalid duration "soon"`},
		},
		{
			name: "duration as integer in file",
			toml: "[imap]\nidle_recheck = 300\n",
			want: []string{`config: imap.idle_recheck in ` + file + `: want a duration string such as "5m", got an integer`},
		},
		{
			name: "string for integer in file",
			toml: "[imap]\nmax_attempts = \"3\"\n",
			want: []string{`config: imap.max_attempts in ` + file + `: want an integer, got a string`},
		},
		{
			name: "string for boolean in file",
			toml: "[imap]\ninsecure = \"true\"\n",
			want: []string{`config: imap.insecure in ` + file + `: want true or false, got a string`},
		},
		{
			name: "every bad value is named",
			toml: "[imap]\nmax_attempts = 1.5\nbatch_size = []\n[log]\nlevel = 1\n",
			want: []string{
				`config: imap.batch_size in ` + file + `: want an integer, got an array`,
				`config: imap.max_attempts in ` + file + `: want an integer, got a float`,
				`config: log.level in ` + file + `: want a string, got an integer`,
			},
		},
		{
			name: "section is not a table",
			toml: "imap = 3\n",
			want: []string{`config: imap in ` + file + `: want a table, got an integer`},
		},
		{
			name: "section is an array of tables",
			toml: "[[imap]]\naddr = \"x\"\n",
			want: []string{`config: imap in ` + file + `: want a table, got an array of tables`},
		},
		{
			name: "key is a table",
			toml: "[imap.addr]\nhost = \"x\"\n",
			want: []string{`config: imap.addr in ` + file + `: want a string, got a table`},
		},
		{
			name: "TOML syntax",
			toml: "[imap\naddr = \"x\"\n",
			want: []string{`config: parse ` + file + `: toml: line 2: expected`},
		},
		{
			name: "file missing",
			path: "{dir}/missing.toml",
			want: []string{"config: open {dir}/missing.toml: "},
		},
		{
			name: "password and password_file in file",
			toml: "[imap]\npassword = \"pw\"\npassword_file = \"{dir}/pw\"\n",
			want: []string{"config: imap.password and imap.password_file are both set; set only one"},
		},
		{
			name:  "password in environment and password_file in file",
			toml:  "[imap]\npassword_file = \"{dir}/pw\"\n",
			files: map[string]string{"pw": "s3cret\n"},
			env:   []string{"ALLIANCEBOT_IMAP_PASSWORD=pw"},
			want:  []string{"config: imap.password and imap.password_file are both set"},
		},
		{
			name: "password_file missing",
			env:  []string{"ALLIANCEBOT_IMAP_PASSWORD_FILE={dir}/nope"},
			want: []string{"config: imap.password_file: open {dir}/nope: "},
		},
		{
			name:  "password_file empty",
			files: map[string]string{"pw": "\n"},
			env:   []string{"ALLIANCEBOT_IMAP_PASSWORD_FILE={dir}/pw"},
			want:  []string{"config: imap.password_file: {dir}/pw is empty"},
		},
		{
			name: "tls none to a remote host",
			env:  []string{"ALLIANCEBOT_IMAP_ADDR=mail.example.org", "ALLIANCEBOT_IMAP_TLS=none"},
			want: []string{`config: imap.tls = "none" would send the password in clear to mail.example.org; use implicit or starttls, or set imap.insecure = true`},
		},
		{
			name:  "smtp password and password_file",
			files: map[string]string{"pw": "s3cret\n"},
			env:   []string{"ALLIANCEBOT_SMTP_PASSWORD=pw", "ALLIANCEBOT_SMTP_PASSWORD_FILE={dir}/pw"},
			want:  []string{"config: smtp.password and smtp.password_file are both set"},
		},
		{
			name: "smtp tls none to a remote host",
			env:  []string{"ALLIANCEBOT_SMTP_ADDR=smtp.example.org", "ALLIANCEBOT_SMTP_TLS=none", "ALLIANCEBOT_SMTP_FROM=bot@example.org"},
			want: []string{`config: smtp.tls = "none" would send the password in clear to smtp.example.org`},
		},
		{
			name: "smtp invalid tls",
			toml: "[smtp]\ntls = \"ssl\"\n",
			want: []string{`config: smtp.tls = "ssl" is not valid; use implicit, starttls or none`},
		},
		{
			name: "smtp without a from address",
			env:  []string{"ALLIANCEBOT_SMTP_ADDR=smtp.example.org", "ALLIANCEBOT_IMAP_USERNAME=bot"},
			want: []string{"config: smtp.from is not set (ALLIANCEBOT_SMTP_FROM)"},
		},
		{
			name: "bad addresses",
			env: []string{"ALLIANCEBOT_SMTP_FROM=Bot <bot@example.org>", "ALLIANCEBOT_STAFF_ADDRESSES=ana@coe.int,not an address",
				"ALLIANCEBOT_REPLY_OWN_ADDRESSES=x"},
			want: []string{`config: smtp.from = "Bot <bot@example.org>" is not an e-mail address`,
				`config: staff.addresses: "not an address" is not an e-mail address`,
				`config: reply.own_addresses: "x" is not an e-mail address`},
		},
		{
			name: "bad languages and summary time",
			toml: "[reply]\nlanguage = \"de\"\n[staff]\nlanguage = \"EN\"\nsummary_time = \"8am\"\n",
			want: []string{`config: reply.language = "de" is not valid; use en or fr`, `config: staff.language = "EN" is not valid`,
				`config: staff.summary_time = "8am" is not a time of day such as 08:00`},
		},
		{
			name: "dkim key without selector",
			env:  []string{"ALLIANCEBOT_DKIM_KEY_FILE=/etc/dkim.pem"},
			want: []string{"config: dkim.selector is not set", "config: dkim.domain is not set, and there is no smtp.from"},
		},
		{
			name: "digest settings",
			env: []string{"ALLIANCEBOT_SMTP_CONNECTIONS=0", "ALLIANCEBOT_SMTP_RATE=-1", "ALLIANCEBOT_HTTP_ADDR=8080",
				"ALLIANCEBOT_HTTP_PUBLIC_URL=alliance.example.org", "ALLIANCEBOT_DIGEST_SCHEDULE=someday 9", "ALLIANCEBOT_DIGEST_FEEDS=ftp://x"},
			want: []string{"config: smtp.connections = 0 must be from 1 to 100", "config: smtp.rate = -1 must not be negative",
				`config: http.addr = "8080" is not host:port`, `config: http.public_url = "alliance.example.org" is not an http(s) URL`,
				`config: digest.schedule = "someday 9": "someday" is not a weekday`, `config: digest.feeds: "ftp://x" is not an http(s) URL`},
		},
		{
			name: "smtp timeouts",
			toml: "[smtp]\ntimeout = \"0s\"\ngive_up_after = \"-1h\"\n",
			want: []string{"config: smtp.timeout = 0s must be greater than zero", "config: smtp.give_up_after = -1h must be greater than zero"},
		},
		{
			name: "invalid tls",
			toml: "[imap]\ntls = \"ssl\"\n",
			want: []string{`config: imap.tls = "ssl" is not valid; use implicit, starttls or none`},
		},
		{
			name: "address with a scheme",
			env:  []string{"ALLIANCEBOT_IMAP_ADDR=imaps://mail.example.org"},
			want: []string{`config: imap.addr = "imaps://mail.example.org" must be host or host:port, not a URL`},
		},
		{
			name: "address with port 0",
			env:  []string{"ALLIANCEBOT_IMAP_ADDR=mail.example.org:0"},
			want: []string{`config: imap.addr = "mail.example.org:0" has an invalid port`},
		},
		{
			name: "address without host",
			env:  []string{"ALLIANCEBOT_IMAP_ADDR=:993"},
			want: []string{`config: imap.addr = ":993" has no host`},
		},
		{
			name: "ranges",
			toml: "[imap]\npoll_interval = \"0s\"\nidle_recheck = \"-1m\"\nmax_attempts = 0\nbatch_size = 10001\n",
			want: []string{
				"config: imap.poll_interval = 0s must be greater than zero",
				"config: imap.idle_recheck = -1m must be greater than zero",
				"config: imap.max_attempts = 0 must be at least 1",
				"config: imap.batch_size = 10001 must be from 1 to 10000",
			},
		},
		{
			name: "batch_size 0",
			env:  []string{"ALLIANCEBOT_IMAP_BATCH_SIZE=0"},
			want: []string{"config: imap.batch_size = 0 must be from 1 to 10000"},
		},
		{
			name: "mailboxes empty or the same",
			toml: "[imap]\nmailbox = \"\"\nprocessed = \"Done\"\nreview = \"Done\"\n",
			want: []string{
				"config: imap.mailbox must not be empty",
				`config: imap.processed and imap.review must be different mailboxes (both "Done")`,
			},
		},
		{
			name: "INBOX is case-insensitive",
			env:  []string{"ALLIANCEBOT_IMAP_REVIEW=inbox"},
			want: []string{`config: imap.mailbox and imap.review must be different mailboxes (both "inbox")`},
		},
		{
			name: "store and log",
			env:  []string{"ALLIANCEBOT_STORE_PATH=", "ALLIANCEBOT_LOG_LEVEL=DEBUG", "ALLIANCEBOT_LOG_FORMAT=logfmt"},
			want: []string{
				"config: store.path must not be empty",
				`config: log.level = "DEBUG" is not valid; use debug, info, warn or error`,
				`config: log.format = "logfmt" is not valid; use text or json`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, expand := setup(t, tt.files)
			path := expand(tt.path)
			if tt.toml != "" {
				path = filepath.Join(dir, "alliance.toml")
				if err := os.WriteFile(path, []byte(expand(tt.toml)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := config.Load(path, expandAll(tt.env, expand))
			if err == nil {
				t.Fatalf("Load = %+v, want error", got)
			}
			if !reflect.DeepEqual(got, config.Config{}) {
				t.Errorf("Load = %+v with error, want zero Config", got)
			}
			for _, want := range tt.want {
				if want = expand(want); !strings.Contains(err.Error(), want) {
					t.Errorf("Load error = %q, want it to contain %q", err, want)
				}
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != len(tt.want) {
				t.Errorf("Load error has %d lines, want %d: %q", n, len(tt.want), err)
			}
		})
	}
}

func TestValidateTLSNone(t *testing.T) {
	tests := []struct {
		addr     string
		insecure bool
		wantErr  bool
	}{
		{"localhost", false, false},
		{"LOCALHOST:143", false, false},
		{"localhost.:1143", false, false},
		{"127.0.0.1", false, false},
		{"127.1.2.3:143", false, false},
		{"[::1]:143", false, false},
		{"::1", false, false},
		{"[::ffff:127.0.0.1]:143", false, false},
		{"", false, false},
		{"mail.example.org", false, true},
		{"mail.example.org:143", false, true},
		{"192.0.2.1:143", false, true},
		{"[2001:db8::1]:143", false, true},
		{"localhost.example.org", false, true},
		{"mail.example.org", true, false},
		{"192.0.2.1:143", true, false},
	}
	for _, tt := range tests {
		c := config.Default()
		c.IMAP.Addr = tt.addr
		c.IMAP.TLS = config.TLSNone
		c.IMAP.Insecure = tt.insecure
		err := c.Validate()
		if (err != nil) != tt.wantErr {
			t.Errorf("Validate() with tls none, addr %q, insecure %v = %v, want error %v", tt.addr, tt.insecure, err, tt.wantErr)
		}
	}
}

func TestSending(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "smtp-pw")
	if err := os.WriteFile(pw, []byte("relay-secret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("", []string{
		"ALLIANCEBOT_IMAP_USERNAME=roma.summit@coe.int",
		"ALLIANCEBOT_SMTP_ADDR=smtp.coe.int",
		"ALLIANCEBOT_SMTP_PASSWORD_FILE=" + pw,
		"ALLIANCEBOT_STAFF_ADDRESSES=ana@coe.int, bo@coe.int",
		"ALLIANCEBOT_DKIM_KEY_FILE=/etc/alliancebot/dkim.pem",
		"ALLIANCEBOT_DKIM_SELECTOR=2026",
	})
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if got := string(cfg.SMTP.Password); got != "relay-secret" {
		t.Errorf("smtp password from file = %q, want relay-secret", got)
	}
	if got := cfg.FromAddress(); got != "roma.summit@coe.int" {
		t.Errorf("FromAddress() = %q, want imap.username", got)
	}
	if got := cfg.SigningDomain(); got != "coe.int" {
		t.Errorf("SigningDomain() = %q, want coe.int", got)
	}
	if got := cfg.SMTP.HostPort(); got != "smtp.coe.int:587" {
		t.Errorf("SMTP.HostPort() = %q, want port 587 for starttls", got)
	}
	if want := []string{"ana@coe.int", "bo@coe.int"}; !slices.Equal(cfg.Staff.Addresses, want) {
		t.Errorf("staff.addresses = %q, want %q", cfg.Staff.Addresses, want)
	}
	cfg.SMTP.TLS = config.TLSImplicit
	if got := cfg.SMTP.HostPort(); got != "smtp.coe.int:465" {
		t.Errorf("SMTP.HostPort() = %q, want port 465 for implicit TLS", got)
	}
}

func TestParseSchedule(t *testing.T) {
	for in, want := range map[string]string{"mon 09:00": "Monday 9h0m0s", "Vendredi 17:30": "Friday 17h30m0s", "sun 00:00": "Sunday 0s"} {
		day, at, err := config.ParseSchedule(in)
		if got := fmt.Sprintf("%s %s", day, at); err != nil || got != want {
			t.Errorf("ParseSchedule(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, at, err := config.ParseSchedule(""); err != nil || at != -1 {
		t.Errorf("ParseSchedule(\"\") = %v, %v; want no schedule", at, err)
	}
	for _, bad := range []string{"mon", "mon 25:00", "noday 09:00"} {
		if _, _, err := config.ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) = nil error", bad)
		}
	}
}

func TestHostPort(t *testing.T) {
	tests := []struct {
		addr, tls, want string
	}{
		{"", "implicit", ""},
		{"mail.example.org", "implicit", "mail.example.org:993"},
		{"mail.example.org", "", "mail.example.org:993"},
		{"mail.example.org", "starttls", "mail.example.org:143"},
		{"mail.example.org", "none", "mail.example.org:143"},
		{"mail.example.org:1993", "implicit", "mail.example.org:1993"},
		{"192.0.2.1", "implicit", "192.0.2.1:993"},
		{"::1", "starttls", "[::1]:143"},
		{"[2001:db8::1]", "implicit", "[2001:db8::1]:993"},
		{"[2001:db8::1]:1143", "none", "[2001:db8::1]:1143"},
	}
	for _, tt := range tests {
		i := config.IMAP{Addr: tt.addr, TLS: tt.tls}
		if got := i.HostPort(); got != tt.want {
			t.Errorf("IMAP{Addr: %q, TLS: %q}.HostPort() = %q, want %q", tt.addr, tt.tls, got, tt.want)
		}
	}
}

func TestRequireIMAP(t *testing.T) {
	tests := []struct {
		name     string
		addr     string
		username string
		password config.Secret
		want     []string
	}{
		{"complete", "mail.example.org", "bot", "pw", nil},
		{"no addr", "", "bot", "pw", []string{"config: imap.addr is not set (ALLIANCEBOT_IMAP_ADDR)"}},
		{"nothing", "", "", "", []string{
			"config: imap.addr is not set (ALLIANCEBOT_IMAP_ADDR)",
			"config: imap.username is not set (ALLIANCEBOT_IMAP_USERNAME)",
			"config: imap.password is not set (ALLIANCEBOT_IMAP_PASSWORD, or imap.password_file, ALLIANCEBOT_IMAP_PASSWORD_FILE)",
		}},
	}
	for _, tt := range tests {
		c := config.Default()
		c.IMAP.Addr, c.IMAP.Username, c.IMAP.Password = tt.addr, tt.username, tt.password
		err := c.RequireIMAP()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if want := strings.Join(tt.want, "\n"); got != want {
			t.Errorf("%s: RequireIMAP() = %q, want %q", tt.name, got, want)
		}
	}
}

func TestSecretRedacted(t *testing.T) {
	const secret = "hunter2-Xq9"
	cfg := config.Default()
	cfg.IMAP.Addr = "mail.example.org"
	cfg.IMAP.Password = secret

	logged := func(h func(*bytes.Buffer) slog.Handler) string {
		var buf bytes.Buffer
		log := slog.New(h(&buf))
		log.Info("loaded", "config", cfg, "imap", cfg.IMAP, "password", cfg.IMAP.Password, slog.Any("ptr", &cfg))
		return buf.String()
	}
	marshal := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		return string(b)
	}
	var tomlBuf bytes.Buffer
	if err := toml.NewEncoder(&tomlBuf).Encode(cfg); err != nil {
		t.Fatalf("toml Encode: %v", err)
	}
	pw := cfg.IMAP.Password
	tests := []struct {
		name string
		got  string
	}{
		{"Sprint", fmt.Sprint(cfg)},
		{"Sprint pointer", fmt.Sprint(&cfg)},
		{"%v", fmt.Sprintf("%v", cfg)},
		{"%+v", fmt.Sprintf("%+v", cfg)},
		{"%#v", fmt.Sprintf("%#v", cfg)},
		{"%+v IMAP", fmt.Sprintf("%+v", cfg.IMAP)},
		{"%v secret", fmt.Sprintf("%v", pw)},
		{"%s secret", fmt.Sprintf("%s", pw)},
		{"%q secret", fmt.Sprintf("%q", pw)},
		{"%x secret", fmt.Sprintf("%x", pw)},
		{"%X secret", fmt.Sprintf("%X", pw)},
		{"%d secret", fmt.Sprintf("%d", pw)},
		{"%20s secret", fmt.Sprintf("%20s", pw)},
		{"%#v secret", fmt.Sprintf("%#v", pw)},
		{"Sprint slice", fmt.Sprint([]config.Secret{pw})},
		{"Sprint map", fmt.Sprint(map[string]config.Secret{"pw": pw})},
		{"json", marshal(cfg)},
		{"json pointer", marshal(&cfg)},
		{"toml", tomlBuf.String()},
		{"slog text", logged(func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) })},
		{"slog json", logged(func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) })},
	}
	leaks := []string{secret, hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret)))}
	for _, tt := range tests {
		for _, leak := range leaks {
			if strings.Contains(tt.got, leak) {
				t.Errorf("%s = %q, leaks the password", tt.name, tt.got)
			}
		}
		if tt.name != "%x secret" && tt.name != "%X secret" && !strings.Contains(tt.got, "[redacted]") {
			t.Errorf("%s = %q, want it to contain [redacted]", tt.name, tt.got)
		}
	}

	if string(pw) != secret {
		t.Errorf("string(Secret) = %q, want %q", string(pw), secret)
	}
	var empty config.Secret
	for name, got := range map[string]string{
		"String":   empty.String(),
		"GoString": empty.GoString(),
		"Sprint":   fmt.Sprint(empty),
		"LogValue": empty.LogValue().String(),
	} {
		if got != "" {
			t.Errorf("empty Secret %s = %q, want \"\"", name, got)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		text    string
		want    time.Duration
		str     string
		wantErr bool
	}{
		{"30s", 30 * time.Second, "30s", false},
		{"1m", time.Minute, "1m", false},
		{"1m0s", time.Minute, "1m", false},
		{"90m", 90 * time.Minute, "1h30m", false},
		{"2h", 2 * time.Hour, "2h", false},
		{"1h0m1s", time.Hour + time.Second, "1h0m1s", false},
		{"1.5s", 1500 * time.Millisecond, "1.5s", false},
		{"250ms", 250 * time.Millisecond, "250ms", false},
		{"0", 0, "0s", false},
		{"-5m", -5 * time.Minute, "-5m", false},
		{"5", 0, "", true},
		{"", 0, "", true},
		{"soon", 0, "", true},
	}
	for _, tt := range tests {
		var d config.Duration
		err := d.UnmarshalText([]byte(tt.text))
		if (err != nil) != tt.wantErr {
			t.Errorf("UnmarshalText(%q) error = %v, want error %v", tt.text, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if d.Duration != tt.want || d.String() != tt.str {
			t.Errorf("UnmarshalText(%q) = %v (%q), want %v (%q)", tt.text, d.Duration, d.String(), tt.want, tt.str)
		}
		text, _ := d.MarshalText()
		var back config.Duration
		if err := back.UnmarshalText(text); err != nil || back != d {
			t.Errorf("UnmarshalText(MarshalText(%v)) = %v, %v, want %v", d, back, err, d)
		}
	}
}

func TestKeys(t *testing.T) {
	keys := config.Keys()

	leaves := 0
	ct := reflect.TypeFor[config.Config]()
	for i := range ct.NumField() {
		leaves += ct.Field(i).Type.NumField()
	}
	if len(keys) != leaves {
		t.Errorf("len(Keys()) = %d, want %d, the number of fields of the section structs (each needs a toml tag)", len(keys), leaves)
	}

	keyRE := regexp.MustCompile(`^[a-z]+\.[a-z_]+$`)
	seenKey := make(map[string]bool)
	seenEnv := make(map[string]bool)
	var env []string
	for _, k := range keys {
		if !keyRE.MatchString(k.Key) {
			t.Errorf("key %q does not look like section.key", k.Key)
		}
		if want := "ALLIANCEBOT_" + strings.ToUpper(strings.ReplaceAll(k.Key, ".", "_")); k.Env != want {
			t.Errorf("key %s: Env = %q, want %q", k.Key, k.Env, want)
		}
		if seenKey[k.Key] {
			t.Errorf("key %s listed twice", k.Key)
		}
		if seenEnv[k.Env] {
			t.Errorf("environment variable %s used by two keys", k.Env)
		}
		seenKey[k.Key], seenEnv[k.Env] = true, true
		if k.Doc == "" || !strings.HasSuffix(k.Doc, ".") || strings.ToUpper(k.Doc[:1]) != k.Doc[:1] {
			t.Errorf("key %s: Doc = %q, want one sentence (doc struct tag)", k.Key, k.Doc)
		}
		env = append(env, k.Env+"="+k.Default)
	}

	// Setting every variable to its documented default gives Default.
	got, err := config.Load("", env)
	if err != nil {
		t.Fatalf("Load(every key at its default) error: %v", err)
	}
	if want := config.Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Load(every key at its default) = %+v, want %+v", got, want)
	}

	wantDefaults := map[string]string{
		"imap.password":      "",
		"imap.poll_interval": "1m",
		"imap.idle_recheck":  "5m",
		"imap.max_attempts":  "3",
		"imap.insecure":      "false",
		"store.path":         "alliancebot.db",
	}
	for _, k := range keys {
		if want, ok := wantDefaults[k.Key]; ok && k.Default != want {
			t.Errorf("key %s: Default = %q, want %q", k.Key, k.Default, want)
		}
	}
}
