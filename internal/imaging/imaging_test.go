package imaging

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/baqylau/baqylau"
)

// halves returns a w×h image, red on its left half and blue on its right.
func halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 0xFF, 0xFF}
			if x < w/2 {
				c = color.RGBA{0xFF, 0, 0, 0xFF}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exifTIFF returns a big-endian TIFF block whose first IFD holds an
// Orientation and a pointer to a GPS IFD with a latitude reference.
func exifTIFF(o uint16) []byte {
	var t []byte
	t = append(t, 'M', 'M', 0, 42, 0, 0, 0, 8)
	t = append(t, 0, 2)                                  // IFD0: two entries
	t = append(t, 0x01, 0x12, 0, 3, 0, 0, 0, 1)          // Orientation, SHORT, 1
	t = append(t, byte(o>>8), byte(o), 0, 0)             // value
	t = append(t, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0) // GPSInfo, LONG, 1 …
	t = append(t, 38)                                    // … at offset 38
	t = append(t, 0, 0, 0, 0)                            // no next IFD
	t = append(t, 0, 1)                                  // GPS IFD at 38: one entry
	t = append(t, 0, 1, 0, 2, 0, 0, 0, 2, 'N', 0, 0, 0)  // GPSLatitudeRef "N"
	t = append(t, 0, 0, 0, 0)
	return t
}

// withSegments inserts JPEG segments right after the SOI marker.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	var b bytes.Buffer
	b.Write(jpg[:2])
	for _, s := range segs {
		b.Write(s)
	}
	b.Write(jpg[2:])
	return b.Bytes()
}

func segment(marker byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, payload...)
}

// gpsJPEG is img as a JPEG with EXIF (orientation o and a GPS IFD), an
// XMP packet naming a GPS position and a comment carrying a script.
func gpsJPEG(t testing.TB, img image.Image, o uint16) []byte {
	t.Helper()
	return withSegments(encodeJPEG(t, img),
		segment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF(o)...)),
		segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>43,14.5N</exif:GPSLatitude></x:xmpmeta>")),
		segment(0xFE, []byte("<script>alert(1)</script>")),
	)
}

// pngHeader returns the start of a PNG file whose header declares w×h.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	data := make([]byte, 13)
	binary.BigEndian.PutUint32(data[0:], w)
	binary.BigEndian.PutUint32(data[4:], h)
	data[8], data[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), data...)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
	b.Write(chunk)
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(chunk)))
	return b.Bytes()
}

// pngChunk returns one PNG chunk with its length and CRC.
func pngChunk(typ string, data []byte) []byte {
	c := append([]byte(typ), data...)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, c...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(c))
}

// webp1x1 is a 1×1 lossless WebP image.
const webp1x1 = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="

func TestSanitizeStripsMetadata(t *testing.T) {
	in := gpsJPEG(t, halves(64, 48), 1)
	if Orientation(in) != 1 || !bytes.Contains(in, []byte("GPS")) {
		t.Fatal("test file lacks its metadata")
	}
	out, ct, err := Sanitize(in, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "image/jpeg" {
		t.Errorf("content type %q", ct)
	}
	for _, bad := range []string{"GPS", "Exif", "<script", "xap"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("output still contains %q", bad)
		}
	}
	if hasSegment(out, 0xE1) {
		t.Error("output has an APP1 segment")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
	if err != nil || cfg.Width != 64 || cfg.Height != 48 {
		t.Errorf("output %dx%d, %v", cfg.Width, cfg.Height, err)
	}
}

// hasSegment reports whether a JPEG has a segment with the marker before
// its image data.
func hasSegment(data []byte, marker byte) bool {
	p := 2
	for p+4 <= len(data) && data[p] == 0xFF {
		m := data[p+1]
		if m == 0xDA {
			return false
		}
		if m == marker {
			return true
		}
		p += 2 + int(binary.BigEndian.Uint16(data[p+2:]))
	}
	return false
}

func TestSanitizeOrientation(t *testing.T) {
	// Landscape, red on the left, stored with orientation 6 (display turned
	// 90° clockwise): upright it is portrait with red on top.
	tests := []struct {
		name string
		data []byte
	}{
		{"jpeg", gpsJPEG(t, halves(40, 30), 6)},
		{"png eXIf", func() []byte {
			p := encodePNG(t, halves(40, 30))
			ihdrEnd := 8 + 12 + 13
			var b bytes.Buffer
			b.Write(p[:ihdrEnd])
			b.Write(pngChunk("eXIf", exifTIFF(6)))
			b.Write(p[ihdrEnd:])
			return b.Bytes()
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if o := Orientation(tt.data); o != 6 {
				t.Fatalf("orientation %d, want 6", o)
			}
			out, _, err := Sanitize(tt.data, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			img, _, err := image.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 30 || b.Dy() != 40 {
				t.Fatalf("size %v, want 30×40", b)
			}
			if r, _, bl, _ := img.At(15, 5).RGBA(); r < bl {
				t.Errorf("top is not red")
			}
			if r, _, bl, _ := img.At(15, 35).RGBA(); bl < r {
				t.Errorf("bottom is not blue")
			}
			if Orientation(out) != 1 {
				t.Error("output keeps an orientation")
			}
		})
	}
}

func TestOrientAll(t *testing.T) {
	// A 3×2 image with distinct pixels; each orientation is checked by
	// where the top-left stored pixel lands.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range src.Pix {
		src.Pix[i] = byte(i)
	}
	corner := src.RGBAAt(0, 0)
	want := map[int]image.Point{1: {0, 0}, 2: {2, 0}, 3: {2, 1}, 4: {0, 1}, 5: {0, 0}, 6: {1, 0}, 7: {1, 2}, 8: {0, 2}}
	for o, p := range want {
		got := Orient(src, o).(*image.RGBA)
		if got.RGBAAt(p.X, p.Y) != corner {
			t.Errorf("orientation %d: corner not at %v", o, p)
		}
		if (o >= 5) != (got.Bounds().Dx() == 2) {
			t.Errorf("orientation %d: size %v", o, got.Bounds())
		}
	}
	if Orient(src, 9) != image.Image(src) {
		t.Error("unknown orientation changed the image")
	}
}

func TestSanitizeFormats(t *testing.T) {
	var g bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, 5, 4), []color.Color{color.Black, color.White})
	if err := gif.Encode(&g, pal, nil); err != nil {
		t.Fatal(err)
	}
	webp, err := base64.StdEncoding.DecodeString(webp1x1)
	if err != nil {
		t.Fatal(err)
	}
	translucent := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	translucent.Set(1, 1, color.NRGBA{1, 2, 3, 100})
	gray := image.NewGray(image.Rect(0, 0, 8, 8))
	polyglot := append(encodeJPEG(t, halves(8, 8)), []byte("PK\x03\x04 a zip archive hiding after the image")...)
	tests := []struct {
		name   string
		data   []byte
		ct     string
		w, h   int
		absent string
	}{
		{"jpeg", encodeJPEG(t, halves(10, 6)), "image/jpeg", 10, 6, ""},
		{"grey jpeg", encodeJPEG(t, gray), "image/jpeg", 8, 8, ""},
		{"png with alpha", encodePNG(t, translucent), "image/png", 4, 4, ""},
		{"gif", g.Bytes(), "image/png", 5, 4, ""},
		{"webp", webp, "image/png", 1, 1, ""},
		{"jpeg+zip polyglot", polyglot, "image/jpeg", 8, 8, "PK\x03\x04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ct, err := Sanitize(tt.data, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if ct != tt.ct {
				t.Errorf("content type %q, want %q", ct, tt.ct)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
			if err != nil || "image/"+format != ct || cfg.Width != tt.w || cfg.Height != tt.h {
				t.Errorf("output %s %dx%d (%v)", format, cfg.Width, cfg.Height, err)
			}
			if tt.absent != "" && bytes.Contains(out, []byte(tt.absent)) {
				t.Errorf("output contains %q", tt.absent)
			}
		})
	}
}

func TestSanitizeRefuses(t *testing.T) {
	rnd := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(r.UintN(256))
	}
	rnd[0] = 0x42 // not by chance an image signature
	jpg := encodeJPEG(t, halves(50, 50))
	tests := []struct {
		name string
		data []byte
		is   error
		msg  string
	}{
		{"huge png header", pngHeader(30000, 30000), ErrTooLarge, "30000×30000"},
		{"random bytes", rnd, ErrUnsupported, "not a known image format"},
		{"zip renamed .jpg", append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), rnd[:200]...), ErrUnsupported, "ZIP"},
		{"empty", nil, ErrUnsupported, "empty"},
		{"html", []byte("<html><script>alert(1)</script></html>"), ErrUnsupported, ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), ErrUnsupported, ""},
		{"pdf", []byte("%PDF-1.7\n"), ErrUnsupported, "PDF"},
		{"heic", append([]byte("\x00\x00\x00\x18ftypheic"), rnd[:64]...), ErrUnsupported, "HEIC"},
		{"truncated jpeg", jpg[:len(jpg)/2], ErrInvalid, ""},
		{"png signature only", []byte("\x89PNG\r\n\x1a\n"), ErrInvalid, ""},
		{"zero width png", pngHeader(0, 10), ErrInvalid, ""},
		{"over the limit", encodeJPEG(t, halves(40, 30)), ErrTooLarge, "40×30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ct, err := Sanitize(tt.data, 1000)
			if err == nil {
				t.Fatalf("accepted as %s (%d bytes)", ct, len(out))
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q lacks %q", err, tt.msg)
			}
			if baqylau.ErrorCode(err) != baqylau.EINVALID {
				t.Errorf("error code %q, want invalid", baqylau.ErrorCode(err))
			}
		})
	}
}

func TestDecodeAllowed(t *testing.T) {
	var g bytes.Buffer
	if err := gif.Encode(&g, image.NewPaletted(image.Rect(0, 0, 2, 2), []color.Color{color.Black}), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := Decode(g.Bytes(), 100, JPEG, PNG); !errors.Is(err, ErrUnsupported) {
		t.Errorf("gif among jpeg, png: %v", err)
	}
	img, f, o, err := Decode(gpsJPEG(t, halves(4, 4), 3), 100, JPEG, PNG)
	if err != nil || f != JPEG || o != 3 || img.Bounds().Dx() != 4 {
		t.Errorf("jpeg: %v %s %d", err, f, o)
	}
}

func TestOrientationDamaged(t *testing.T) {
	good := append([]byte("Exif\x00\x00"), exifTIFF(6)...)
	jpg := encodeJPEG(t, halves(4, 4))
	tests := map[string][]byte{
		"short exif":        withSegments(jpg, segment(0xE1, good[:10])),
		"offset past end":   withSegments(jpg, segment(0xE1, append([]byte("Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff"), 0))),
		"bad byte order":    withSegments(jpg, segment(0xE1, append([]byte("Exif\x00\x00XX"), good[8:]...))),
		"segment too long":  append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF}, good...),
		"count past end":    withSegments(jpg, segment(0xE1, append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff"), 0, 1))),
		"not an image":      []byte("hello"),
		"webp without exif": []byte("RIFF\x04\x00\x00\x00WEBPVP8 "),
		"png chunk too big": append(pngHeader(1, 1), 0xff, 0xff, 0xff, 0xff, 'e', 'X', 'I', 'f'),
	}
	for name, data := range tests {
		if o := Orientation(data); o != 1 {
			t.Errorf("%s: orientation %d, want 1", name, o)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add(encodeJPEG(f, halves(8, 8)))
	f.Add(gpsJPEG(f, halves(8, 6), 6))
	f.Add(encodePNG(f, halves(5, 3)))
	f.Add(pngHeader(30000, 30000))
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L"))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ct, err := Sanitize(data, 1<<16)
		if err != nil {
			if baqylau.ErrorCode(err) != baqylau.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if len(out) == 0 || (ct != "image/jpeg" && ct != "image/png") {
			t.Fatalf("no error, %d bytes of %q", len(out), ct)
		}
		if Orientation(out) != 1 {
			t.Fatal("output keeps an orientation")
		}
	})
}
