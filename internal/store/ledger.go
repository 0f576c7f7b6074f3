package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/ledger"
	"github.com/baqylau/baqylau/internal/publish"
	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/triage"
)

// The tamper-evident log (internal/ledger). Every write that records a
// report, incident, triage decision or statement appends its leaves in its
// own transaction: a leaf exists exactly when its row does, and the
// indexes follow commit order without gaps, since every append reads and
// rewrites the one ledger_head row (on SQLite the single writer holds the
// file; on PostgreSQL the row is locked FOR UPDATE until the commit).

// logItem is a leaf on its way into the log.
type logItem struct {
	entry   ledger.Entry
	salt    []byte
	receipt string // of a report or incident, else empty
}

// logReports appends the new reports of a SaveReports batch: those whose
// ack is not a duplicate, completed as the store keeps them; answers[i]
// are batch[i]'s canonical answers.
func (db *DB) logReports(ctx context.Context, c conn, batch []report.Report, answers [][]byte, acks []report.Ack, received time.Time) error {
	items := make([]logItem, 0, len(batch))
	salts := ledger.NewSalts(len(batch))
	for i, r := range batch {
		if acks[i].Duplicate {
			continue
		}
		r.ID, r.Receipt, r.Flags = acks[i].ID, acks[i].Receipt, acks[i].Flags
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = received
		}
		r.ObservedAt, r.ReceivedAt = normTime(r.ObservedAt), normTime(r.ReceivedAt)
		salt := salts[i]
		items = append(items, logItem{ledger.ReportEntryOf(r, answers[i], salt), salt, r.Receipt})
	}
	return db.appendLog(ctx, c, items)
}

// logIncidents appends the new incidents of a SaveIncidents batch, read
// back as stored (their region is filled in by the store).
func (db *DB) logIncidents(ctx context.Context, c conn, acks []report.Ack) error {
	var ids []int64
	for _, a := range acks {
		if !a.Duplicate {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	stored, err := incidentsByID(ctx, c, ids)
	if err != nil {
		return fmt.Errorf("log incidents: %w", err)
	}
	items := make([]logItem, 0, len(ids))
	for _, id := range ids {
		in, ok := stored[id]
		if !ok {
			return fmt.Errorf("log incidents: incident %d not found", id)
		}
		salt := ledger.NewSalt()
		items = append(items, logItem{ledger.IncidentEntry(in, salt), salt, in.Receipt})
	}
	return db.appendLog(ctx, c, items)
}

// logDecision appends a triage decision, if the change made one.
func (db *DB) logDecision(ctx context.Context, c conn, incidentID int64, d *triage.Decision, id int64, at time.Time) error {
	if d == nil {
		return nil
	}
	dec := *d
	dec.ID, dec.IncidentID, dec.At = id, incidentID, normTime(at)
	salt := ledger.NewSalt()
	return db.appendLog(ctx, c, []logItem{{ledger.DecisionEntry(dec, salt), salt, ""}})
}

// logStatement appends a published statement.
func (db *DB) logStatement(ctx context.Context, c conn, s publish.Statement) error {
	salt := ledger.NewSalt()
	return db.appendLog(ctx, c, []logItem{{ledger.StatementEntry(s, salt), salt, ""}})
}

// appendLog gives items the next indexes, stores their leaves and the
// subtree roots they complete, and moves the head.
func (db *DB) appendLog(ctx context.Context, c conn, items []logItem) error {
	if len(items) == 0 || db.noLedger.Load() {
		return nil
	}
	var size, indexed int64
	var rangeHash []byte
	if err := c.queryRow(ctx, "SELECT size, range_hash, receipts_indexed FROM ledger_head WHERE id = 1"+db.forUpdate()).Scan(&size, &rangeHash, &indexed); err != nil {
		return fmt.Errorf("log: read head: %w", err)
	}
	r, err := ledger.NewRange(uint64(size), splitHashes(rangeHash))
	if err != nil {
		return fmt.Errorf("log: %w", err)
	}
	const entryCols = 8
	entries := make([]any, 0, len(items)*entryCols)
	var nodes []any
	var scratch []byte // each leaf is written here to be hashed
	for i := range items {
		it := &items[i]
		it.entry.Index = uint64(size) + uint64(i)
		var leaf []byte
		leaf, scratch = it.entry.LeafHashWith(scratch)
		for _, n := range r.Append(leaf) {
			if n.Level >= storedLevel {
				nodes = append(nodes, int64(n.Level), int64(n.Index), n.Hash)
			}
		}
		var receipt any
		if it.receipt != "" {
			receipt = receiptKey(it.receipt)
		}
		entries = append(entries, int64(it.entry.Index), string(it.entry.Kind), it.entry.Ref, string(it.entry.Public),
			it.salt, it.entry.PrivateHash, leaf, receipt)
	}
	if err := insertLogRows(ctx, c, ledgerEntriesTarget, entryCols, entries); err != nil {
		return fmt.Errorf("log: %w", err)
	}
	if err := insertLogRows(ctx, c, ledgerNodesTarget, 3, nodes); err != nil {
		return fmt.Errorf("log: %w", err)
	}
	if int64(r.Size())-indexed >= db.receiptBatch() {
		// Sorted, so that the keys share the pages they are written to.
		if _, err := c.exec(ctx, `INSERT INTO ledger_receipts (receipt_key, idx) SELECT receipt_key, idx FROM ledger_entries
			WHERE idx >= $1 AND receipt_key IS NOT NULL ORDER BY receipt_key, idx`, indexed); err != nil {
			return fmt.Errorf("log: index receipts: %w", err)
		}
		indexed = int64(r.Size())
	}
	_, err = c.exec(ctx, "UPDATE ledger_head SET size = $1, range_hash = $2, root = $3, receipts_indexed = $4 WHERE id = 1",
		int64(r.Size()), bytes.Join(r.Hashes(), nil), r.Root(), indexed)
	if err != nil {
		return fmt.Errorf("log: move head: %w", err)
	}
	return nil
}

// defaultReceiptBatch is how far receipts_indexed may fall behind the
// log's size before a batch indexes the entries since (see
// migrations/sqlite/0018_ledger_receipts.sql): the more, the more keys
// share each page written, and the longer the scan of the entries not yet
// indexed when a receipt is looked up.
const defaultReceiptBatch = 8192

func (db *DB) receiptBatch() int64 {
	if n := db.receiptsEvery.Load(); n > 0 {
		return n
	}
	return defaultReceiptBatch
}

// SetLedger turns the log on (the default) or off. Off exists only to
// measure what the log costs (BenchmarkReportIngestHTTPLedger): rows
// written meanwhile have no leaf, and `baqylau verify` names them.
func (db *DB) SetLedger(on bool) { db.noLedger.Store(!on) }

// storedLevel is the lowest level of interior nodes stored: a node below
// it covers at most 2^(storedLevel-1) leaves and is recomputed from them
// when a proof needs it (one range read). Storing every level would write
// about one node row per leaf; from level 4, one per 16 leaves.
const storedLevel = 4

// receiptKey is the index key of a receipt: its first 8 bytes as an
// integer, a quarter of the hex text's size in the index. Lookups then
// compare the full receipt in the candidates' public parts.
func receiptKey(receipt string) int64 {
	b, err := hex.DecodeString(receipt)
	if err != nil || len(b) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// The tables appendLog inserts into, with their columns.
const (
	ledgerEntriesTarget = "ledger_entries (idx, kind, ref, public, salt, private_hash, leaf_hash, receipt_key)"
	ledgerNodesTarget   = "ledger_nodes (level, idx, hash)"
)

// rowsInsert returns the INSERT of n rows of cols columns into target.
func rowsInsert(target string, cols, n int) string {
	return cachedInsert(insertKey{target, "rows", n}, func() string {
		return "INSERT INTO " + target + " VALUES " + valueRows(n, cols, "")
	})
}

// prepareLedger prepares the log's INSERTs on the SQLite writer in the
// chunk sizes SaveReports uses, as prepareHot does for the reports: a
// batch's leaves then cost no parsing.
func (db *DB) prepareLedger(ctx context.Context) error {
	for _, t := range []struct {
		target string
		cols   int
	}{{ledgerEntriesTarget, 8}, {ledgerNodesTarget, 3}} {
		for _, n := range sqliteChunks {
			q := rowsInsert(t.target, t.cols, n)
			stmt, err := db.write.PrepareContext(ctx, rebind(db.dialect, q))
			if err != nil {
				return fmt.Errorf("store: prepare insert of %d log rows: %w", n, err)
			}
			db.stmts.Store(q, stmt)
		}
	}
	return nil
}

// insertLogRows inserts args, cols to a row, into target ("table (cols)") in
// as few statements as the parameter limit allows, with the statements
// prepareLedger prepared where there is one.
func insertLogRows(ctx context.Context, c conn, target string, cols int, args []any) error {
	for start := 0; start < len(args); {
		n := chunkRows(c.dialect, (len(args)-start)/cols, maxParams/cols)
		chunk := args[start : start+n*cols]
		start += n * cols
		if _, err := c.execPrepared(ctx, rowsInsert(target, cols, n), chunk...); err != nil {
			return fmt.Errorf("insert into %s: %w", target[:strings.IndexByte(target, ' ')], err)
		}
	}
	return nil
}

func splitHashes(b []byte) [][]byte {
	out := make([][]byte, 0, len(b)/ledger.HashSize)
	for len(b) >= ledger.HashSize {
		out = append(out, b[:ledger.HashSize:ledger.HashSize])
		b = b[ledger.HashSize:]
	}
	return out
}

// incidentsByID reads incidents by id.
func incidentsByID(ctx context.Context, c conn, ids []int64) (map[int64]report.IncidentReport, error) {
	out := make(map[int64]report.IncidentReport, len(ids))
	for start := 0; start < len(ids); start += maxParams {
		var args params
		var ph []string
		for _, id := range ids[start:min(start+maxParams, len(ids))] {
			ph = append(ph, args.add(id))
		}
		list, err := queryAll(ctx, c, func(sc rowScanner) (report.IncidentReport, error) { return scanIncident(sc) },
			incidentSelect+" WHERE id IN ("+strings.Join(ph, ",")+")", args...)
		if err != nil {
			return nil, err
		}
		for _, in := range list {
			out[in.ID] = in
		}
	}
	return out, nil
}

// LedgerHead returns the log's current size and root (not yet signed).
func (db *DB) LedgerHead(ctx context.Context) (uint64, []byte, error) {
	var size int64
	var root []byte
	if err := db.reader().queryRow(ctx, "SELECT size, root FROM ledger_head WHERE id = 1").Scan(&size, &root); err != nil {
		return 0, nil, fmt.Errorf("store: ledger head: %w", err)
	}
	return uint64(size), root, nil
}

// SignTreeHead signs the log's current head with s and stores it, unless
// the latest signed head has the same size and is younger than maxAge:
// then that one is returned, and signed is false.
func (db *DB) SignTreeHead(ctx context.Context, s *ledger.Signer, maxAge time.Duration) (h ledger.TreeHead, signed bool, err error) {
	size, root, err := db.LedgerHead(ctx)
	if err != nil {
		return h, false, err
	}
	latest, err := db.LatestTreeHead(ctx)
	switch {
	case err == nil && latest.Size == size && time.Since(latest.Timestamp) < maxAge:
		return latest, false, nil
	case err != nil && baqylau.ErrorCode(err) != baqylau.ENOTFOUND:
		return h, false, err
	}
	h = s.Sign(size, root, time.Now())
	pub := s.Public()
	err = db.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "INSERT INTO ledger_tree_heads (size, root, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)",
			int64(h.Size), []byte(h.Root), db.timeArg(h.Timestamp), h.KeyID, []byte(h.Signature)); err != nil {
			return err
		}
		_, err := c.exec(ctx, `INSERT INTO ledger_keys (key_id, public_key, first_used, last_used) VALUES ($1, $2, $3, $3)
			ON CONFLICT (key_id) DO UPDATE SET last_used = excluded.last_used`, pub.ID, []byte(pub.Key), db.timeArg(h.Timestamp))
		return err
	})
	if err != nil {
		return h, false, fmt.Errorf("store: sign tree head of size %d: %w", size, err)
	}
	return h, true, nil
}

const treeHeadSelect = "SELECT size, root, signed_at, key_id, signature FROM ledger_tree_heads"

func scanTreeHead(sc rowScanner) (ledger.TreeHead, error) {
	var h ledger.TreeHead
	var size int64
	var root, sig []byte
	if err := sc.Scan(&size, &root, timeScan{&h.Timestamp}, &h.KeyID, &sig); err != nil {
		return h, err
	}
	h.Size, h.Root, h.Signature = uint64(size), root, sig
	return h, nil
}

// LatestTreeHead returns the latest signed tree head (ENOTFOUND if none).
func (db *DB) LatestTreeHead(ctx context.Context) (ledger.TreeHead, error) {
	h, err := scanTreeHead(db.reader().queryRow(ctx, treeHeadSelect+" ORDER BY size DESC, signed_at DESC LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "no tree head is signed yet")
	}
	if err != nil {
		return h, fmt.Errorf("store: latest tree head: %w", err)
	}
	return h, nil
}

// TreeHeads lists every signed tree head, oldest first.
func (db *DB) TreeHeads(ctx context.Context) ([]ledger.TreeHead, error) {
	list, err := queryAll(ctx, db.reader(), scanTreeHead, treeHeadSelect+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: tree heads: %w", err)
	}
	return list, nil
}

// LedgerKeys lists every key that signed a tree head, with when. The key
// in use has no Until.
func (db *DB) LedgerKeys(ctx context.Context) ([]ledger.PublicKey, error) {
	list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (ledger.PublicKey, error) {
		var k ledger.PublicKey
		var until time.Time
		var key []byte
		err := sc.Scan(&k.ID, &key, timeScan{&k.From}, timeScan{&until})
		k.Key, k.Until = key, &until
		return k, err
	}, "SELECT key_id, public_key, first_used, last_used FROM ledger_keys ORDER BY first_used")
	if err != nil {
		return nil, fmt.Errorf("store: ledger keys: %w", err)
	}
	if len(list) > 0 {
		list[len(list)-1].Until = nil // still signing
	}
	return list, nil
}

// ReadNodes implements ledger.NodeReader: leaves from ledger_entries,
// nodes from storedLevel up from ledger_nodes, and the few below that
// recomputed from their leaves.
func (db *DB) ReadNodes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	var args params
	var leaves, nodes []string
	for _, id := range ids {
		switch {
		case id.Level >= storedLevel:
			nodes = append(nodes, "(level = "+args.add(int64(id.Level))+" AND idx = "+args.add(int64(id.Index))+")")
		default:
			// Every leaf under the node: 2^level of them, at most 8.
			begin, end := id.Coverage()
			leaves = append(leaves, "(idx >= "+args.add(int64(begin))+" AND idx < "+args.add(int64(end))+")")
		}
	}
	got := map[compact.NodeID][]byte{}
	var q []string
	if len(leaves) > 0 {
		q = append(q, "SELECT 0, idx, leaf_hash FROM ledger_entries WHERE "+strings.Join(leaves, " OR "))
	}
	if len(nodes) > 0 {
		q = append(q, "SELECT level, idx, hash FROM ledger_nodes WHERE "+strings.Join(nodes, " OR "))
	}
	_, err := queryAll(ctx, db.reader(), func(sc rowScanner) (bool, error) {
		var level, idx int64
		var h []byte
		err := sc.Scan(&level, &idx, &h)
		got[compact.NewNodeID(uint(level), uint64(idx))] = h
		return true, err
	}, strings.Join(q, " UNION ALL "), args...)
	if err != nil {
		return nil, fmt.Errorf("store: read %d tree nodes: %w", len(ids), err)
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if out[i] = subtreeHash(got, id); out[i] == nil {
			return nil, fmt.Errorf("store: tree node %d/%d is missing", id.Level, id.Index)
		}
	}
	return out, nil
}

// subtreeHash returns the hash of node id from got, folding its leaves
// for a node below storedLevel; nil if one is missing.
func subtreeHash(got map[compact.NodeID][]byte, id compact.NodeID) []byte {
	if h, ok := got[id]; ok || id.Level == 0 || id.Level >= storedLevel {
		return h
	}
	l := subtreeHash(got, compact.NewNodeID(id.Level-1, 2*id.Index))
	r := subtreeHash(got, compact.NewNodeID(id.Level-1, 2*id.Index+1))
	if l == nil || r == nil {
		return nil
	}
	return ledger.HashChildren(l, r)
}

const ledgerEntrySelect = "SELECT idx, kind, ref, public, private_hash FROM ledger_entries"

func scanLedgerEntry(sc rowScanner) (ledger.Entry, error) {
	var e ledger.Entry
	var idx int64
	var kind, public string
	err := sc.Scan(&idx, &kind, &e.Ref, &public, &e.PrivateHash)
	e.Index, e.Kind, e.Public = uint64(idx), ledger.Kind(kind), []byte(public)
	return e, err
}

// LedgerEntry returns the entry at index (ENOTFOUND if none).
func (db *DB) LedgerEntry(ctx context.Context, index uint64) (ledger.Entry, error) {
	e, err := scanLedgerEntry(db.reader().queryRow(ctx, ledgerEntrySelect+" WHERE idx = $1", int64(index)))
	if errors.Is(err, sql.ErrNoRows) {
		err = baqylau.Errorf(baqylau.ENOTFOUND, "no log entry %d", index)
	}
	if err != nil {
		return e, fmt.Errorf("store: log entry %d: %w", index, err)
	}
	return e, nil
}

// LedgerEntryByReceipt returns the entry of the report or incident with
// receipt (ENOTFOUND if none).
func (db *DB) LedgerEntryByReceipt(ctx context.Context, receipt string) (ledger.Entry, error) {
	// The entries indexed in ledger_receipts, then those after, scanned.
	list, err := queryAll(ctx, db.reader(), scanLedgerEntry, ledgerEntrySelect+
		" WHERE idx IN (SELECT idx FROM ledger_receipts WHERE receipt_key = $1) UNION ALL "+
		ledgerEntrySelect+" WHERE idx >= (SELECT receipts_indexed FROM ledger_head WHERE id = 1) AND receipt_key = $1 ORDER BY 1",
		receiptKey(receipt))
	if err != nil {
		return ledger.Entry{}, fmt.Errorf("store: log entry of receipt: %w", err)
	}
	for _, e := range list {
		var pub struct {
			Receipt string `json:"receipt"`
		}
		if json.Unmarshal(e.Public, &pub) == nil && pub.Receipt == receipt {
			return e, nil
		}
	}
	return ledger.Entry{}, fmt.Errorf("store: log entry of receipt: %w", baqylau.Errorf(baqylau.ENOTFOUND, "no log entry has receipt %q", receipt))
}

// LedgerEntries returns up to limit entries from index from, in order.
func (db *DB) LedgerEntries(ctx context.Context, from uint64, limit int) ([]ledger.Entry, error) {
	list, err := queryAll(ctx, db.reader(), scanLedgerEntry, ledgerEntrySelect+" WHERE idx >= $1 ORDER BY idx LIMIT $2", int64(from), limit)
	if err != nil {
		return nil, fmt.Errorf("store: log entries from %d: %w", from, err)
	}
	return list, nil
}
