package web

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/baqylau/baqylau"
	"github.com/baqylau/baqylau/internal/ledger"
)

// The tamper-evident log's public side (docs/ledger.md): the latest
// signed tree head and the keys, inclusion and consistency proofs, the
// entries and the whole export, and the press centre's page about it.
// Everything here is public: the log holds only public parts and hashes.

// ledgerStore is what the log's routes read; the store package's DB
// implements it.
type ledgerStore interface {
	ledger.NodeReader
	LedgerHead(ctx context.Context) (uint64, []byte, error)
	LatestTreeHead(ctx context.Context) (ledger.TreeHead, error)
	TreeHeads(ctx context.Context) ([]ledger.TreeHead, error)
	LedgerKeys(ctx context.Context) ([]ledger.PublicKey, error)
	LedgerEntry(ctx context.Context, index uint64) (ledger.Entry, error)
	LedgerEntryByReceipt(ctx context.Context, receipt string) (ledger.Entry, error)
	LedgerEntries(ctx context.Context, from uint64, limit int) ([]ledger.Entry, error)
}

type ledgerAPI struct {
	s  *Server
	st ledgerStore // nil when the store keeps no log
}

func (s *Server) ledgerRoutes() []route {
	l := &ledgerAPI{s: s}
	l.st, _ = s.cfg.Reports.(ledgerStore)
	return []route{
		{pattern: "GET /press/ledger", roles: public, h: l.showLedger},
		{pattern: "GET /api/v1/ledger/tree-head", roles: public, api: true, h: l.apiTreeHead},
		{pattern: "GET /api/v1/ledger/keys", roles: public, api: true, h: l.apiKeys},
		{pattern: "GET /api/v1/ledger/proof/inclusion", roles: public, api: true, h: l.apiInclusion},
		{pattern: "GET /api/v1/ledger/proof/consistency", roles: public, api: true, h: l.apiConsistency},
		{pattern: "GET /api/v1/ledger/entries", roles: public, api: true, h: l.apiEntries},
		{pattern: "GET /api/v1/ledger/export", roles: public, api: true, h: l.apiExport},
	}
}

func (l *ledgerAPI) store() (ledgerStore, error) {
	if l.st == nil {
		return nil, baqylau.Errorf(baqylau.EINTERNAL, "web: the store keeps no log")
	}
	return l.st, nil
}

func (l *ledgerAPI) apiTreeHead(w http.ResponseWriter, r *http.Request) {
	st, err := l.store()
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	h, err := st.LatestTreeHead(r.Context())
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=5")
	l.s.writeJSON(w, http.StatusOK, h)
}

func (l *ledgerAPI) apiKeys(w http.ResponseWriter, r *http.Request) {
	st, err := l.store()
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	keys, err := st.LedgerKeys(r.Context())
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	l.s.writeJSON(w, http.StatusOK, map[string]any{"public_keys": keys})
}

// InclusionAnswer is the inclusion proof API's answer.
type inclusionAnswer struct {
	Entry     ledger.ExportEntry `json:"entry"`
	LeafHash  ledger.Hex         `json:"leaf_hash"`
	TreeSize  uint64             `json:"tree_size"`
	AuditPath []ledger.Hex       `json:"audit_path"`
}

// sizeParam reads a tree size parameter; def when absent.
func sizeParam(r *http.Request, name string, def uint64) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil {
		return 0, baqylau.Errorf(baqylau.EINVALID, "query parameter %s: %q is not a whole number", name, v)
	}
	return n, nil
}

// inclusion finds the entry of ?receipt= (or ?index=) and proves it in
// the tree of ?tree_size= leaves (default: the latest signed head's).
func (l *ledgerAPI) inclusion(r *http.Request) (inclusionAnswer, error) {
	st, err := l.store()
	if err != nil {
		return inclusionAnswer{}, err
	}
	ctx := r.Context()
	q := r.URL.Query()
	var e ledger.Entry
	switch receipt := strings.ToLower(strings.TrimSpace(q.Get("receipt"))); {
	case receipt != "":
		if b, err := hex.DecodeString(receipt); err != nil || len(b) != ledger.HashSize {
			return inclusionAnswer{}, baqylau.Errorf(baqylau.EINVALID, "query parameter receipt: a receipt is 64 hex digits")
		}
		e, err = st.LedgerEntryByReceipt(ctx, receipt)
	case q.Get("index") != "":
		var i uint64
		if i, err = sizeParam(r, "index", 0); err == nil {
			e, err = st.LedgerEntry(ctx, i)
		}
	default:
		err = baqylau.Errorf(baqylau.EINVALID, "give receipt or index")
	}
	if err != nil {
		return inclusionAnswer{}, err
	}
	var def uint64
	if h, err := st.LatestTreeHead(ctx); err == nil {
		def = h.Size
	} else if baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
		return inclusionAnswer{}, err
	}
	size, err := sizeParam(r, "tree_size", def)
	if err != nil {
		return inclusionAnswer{}, err
	}
	if err := l.checkSize(ctx, st, size); err != nil {
		return inclusionAnswer{}, err
	}
	if e.Index >= size {
		return inclusionAnswer{}, baqylau.Errorf(baqylau.ENOTFOUND, "entry %d is not yet in a signed tree head of %d leaves; try again in a minute", e.Index, size)
	}
	path, err := ledger.InclusionProof(ctx, st, e.Index, size)
	if err != nil {
		return inclusionAnswer{}, err
	}
	return inclusionAnswer{Entry: e.ToExport(), LeafHash: e.LeafHash(), TreeSize: size, AuditPath: hexes(path)}, nil
}

// checkSize refuses a tree size larger than the log.
func (l *ledgerAPI) checkSize(ctx context.Context, st ledgerStore, size uint64) error {
	have, _, err := st.LedgerHead(ctx)
	if err != nil {
		return err
	}
	if size > have {
		return baqylau.Errorf(baqylau.EINVALID, "tree size %d is larger than the log (%d leaves)", size, have)
	}
	return nil
}

func hexes(path [][]byte) []ledger.Hex {
	out := make([]ledger.Hex, len(path))
	for i, p := range path {
		out[i] = p
	}
	return out
}

func (l *ledgerAPI) apiInclusion(w http.ResponseWriter, r *http.Request) {
	a, err := l.inclusion(r)
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	l.s.writeJSON(w, http.StatusOK, a)
}

func (l *ledgerAPI) apiConsistency(w http.ResponseWriter, r *http.Request) {
	st, err := l.store()
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	q := r.URL.Query()
	if q.Get("first") == "" || q.Get("second") == "" {
		l.s.apiError(w, r, baqylau.Errorf(baqylau.EINVALID, "give first and second, the two tree sizes"))
		return
	}
	first, err := sizeParam(r, "first", 0)
	if err == nil {
		var second uint64
		if second, err = sizeParam(r, "second", 0); err == nil {
			if err = l.checkSize(r.Context(), st, second); err == nil {
				var path [][]byte
				if path, err = ledger.ConsistencyProof(r.Context(), st, first, second); err == nil {
					l.s.writeJSON(w, http.StatusOK, map[string]any{"first": first, "second": second, "consistency_path": hexes(path)})
					return
				}
			}
		}
	}
	l.s.apiError(w, r, err)
}

// entriesPage bounds the entries of one answer of /ledger/entries.
const entriesPage = 1000

func (l *ledgerAPI) apiEntries(w http.ResponseWriter, r *http.Request) {
	st, err := l.store()
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	from, err := sizeParam(r, "from", 0)
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	list, err := st.LedgerEntries(r.Context(), from, entriesPage)
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	out := make([]ledger.ExportEntry, len(list))
	for i, e := range list {
		out[i] = e.ToExport()
	}
	l.s.writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

// exportPage is how many entries the export reads at a time.
const exportPage = 5000

// apiExport streams the whole public log (ledger.Export) up to the latest
// signed tree head, page by page: a log of millions of entries is never
// held in memory.
func (l *ledgerAPI) apiExport(w http.ResponseWriter, r *http.Request) {
	st, err := l.store()
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	ctx := r.Context()
	keys, err := st.LedgerKeys(ctx)
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	heads, err := st.TreeHeads(ctx)
	if err != nil {
		l.s.apiError(w, r, err)
		return
	}
	var size uint64
	for _, h := range heads {
		size = max(size, h.Size)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="baqylau-ledger.json"`)
	head, _ := json.Marshal(map[string]any{"format": ledger.ExportFormat, "public_keys": keys, "tree_heads": heads})
	// The entries go after the other fields, written one by one.
	if _, err := w.Write(append(head[:len(head)-1], []byte(`,"entries":[`)...)); err != nil {
		return
	}
	for from := uint64(0); from < size; {
		list, err := st.LedgerEntries(ctx, from, int(min(exportPage, size-from)))
		if err != nil || len(list) == 0 {
			// The status is sent: cut the JSON short so that it cannot
			// be mistaken for a whole export.
			l.s.log.Error("ledger export", "from", from, "err", err)
			return
		}
		for _, e := range list {
			b, _ := json.Marshal(e.ToExport())
			if e.Index > 0 {
				b = append([]byte{','}, b...)
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return
			}
		}
		from = list[len(list)-1].Index + 1
	}
	_, _ = w.Write([]byte("]}\n"))
}

// ledgerPage is what /press/ledger shows.
type ledgerPage struct {
	Head    *ledger.TreeHead
	Keys    []ledger.PublicKey
	Receipt string
	Check   *inclusionAnswer
	Error   string
	// Server is this server's address, for the verify commands shown.
	Server string
}

// showLedger shows the latest signed tree head, the keys, and, given
// ?receipt=, whether that report is in the log and proven in the head.
func (l *ledgerAPI) showLedger(w http.ResponseWriter, r *http.Request) {
	st, err := l.store()
	if err != nil {
		l.s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	d := ledgerPage{Server: l.s.baseURL(r)}
	if h, err := st.LatestTreeHead(ctx); err == nil {
		d.Head = &h
	} else if baqylau.ErrorCode(err) != baqylau.ENOTFOUND {
		l.s.pageError(w, r, err)
		return
	}
	if d.Keys, err = st.LedgerKeys(ctx); err != nil {
		l.s.pageError(w, r, err)
		return
	}
	status := http.StatusOK
	if d.Receipt = r.URL.Query().Get("receipt"); d.Receipt != "" {
		a, err := l.inclusion(r)
		if err == nil && d.Head != nil && a.TreeSize == d.Head.Size {
			// Checked here too, with the library's verifier, so that the
			// page never says "included" for a proof that does not hold.
			err = ledger.VerifyInclusion(a.Entry.Index, a.TreeSize, a.LeafHash, toBytes(a.AuditPath), d.Head.Root)
		}
		if err != nil {
			d.Error = l.s.publicMessage(r, err)
			status = statusOf(err)
		} else {
			d.Check = &a
		}
	}
	l.s.render(w, r, status, "ledger", l.s.newView(r, "ledger.title", d))
}

func toBytes(h []ledger.Hex) [][]byte {
	out := make([][]byte, len(h))
	for i, v := range h {
		out[i] = v
	}
	return out
}
