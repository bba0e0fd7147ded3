package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/internal/corpus"
	"github.com/coe-congress/alliancebot/internal/dovecot"
	"github.com/coe-congress/alliancebot/internal/imaptest"
	"github.com/coe-congress/alliancebot/internal/samplemail"
	"github.com/coe-congress/alliancebot/store"
)

// The integration tests run the daemon against a real Dovecot. Those that kill
// the daemon run it as a child process: this test binary itself, re-executed
// with asChildEnv set, becomes alliancebot.
const asChildEnv = "RUN_AS_ALLIANCEBOT"

func TestMain(m *testing.M) {
	if os.Getenv(asChildEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// daemonEnv is the environment of a daemon on dovecot s with the store at db.
func daemonEnv(s *dovecot.Server, db string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"ALLIANCEBOT_IMAP_ADDR=" + s.Addr,
		"ALLIANCEBOT_IMAP_USERNAME=" + s.User,
		"ALLIANCEBOT_IMAP_PASSWORD=" + s.Password,
		"ALLIANCEBOT_IMAP_TLS=none",
		"ALLIANCEBOT_IMAP_BATCH_SIZE=25",
		"ALLIANCEBOT_IMAP_IDLE_RECHECK=2s",
		"ALLIANCEBOT_STORE_PATH=" + db,
	}
}

// mixedMessages returns n messages: sample mail, generated replies and, when
// the corpus is there, real messages from it (every k-th file, so that bounces,
// torture tests and bare-CR files all come in).
func mixedMessages(t *testing.T, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, s := range samplemail.All() {
		out = append(out, s.Raw)
	}
	if os.Getenv(corpus.EnvVar) != "" {
		files := corpus.Files(t)
		step := max(1, len(files)/(n*3/5))
		for i := 0; i < len(files) && len(out) < n*3/5; i += step {
			raw, err := os.ReadFile(files[i].Path)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, raw)
		}
	}
	for i := 0; len(out) < n; i++ {
		out = append(out, []byte(fmt.Sprintf("From: Mayor's office %d <office%d@town%d.example.eu>\r\n"+
			"To: roma.summit@coe.int\r\nSubject: Re: Questionnaire %d\r\nDate: Mon, 13 Apr 2026 10:%02d:00 +0200\r\n"+
			"Message-ID: <gen-%d@town%d.example.eu>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
			"1. Name of the local or regional authority: Town %d\r\n2. Country: Slovakia\r\n", i, i, i, i, i%60, i, i, i)))
	}
	return out[:n]
}

type mailboxState struct {
	inbox, processed, review int
	onServer                 [][]byte // what the server holds in INBOX before the run
}

func appendAll(t *testing.T, s *dovecot.Server, msgs [][]byte) mailboxState {
	t.Helper()
	c, err := imaptest.Dial(s.Addr, s.User, s.Password)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var refused int
	for _, raw := range msgs {
		if err := imaptest.Append(c, "INBOX", raw); err != nil {
			refused++
			t.Logf("dovecot refused a message of %d bytes: %v", len(raw), err)
		}
	}
	if refused > len(msgs)/50 {
		t.Fatalf("dovecot refused %d of %d messages", refused, len(msgs))
	}
	onServer, err := imaptest.FetchAll(c, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	return mailboxState{inbox: len(onServer), onServer: onServer}
}

func folders(t *testing.T, s *dovecot.Server) mailboxState {
	t.Helper()
	c, err := imaptest.Dial(s.Addr, s.User, s.Password)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var st mailboxState
	for name, p := range map[string]*int{"INBOX": &st.inbox, "Processed": &st.processed, "Review": &st.review} {
		n, err := imaptest.Count(c, name)
		if err != nil {
			t.Fatal(err)
		}
		*p = n
	}
	return st
}

// checkExactlyOnce asserts the promise: INBOX is empty, every message is in
// Processed or Review, and the store holds each distinct message once, with
// its raw bytes as the server gave them.
func checkExactlyOnce(t *testing.T, s *dovecot.Server, dbPath string, before mailboxState) {
	t.Helper()
	after := folders(t, s)
	if after.inbox != 0 {
		t.Errorf("INBOX has %d messages, want 0", after.inbox)
	}
	if got := after.processed + after.review; got != before.inbox {
		t.Errorf("Processed %d + Review %d = %d, want the %d appended", after.processed, after.review, got, before.inbox)
	}
	db, err := store.Open(dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Errorf("store check: %v", err)
	}
	want := imaptest.Distinct(before.onServer)
	hashes := make(map[string]bool)
	var n, reviewed int
	err = db.ForEach(func(m *store.Message) error {
		n++
		if hashes[m.SHA256] {
			t.Errorf("message %d stored twice (sha256 %s)", m.ID, m.SHA256)
		}
		hashes[m.SHA256] = true
		if m.State != store.StateProcessed && m.State != store.StateReview {
			t.Errorf("message %d in state %q, want processed or review", m.ID, m.State)
		}
		if m.State == store.StateReview {
			reviewed++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("store holds %d messages, want %d distinct", n, want)
	}
	var found int
	for _, raw := range before.onServer {
		if hashes[fmt.Sprintf("%x", store.SHA256(raw))] {
			found++
		}
	}
	t.Logf("%d on the server, %d distinct, %d stored (%d in review), %d archived byte for byte", before.inbox, want, n, reviewed, found)
}

func TestDovecot500(t *testing.T) {
	s := dovecot.StartT(t, dovecot.Options{})
	before := appendAll(t, s, mixedMessages(t, 500))
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	if _, stderr, err := runCmd(t, t.Context(), daemonEnv(s, dbPath), "serve", "--once"); err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	checkExactlyOnce(t, s, dbPath, before)
}

func TestDovecotCorpus(t *testing.T) {
	files := corpus.Files(t)
	s := dovecot.StartT(t, dovecot.Options{})
	var raws [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	before := appendAll(t, s, raws)
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	if _, stderr, err := runCmd(t, t.Context(), daemonEnv(s, dbPath), "serve", "--once"); err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	checkExactlyOnce(t, s, dbPath, before)
}

// TestDovecotRestart restarts Dovecot while the daemon works through the
// mailbox and while new mail keeps coming: nothing is lost.
func TestDovecotRestart(t *testing.T) {
	s := dovecot.StartT(t, dovecot.Options{})
	msgs := mixedMessages(t, 1500)
	before := appendAll(t, s, msgs[:1200])
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := runCmd(t, ctx, daemonEnv(s, dbPath), "serve")
		done <- err
	}()
	// Restart once the daemon is under way, and check that it was: a restart
	// after the work is done would test nothing.
	waitFor(t, 2*time.Minute, func() bool { return folders(t, s).processed > 0 })
	left := folders(t, s).inbox
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if left == 0 {
		t.Fatal("the daemon finished before the restart: use more messages")
	}
	more := appendAll(t, s, msgs[1200:])
	before.onServer = append(before.onServer, more.onServer[len(more.onServer)-len(msgs[1200:]):]...)
	before.inbox += len(msgs[1200:])
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, s, 5*time.Minute)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	t.Logf("restarted with %d messages left in INBOX", left)
	checkExactlyOnce(t, s, dbPath, before)
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitDrained(t *testing.T, s *dovecot.Server, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := imaptest.Dial(s.Addr, s.User, s.Password)
		if err == nil {
			n, err := imaptest.Count(c, "INBOX")
			c.Close()
			if err == nil && n == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("INBOX not drained within %v", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startChild runs alliancebot (this binary) as a separate process.
func startChild(t *testing.T, environ []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(environ, asChildEnv+"=1")
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		// Wait has copied all of stderr by now.
		if t.Failed() {
			t.Logf("alliancebot %s, its stderr:\n%s", strings.Join(args, " "), logs.String())
		}
	})
	return cmd
}

// TestKill9 kills the daemon with SIGKILL at random points of a batch run,
// restarts it each time, and checks that every message ends up stored exactly
// once and none is left behind.
func TestKill9(t *testing.T) {
	s := dovecot.StartT(t, dovecot.Options{})
	before := appendAll(t, s, mixedMessages(t, 3000))
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	environ := daemonEnv(s, dbPath)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	// Each run is killed a random time after it has started to move messages,
	// so that the kills land inside batches: between fetch, commit and move.
	kills := 0
	for range 6 {
		start := folders(t, s).processed
		cmd := startChild(t, environ, "serve")
		waitFor(t, 2*time.Minute, func() bool { return folders(t, s).processed > start })
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if folders(t, s).inbox == 0 {
			break
		}
		kills++
	}
	if kills < 3 {
		t.Fatalf("only %d kills landed before the mailbox was drained: use more messages", kills)
	}
	// A last run that is left to finish.
	cmd := startChild(t, environ, "serve", "--once")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve --once after %d kills: %v", kills, err)
	}
	t.Logf("killed %d times", kills)
	checkExactlyOnce(t, s, dbPath, before)
}

// TestSIGTERM: the daemon stops cleanly on SIGTERM, with exit status 0 and its
// control socket removed.
func TestSIGTERM(t *testing.T) {
	s := dovecot.StartT(t, dovecot.Options{})
	before := appendAll(t, s, mixedMessages(t, 100))
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	cmd := startChild(t, daemonEnv(s, dbPath), "serve")
	// Once the control socket answers, the daemon handles signals and is at
	// work on the mailbox.
	waitFor(t, 30*time.Second, func() bool {
		c, err := control.Dial(control.SocketPath(dbPath))
		return err == nil && c != nil
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v (%s)", err, cmd.Stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit within 30s of SIGTERM")
	}
	if _, err := os.Stat(dbPath + ".sock"); !os.IsNotExist(err) {
		t.Errorf("control socket left after SIGTERM")
	}
	// Whatever it had not reached is handled by the next run.
	if _, stderr, err := runCmd(t, t.Context(), daemonEnv(s, dbPath), "serve", "--once"); err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	checkExactlyOnce(t, s, dbPath, before)
}

// TestDovecotNewUIDValidity: the mailbox is recreated (new UIDVALIDITY) with
// the same messages in it: none is stored twice.
func TestDovecotNewUIDValidity(t *testing.T) {
	s := dovecot.StartT(t, dovecot.Options{})
	msgs := mixedMessages(t, 60)
	before := appendAll(t, s, msgs)
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	environ := daemonEnv(s, dbPath)
	if _, _, err := runCmd(t, t.Context(), environ, "serve", "--once"); err != nil {
		t.Fatal(err)
	}
	c, err := imaptest.Dial(s.Addr, s.User, s.Password)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	oldValidity := sel.UIDValidity
	if err := c.Unselect().Wait(); err != nil {
		t.Fatal(err)
	}
	// Dovecot keeps INBOX; rename it away and let a new one be created.
	if err := c.Rename("INBOX", "Old", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	again := appendAll(t, s, msgs)
	c, err = imaptest.Dial(s.Addr, s.User, s.Password)
	if err != nil {
		t.Fatal(err)
	}
	sel, err = c.Select("INBOX", nil).Wait()
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sel.UIDValidity == oldValidity {
		t.Fatalf("UIDVALIDITY did not change (%d)", oldValidity)
	}
	stdout, stderr, err := runCmd(t, t.Context(), append(environ, "ALLIANCEBOT_LOG_LEVEL=info"), "serve", "--once")
	if err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	_ = stdout
	if !strings.Contains(stderr, fmt.Sprintf("duplicates=%d", again.inbox)) || !strings.Contains(stderr, "stored=0") {
		t.Errorf("second run log = %q, want stored=0 duplicates=%d", stderr, again.inbox)
	}
	after := folders(t, s)
	if after.inbox != 0 || after.processed+after.review != 2*before.inbox {
		t.Errorf("folders after = %+v, want INBOX empty and %d moved", after, 2*before.inbox)
	}
	db, err := store.Open(dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.Count(); n != imaptest.Distinct(before.onServer) {
		t.Errorf("store holds %d, want %d", n, imaptest.Distinct(before.onServer))
	}
}
