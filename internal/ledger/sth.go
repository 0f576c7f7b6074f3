package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/baqylau/baqylau"
)

// Hex is bytes written in JSON as lower-case hex.
type Hex []byte

// MarshalText implements encoding.TextMarshaler.
func (h Hex) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hex) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("not hex: %w", err)
	}
	*h = v
	return nil
}

// TreeHead is a signed tree head: the organisation's statement that the
// log had Size leaves with root Root at Timestamp.
type TreeHead struct {
	Size      uint64    `json:"tree_size"`
	Root      Hex       `json:"root_hash"`
	Timestamp time.Time `json:"timestamp"`
	KeyID     string    `json:"key_id"`
	Signature Hex       `json:"signature"`
}

// signedVersion starts the signed text of a tree head.
const signedVersion = "baqylau-tree-head-v1"

// SignedText is what the signature covers, one field a line:
//
//	baqylau-tree-head-v1
//	tree size in decimal
//	root hash in hex
//	timestamp in Unix milliseconds
func (h TreeHead) SignedText() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n%d\n", signedVersion, h.Size, hex.EncodeToString(h.Root), h.Timestamp.UnixMilli())
}

// Signer signs tree heads with the organisation's Ed25519 key.
type Signer struct {
	key ed25519.PrivateKey
	id  string
}

// NewSigner returns a signer with key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	pub := key.Public().(ed25519.PublicKey)
	return &Signer{key: key, id: KeyID(pub)}
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Public returns the public key.
func (s *Signer) Public() PublicKey {
	return PublicKey{ID: s.id, Key: Hex(s.key.Public().(ed25519.PublicKey))}
}

// Sign returns the signed head of a tree of size leaves with root at t
// (kept to the millisecond, as signed).
func (s *Signer) Sign(size uint64, root []byte, t time.Time) TreeHead {
	h := TreeHead{Size: size, Root: Hex(root), Timestamp: time.UnixMilli(t.UnixMilli()).UTC(), KeyID: s.id}
	h.Signature = ed25519.Sign(s.key, h.SignedText())
	return h
}

// PublicKey is a key that signs, or signed, tree heads. From and Until
// bound the tree heads it signed (Until is zero while it is in use).
type PublicKey struct {
	ID    string     `json:"key_id"`
	Key   Hex        `json:"public_key"`
	From  time.Time  `json:"from,omitzero"`
	Until *time.Time `json:"until,omitempty"`
}

// Verify checks h's signature with the key among keys that has its key id.
func (h TreeHead) Verify(keys []PublicKey) error {
	for _, k := range keys {
		if k.ID != h.KeyID {
			continue
		}
		if len(k.Key) != ed25519.PublicKeySize || KeyID(ed25519.PublicKey(k.Key)) != k.ID {
			return fmt.Errorf("ledger: public key %s is malformed", k.ID)
		}
		if !ed25519.Verify(ed25519.PublicKey(k.Key), h.SignedText(), h.Signature) {
			return fmt.Errorf("ledger: the signature of the tree head of size %d does not verify with key %s", h.Size, k.ID)
		}
		if len(h.Root) != HashSize {
			return fmt.Errorf("ledger: the tree head of size %d has a root of %d bytes", h.Size, len(h.Root))
		}
		return nil
	}
	return fmt.Errorf("ledger: the tree head of size %d is signed by unknown key %q", h.Size, h.KeyID)
}

// LoadOrCreateKey reads the Ed25519 private key at path (PEM, PKCS #8),
// or creates one there, readable by its owner only, when no file exists.
// created says which.
func LoadOrCreateKey(path string) (key ed25519.PrivateKey, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, key, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, false, fmt.Errorf("ledger: generate key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, false, fmt.Errorf("ledger: encode key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("ledger: key directory: %w", err)
		}
		// O_EXCL: two nodes starting at once must not overwrite each other's key.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateKey(path)
		}
		if err != nil {
			return nil, false, fmt.Errorf("ledger: create key file: %w", err)
		}
		werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, false, fmt.Errorf("ledger: write key file %s: %w", path, err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("ledger: read key file: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, false, baqylau.Errorf(baqylau.EINVALID, "key file %s holds no PEM PRIVATE KEY", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, false, baqylau.Errorf(baqylau.EINVALID, "key file %s: %v", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, false, baqylau.Errorf(baqylau.EINVALID, "key file %s holds a %T, not an Ed25519 key", path, k)
	}
	return key, false, nil
}

// ParseSize reads a tree size from text.
func ParseSize(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, baqylau.Errorf(baqylau.EINVALID, "tree size %q is not a whole number", s)
	}
	return n, nil
}
