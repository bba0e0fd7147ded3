package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// later is a configuration with sections of the kind that will be added to
// Config, to check that Load's machinery handles them by their fields alone.
type later struct {
	Staff struct {
		Addresses []string `toml:"addresses" doc:"Staff addresses."`
	} `toml:"staff"`
	SMTP struct {
		Rate  float64 `toml:"rate" doc:"Messages a second."`
		Port  int16   `toml:"port" doc:"Port."`
		Token Secret  `toml:"token" doc:"Token."`
		Skip  string  `toml:"-"`
	} `toml:"smtp"`
	HTTP struct {
		PublicURL string         `toml:"public_url" doc:"Public URL."`
		Listen    netip.AddrPort `toml:"listen" doc:"Listen address."`
		Timeout   Duration       `toml:"timeout,omitempty" doc:"Timeout."`
		TLS       bool           `toml:"tls" doc:"Serve TLS."`
	} `toml:"http"`
	Ignored string
}

func TestFieldsOf(t *testing.T) {
	var got []string
	for _, f := range fieldsOf(reflect.TypeFor[later]()) {
		got = append(got, f.key+" "+f.env)
	}
	want := []string{
		"staff.addresses ALLIANCEBOT_STAFF_ADDRESSES",
		"smtp.rate ALLIANCEBOT_SMTP_RATE",
		"smtp.port ALLIANCEBOT_SMTP_PORT",
		"smtp.token ALLIANCEBOT_SMTP_TOKEN",
		"http.public_url ALLIANCEBOT_HTTP_PUBLIC_URL",
		"http.listen ALLIANCEBOT_HTTP_LISTEN",
		"http.timeout ALLIANCEBOT_HTTP_TIMEOUT",
		"http.tls ALLIANCEBOT_HTTP_TLS",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fieldsOf(later) = %q, want %q", got, want)
	}
}

func TestConfigFieldsSupported(t *testing.T) {
	for _, f := range fieldsOf(reflect.TypeFor[Config]()) {
		typ := reflect.TypeFor[Config]().FieldByIndex(f.index).Type
		if !supported(typ) {
			t.Errorf("%s has type %s, which Load cannot set", f.key, typ)
		}
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[[]int](), reflect.TypeFor[map[string]string](), reflect.TypeFor[uint](), reflect.TypeFor[struct{ A int }]()} {
		if supported(typ) {
			t.Errorf("supported(%s) = true, want false", typ)
		}
	}
}

func TestLaterSections(t *testing.T) {
	tests := []struct {
		name    string
		toml    string
		env     []string
		want    func(*later)
		wantErr string
	}{
		{
			name: "environment",
			env: []string{
				"ALLIANCEBOT_STAFF_ADDRESSES= a@example.org , b@example.org,,",
				"ALLIANCEBOT_SMTP_RATE=2.5",
				"ALLIANCEBOT_SMTP_PORT=587",
				"ALLIANCEBOT_SMTP_TOKEN=tok",
				"ALLIANCEBOT_HTTP_PUBLIC_URL=https://bot.example.org/",
				"ALLIANCEBOT_HTTP_LISTEN=127.0.0.1:8080",
				"ALLIANCEBOT_HTTP_TIMEOUT=10s",
				"ALLIANCEBOT_HTTP_TLS=true",
			},
			want: func(l *later) {
				l.Staff.Addresses = []string{"a@example.org", "b@example.org"}
				l.SMTP.Rate = 2.5
				l.SMTP.Port = 587
				l.SMTP.Token = "tok"
				l.HTTP.PublicURL = "https://bot.example.org/"
				l.HTTP.Listen = netip.MustParseAddrPort("127.0.0.1:8080")
				l.HTTP.Timeout = Duration{10 * time.Second}
				l.HTTP.TLS = true
			},
		},
		{
			name: "file",
			toml: `
[staff]
addresses = ["a@example.org", "b@example.org"]
[smtp]
rate = 3
port = 25
token = "tok"
[http]
public_url = "https://bot.example.org/"
listen = "[::1]:8080"
timeout = "1m"
`,
			want: func(l *later) {
				l.Staff.Addresses = []string{"a@example.org", "b@example.org"}
				l.SMTP.Rate = 3
				l.SMTP.Port = 25
				l.SMTP.Token = "tok"
				l.HTTP.PublicURL = "https://bot.example.org/"
				l.HTTP.Listen = netip.MustParseAddrPort("[::1]:8080")
				l.HTTP.Timeout = Duration{time.Minute}
			},
		},
		{
			name: "empty list in environment clears the file's",
			toml: "[staff]\naddresses = [\"a@example.org\"]\n",
			env:  []string{"ALLIANCEBOT_STAFF_ADDRESSES="},
			want: func(l *later) { l.Staff.Addresses = []string{} },
		},
		{
			name:    "bad float in environment",
			env:     []string{"ALLIANCEBOT_SMTP_RATE=fast"},
			wantErr: `config: ALLIANCEBOT_SMTP_RATE: invalid number "fast"`,
		},
		{
			name:    "NaN in environment",
			env:     []string{"ALLIANCEBOT_SMTP_RATE=NaN"},
			wantErr: `config: ALLIANCEBOT_SMTP_RATE: invalid number "NaN"`,
		},
		{
			name:    "NaN in file",
			toml:    "[smtp]\nrate = nan\n",
			wantErr: `config: smtp.rate in f.toml: number NaN is out of range`,
		},
		{
			name:    "int16 overflow in file",
			toml:    "[smtp]\nport = 70000\n",
			wantErr: `config: smtp.port in f.toml: integer 70000 is out of range`,
		},
		{
			name:    "int16 overflow in environment",
			env:     []string{"ALLIANCEBOT_SMTP_PORT=70000"},
			wantErr: `config: ALLIANCEBOT_SMTP_PORT: integer "70000" is out of range`,
		},
		{
			name:    "list of non-strings in file",
			toml:    "[staff]\naddresses = [\"a@example.org\", 1]\n",
			wantErr: `config: staff.addresses in f.toml: want an array of strings, got an integer at index 1`,
		},
		{
			name:    "string for list in file",
			toml:    "[staff]\naddresses = \"a@example.org\"\n",
			wantErr: `config: staff.addresses in f.toml: want an array of strings, got a string`,
		},
		{
			name:    "bad text value in environment",
			env:     []string{"ALLIANCEBOT_HTTP_LISTEN=nowhere"},
			wantErr: `config: ALLIANCEBOT_HTTP_LISTEN: `,
		},
		{
			name:    "skipped field is not a key",
			toml:    "[smtp]\nSkip = \"x\"\n",
			wantErr: `config: unknown key "smtp.Skip" in f.toml`,
		},
		{
			name:    "skipped field has no variable",
			env:     []string{"ALLIANCEBOT_SMTP_SKIP=x"},
			wantErr: `config: unknown environment variable ALLIANCEBOT_SMTP_SKIP`,
		},
		{
			name:    "untagged section has no variable",
			env:     []string{"ALLIANCEBOT_IGNORED=x"},
			wantErr: `config: unknown environment variable ALLIANCEBOT_IGNORED`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got later
			root := reflect.ValueOf(&got).Elem()
			err := decodeTOML(root, "f.toml", tt.toml)
			if err == nil {
				err = decodeEnv(root, tt.env)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("decode error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode error: %v", err)
			}
			var want later
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decode = %+v, want %+v", got, want)
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	var l later
	l.Staff.Addresses = []string{"a@example.org", "b@example.org"}
	l.SMTP.Rate = 0.5
	l.SMTP.Port = 25
	l.SMTP.Token = "tok"
	l.HTTP.Listen = netip.MustParseAddrPort("127.0.0.1:80")
	l.HTTP.Timeout = Duration{90 * time.Second}
	want := map[string]string{
		"staff.addresses": "a@example.org,b@example.org",
		"smtp.rate":       "0.5",
		"smtp.port":       "25",
		"smtp.token":      "",
		"http.public_url": "",
		"http.listen":     "127.0.0.1:80",
		"http.timeout":    "1m30s",
		"http.tls":        "false",
	}
	root := reflect.ValueOf(&l).Elem()
	var env []string
	for _, f := range fieldsOf(root.Type()) {
		got := formatValue(root.FieldByIndex(f.index))
		if got != want[f.key] {
			t.Errorf("formatValue(%s) = %q, want %q", f.key, got, want[f.key])
		}
		if f.key != "smtp.token" {
			env = append(env, f.env+"="+got)
		}
	}
	// What formatValue gives, setString takes back.
	var back later
	back.SMTP.Token = l.SMTP.Token
	if err := decodeEnv(reflect.ValueOf(&back).Elem(), env); err != nil {
		t.Fatalf("decodeEnv(formatted values) error: %v", err)
	}
	if !reflect.DeepEqual(back, l) {
		t.Errorf("decodeEnv(formatted values) = %+v, want %+v", back, l)
	}
}
