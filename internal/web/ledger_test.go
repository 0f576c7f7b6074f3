package web_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/ledger"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestLedgerAPIAndPages follows an observer's receipt from the report to
// the press centre's check, and checks the API's proofs and export with
// the verifier, as an outsider would.
func TestLedgerAPIAndPages(t *testing.T) {
	ctx := context.Background()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.user(auth.Admin, "admin@example.org")
		eid := f.newElection(admin)
		obs, _ := f.deployedObserver(admin, eid, "001")
		path := "/api/v1/elections/" + itoa(eid) + "/reports"

		// Before anything is signed, the page says so and the API is 404.
		if resp := f.do("GET", "/api/v1/ledger/tree-head", "", "", nil); resp.StatusCode != 404 {
			t.Errorf("tree head before signing: %d", resp.StatusCode)
		}
		code, body := obs.postJSON(path, turnout("6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d5a", "001", "2023-03-19T12:05:00+06:00", 300))
		if code != 201 {
			t.Fatalf("report: %d %s", code, body)
		}
		var ack struct{ Receipt string }
		_ = json.Unmarshal([]byte(body), &ack)
		obs.postJSON(path, turnout("6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d5b", "001", "2023-03-19T14:05:00+06:00", 500))

		// The observer's page links the receipt to the check.
		if _, page := obs.get("/observe/" + itoa(eid) + "/001"); !strings.Contains(page, "/press/ledger?receipt="+ack.Receipt) {
			t.Errorf("the observer's page has no inclusion check for %s", ack.Receipt)
		}
		// Signed but not yet in a head: the page says not confirmed.
		key, _, err := ledger.LoadOrCreateKey(filepath.Join(t.TempDir(), "k"))
		if err != nil {
			t.Fatal(err)
		}
		signer := ledger.NewSigner(key)
		head, _, err := db.SignTreeHead(ctx, signer, 0)
		if err != nil || head.Size != 2 {
			t.Fatalf("head = %+v, %v", head, err)
		}

		b := newBrowser(t, f)
		code, page := b.get("/press/ledger?receipt=" + ack.Receipt)
		if code != 200 || !strings.Contains(page, "Included: entry 0") || !strings.Contains(page, hex.EncodeToString(signer.Public().Key)) {
			t.Errorf("check page: %d\n%s", code, page)
		}
		if strings.Contains(page, "6f1c1e0b") {
			t.Error("the check page shows the client id")
		}
		if code, page := b.get("/press/ledger?receipt=" + strings.Repeat("0", 64)); code != 404 || !strings.Contains(page, "Not confirmed") {
			t.Errorf("unknown receipt: %d", code)
		}
		if code, _ := b.get("/press/ledger?receipt=xyz"); code != 422 {
			t.Errorf("malformed receipt: %d", code)
		}
		if code, page := b.get("/press"); code != 200 || !strings.Contains(page, `href="/press/ledger"`) {
			t.Errorf("the press centre does not link the log: %d", code)
		}

		// The API's proofs verify against the signed head.
		var got ledger.TreeHead
		if resp := f.do("GET", "/api/v1/ledger/tree-head", "", "", nil); resp.StatusCode == 200 {
			got = decode[ledger.TreeHead](t, resp)
		}
		if err := got.Verify([]ledger.PublicKey{signer.Public()}); err != nil {
			t.Fatal(err)
		}
		resp := f.do("GET", "/api/v1/ledger/proof/inclusion?index=1", "", "", nil)
		inc := decode[struct {
			Entry     ledger.ExportEntry
			TreeSize  uint64       `json:"tree_size"`
			AuditPath []ledger.Hex `json:"audit_path"`
		}](t, resp)
		if err := ledger.VerifyInclusion(1, inc.TreeSize, inc.Entry.Entry().LeafHash(), [][]byte{inc.AuditPath[0]}, got.Root); err != nil {
			t.Errorf("inclusion of entry 1: %v", err)
		}
		for _, bad := range []string{
			"/api/v1/ledger/proof/inclusion?tree_size=5&index=0",
			"/api/v1/ledger/proof/inclusion",
			"/api/v1/ledger/proof/consistency?first=2&second=1",
			"/api/v1/ledger/proof/consistency?first=1",
			"/api/v1/ledger/proof/consistency?first=1&second=x",
			"/api/v1/ledger/entries?from=-1",
		} {
			if resp := f.do("GET", bad, "", "", nil); resp.StatusCode != 422 {
				t.Errorf("%s: %d, want 422", bad, resp.StatusCode)
			}
		}

		resp = f.do("GET", "/api/v1/ledger/export", "", "", nil)
		x, err := ledger.ReadExport(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ledger.CheckExport(x); err != nil || len(x.Entries) != 2 || len(x.PublicKeys) != 1 {
			t.Errorf("export: %d entries, %d keys, %v", len(x.Entries), len(x.PublicKeys), err)
		}
	})
}
