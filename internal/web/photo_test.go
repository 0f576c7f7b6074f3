package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/baqylau/baqylau/internal/auth"
	"github.com/baqylau/baqylau/internal/people"
	"github.com/baqylau/baqylau/internal/store"
	"github.com/baqylau/baqylau/internal/store/storetest"
)

// jpegWithGPS is a small JPEG carrying an EXIF segment with a GPS marker.
func jpegWithGPS(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 60, 80))
	for y := range 80 {
		for x := range 60 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 3), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"), []byte("GPSLatitude 43.2389 N GPSLongitude 76.8897 E")...)
	seg := append([]byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func TestObserverPhotoOnBadge(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	admin := f.user(auth.Admin, "admin@example.org")
	ctx := context.Background()
	org := people.Organization{Name: "Org", Kind: people.DomesticNGO}
	if err := db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	o := people.Observer{Kind: people.KindObserver, FullName: "Әлихан Бөкейхан", OrganizationID: org.ID, Status: people.Applied}
	if err := db.CreateObserver(ctx, &o, 0); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"trained", "accredited"} {
		f.do("POST", "/api/v1/observers/"+itoa(o.ID)+"/status", admin, "application/json", strings.NewReader(`{"status":"`+st+`"}`))
	}
	upload := func(data []byte) *http.Response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("photo", "me.jpg")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
		mw.Close()
		return f.do("POST", "/observers/"+itoa(o.ID)+"/photo", admin, mw.FormDataContentType(), &body)
	}
	if resp := upload([]byte("PK\x03\x04 not an image")); resp.StatusCode != 422 {
		t.Errorf("a zip as a photo: %d, want 422", resp.StatusCode)
	}
	if resp := upload(jpegWithGPS(t)); resp.StatusCode != 303 {
		t.Fatalf("upload: %d %s", resp.StatusCode, readAll(t, resp.Body))
	}
	_, stored, err := db.ObserverPhoto(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte("GPS")) || bytes.Contains(stored, []byte("Exif")) {
		t.Errorf("the stored photo still carries its EXIF/GPS data")
	}
	resp := f.do("GET", "/observers/"+itoa(o.ID)+"/badge.pdf", admin, "", nil)
	withPhoto := readAll(t, resp.Body)
	// The QR code is one image; the photo is the other.
	if n := strings.Count(withPhoto, "/Subtype /Image"); resp.StatusCode != 200 || n != 2 {
		t.Errorf("badge with photo: %d, %d images, want the QR code and the photo", resp.StatusCode, n)
	}
}

func TestObserverMissionRole(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	admin := f.user(auth.Admin, "admin@example.org")
	eid := f.newElection(admin)
	ctx := context.Background()
	org := people.Organization{Name: "CIS Executive Committee", Kind: people.InternationalOrganization}
	other := people.Organization{Name: "OSCE/ODIHR", Kind: people.InternationalOrganization}
	for _, o := range []*people.Organization{&org, &other} {
		if err := db.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	m := people.Mission{OrganizationID: org.ID, ElectionID: eid, Name: "CIS Observer Mission"}
	foreign := people.Mission{OrganizationID: other.ID, ElectionID: eid, Name: "ODIHR EOM"}
	for _, x := range []*people.Mission{&m, &foreign} {
		if err := db.CreateMission(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	o := people.Observer{Kind: people.KindObserver, FullName: "Head Person", OrganizationID: org.ID, Status: people.Applied}
	if err := db.CreateObserver(ctx, &o, 0); err != nil {
		t.Fatal(err)
	}
	post := func(mission int64, role string) int {
		resp := f.do("POST", "/observers/"+itoa(o.ID)+"/mission", admin, "application/x-www-form-urlencoded",
			strings.NewReader("mission_id="+itoa(mission)+"&mission_role="+role))
		return resp.StatusCode
	}
	if code := post(m.ID, "head"); code != 303 {
		t.Fatalf("set head of mission: %d", code)
	}
	got, err := db.Observer(ctx, o.ID)
	if err != nil || got.MissionID != m.ID || got.MissionRole != people.MissionHead {
		t.Errorf("observer = mission %d role %q, %v", got.MissionID, got.MissionRole, err)
	}
	if code := post(foreign.ID, "member"); code != 422 {
		t.Errorf("another organisation's mission: %d, want 422", code)
	}
	if code := post(m.ID, "king"); code != 422 {
		t.Errorf("unknown role: %d, want 422", code)
	}
}
