// Package newsletter sends the Alliance's news digest to member authorities:
// members and their import, news items (by mail from staff, by command, from
// feeds), digests rendered once per language and personalised per recipient,
// delivery with one record per (digest, recipient) that a restart resumes,
// one-click unsubscribe (RFC 8058), and suppression of addresses that bounce
// or leave.
//
// # Delivery, exactly once as far as SMTP allows
//
// Each recipient of a digest has a delivery record (store.Delivery). A batch
// of records is claimed in one transaction before it is sent; each outcome is
// recorded after the server answered, a few at a time. A crash leaves the
// claimed records claimed: the next run sends them again. So no recipient is
// missed, and a recipient gets the digest twice only if their message was in
// flight (claimed, not yet recorded) at the crash.
//
// # Tokens
//
// Unsubscribe links, VERP return paths and news approval addresses carry a
// token: a purpose, a number (member or news ID) and an HMAC-SHA256 of both
// under a secret kept in the store. Nobody can forge one for another member,
// or approve news without the preview that staff received.
package newsletter
