package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this code reads and writes. Open migrates older
// files up to it and refuses newer ones.
const SchemaVersion = 3

// Buckets. Every key and value is described next to its bucket.
var (
	// bucketMeta: "schema" -> 8-byte big-endian SchemaVersion.
	bucketMeta = []byte("meta")

	// bucketMessages: message ID (8-byte big-endian sequence) -> JSON Message.
	bucketMessages = []byte("messages")

	// bucketRaw: message ID -> the raw RFC 5322 bytes, as the server gave them.
	bucketRaw = []byte("raw")

	// bucketByMessageID: SHA-256 of the Message-ID ("<local@domain>" as
	// written; 32 bytes) followed by the content fingerprint -> message ID. The
	// same Message-ID with other content is another message (a mailer that
	// reuses IDs).
	bucketByMessageID = []byte("by_message_id")

	// bucketBySHA: SHA-256 of the raw bytes (32 bytes) -> message ID.
	bucketBySHA = []byte("by_sha256")

	// bucketPending: message ID -> mailbox NUL folder (see pendingValue;
	// empty for messages stored by earlier versions). The messages committed
	// but whose move out of the inbox is not confirmed yet (StateStored).
	bucketPending = []byte("pending")

	// bucketAuthorities: authority key (see intake.AuthorityKey) -> JSON
	// Authority: the answers received from one authority, oldest first. The
	// last one is current; the earlier ones are its history.
	bucketAuthorities = []byte("authorities")

	// bucketSenders: sender address (lower case) -> the key of the authority
	// of that sender's latest answer that named its authority.
	bucketSenders = []byte("senders")

	// bucketAttempts: attemptKey(mailbox, UIDVALIDITY, UID) -> 8-byte big-endian
	// count of processing attempts that started and did not finish. A message with
	// an unfinished attempt is retried alone; past the limit it goes to review.
	bucketAttempts = []byte("attempts")

	// bucketToReply: message ID -> empty. The new messages whose replies
	// (acknowledgement, staff notices) are not decided yet. Put adds to it in
	// the transaction that stores the message; Queue takes the message off in
	// the transaction that queues its replies.
	bucketToReply = []byte("to_reply")

	// bucketOutbox: outgoing ID (8-byte big-endian sequence) -> JSON Outgoing.
	bucketOutbox = []byte("outbox")

	// bucketOutboxRaw: outgoing ID -> the message's bytes, as they are sent.
	bucketOutboxRaw = []byte("outbox_raw")

	// bucketOutboxKeys: Outgoing.Key -> outgoing ID. One message per key, ever.
	bucketOutboxKeys = []byte("outbox_keys")

	// bucketOutboxQueue: outgoing ID -> empty, for every message in OutQueued.
	bucketOutboxQueue = []byte("outbox_queue")

	// bucketThrottle: Outgoing.Throttle (a recipient address) -> 8-byte
	// big-endian Unix nanoseconds of the last message queued under it.
	bucketThrottle = []byte("throttle")

	// bucketMembers: member address (lower case) -> JSON Member.
	bucketMembers = []byte("members")
	// bucketMemberIDs: member ID (8-byte big-endian sequence) -> address. The
	// signed tokens in links and return paths carry the ID.
	bucketMemberIDs = []byte("member_ids")
	// bucketSuppressed: address (lower case) -> JSON Suppression. Nothing is
	// mailed to these addresses.
	bucketSuppressed = []byte("suppressed")
	// bucketSoftBounces: address -> JSON list of the recent temporary
	// failures ({at, ref}), to score soft bounces.
	bucketSoftBounces = []byte("soft_bounces")
	// bucketNews: news ID (8-byte big-endian sequence) -> JSON NewsItem.
	bucketNews = []byte("news")
	// bucketNewsGUIDs: NewsItem.GUID -> news ID.
	bucketNewsGUIDs = []byte("news_guids")
	// bucketDigests: digest ID (8-byte big-endian sequence) -> JSON Digest.
	bucketDigests = []byte("digests")
	// bucketDeliveries: digest ID (8 bytes) + recipient address -> JSON
	// Delivery: one record per digest and recipient.
	bucketDeliveries = []byte("deliveries")
	// bucketImages: image name (hex SHA-256 of the bytes, and an extension)
	// -> content type, a newline, then the bytes. The pictures of news items,
	// which the digest links to on the web listener.
	bucketImages = []byte("images")
)

var keySchema = []byte("schema")

var allBuckets = [][]byte{
	bucketMeta, bucketMessages, bucketRaw, bucketByMessageID, bucketBySHA, bucketPending, bucketAuthorities, bucketSenders, bucketAttempts,
	bucketToReply, bucketOutbox, bucketOutboxRaw, bucketOutboxKeys, bucketOutboxQueue, bucketThrottle,
	bucketMembers, bucketMemberIDs, bucketSuppressed, bucketSoftBounces, bucketNews, bucketNewsGUIDs, bucketDigests, bucketDeliveries,
	bucketImages,
}

// migrate creates missing buckets and brings the schema up to SchemaVersion.
func migrate(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	var version uint64
	if v := meta.Get(keySchema); v != nil {
		if len(v) != 8 {
			return fmt.Errorf("read schema version: %d bytes, want 8", len(v))
		}
		version = binary.BigEndian.Uint64(v)
	}
	if version > SchemaVersion {
		return fmt.Errorf("%w: file has schema %d, this program knows up to %d", ErrNewerSchema, version, SchemaVersion)
	}
	// Version 0 is a new file; version 1 is the first layout. Version 2 adds
	// the outbox buckets, created above: the messages stored under version 1
	// were never answered, and are not answered now. Version 3 adds the
	// newsletter's buckets, empty. Later migrations go here, one step at a
	// time.
	return meta.Put(keySchema, u64(SchemaVersion))
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func attemptKey(mailbox string, uidValidity, uid uint32) []byte {
	k := make([]byte, 0, len(mailbox)+9)
	k = append(k, mailbox...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint32(k, uidValidity)
	k = binary.BigEndian.AppendUint32(k, uid)
	return k
}
