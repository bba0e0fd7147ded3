package reply

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/emersion/go-msgauth/dkim"
)

// signedHeaders are the header fields a DKIM signature covers (RFC 6376
// section 5.4.1, and the fields that make a reply what it is). A field named
// twice is oversigned: nobody can add one in transit.
var signedHeaders = []string{
	"From", "From", "To", "Cc", "Subject", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "Reply-To",
	"Auto-Submitted", "Content-Language", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
}

// Signer DKIM-signs rendered messages. It signs the bytes as they will be
// sent, with go-msgauth: go-mail's own signer breaks when the list of signed
// fields is long (see ../shared/NOTES-servers-and-libraries.md).
type Signer struct {
	opts dkim.SignOptions
}

// NewSigner returns a signer for domain and selector with key, an RSA or
// Ed25519 private key.
func NewSigner(domain, selector string, key crypto.Signer) (*Signer, error) {
	if domain == "" || selector == "" {
		return nil, errors.New("dkim: domain and selector are required")
	}
	switch k := key.Public().(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("dkim: RSA key of %d bits is too short; use 2048", k.N.BitLen())
		}
	case ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("dkim: key type %T is not supported; use RSA or Ed25519", k)
	}
	return &Signer{opts: dkim.SignOptions{
		Domain:                 domain,
		Selector:               selector,
		Signer:                 key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             signedHeaders,
	}}, nil
}

// LoadSigner reads a PEM private key (PKCS #8, PKCS #1 RSA) from path.
func LoadSigner(path, domain, selector string) (*Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	key, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("dkim: %s: %w", path, err)
	}
	return NewSigner(domain, selector, key)
}

// ParseKey reads the first PEM private key block of data.
func ParseKey(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PEM private key found")
		}
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS #8 key: %w", err)
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("key type %T cannot sign", k)
			}
			return s, nil
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse RSA key: %w", err)
			}
			return k, nil
		}
	}
}

// Sign returns raw with a DKIM-Signature field in front.
func (s *Signer) Sign(raw []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(raw) + 512)
	opts := s.opts
	if err := dkim.Sign(&out, bytes.NewReader(raw), &opts); err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	return out.Bytes(), nil
}
