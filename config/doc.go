// Package config loads alliancebot's settings from a TOML file and the
// environment, fills in defaults and checks them.
//
// # Sources and precedence
//
// [Load] starts from [Default], then applies the TOML file (if a path is
// given), then the environment, then reads imap.password_file, then calls
// [Config.Validate]. A later source wins over an earlier one, key by key.
//
// The file has one table per section:
//
//	[imap]
//	addr = "mail.example.org"
//	username = "bot@example.org"
//	password_file = "/run/secrets/imap"
//	poll_interval = "30s"
//
//	[log]
//	format = "json"
//
// Every key can also be set as ALLIANCEBOT_<SECTION>_<KEY>, upper-cased:
// imap.poll_interval is ALLIANCEBOT_IMAP_POLL_INTERVAL. A variable set to the
// empty string empties a string or list key (for a number, boolean or
// duration it is an invalid value); this is how a password_file given in the
// file is cleared in favour of ALLIANCEBOT_IMAP_PASSWORD.
//
// Values are written as in Go: durations as "30s" or "5m", booleans as true
// or false (the environment also takes 1, 0, t, f, TRUE, FALSE), lists in the
// environment as comma-separated items with spaces around them trimmed.
//
// # Invariants
//
//   - A key unknown to the file or an ALLIANCEBOT_* variable that matches no
//     key is an error, not a warning: a misspelt key would otherwise silently
//     leave the default in place.
//   - Sections and keys come from the toml and doc struct tags of [Config] by
//     reflection. Adding a field to a section struct is all it takes to add a
//     key, its environment variable and its line in [Keys]; nested tables are
//     not supported.
//   - A [Secret] prints, marshals and logs as "[redacted]", so a Config can be
//     logged or shown whole. Convert it with string(s) only where the value is
//     used. The redaction holds as long as the Secret sits in an exported field
//     (fmt cannot call methods on unexported ones).
//   - A Config returned by Load has passed Validate, but imap.addr may still be
//     empty: commands that never talk to the IMAP server load the same config.
//     Those that do call [Config.RequireIMAP] first.
package config
