package report

import "time"

// AppendReceiptTime appends ReceiptTime(t) as t.AppendFormat does with the
// layout 2006-01-02T15:04:05.000000Z, the one receipts, the log and the
// SQLite store write every time in: a report's times are written several
// times over on its way in, and AppendFormat, which interprets its layout
// each time, was a visible part of that.
func AppendReceiptTime(b []byte, t time.Time) []byte {
	t = ReceiptTime(t)
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, receiptTime)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

// appendDigits appends n (0 ≤ n < 10^width) in width digits, zero-padded.
func appendDigits(b []byte, n, width int) []byte {
	var buf [8]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, buf[:width]...)
}
