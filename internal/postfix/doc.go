// Package postfix runs a real Postfix MTA on loopback for integration tests:
// an SMTP server that accepts mail for any domain from 127.0.0.1 and relays
// it over LMTP into a Dovecot (see internal/dovecot), over SMTP to another
// test server, or nowhere (then mail waits in the queue).
//
// Start writes a throw-away main.cf and master.cf into a fresh temporary
// directory, runs "postfix check" once (which also creates the queue
// directories), then runs the Postfix master in the foreground (master -s,
// what "postfix start-fg" runs) and returns once smtpd greets. Everything the
// server owns lives in Server.Dir:
//
//	etc/           config_directory: main.cf, master.cf
//	queue/         queue_directory (incoming, active, deferred, ..., pid/)
//	data/          data_directory (master.lock)
//	postfix.log    maillog_file = /dev/stdout: the master's stdout and stderr
//
// Invariants:
//   - smtpd listens on 127.0.0.1 only, on a port chosen at Start; Restart
//     keeps the port, the configuration and the queue, so mail that Postfix
//     accepted before a Stop or Kill is delivered after Restart.
//   - Failed deliveries are retried within about four seconds
//     (queue_run_delay 1s, minimal_backoff_time 3s, maximal_backoff_time 4s);
//     Flush retries them at once.
//   - The master runs in a session and process group of its own, which Stop
//     and Kill signal as a whole and wait for; on Linux the master also gets
//     SIGKILL when the thread that started it dies (Pdeathsig), and its
//     children exit within milliseconds of it, so a killed test binary
//     leaves no server.
//   - Stop reaps every process it started and removes Server.Dir.
//   - Several servers may run at once: each has its own directories, port
//     and master lock.
//
// Postfix must run as root (its master starts the daemons as mail_owner
// "postfix"); Available reports false for other users, and tests skip.
//
// Delivery over LMTP to a Dovecot of internal/dovecot: Dovecot strips the
// domain (auth_username_format = %n) and delivers someone@any.domain to the
// INBOX of login "someone", but only for logins in its dovecot.Options.Users:
// its userdb rejects other local parts with a permanent 550, and Postfix then
// bounces the message to its sender (a bounce that cannot be delivered
// either is dropped). Tests must send to known users.
//
// Postfix is configured as a plain relay that leaves messages alone apart
// from the Received header it prepends and the Return-Path and Delivered-To
// that Dovecot adds: it does not add missing Date, Message-ID or From
// headers, nor rewrite addresses, even for clients on loopback
// (local_header_rewrite_clients is empty), so a test sees what its sender
// produced.
//
// The methods of Server are safe for concurrent use.
package postfix
