package config_test

import (
	"fmt"
	"os"

	"github.com/coe-congress/alliancebot/config"
)

func ExampleLoad() {
	// A daemon passes its -config flag and os.Environ(); the environment
	// alone is enough.
	cfg, err := config.Load("", []string{
		"HOME=/home/bot", // Ignored: not ALLIANCEBOT_*.
		"ALLIANCEBOT_IMAP_ADDR=mail.example.org",
		"ALLIANCEBOT_IMAP_USERNAME=bot@example.org",
		"ALLIANCEBOT_IMAP_PASSWORD=hunter2",
		"ALLIANCEBOT_IMAP_POLL_INTERVAL=30s",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	if err := cfg.RequireIMAP(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(cfg.IMAP.HostPort(), cfg.IMAP.PollInterval, cfg.IMAP.MaxAttempts)
	fmt.Printf("password %v, %d bytes\n", cfg.IMAP.Password, len(cfg.IMAP.Password))

	_, err = config.Load("", []string{"ALLIANCEBOT_IMAP_TLS=none", "ALLIANCEBOT_IMAP_ADDR=mail.example.org"})
	fmt.Println(err)
	// Output:
	// mail.example.org:993 30s 3
	// password [redacted], 7 bytes
	// config: imap.tls = "none" would send the password in clear to mail.example.org; use implicit or starttls, or set imap.insecure = true
}

func ExampleKeys() {
	for _, k := range config.Keys() {
		fmt.Printf("%s=%s\n", k.Env, k.Default)
	}
	// Output:
	// ALLIANCEBOT_IMAP_ADDR=
	// ALLIANCEBOT_IMAP_USERNAME=
	// ALLIANCEBOT_IMAP_PASSWORD=
	// ALLIANCEBOT_IMAP_PASSWORD_FILE=
	// ALLIANCEBOT_IMAP_TLS=implicit
	// ALLIANCEBOT_IMAP_INSECURE=false
	// ALLIANCEBOT_IMAP_MAILBOX=INBOX
	// ALLIANCEBOT_IMAP_PROCESSED=Processed
	// ALLIANCEBOT_IMAP_REVIEW=Review
	// ALLIANCEBOT_IMAP_IDLE=true
	// ALLIANCEBOT_IMAP_POLL_INTERVAL=1m
	// ALLIANCEBOT_IMAP_IDLE_RECHECK=5m
	// ALLIANCEBOT_IMAP_MAX_ATTEMPTS=3
	// ALLIANCEBOT_IMAP_BATCH_SIZE=200
	// ALLIANCEBOT_STORE_PATH=alliancebot.db
	// ALLIANCEBOT_LOG_LEVEL=info
	// ALLIANCEBOT_LOG_FORMAT=text
}
