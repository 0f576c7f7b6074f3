package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/baqylau/baqylau/internal/ledger"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/triage"
)

// verifyPage is how many entries the check reads at a time.
const verifyPage = 2000

// VerifyLedger is the operator's check of the database against its log
// (`baqylau verify --db`): every row recorded in the log must still give
// its leaf, every leaf must still give the signed tree heads, and every
// row must have a leaf. It names each entry and row that fails. It reads
// everything once, in pages; it changes nothing.
func (db *DB) VerifyLedger(ctx context.Context) (ledger.CheckReport, error) {
	var rep ledger.CheckReport
	if err := db.verifyTree(ctx, &rep); err != nil {
		return rep, fmt.Errorf("store: verify log: %w", err)
	}
	for _, k := range ledger.Kinds {
		if err := db.verifyRows(ctx, k, &rep); err != nil {
			return rep, fmt.Errorf("store: verify log %ss: %w", k, err)
		}
	}
	if err := db.verifyUnlogged(ctx, &rep); err != nil {
		return rep, fmt.Errorf("store: verify log: %w", err)
	}
	return rep, nil
}

// verifyTree rebuilds the tree from the stored leaves, checks each leaf
// against its stored parts, and the roots against every signed tree head
// and the head row.
func (db *DB) verifyTree(ctx context.Context, rep *ledger.CheckReport) error {
	heads, err := db.TreeHeads(ctx)
	if err != nil {
		return err
	}
	keys, err := db.LedgerKeys(ctx)
	if err != nil {
		return err
	}
	bySize := map[uint64][]ledger.TreeHead{}
	for _, h := range heads {
		if err := h.Verify(keys); err != nil {
			rep.Findings = append(rep.Findings, ledger.Finding{Problem: ledger.ProblemTree, Detail: err.Error()})
			continue
		}
		bySize[h.Size] = append(bySize[h.Size], h)
	}
	checkRoot := func(size uint64, root []byte) {
		for _, h := range bySize[size] {
			rep.Heads++
			if !bytes.Equal(h.Root, root) {
				rep.Findings = append(rep.Findings, ledger.Finding{Problem: ledger.ProblemTree,
					Detail: fmt.Sprintf("the leaves no longer give the tree head of size %d signed at %s", size, h.Timestamp.Format("2006-01-02T15:04:05Z"))})
			}
		}
	}
	r, _ := ledger.NewRange(0, nil)
	checkRoot(0, r.Root())
	for {
		var rows []struct {
			e    ledger.Entry
			leaf []byte
		}
		_, err := queryAll(ctx, db.reader(), func(sc rowScanner) (bool, error) {
			var e ledger.Entry
			var idx int64
			var kind, public string
			var leaf []byte
			err := sc.Scan(&idx, &kind, &e.Ref, &public, &e.PrivateHash, &leaf)
			e.Index, e.Kind, e.Public = uint64(idx), ledger.Kind(kind), []byte(public)
			rows = append(rows, struct {
				e    ledger.Entry
				leaf []byte
			}{e, leaf})
			return true, err
		}, "SELECT idx, kind, ref, public, private_hash, leaf_hash FROM ledger_entries WHERE idx >= $1 ORDER BY idx LIMIT $2",
			int64(r.Size()), verifyPage)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		var made []ledger.Node
		for _, row := range rows {
			if row.e.Index != r.Size() {
				rep.Findings = append(rep.Findings, ledger.Finding{Index: r.Size(), Problem: ledger.ProblemDeleted,
					Detail: fmt.Sprintf("leaves %d to %d are missing from the log", r.Size(), row.e.Index-1)})
				return nil // the tree cannot be rebuilt past a gap
			}
			if !bytes.Equal(row.e.LeafHash(), row.leaf) {
				rep.Findings = append(rep.Findings, ledger.Finding{Index: row.e.Index, Kind: row.e.Kind, Ref: row.e.Ref,
					Problem: ledger.ProblemLeaf, Detail: "the stored leaf hash is not the hash of the stored entry"})
			}
			// The stored leaf is what proofs serve: the tree is rebuilt
			// from it, and checked against the signed heads.
			made = append(made, r.Append(row.leaf)...)
			checkRoot(r.Size(), r.Root())
		}
		if err := db.verifyNodes(ctx, made, rep); err != nil {
			return err
		}
	}
	rep.Size = r.Size()
	size, root, err := db.LedgerHead(ctx)
	if err != nil {
		return err
	}
	if size != r.Size() || !bytes.Equal(root, r.Root()) {
		rep.Findings = append(rep.Findings, ledger.Finding{Problem: ledger.ProblemTree,
			Detail: fmt.Sprintf("the head row says %d leaves with root %x; the leaves give %d with root %x", size, root, r.Size(), r.Root())})
	}
	for s := range bySize {
		if s > r.Size() {
			rep.Findings = append(rep.Findings, ledger.Finding{Problem: ledger.ProblemTree,
				Detail: fmt.Sprintf("a tree head of size %d was signed, but the log has only %d leaves", s, r.Size())})
		}
	}
	return nil
}

// verifyNodes compares the interior nodes the leaves give with the stored
// ones that proofs serve. The nodes one page of leaves completes are a
// contiguous run on each level, so each level is one range read.
func (db *DB) verifyNodes(ctx context.Context, made []ledger.Node, rep *ledger.CheckReport) error {
	byLevel := map[uint][]ledger.Node{}
	for _, n := range made {
		if n.Level >= storedLevel {
			byLevel[n.Level] = append(byLevel[n.Level], n)
		}
	}
	for level, want := range byLevel {
		first, last := want[0].Index, want[len(want)-1].Index
		stored := make(map[uint64][]byte, len(want))
		_, err := queryAll(ctx, db.reader(), func(sc rowScanner) (bool, error) {
			var idx int64
			var h []byte
			err := sc.Scan(&idx, &h)
			stored[uint64(idx)] = h
			return true, err
		}, "SELECT idx, hash FROM ledger_nodes WHERE level = $1 AND idx >= $2 AND idx <= $3", int64(level), int64(first), int64(last))
		if err != nil {
			return err
		}
		for _, n := range want {
			if !bytes.Equal(stored[n.Index], n.Hash) {
				rep.Findings = append(rep.Findings, ledger.Finding{Problem: ledger.ProblemTree,
					Detail: fmt.Sprintf("stored tree node %d/%d differs from what the leaves give: proofs through it fail", n.Level, n.Index)})
			}
		}
	}
	return nil
}

// recomputed is an entry recomputed from its row; erased says the row's
// text was erased (people.ErasedMark), legitimately changing its private
// part.
type recomputed struct {
	entry  ledger.Entry
	erased bool
}

// entryOf recomputes the entries of rows of kind by id with their salts.
type entryOf func(ctx context.Context, ids []int64, salts map[int64][]byte) (map[int64]recomputed, error)

// hasMark says whether any of texts carries the erasure mark.
func hasMark(texts ...string) bool {
	for _, t := range texts {
		if strings.Contains(t, people.ErasedMark) {
			return true
		}
	}
	return false
}

// verifyRows recomputes each entry of kind from its row.
func (db *DB) verifyRows(ctx context.Context, kind ledger.Kind, rep *ledger.CheckReport) error {
	recompute := db.entryFunc(kind)
	after := int64(-1)
	for {
		type stored struct {
			idx, ref   int64
			salt, leaf []byte
			public     string
		}
		list, err := queryAll(ctx, db.reader(), func(sc rowScanner) (stored, error) {
			var s stored
			return s, sc.Scan(&s.idx, &s.ref, &s.salt, &s.leaf, &s.public)
		}, "SELECT idx, ref, salt, leaf_hash, public FROM ledger_entries WHERE kind = $1 AND idx > $2 ORDER BY idx LIMIT $3",
			string(kind), after, verifyPage)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		after = list[len(list)-1].idx
		ids := make([]int64, len(list))
		salts := make(map[int64][]byte, len(list))
		for i, s := range list {
			ids[i], salts[s.ref] = s.ref, s.salt
		}
		got, err := recompute(ctx, ids, salts)
		if err != nil {
			return err
		}
		for _, s := range list {
			f := ledger.Finding{Index: uint64(s.idx), Kind: kind, Ref: s.ref}
			rc, ok := got[s.ref]
			e := rc.entry
			switch {
			case !ok:
				f.Problem, f.Detail = ledger.ProblemDeleted, fmt.Sprintf("the %s row is gone", kind)
			case bytes.Equal(e.LeafHash(), s.leaf):
				continue
			case string(e.Public) != s.public:
				f.Problem, f.Detail = ledger.ProblemChanged, fmt.Sprintf("public part was %s, is now %s", s.public, e.Public)
			case rc.erased:
				// `baqylau erase` replaced personal text with the mark: the
				// public part still holds, the private one cannot.
				f.Problem, f.Detail = ledger.ProblemErased, "personal text was erased (baqylau erase); the public part is unchanged"
			default:
				f.Problem, f.Detail = ledger.ProblemChanged, "a private field changed (who, when exactly, free text or flags)"
			}
			rep.Findings = append(rep.Findings, f)
		}
	}
}

// entryFunc returns how to recompute the entries of kind from their rows.
func (db *DB) entryFunc(kind ledger.Kind) entryOf {
	c := db.reader()
	in := func(ids []int64) (string, params) {
		var args params
		ph := make([]string, len(ids))
		for i, id := range ids {
			ph[i] = args.add(id)
		}
		return " WHERE id IN (" + strings.Join(ph, ",") + ")", args
	}
	return func(ctx context.Context, ids []int64, salts map[int64][]byte) (map[int64]recomputed, error) {
		out := map[int64]recomputed{}
		where, args := in(ids)
		var err error
		switch kind {
		case ledger.KindReport:
			_, err = queryAll(ctx, c, func(sc rowScanner) (bool, error) {
				r, err := scanReport(sc)
				if err != nil {
					return false, err
				}
				e, err := ledger.ReportEntry(r, salts[r.ID])
				var texts []string
				for _, v := range r.Answers {
					texts = append(texts, string(v))
				}
				out[r.ID] = recomputed{e, hasMark(texts...)}
				return true, err
			}, reportSelect+where, args...)
		case ledger.KindIncident:
			_, err = queryAll(ctx, c, func(sc rowScanner) (bool, error) {
				i, err := scanIncident(sc)
				out[i.ID] = recomputed{ledger.IncidentEntry(i, salts[i.ID]), hasMark(i.Description)}
				return true, err
			}, incidentSelect+where, args...)
		case ledger.KindDecision:
			_, err = queryAll(ctx, c, func(sc rowScanner) (bool, error) {
				var d triage.Decision
				var action string
				var dup sql.NullInt64
				err := sc.Scan(&d.ID, &d.IncidentID, &action, &d.Note, &d.Message, &dup, &d.By, timeScan{&d.At})
				d.Action, d.DuplicateOf = triage.Action(action), dup.Int64
				out[d.ID] = recomputed{ledger.DecisionEntry(d, salts[d.ID]), hasMark(d.Note, d.Message)}
				return true, err
			}, "SELECT id, incident_id, action, note, message, duplicate_of, decided_by, decided_at FROM incident_decisions"+where, args...)
		case ledger.KindStatement:
			_, err = queryAll(ctx, c, func(sc rowScanner) (bool, error) {
				s, err := scanStatement(sc)
				out[s.ID] = recomputed{ledger.StatementEntry(s, salts[s.ID]), false}
				return true, err
			}, "SELECT "+statementCols+" FROM statements"+where, args...)
		default:
			err = fmt.Errorf("unknown kind %q", kind)
		}
		return out, err
	}
}

// unloggedLimit bounds how many rows without a leaf are named per kind.
const unloggedLimit = 1000

// verifyUnlogged names rows that have no leaf: added behind the
// application's back (or stored before the log existed).
func (db *DB) verifyUnlogged(ctx context.Context, rep *ledger.CheckReport) error {
	tables := map[ledger.Kind]string{ledger.KindReport: "reports", ledger.KindIncident: "incidents",
		ledger.KindDecision: "incident_decisions", ledger.KindStatement: "statements"}
	for _, k := range ledger.Kinds {
		ids, err := queryAll(ctx, db.reader(), func(sc rowScanner) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		}, "SELECT t.id FROM "+tables[k]+" t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.kind = $1 AND e.ref = t.id) ORDER BY t.id LIMIT $2",
			string(k), unloggedLimit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			rep.Findings = append(rep.Findings, ledger.Finding{Kind: k, Ref: id, Problem: ledger.ProblemNotInLog,
				Detail: "the row has no leaf: added behind the application's back, or stored before the log existed"})
		}
	}
	return nil
}

// shredErasedSalts forgets the salts of the log entries whose rows carry
// the erasure mark, in the erasure's transaction: without its salt the
// private hash of erased text cannot be tested against guesses. The
// operator's check then reports those entries as erased (their public part
// is still checked). It scans the rows for the mark: erasure is rare and
// done after the election.
func (db *DB) shredErasedSalts(ctx context.Context, c conn) error {
	mark := "%" + likeEscape(people.ErasedMark) + "%"
	_, err := c.exec(ctx, `UPDATE ledger_entries SET salt = substr(salt, 1, 0) WHERE length(salt) > 0 AND (
		(kind = 'incident' AND ref IN (SELECT id FROM incidents WHERE description LIKE $1 ESCAPE '\')) OR
		(kind = 'decision' AND ref IN (SELECT id FROM incident_decisions WHERE note LIKE $1 ESCAPE '\' OR message LIKE $1 ESCAPE '\')) OR
		(kind = 'report' AND ref IN (SELECT id FROM reports WHERE answers LIKE $1 ESCAPE '\')))`, mark)
	if err != nil {
		return fmt.Errorf("log: shred salts of erased entries: %w", err)
	}
	return nil
}
