-- The tamper-evident log (internal/ledger, store/ledger.go).
--
-- ledger_head is one row: the log's size, the perfect subtree roots of
-- its compact range (32-byte hashes, concatenated) and its root. Each
-- batch reads it, appends its leaves and writes it back in the batch's
-- own transaction, so leaves get gapless indexes in commit order.
CREATE TABLE ledger_head (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	size       INTEGER NOT NULL,
	range_hash BLOB NOT NULL,
	root       BLOB NOT NULL
) STRICT;
INSERT INTO ledger_head (id, size, range_hash, root)
	VALUES (1, 0, X'', X'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- One row a leaf. salt stays in the database: the export has only
-- private_hash = SHA-256(salt ‖ private part).
CREATE TABLE ledger_entries (
	idx          INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	ref          INTEGER NOT NULL,
	public       TEXT NOT NULL,
	salt         BLOB NOT NULL,
	private_hash BLOB NOT NULL,
	leaf_hash    BLOB NOT NULL,
	receipt_key  INTEGER, -- the receipt's first 8 bytes, of reports and incidents (store.receiptKey)
	UNIQUE (kind, ref)
) STRICT;
CREATE INDEX ledger_entries_receipt ON ledger_entries (receipt_key) WHERE receipt_key IS NOT NULL;

-- The roots of the tree's perfect subtrees from level 4 up (those below
-- are recomputed from at most 8 leaves), so that a proof reads O(log n)
-- rows.
CREATE TABLE ledger_nodes (
	level INTEGER NOT NULL,
	idx   INTEGER NOT NULL,
	hash  BLOB NOT NULL,
	PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

-- Signed tree heads, as published.
CREATE TABLE ledger_tree_heads (
	id        INTEGER PRIMARY KEY,
	size      INTEGER NOT NULL,
	root      BLOB NOT NULL,
	signed_at TEXT NOT NULL,
	key_id    TEXT NOT NULL,
	signature BLOB NOT NULL
) STRICT;
CREATE INDEX ledger_tree_heads_size ON ledger_tree_heads (size);

-- Every key that signed a tree head, with the first and last time it did.
CREATE TABLE ledger_keys (
	key_id     TEXT PRIMARY KEY,
	public_key BLOB NOT NULL,
	first_used TEXT NOT NULL,
	last_used  TEXT NOT NULL
) STRICT;
