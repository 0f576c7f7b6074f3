package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/report"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
	"github.com/baqylau/baqylau/internal/web"
)

// FuzzSubmitJSON throws arbitrary bodies at the report and incident API:
// whatever comes in, the answer is a 2xx or a 4xx, never a 5xx or a panic.
func FuzzSubmitJSON(f *testing.F) {
	for _, seed := range []string{
		turnout("6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d5a", "S0001", "2023-03-19T12:05:00+06:00", 300),
		`{"client_id":"6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d5b","station":"S0001","form":"count","observed_at":"2023-03-19T21:00:00+06:00","answers":{"contest":1,"registered":1500,"votes":{"A":1}}}`,
		`{"client_id":"6f1c1e0b-8f0e-4a5e-9d7a-2f7b0c3e4d5c","station":"S0002","category":"carousel","description":"\u0000<b>x</b>","severity":"critical"}`,
		`{"answers":{"ballots_cast":1e400}}`, `[]`, `null`, `{"client_id":{}}`, "\xff\xfe", `{"answers":{"a":` + strings.Repeat("[", 10000) + `}}`,
	} {
		f.Add(seed)
	}
	// One server for the whole run, as benchServer builds it.
	db := storetest.Open(f, store.SQLite)
	ingest := report.NewIngester(db, report.IngestOptions{})
	ingest.Start(context.Background())
	f.Cleanup(func() { _ = ingest.Shutdown(context.Background()) })
	s, err := web.New(web.Config{Elections: db, Users: db, People: db, Reports: db, Ingest: ingest, Sessions: db.Sessions(), Ready: db.Ping,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	f.Cleanup(srv.Close)
	reportsURL, token := setupElection(f, db, srv.URL, 3)
	f.Fuzz(func(t *testing.T, body string) {
		for _, url := range []string{reportsURL, strings.TrimSuffix(reportsURL, "/reports") + "/incidents"} {
			req, err := http.NewRequest("POST", url, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= http.StatusInternalServerError {
				t.Fatalf("POST %s %q: %d %s", url, body, resp.StatusCode, b)
			}
		}
	})
}
