package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/smtp"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/config"
	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/internal/memserver"
	"github.com/coe-congress/alliancebot/internal/samplemail"
	"github.com/coe-congress/alliancebot/store"
)

// runCmd runs the command line with environ and returns stdout and stderr.
func runCmd(t *testing.T, ctx context.Context, environ []string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, &stdout, &stderr, environ)
	return stdout.String(), stderr.String(), err
}

// setup starts an in-process server holding the sample mail and returns the
// environment that points serve at it.
func setup(t *testing.T) (*memserver.Server, []string, string) {
	t.Helper()
	return setupWith(t, memserver.Options{Password: "s3cret-pw"})
}

// setupWith is setup on a server started with opts.
func setupWith(t *testing.T, opts memserver.Options) (*memserver.Server, []string, string) {
	t.Helper()
	srv, err := memserver.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var raws [][]byte
	for _, s := range samplemail.All() {
		raws = append(raws, s.Raw)
	}
	if err := srv.Append("INBOX", raws...); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	environ := []string{
		"PATH=/usr/bin",
		"ALLIANCEBOT_IMAP_ADDR=" + srv.IMAPAddr,
		"ALLIANCEBOT_IMAP_USERNAME=" + srv.User,
		"ALLIANCEBOT_IMAP_PASSWORD=" + srv.Password,
		"ALLIANCEBOT_IMAP_TLS=none",
		"ALLIANCEBOT_STORE_PATH=" + dbPath,
		"ALLIANCEBOT_LOG_LEVEL=debug",
	}
	return srv, environ, dbPath
}

func TestServeOnceFromEnvironment(t *testing.T) {
	srv, environ, dbPath := setup(t)
	_, stderr, err := runCmd(t, t.Context(), environ, "serve", "--once")
	if err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	if strings.Contains(stderr, srv.Password) {
		t.Errorf("the log shows the password:\n%s", stderr)
	}
	if n, _ := srv.Count("INBOX"); n != 0 {
		t.Errorf("INBOX has %d after serve --once, want 0", n)
	}
	fi, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database mode = %o, want 600", perm)
	}

	stdout, _, err := runCmd(t, t.Context(), environ, "messages", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	samples := samplemail.All()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("messages list --json line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != len(samples) {
		t.Fatalf("messages list --json gave %d lines, want %d", len(lines), len(samples))
	}
	for _, key := range []string{"id", "message_id", "sha256", "from", "subject", "received", "folder", "state", "errors"} {
		if _, ok := lines[0][key]; !ok {
			t.Errorf("messages list --json has no %q: %v", key, lines[0])
		}
	}
	if lines[0]["folder"] != "Processed" || lines[0]["state"] != "processed" {
		t.Errorf("first message folder %v state %v, want Processed processed", lines[0]["folder"], lines[0]["state"])
	}

	stdout, _, err = runCmd(t, t.Context(), environ, "messages", "show", "1", "--raw")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(samples[0].Raw) {
		t.Errorf("messages show 1 --raw differs from the message appended")
	}
	stdout, _, err = runCmd(t, t.Context(), environ, "messages", "show", "1")
	if err != nil || !strings.Contains(stdout, "SHA-256") || !strings.Contains(stdout, "Processed") {
		t.Errorf("messages show 1 = %q, %v", stdout, err)
	}
	stdout, _, err = runCmd(t, t.Context(), environ, "messages", "list")
	if want := len(samples); err != nil || !strings.Contains(stdout, strconv.Itoa(want)+" messages") {
		t.Errorf("messages list = %q, %v; want a count of %d", stdout, err, want)
	}
	if _, _, err := runCmd(t, t.Context(), environ, "messages", "show", "999"); err == nil {
		t.Errorf("messages show 999 succeeded, want not found")
	}

	// Brno answered, then corrected two answers: one authority, two answers,
	// and the current view merges them.
	stdout, _, err = runCmd(t, t.Context(), environ, "answers", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var brno *answerLine
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var a answerLine
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("answers list --json line %q: %v", line, err)
		}
		if strings.Contains(a.Key, "brno") {
			brno = &a
		}
	}
	if brno == nil || len(brno.Answers) != 2 || brno.Current == nil || brno.Current.AuthorityName == nil || brno.Current.Interested == nil {
		t.Fatalf("answers list --json: Brno = %+v, want two answers merged", brno)
	}
	stdout, _, err = runCmd(t, t.Context(), environ, "answers", "show", "brno")
	if err != nil || !strings.Contains(stdout, fmt.Sprintf("#%d ", brno.Answers[0])) || !strings.Contains(stdout, fmt.Sprintf("#%d ", brno.Answers[1])) {
		t.Errorf("answers show brno = %q, %v; want both answers listed", stdout, err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string
	}{
		{"cleartext to a remote server", []string{"ALLIANCEBOT_IMAP_ADDR=mail.example.org:143", "ALLIANCEBOT_IMAP_TLS=none",
			"ALLIANCEBOT_IMAP_USERNAME=u", "ALLIANCEBOT_IMAP_PASSWORD=p"}, "imap.tls"},
		{"unknown variable", []string{"ALLIANCEBOT_IMAP_ADRESS=x"}, "ALLIANCEBOT_IMAP_ADRESS"},
		{"bad value", []string{"ALLIANCEBOT_IMAP_MAX_ATTEMPTS=many"}, "ALLIANCEBOT_IMAP_MAX_ATTEMPTS"},
		{"no address", nil, "imap.addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCmd(t, t.Context(), tt.environ, "serve", "--once")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("serve --once = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

// TestBackupWhileServing reads the store through the control socket of a
// running serve: messages list and backup work while it holds the file.
func TestBackupWhileServing(t *testing.T) {
	_, environ, dbPath := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := runCmd(t, ctx, environ, "serve")
		done <- err
	}()
	// Wait for the daemon to store everything.
	want := len(samplemail.All())
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := control.Dial(control.SocketPath(dbPath)); err == nil {
			n := 0
			if err := c.List(ctx, func(*store.Message) error { n++; return nil }); err == nil && n == want {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not store the sample mail within 20s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	stdout, _, err := runCmd(t, t.Context(), environ, "backup", backup)
	if err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	if !strings.Contains(stdout, backup) {
		t.Errorf("backup said %q, want the file named", stdout)
	}
	fi, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %o, want 600", fi.Mode().Perm())
	}
	db, err := store.Open(backup, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Count(); n != want {
		t.Errorf("backup holds %d messages, want %d", n, want)
	}
	if err := db.Check(); err != nil {
		t.Errorf("backup check: %v", err)
	}
	db.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s of cancel")
	}
	if _, err := os.Stat(control.SocketPath(dbPath)); !os.IsNotExist(err) {
		t.Errorf("control socket left behind after serve stopped: %v", err)
	}
	// With the daemon gone, the commands open the file themselves.
	stdout, _, err = runCmd(t, t.Context(), environ, "messages", "list", "--json")
	if err != nil || strings.Count(stdout, "\n") != want {
		t.Errorf("messages list without a daemon = %d lines, %v; want %d", strings.Count(stdout, "\n"), err, want)
	}
}

func TestDemo(t *testing.T) {
	stdout, stderr, err := runCmd(t, t.Context(), nil, "demo")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	for _, want := range []string{"a copy of a message already stored", "INBOX 0", "sent to review",
		"questionnaire (fr)", "join_request", "auto_reply", "bounce", "unsubscribe", "unable to locate boundary",
		"ack #1", "staff_join", "no ack: a bounce", "the SMTP server received 19", "News digest vol. 1, no. 1", "3 sent to members"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestHelp(t *testing.T) {
	stdout, _, err := runCmd(t, t.Context(), nil, "help")
	if err != nil || !strings.Contains(stdout, "serve") || !strings.Contains(stdout, "demo") {
		t.Errorf("help = %q, %v", stdout, err)
	}
	if _, _, err := runCmd(t, t.Context(), nil, "frobnicate"); err == nil {
		t.Errorf("an unknown command succeeded")
	}
	stdout, _, err = runCmd(t, t.Context(), nil, "config")
	if err != nil || !strings.Contains(stdout, "ALLIANCEBOT_IMAP_ADDR") {
		t.Errorf("config = %q, %v", stdout, err)
	}
}

// TestReadmeDocumentsEveryKey keeps the README's configuration table true.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range config.Keys() {
		row := fmt.Sprintf("| `%s` | `%s` |", k.Key, k.Env)
		i := strings.Index(string(readme), row)
		if i < 0 {
			t.Errorf("README.md has no row for %s (%s)", k.Key, k.Env)
			continue
		}
		line, _, _ := strings.Cut(string(readme[i+len(row):]), "\n")
		def, _, _ := strings.Cut(line, "|")
		def = strings.TrimSpace(def)
		if want := "`" + k.Default + "`"; k.Default != "" && def != want || k.Default == "" && def != "" {
			t.Errorf("README.md gives %s the default %q, want %q", k.Key, def, k.Default)
		}
	}
}

// TestDemoKeep: with --keep the demo goes on watching, and mail sent to its
// SMTP server is stored and reported.
func TestDemoKeep(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"demo", "--keep"}, pw, io.Discard, nil)
		pw.Close()
		done <- err
	}()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func(what string, match func(string) bool) string {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("demo output ended before %s", what)
				}
				if match(l) {
					return l
				}
			case <-timeout:
				t.Fatalf("no %s within 20s", what)
			}
		}
	}
	smtpLine := next("SMTP address", func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "SMTP ") })
	smtpAddr := strings.Fields(smtpLine)[1]
	msg := "From: mairie@example.fr\r\nTo: roma.summit@coe.int\r\nSubject: Unsubscribe\r\n" +
		"Message-ID: <keep@example.fr>\r\nDate: Mon, 4 May 2026 10:00:00 +0200\r\n\r\nPlease unsubscribe me.\r\n"
	if err := smtp.SendMail(smtpAddr, nil, "mairie@example.fr", []string{"roma.summit@coe.int"}, []byte(msg)); err != nil {
		t.Fatalf("send to the demo's SMTP server: %v", err)
	}
	line := next("report of the new message", func(l string) bool { return strings.Contains(l, "mairie@example.fr") })
	if !strings.Contains(line, "unsubscribe") {
		t.Errorf("live report = %q, want it understood as unsubscribe", line)
	}
	cancel()
	go func() {
		for range lines {
		}
	}()
	if err := <-done; err != nil {
		t.Errorf("demo --keep after cancel = %v", err)
	}
}
