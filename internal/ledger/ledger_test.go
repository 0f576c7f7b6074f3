package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// The RFC 6962 test data: the leaf inputs and the roots of the trees of
// their first 0 to 8 leaves, and audit paths and consistency proofs over
// them, from the Certificate Transparency reference implementation's
// merkle_tree_test.cc (google/certificate-transparency), as carried by
// transparency-dev/merkle's tests. Typed in here so that this package's
// tests check the hashing against the reference, not against itself.
var (
	vectorLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	vectorRoots  = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	// leaf is 1-based, as in the reference test.
	vectorInclusion = []struct {
		leaf, size uint64
		path       []string
	}{
		{1, 1, nil},
		{1, 8, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, []string{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{3, 3, []string{"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
		{2, 5, []string{"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	}
	vectorConsistency = []struct {
		size1, size2 uint64
		path         []string
	}{
		{1, 1, nil},
		{1, 8, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, []string{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 5, []string{"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
		{6, 7, []string{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	}
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhexAll(t *testing.T, list []string) [][]byte {
	out := [][]byte{}
	for _, s := range list {
		out = append(out, unhex(t, s))
	}
	return out
}

// vectorTree is the tree of the reference leaf inputs.
func vectorTree(t *testing.T) *MemTree {
	tree := NewMemTree()
	for _, l := range vectorLeaves {
		tree.Append(HashLeaf(unhex(t, l)))
	}
	return tree
}

func TestRFC6962Roots(t *testing.T) {
	tree := vectorTree(t)
	for size, want := range vectorRoots {
		got, err := tree.RootAt(uint64(size))
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != want {
			t.Errorf("root of %d leaves = %x, want %s", size, got, want)
		}
		var leaves [][]byte
		for _, l := range vectorLeaves[:size] {
			leaves = append(leaves, HashLeaf(unhex(t, l)))
		}
		if r := RootOf(leaves); hex.EncodeToString(r) != want {
			t.Errorf("RootOf %d leaves = %x, want %s", size, r, want)
		}
	}
}

func TestRFC6962Proofs(t *testing.T) {
	ctx := context.Background()
	for _, v := range vectorInclusion {
		tree := NewMemTree()
		for _, l := range vectorLeaves[:v.size] {
			tree.Append(HashLeaf(unhex(t, l)))
		}
		got, err := InclusionProof(ctx, tree, v.leaf-1, v.size)
		if err != nil {
			t.Fatal(err)
		}
		if want := unhexAll(t, v.path); !equalPaths(got, want) {
			t.Errorf("inclusion of leaf %d in %d = %x, want %x", v.leaf, v.size, got, want)
		}
		if err := VerifyInclusion(v.leaf-1, v.size, HashLeaf(unhex(t, vectorLeaves[v.leaf-1])), got, unhex(t, vectorRoots[v.size])); err != nil {
			t.Error(err)
		}
	}
	tree := vectorTree(t)
	for _, v := range vectorConsistency {
		got, err := ConsistencyProof(ctx, tree, v.size1, v.size2)
		if err != nil {
			t.Fatal(err)
		}
		if want := unhexAll(t, v.path); !equalPaths(got, want) {
			t.Errorf("consistency %d→%d = %x, want %x", v.size1, v.size2, got, want)
		}
		if err := VerifyConsistency(v.size1, v.size2, got, unhex(t, vectorRoots[v.size1]), unhex(t, vectorRoots[v.size2])); err != nil {
			t.Error(err)
		}
	}
}

func equalPaths(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// flip returns a copy of b with one random bit changed.
func flip(rng *rand.Rand, b []byte) []byte {
	c := bytes.Clone(b)
	i := rng.IntN(len(c) * 8)
	c[i/8] ^= 1 << (i % 8)
	return c
}

// flipPath changes one bit of one hash of path.
func flipPath(rng *rand.Rand, path [][]byte) [][]byte {
	c := make([][]byte, len(path))
	copy(c, path)
	i := rng.IntN(len(c))
	c[i] = flip(rng, c[i])
	return c
}

// TestRandomTrees builds random trees and checks that every inclusion and
// consistency proof verifies, and that one changed bit in the leaf, the
// path or the root makes it fail.
func TestRandomTrees(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []uint64{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 64, 100, 129, 255, 256, 257}
	for range 3 {
		sizes = append(sizes, 1+rng.Uint64N(300))
	}
	for _, n := range sizes {
		tree := NewMemTree()
		leaves := make([][]byte, n)
		roots := make([][]byte, n+1)
		roots[0] = EmptyRoot()
		for i := range leaves {
			// Distinct leaves: an index check means nothing between equal ones.
			data := binary.AppendUvarint(nil, uint64(i))
			for range rng.IntN(40) {
				data = append(data, byte(rng.Uint32()))
			}
			leaves[i] = HashLeaf(data)
			tree.Append(leaves[i])
			roots[i+1] = tree.Root()
		}
		root := roots[n]
		for i := range n {
			p, err := InclusionProof(ctx, tree, i, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(i, n, leaves[i], p, root); err != nil {
				t.Fatalf("size %d leaf %d: %v", n, i, err)
			}
			if VerifyInclusion(i, n, flip(rng, leaves[i]), p, root) == nil {
				t.Errorf("size %d leaf %d: a changed leaf verifies", n, i)
			}
			if VerifyInclusion(i, n, leaves[i], p, flip(rng, root)) == nil {
				t.Errorf("size %d leaf %d: a changed root verifies", n, i)
			}
			if len(p) > 0 && VerifyInclusion(i, n, leaves[i], flipPath(rng, p), root) == nil {
				t.Errorf("size %d leaf %d: a changed path verifies", n, i)
			}
			if n > 1 && VerifyInclusion((i+1)%n, n, leaves[i], p, root) == nil {
				t.Errorf("size %d leaf %d: the proof verifies at another index", n, i)
			}
		}
		// Consistency from every smaller size (every size for small trees).
		step := max(1, n/40)
		for m := uint64(1); m <= n; m += step {
			p, err := ConsistencyProof(ctx, tree, m, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(m, n, p, roots[m], root); err != nil {
				t.Fatalf("consistency %d→%d: %v", m, n, err)
			}
			if m == n {
				continue
			}
			if VerifyConsistency(m, n, p, flip(rng, roots[m]), root) == nil {
				t.Errorf("consistency %d→%d: a changed first root verifies", m, n)
			}
			if VerifyConsistency(m, n, p, roots[m], flip(rng, root)) == nil {
				t.Errorf("consistency %d→%d: a changed second root verifies", m, n)
			}
			if VerifyConsistency(m, n, flipPath(rng, p), roots[m], root) == nil {
				t.Errorf("consistency %d→%d: a changed proof verifies", m, n)
			}
		}
	}
}

// TestRangeRestart checks that a range rebuilt from its stored hashes
// goes on as the one that was never stored: what each batch relies on.
func TestRangeRestart(t *testing.T) {
	whole := NewMemTree()
	r, _ := NewRange(0, nil)
	for i := range 100 {
		h := HashLeaf([]byte{byte(i)})
		whole.Append(h)
		r.Append(h)
		var err error
		if r, err = NewRange(r.Size(), r.Hashes()); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.Root(), whole.Root()) {
			t.Fatalf("after %d leaves the restarted root differs", i+1)
		}
	}
}

func TestProofBadSizes(t *testing.T) {
	tree := vectorTree(t)
	if _, err := InclusionProof(context.Background(), tree, 8, 8); err == nil {
		t.Error("an inclusion proof of a leaf past the end was given")
	}
	if _, err := ConsistencyProof(context.Background(), tree, 5, 4); err == nil {
		t.Error("a consistency proof to a smaller tree was given")
	}
}

func nil2rng() *rand.Rand { return rand.New(rand.NewPCG(3, 4)) }
