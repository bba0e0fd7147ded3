package newsletter

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"strings"
)

// Token purposes.
const (
	PurposeUnsubscribe = "u" // one-click unsubscribe link
	PurposeBounce      = "b" // VERP return path
	PurposeApprove     = "a" // approval of a news draft by reply
)

// Tokens makes and checks signed tokens.
type Tokens struct{ key []byte }

// NewTokens returns tokens signed with key (at least 16 bytes).
func NewTokens(key []byte) *Tokens { return &Tokens{key: key} }

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// macLen is how many bytes of the HMAC a token keeps: 80 bits.
const macLen = 10

// Make returns the token for id under purpose: lower-case letters and
// digits only, safe in URLs and in the local part of an address.
func (t *Tokens) Make(purpose string, id uint64) string {
	n := binary.AppendUvarint(nil, id)
	return b32.EncodeToString(n) + "-" + b32.EncodeToString(t.mac(purpose, n))
}

// Check returns the ID of token under purpose, or false when the token was
// not made by Make with this key and purpose.
func (t *Tokens) Check(purpose, token string) (uint64, bool) {
	token = strings.ToLower(token)
	idPart, macPart, ok := strings.Cut(token, "-")
	if !ok || len(idPart) > 16 {
		return 0, false
	}
	n, err := b32.DecodeString(idPart)
	if err != nil {
		return 0, false
	}
	mac, err := b32.DecodeString(macPart)
	if err != nil || !hmac.Equal(mac, t.mac(purpose, n)) {
		return 0, false
	}
	id, k := binary.Uvarint(n)
	if k != len(n) {
		return 0, false
	}
	return id, true
}

func (t *Tokens) mac(purpose string, n []byte) []byte {
	h := hmac.New(sha256.New, t.key)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write(n)
	return h.Sum(nil)[:macLen]
}

// TaggedAddress returns addr with "+tag-token" in its local part, such as
// roma.summit+bounce-ab3-xyz@coe.int.
func TaggedAddress(addr, tag, token string) string {
	at := strings.LastIndexByte(addr, '@')
	return addr[:at] + "+" + tag + "-" + token + addr[at:]
}

// TagToken returns the token of a tagged address of base with tag (as made by
// TaggedAddress), or "" when addr is not one.
func TagToken(addr, base, tag string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	base = strings.ToLower(base)
	at, bat := strings.LastIndexByte(addr, '@'), strings.LastIndexByte(base, '@')
	if at < 0 || bat < 0 || addr[at:] != base[bat:] {
		return ""
	}
	token, ok := strings.CutPrefix(addr[:at], base[:bat]+"+"+tag+"-")
	if !ok {
		return ""
	}
	return token
}
