// Package imaging decodes untrusted images safely and re-encodes them
// clean. Badge photos and incident evidence both pass through it: the
// format is sniffed from the bytes (never taken from the sender), the
// pixel count is checked from the header before anything is decoded, the
// EXIF orientation is read and applied, and the picture is re-encoded from
// its pixels, which drops GPS positions and every other piece of metadata
// and leaves nothing of a polyglot file but the picture.
package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"

	"github.com/baqylau/baqylau"
)

// Format is an image format this package reads.
type Format string

// The formats read. Only JPEG and PNG are written.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
)

// ContentType returns the MIME type of the format.
func (f Format) ContentType() string {
	switch f {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case GIF:
		return "image/gif"
	case WebP:
		return "image/webp"
	}
	return "application/octet-stream"
}

// Errors, for errors.Is. Every error this package returns is an *Error
// wrapping one of them.
var (
	ErrTooLarge    = errors.New("image is too large")
	ErrUnsupported = errors.New("not a JPEG, PNG, GIF or WebP image")
	ErrInvalid     = errors.New("image data is damaged or incomplete")
)

// Error is a refusal with its reason: Kind is ErrTooLarge, ErrUnsupported
// or ErrInvalid and Detail says what was found. It is also a
// baqylau.EINVALID error, so that the web layer answers 4xx.
type Error struct {
	Kind   error
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Detail
}

// Unwrap returns the kind and an EINVALID domain error with the same text.
func (e *Error) Unwrap() []error {
	return []error{e.Kind, baqylau.Errorf(baqylau.EINVALID, "%s", e.Error())}
}

func refuse(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// Sniff names the format of data from its first bytes, or returns "" when
// it is none of JPEG, PNG, GIF and WebP.
func Sniff(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("\xFF\xD8\xFF")):
		return JPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return GIF
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP
	}
	return ""
}

// Decode checks and decodes an image of one of the allowed formats (all
// four when none is given). It refuses an image whose header declares more
// than maxPixels pixels before decoding it. The image is returned as
// stored, with its EXIF orientation (1–8, 1 when there is none) for the
// caller to apply with Orient: a caller that shrinks the image first can
// turn the small result more cheaply.
func Decode(data []byte, maxPixels int, allowed ...Format) (img image.Image, f Format, orientation int, err error) {
	f = Sniff(data)
	if f == "" {
		return nil, "", 0, refuse(ErrUnsupported, "%s", describe(data))
	}
	if len(allowed) > 0 && !contains(allowed, f) {
		return nil, "", 0, refuse(ErrUnsupported, "format %s is not accepted here", f)
	}
	dec := decoders[f]
	cfg, err := dec.config(bytes.NewReader(data))
	if err != nil {
		return nil, "", 0, refuse(ErrInvalid, "%s header: %v", f, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", 0, refuse(ErrInvalid, "size %d×%d", cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > int64(maxPixels) {
		return nil, "", 0, refuse(ErrTooLarge, "%d×%d pixels (%.1f megapixels), at most %s megapixels allowed",
			cfg.Width, cfg.Height, float64(px)/1e6, megapixels(maxPixels))
	}
	img, err = dec.decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", 0, refuse(ErrInvalid, "%s: %v", f, err)
	}
	if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > int64(maxPixels) {
		// Decoders keep to the header, but a frame larger than it must not
		// slip through if one ever does not.
		return nil, "", 0, refuse(ErrTooLarge, "decoded %d×%d pixels", b.Dx(), b.Dy())
	}
	return img, f, Orientation(data), nil
}

// Sanitize checks an untrusted image (JPEG, PNG, GIF or WebP, recognised
// by its bytes) of at most maxPixels pixels, turns it upright according to
// its EXIF orientation and re-encodes it: photographs (JPEG, and WebP
// without transparency) as JPEG at quality 90, the rest as PNG. Only the
// first frame of an animated GIF is kept. The result carries no metadata.
func Sanitize(data []byte, maxPixels int) (clean []byte, contentType string, err error) {
	img, f, o, err := Decode(data, maxPixels)
	if err != nil {
		return nil, "", err
	}
	img = Orient(img, o)
	out := JPEG
	if f == PNG || f == GIF || (f == WebP && !opaque(img)) {
		out = PNG
	}
	var buf bytes.Buffer
	if out == JPEG {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	}
	if err != nil {
		return nil, "", fmt.Errorf("imaging: re-encode as %s: %w", out, err)
	}
	return buf.Bytes(), out.ContentType(), nil
}

type decoder struct {
	config func(r *bytes.Reader) (image.Config, error)
	decode func(r *bytes.Reader) (image.Image, error)
}

// decoders are called directly, not through image.Decode, so that the
// sniffed format is the one decoded whatever else is registered.
var decoders = map[Format]decoder{
	JPEG: {func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }, func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }},
	PNG:  {func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }, func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }},
	GIF:  {func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) }, func(r *bytes.Reader) (image.Image, error) { return gif.Decode(r) }},
	WebP: {func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) }, func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) }},
}

func contains(list []Format, f Format) bool {
	for _, g := range list {
		if g == f {
			return true
		}
	}
	return false
}

func megapixels(n int) string {
	if n%1_000_000 == 0 {
		return fmt.Sprint(n / 1_000_000)
	}
	return fmt.Sprintf("%.1f", float64(n)/1e6)
}

// describe says what a refused file looks like, so that the sender learns
// more than "no".
func describe(data []byte) string {
	switch {
	case len(data) == 0:
		return "the file is empty"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "the file is a ZIP archive (or an office document)"
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "the file is a PDF document"
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return "the file is a video or HEIC photo (ISO media); send a JPEG or PNG"
	case bytes.HasPrefix(data, []byte("BM")):
		return "the file is a BMP image; send a JPEG or PNG"
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "the file is a TIFF image; send a JPEG or PNG"
	}
	return "the file's content is not a known image format"
}

// opaque reports whether every pixel of img is fully opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}
