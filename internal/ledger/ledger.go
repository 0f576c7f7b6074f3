// Package ledger is Baqylau's tamper-evident record: every accepted
// report, incident, triage decision and published statement becomes a
// leaf of an append-only Merkle tree hashed as Certificate Transparency
// hashes its logs (RFC 6962 section 2.1, kept by RFC 9162), and the
// organisation signs the tree's head (size, root, time) with Ed25519.
//
// The hashing, the proof shapes and their verification come from
// github.com/transparency-dev/merkle, the library the CT and Trillian
// projects keep for exactly this; this package adds what is Baqylau's own:
// what a leaf commits to, the signed tree head, the key file and the
// export.
//
// A leaf commits to the public part of its entry (what open data already
// shows) and to a salted SHA-256 of the private part (who reported, free
// text, exact times). The export carries the public parts and the private
// hashes, so anyone can rebuild the tree and recompute the figures, while
// the salt, kept only in the database, stops anyone from guessing the
// private part from its hash.
package ledger

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/baqylau/baqylau"
)

// Kind says what a leaf records.
type Kind string

// The kinds of entries.
const (
	KindReport    Kind = "report"
	KindIncident  Kind = "incident"
	KindDecision  Kind = "decision"
	KindStatement Kind = "statement"
)

// Kinds are every kind, in the order operators read them.
var Kinds = []Kind{KindReport, KindIncident, KindDecision, KindStatement}

// HashSize is the size of every hash of the log (SHA-256).
const HashSize = sha256.Size

// SaltSize is the size of the salt of a private part.
const SaltSize = 16

// leafVersion starts every leaf's data, so that a later encoding cannot
// be mistaken for this one.
const leafVersion = "baqylau-ledger-v1"

// Entry is one leaf of the log.
type Entry struct {
	Index uint64 `json:"index"`
	Kind  Kind   `json:"kind"`
	// Ref is the id of the row the entry records (report, incident,
	// decision or statement id).
	Ref int64 `json:"ref"`
	// Public is the canonical JSON of the public part.
	Public []byte `json:"-"`
	// PrivateHash is SHA-256(salt ‖ private part).
	PrivateHash []byte `json:"-"`
}

// LeafData is the leaf's input to the tree: a sequence of netstrings
// (length in decimal, a colon, the bytes, a comma), so that no two entries
// encode the same way:
//
//	"baqylau-ledger-v1", kind, ref in decimal, public JSON, private hash (32 raw bytes)
func (e Entry) LeafData() []byte {
	return e.appendLeafData(make([]byte, 0, 64+len(e.Public)+HashSize))
}

// appendLeafData appends LeafData to b.
func (e Entry) appendLeafData(b []byte) []byte {
	field := func(v []byte) {
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
		b = append(b, ',')
	}
	var ref [20]byte
	field([]byte(leafVersion))
	field([]byte(e.Kind))
	field(strconv.AppendInt(ref[:0], e.Ref, 10))
	field(e.Public)
	field(e.PrivateHash)
	return b
}

// LeafHash is the RFC 6962 hash of the entry's leaf: SHA-256(0x00 ‖
// LeafData), hashed in one buffer (the log hashes a leaf per report).
func (e Entry) LeafHash() []byte {
	h, _ := e.LeafHashWith(nil)
	return h
}

// LeafHashWith is LeafHash writing the leaf in scratch, which it returns
// (grown if it had to be) for the next leaf of a batch.
func (e Entry) LeafHashWith(scratch []byte) (hash, grown []byte) {
	b := e.appendLeafData(append(scratch[:0], rfc6962.RFC6962LeafHashPrefix))
	h := sha256.Sum256(b)
	return h[:], b
}

// HashLeaf is RFC 6962's leaf hash, SHA-256(0x00 ‖ data).
func HashLeaf(data []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(data) }

// HashChildren is RFC 6962's interior node hash, SHA-256(0x01 ‖ left ‖ right).
func HashChildren(l, r []byte) []byte { return rfc6962.DefaultHasher.HashChildren(l, r) }

// EmptyRoot is the root of the empty tree, SHA-256 of nothing.
func EmptyRoot() []byte { return rfc6962.DefaultHasher.EmptyRoot() }

// NewSalt returns a fresh random salt for a private part.
func NewSalt() []byte {
	s := make([]byte, SaltSize)
	// crypto/rand.Read never fails (Go 1.24+); it panics rather.
	_, _ = rand.Read(s)
	return s
}

// NewSalts returns n fresh salts from one read of the random source: a
// batch of reports needs hundreds.
func NewSalts(n int) [][]byte {
	b := make([]byte, n*SaltSize)
	_, _ = rand.Read(b)
	out := make([][]byte, n)
	for i := range out {
		out[i] = b[i*SaltSize : (i+1)*SaltSize : (i+1)*SaltSize]
	}
	return out
}

// PrivateHash returns SHA-256(salt ‖ private).
func PrivateHash(salt, private []byte) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write(private)
	return h.Sum(nil)
}

// Range is the compact range of a tree from leaf 0: the roots of its
// perfect subtrees, left to right, enough to append leaves and compute the
// root without reading the tree.
type Range struct{ r *compact.Range }

var factory = &compact.RangeFactory{Hash: hashChildren}

// NewRange returns the range of a tree of size leaves given its perfect
// subtree roots, as Hashes returned them.
func NewRange(size uint64, hashes [][]byte) (*Range, error) {
	r, err := factory.NewRange(0, size, hashes)
	if err != nil {
		return nil, fmt.Errorf("ledger: range of %d leaves: %w", size, err)
	}
	return &Range{r}, nil
}

// hashChildren is HashChildren in one buffer on the stack, for the range
// (a node completes with every other leaf appended).
func hashChildren(l, r []byte) []byte {
	if len(l) != HashSize || len(r) != HashSize {
		return HashChildren(l, r)
	}
	var b [1 + 2*HashSize]byte
	b[0] = rfc6962.RFC6962NodeHashPrefix
	copy(b[1:], l)
	copy(b[1+HashSize:], r)
	h := sha256.Sum256(b[:])
	return h[:]
}

// Node is a perfect subtree's root: level 0 is a leaf.
type Node struct {
	Level uint
	Index uint64
	Hash  []byte
}

// Append adds a leaf hash and returns the interior nodes it completed
// (level 1 and up), which proofs read later.
func (r *Range) Append(leafHash []byte) []Node {
	var made []Node
	err := r.r.Append(leafHash, func(id compact.NodeID, hash []byte) {
		if id.Level > 0 {
			made = append(made, Node{id.Level, id.Index, hash})
		}
	})
	if err != nil {
		// Append fails only on a range not starting at 0, which NewRange
		// never makes.
		panic(fmt.Sprintf("ledger: append: %v", err))
	}
	return made
}

// Size is the number of leaves.
func (r *Range) Size() uint64 { return r.r.End() }

// Hashes returns the perfect subtree roots, to store and pass to NewRange.
func (r *Range) Hashes() [][]byte { return r.r.Hashes() }

// Root returns the tree's root hash (EmptyRoot for no leaves).
func (r *Range) Root() []byte {
	if r.r.End() == 0 {
		return EmptyRoot()
	}
	root, err := r.r.GetRootHash(nil)
	if err != nil {
		panic(fmt.Sprintf("ledger: root: %v", err))
	}
	return root
}

// RootOf returns the root hash of the tree of the given leaf hashes.
func RootOf(leafHashes [][]byte) []byte {
	r, _ := NewRange(0, nil)
	for _, h := range leafHashes {
		r.Append(h)
	}
	return r.Root()
}

// NodeReader reads stored perfect subtree roots by level and index, for
// proofs: a proof needs O(log n) of them.
type NodeReader interface {
	ReadNodes(ctx context.Context, ids []compact.NodeID) ([][]byte, error)
}

// InclusionProof returns the audit path of leaf index in the tree of size
// leaves (RFC 9162 section 2.1.3).
func InclusionProof(ctx context.Context, nr NodeReader, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, baqylau.Errorf(baqylau.EINVALID, "leaf %d is not in a tree of %d leaves", index, size)
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "inclusion proof of leaf %d in %d: %v", index, size, err)
	}
	return rehash(ctx, nr, nodes)
}

// ConsistencyProof returns the proof that the tree of size2 leaves extends
// the tree of size1 (RFC 9162 section 2.1.4).
func ConsistencyProof(ctx context.Context, nr NodeReader, size1, size2 uint64) ([][]byte, error) {
	if size1 > size2 {
		return nil, baqylau.Errorf(baqylau.EINVALID, "first tree size %d is larger than the second, %d", size1, size2)
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, baqylau.Errorf(baqylau.EINVALID, "consistency proof from %d to %d: %v", size1, size2, err)
	}
	return rehash(ctx, nr, nodes)
}

func rehash(ctx context.Context, nr NodeReader, nodes proof.Nodes) ([][]byte, error) {
	if len(nodes.IDs) == 0 {
		return [][]byte{}, nil
	}
	hashes, err := nr.ReadNodes(ctx, nodes.IDs)
	if err != nil {
		return nil, err
	}
	p, err := nodes.Rehash(hashes, HashChildren)
	if err != nil {
		return nil, fmt.Errorf("ledger: proof: %w", err)
	}
	return p, nil
}

// VerifyInclusion checks that leafHash is leaf index of the tree of size
// leaves with the given root.
func VerifyInclusion(index, size uint64, leafHash []byte, path [][]byte, root []byte) error {
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leafHash, path, root); err != nil {
		return fmt.Errorf("ledger: leaf %d is not in the tree of %d leaves with root %s: %w", index, size, hex.EncodeToString(root), err)
	}
	return nil
}

// VerifyConsistency checks that the tree (size2, root2) extends the tree
// (size1, root1): the log only grew.
func VerifyConsistency(size1, size2 uint64, path [][]byte, root1, root2 []byte) error {
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, path, root1, root2); err != nil {
		return fmt.Errorf("ledger: the tree of %d leaves does not extend the tree of %d: %w", size2, size1, err)
	}
	return nil
}

// MemTree is a whole tree in memory, for the export's verifier and tests:
// it keeps every perfect subtree's root.
type MemTree struct {
	r     *Range
	nodes map[compact.NodeID][]byte
}

// NewMemTree returns an empty tree.
func NewMemTree() *MemTree {
	r, _ := NewRange(0, nil)
	return &MemTree{r: r, nodes: map[compact.NodeID][]byte{}}
}

// Append adds a leaf hash.
func (t *MemTree) Append(leafHash []byte) {
	t.nodes[compact.NewNodeID(0, t.r.Size())] = leafHash
	for _, n := range t.r.Append(leafHash) {
		t.nodes[compact.NewNodeID(n.Level, n.Index)] = n.Hash
	}
}

// Size is the number of leaves.
func (t *MemTree) Size() uint64 { return t.r.Size() }

// Root is the current root.
func (t *MemTree) Root() []byte { return t.r.Root() }

// RootAt is the root of the tree's first size leaves.
func (t *MemTree) RootAt(size uint64) ([]byte, error) {
	if size > t.Size() {
		return nil, baqylau.Errorf(baqylau.EINVALID, "the tree has %d leaves, not %d", t.Size(), size)
	}
	if size == 0 {
		return EmptyRoot(), nil
	}
	ids := compact.RangeNodes(0, size, nil)
	hashes, err := t.ReadNodes(context.Background(), ids)
	if err != nil {
		return nil, err
	}
	r, err := NewRange(size, hashes)
	if err != nil {
		return nil, err
	}
	return r.Root(), nil
}

// ReadNodes implements NodeReader.
func (t *MemTree) ReadNodes(_ context.Context, ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, ok := t.nodes[id]
		if !ok {
			return nil, fmt.Errorf("ledger: no node %d/%d", id.Level, id.Index)
		}
		out[i] = h
	}
	return out, nil
}
