// Package dovecot runs a real Dovecot IMAP (and optionally LMTP) server on
// loopback for integration tests and benchmarks of other packages.
//
// Start writes a throw-away configuration into a fresh temporary directory,
// checks it with "dovecot -n", runs "dovecot -F" in the background and returns
// once the server answers with an IMAP greeting. Everything the server owns
// lives in Server.Dir:
//
//	dovecot.conf   the generated configuration
//	passwd         passwd-file passdb, one line per user, PLAIN passwords
//	dovecot.log    log_path; the master's stdout and stderr are appended too
//	run/           base_dir (sockets, master.pid); recreated on every (re)start
//	state/         state_dir
//	home/<user>/   mail home; the mail store is home/<user>/mail
//
// Invariants:
//   - The server listens on 127.0.0.1 only, on ports chosen at Start; Restart
//     keeps the ports and the mail store, so a client can reconnect to the same
//     Addr and find the same mail.
//   - Dovecot and all its children run in their own process group, which Stop
//     and Kill signal as a whole and wait for; on Linux the master also gets
//     SIGKILL when the thread that started it dies (Pdeathsig), so a killed
//     test binary does not leave a server behind.
//   - Stop reaps every process it started and removes Server.Dir. A test
//     binary that is killed leaves its $TMPDIR/alliancebot-dovecot-* behind,
//     though no process.
//
// Logins and passwords are fixed: user u has password Password(u), which is
// "secret-" + u. The login is the whole user name; LMTP accepts
// "user@any.domain" and delivers to "user".
//
// When the test process runs as root (the CI case), mail is owned by
// nobody:nogroup and the login processes run as Dovecot's own unprivileged
// users, as on a real installation. Otherwise every process runs as the
// current user and chroots are disabled.
//
// The methods of Server are safe for concurrent use.
package dovecot
