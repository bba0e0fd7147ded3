package config_test

import (
	"fmt"
	"os"
	"strings"

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
		if strings.HasPrefix(k.Key, "staff.") {
			fmt.Printf("%s=%s\n", k.Env, k.Default)
		}
	}
	// Output:
	// ALLIANCEBOT_STAFF_ADDRESSES=
	// ALLIANCEBOT_STAFF_LANGUAGE=en
	// ALLIANCEBOT_STAFF_SUMMARY_TIME=08:00
}
