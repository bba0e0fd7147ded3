// Package store keeps everything alliancebot knows in one bbolt file: the raw
// archive of every message, the record of what was understood of it, and the
// progress of the mailbox watcher.
//
// # Invariants
//
//   - A message's raw bytes are stored exactly as the server returned them; any
//     normalisation is for parsing only and never reaches the archive.
//   - The raw bytes and the record are written in the same transaction, and that
//     transaction commits before the watcher moves the message out of the inbox.
//   - A message is stored once. [DB.Put] recognises a message it already has by
//     the SHA-256 of its raw bytes, or by its Message-ID together with its
//     content fingerprint (sender, date, subject and body, line endings
//     normalised): the same message delivered again with other trace headers
//     is recognised, while a Message-ID reused by a broken mailer for other
//     content does not hide the second message.
//   - Replies are decided once per stored message: [DB.Put] marks every new
//     message as having replies to decide, in the transaction that stores it,
//     and [DB.Queue] writes the rendered replies to the outbox and clears the
//     mark in one transaction. A crash in between decides again; a message
//     stored twice is answered once.
//   - The outbox holds at most one message per key (trigger and recipient),
//     rendered in full before any attempt to send it.
//   - A digest has one delivery record per recipient. [DB.ClaimDeliveries]
//     marks a few as claimed before they are sent, [DB.FinishDeliveries]
//     records the outcomes; [DB.ResetClaims] returns what a crash left
//     claimed to pending. Nobody is missed; only what was claimed at a crash
//     can go twice. Digests prepare their deliveries in small transactions,
//     so memory stays flat for any number of members.
//
// # On-disk layout
//
// The buckets, their keys and values are listed in schema.go. Sequence keys are
// 8-byte big-endian integers, so that cursor order is arrival order. Records are
// JSON, so that a field added later reads as its zero value in older records.
//
// The file is created with mode 0600: it holds personal data.
//
// Only one process can open the file at a time (bbolt takes an exclusive lock);
// while the daemon runs, the command line reaches the data through the daemon's
// control socket instead.
package store
