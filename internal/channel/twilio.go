package channel

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"net/url"
	"sort"
)

// TwilioSignature is what Twilio puts in X-Twilio-Signature for a form
// POST: base64(HMAC-SHA1(auth token, URL + each parameter's name and
// value, in order of name)), the URL being the one Twilio was configured
// with, query included.
func TwilioSignature(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	for _, k := range keys {
		for _, v := range form[k] {
			mac.Write([]byte(k))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidTwilioSignature checks a request's X-Twilio-Signature in constant
// time. An empty token or signature is never valid.
func ValidTwilioSignature(authToken, fullURL string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	want := TwilioSignature(authToken, fullURL, form)
	return hmac.Equal([]byte(want), []byte(signature))
}

// TwiML is the reply to a Twilio messaging webhook: one message back to
// the sender (none when reply is empty), XML-escaped.
func TwiML(reply string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Response>")
	if reply != "" {
		b.WriteString("<Message>")
		// EscapeText fails only on a failing writer; bytes.Buffer does not.
		if err := xml.EscapeText(&b, []byte(reply)); err != nil {
			panic(err)
		}
		b.WriteString("</Message>")
	}
	b.WriteString("</Response>")
	return b.Bytes()
}
