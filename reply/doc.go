// Package reply decides and writes what alliancebot sends in answer to the
// mail it stores: an acknowledgement to the sender, in English or French,
// and notices to staff of what needs their decision.
//
// # Never a loop, never twice
//
// An acknowledgement goes to the Reply-To address, else to the sender, and
// never to:
//   - bounces, automatic replies, and news sent by staff;
//   - mail whose header says it was sent by a program or a list
//     (intake.Envelope.NoReply: Auto-Submitted, Precedence, List-*, ...);
//   - null, MAILER-DAEMON and noreply senders;
//   - the bot's own addresses.
//
// Every message sent carries Auto-Submitted (RFC 3834) and
// X-Auto-Response-Suppress, so that well-behaved responders do not answer it.
// Each has a key (its trigger and recipient) and a Message-ID derived from
// it; the outbox holds one message per key, ever, so a replay or a restart
// never sends a second one. At most one acknowledgement goes to an address in
// Config.Interval.
//
// Nothing from the input reaches a header unencoded: subjects, names and
// identifiers are reduced to one line and encoded by go-mail; message IDs
// are kept only when well-formed. The bodies hold the extracted fields, never
// the sender's text.
package reply
