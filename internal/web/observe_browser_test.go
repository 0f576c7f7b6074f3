package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/browsertest"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// TestObserverOfflineInChromium files a turnout figure without a network:
// the service worker opens the pages from its cache, observe.js keeps the
// report on the device, and once the network returns it arrives, once.
// "No network" is both Chromium's emulation and a server that drops every
// connection, so that the service worker's own fetches fail too.
func TestObserverOfflineInChromium(t *testing.T) {
	ctx := browsertest.Start(t)
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	admin := f.user(auth.Admin, "admin@example.org")
	eid := f.newElection(admin)
	_, o := f.deployedObserver(admin, eid, "001")
	desk := newBrowser(t, f)
	desk.c.Transport = bearer{admin, desk.c.Transport}
	_, page := desk.post("/observers/"+itoa(o.ID)+"/credentials", nil)
	link := regexp.MustCompile(`id="signin-link">[^<]*(/o/[A-Za-z0-9_-]+)<`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no sign-in link issued")
	}

	var down atomic.Bool
	target, err := url.Parse(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			panic(http.ErrAbortHandler) // the connection drops, as with no network
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	station := proxy.URL + "/observe/" + itoa(eid) + "/001"

	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	offline := func(off bool) {
		t.Helper()
		down.Store(off)
		if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &off,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
		}); err != nil {
			t.Fatalf("emulate offline=%v: %v", off, err)
		}
		if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
			t.Fatalf("navigator.onLine=%v: %v", !off, err)
		}
	}
	reports := func() int {
		t.Helper()
		reps, err := db.StationReports(context.Background(), eid, "001")
		if err != nil {
			t.Fatal(err)
		}
		return len(reps)
	}

	began := time.Now()
	step("sign in", chromedp.Navigate(proxy.URL+link[1]))
	step("open the station page", chromedp.Navigate(station), chromedp.WaitVisible(chromedp.CSS(`a[href$="/turnout"]`)))
	ready, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => {
		const want = [location.pathname + '/turnout', document.querySelector('script[src]').getAttribute('src')];
		for (let i = 0; i < 200; i++) {
			if (navigator.serviceWorker.controller && (await Promise.all(want.map(u => caches.match(u)))).every(Boolean)) return true;
			await new Promise(r => setTimeout(r, 100));
		}
		return false;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || !ready {
		t.Fatalf("the service worker did not take the pages in hand: %v %v", ready, err)
	}

	offline(true)
	step("open the turnout page offline", chromedp.Navigate(station+"/turnout"), chromedp.WaitVisible(chromedp.CSS("#f-ballots_cast")))
	step("send a figure offline",
		chromedp.SendKeys(chromedp.CSS("#f-ballots_cast"), "345"),
		chromedp.Click(chromedp.CSS("form[data-api] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#outbox li")),
	)
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#outbox li"))); err != nil || !strings.Contains(got, "queued, will send when online") {
		t.Errorf("outbox shows %q, %v", got, err)
	}
	if n := reports(); n != 0 {
		t.Fatalf("%d reports arrived while offline", n)
	}

	offline(false)
	step("back online", chromedp.WaitVisible(chromedp.CSS(".sent")))
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".sent"))); err != nil || !strings.Contains(got, "345 ballots cast") {
		t.Errorf("sent list shows %q, %v", got, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#outbox-status"))); err != nil || !strings.Contains(got, "sent, receipt") {
		t.Errorf("outbox status %q, %v", got, err)
	}
	time.Sleep(time.Second) // a second flush must not send it again
	if n := reports(); n != 1 {
		t.Errorf("%d reports arrived, want 1", n)
	}
	// The page made the client id when the form was opened: a UUIDv7
	// holding that time, so that ids rise with time (observe.js).
	reps, err := db.StationReports(context.Background(), eid, "001")
	if err != nil || len(reps) != 1 {
		t.Fatalf("reports: %v %v", reps, err)
	}
	checkClientIDv7(t, reps[0].ClientID, began, time.Now())
}
