package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
)

// Orientation returns the EXIF Orientation (1–8) of a JPEG, PNG (eXIf
// chunk) or WebP (EXIF chunk) file, or 1 when it has none or it cannot be
// read. Phones store photos as the sensor saw them and record the rotation
// here; re-encoding drops the tag, so it has to be applied first.
func Orientation(data []byte) int {
	switch Sniff(data) {
	case JPEG:
		return jpegOrientation(data)
	case PNG:
		return pngOrientation(data)
	case WebP:
		return webpOrientation(data)
	}
	return 1
}

func jpegOrientation(data []byte) int {
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		if marker == 0xFF { // fill byte before a marker
			p++
			continue
		}
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			p += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data starts: no EXIF before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

func pngOrientation(data []byte) int {
	p := 8
	for p+12 <= len(data) {
		n := int64(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if n > int64(len(data)-p-12) {
			return 1
		}
		switch typ {
		case "eXIf":
			return tiffOrientation(bytes.TrimPrefix(data[p+8:p+8+int(n)], []byte("Exif\x00\x00")))
		case "IDAT", "IEND":
			return 1
		}
		p += 12 + int(n)
	}
	return 1
}

func webpOrientation(data []byte) int {
	p := 12
	for p+8 <= len(data) {
		n := int64(binary.LittleEndian.Uint32(data[p+4:]))
		if n > int64(len(data)-p-8) {
			return 1
		}
		if string(data[p:p+4]) == "EXIF" {
			return tiffOrientation(bytes.TrimPrefix(data[p+8:p+8+int(n)], []byte("Exif\x00\x00")))
		}
		p += 8 + int(n) + int(n&1) // chunks are padded to an even size
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from the first IFD of a TIFF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 1
	}
	count := int64(bo.Uint16(t[off:]))
	for i := int64(0); i < count; i++ {
		e := off + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// Orient returns img turned upright according to an EXIF orientation
// (1 or an unknown value: img itself). The result starts at (0, 0).
func Orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	src, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) {
		src = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	}
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored horizontally
				dx, dy = w-1-x, y
			case 3: // rotated 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // rotated 90° clockwise to display
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // rotated 90° anticlockwise to display
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+4*dx:dy*dst.Stride+4*dx+4], row[4*x:4*x+4])
		}
	}
	return dst
}
