package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/baqylau/baqylau/internal/people"
)

// TwilioAPI is the base URL of Twilio's REST API.
const TwilioAPI = "https://api.twilio.com"

// Twilio sends SMS through Twilio's Programmable Messaging REST API:
// POST {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json with the
// form fields To, From (or MessagingServiceSid) and Body, authenticated
// with HTTP basic auth AccountSID:AuthToken. Twilio answers 201 with the
// message as JSON ({"sid": "SM…", …}), or an error status with
// {"code", "message", "status"}.
type Twilio struct {
	AccountSID string
	AuthToken  string
	// From is the sender: a phone number in E.164 (+7…) or an
	// alphanumeric sender id. MessagingServiceSID (MG…), when set, is
	// sent instead and Twilio picks the sender.
	From                string
	MessagingServiceSID string
	// BaseURL is TwilioAPI unless set (tests point it at a local fake).
	BaseURL string
	// Client defaults to a client with a 30-second timeout.
	Client *http.Client
}

// TwilioError is an error answer of Twilio's REST API.
type TwilioError struct {
	Status  int    // HTTP status
	Code    int    // Twilio's error code, e.g. 21211 (invalid To)
	Message string // Twilio's message
}

// Error implements error.
func (e *TwilioError) Error() string {
	return fmt.Sprintf("twilio: status %d, code %d: %s", e.Status, e.Code, e.Message)
}

// Permanent reports whether sending the same message again cannot
// succeed: Twilio refused the request itself (400: an invalid or
// unreachable number, an empty body …). Authentication, rate limits and
// Twilio's own failures may pass and are retried.
func (e *TwilioError) Permanent() bool { return e.Status == http.StatusBadRequest }

// SendSMS sends body to the phone to (any way of writing it that
// people.NormalizePhone reads) as one message, which Twilio splits into
// segments that the phone joins again; it returns Twilio's message sid.
func (t *Twilio) SendSMS(ctx context.Context, to, body string) (string, error) {
	e164 := E164(to)
	if e164 == "" {
		return "", permanent(fmt.Errorf("twilio: no phone number in %q", to))
	}
	form := url.Values{"To": {e164}, "Body": {body}}
	if t.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", t.MessagingServiceSID)
	} else {
		form.Set("From", t.From)
	}
	base := t.BaseURL
	if base == "" {
		base = TwilioAPI
	}
	u := strings.TrimSuffix(base, "/") + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("twilio: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	client := t.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("twilio: send: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("twilio: read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		te := &TwilioError{Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
		var body struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &body) == nil && body.Message != "" {
			te.Code, te.Message = body.Code, body.Message
		}
		if te.Permanent() {
			return "", permanent(te)
		}
		return "", te
	}
	var msg struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(data, &msg); err != nil || msg.SID == "" {
		// Twilio took the message (2xx): sending it again would send it
		// twice, so the missing sid is only noted.
		return "", nil
	}
	return msg.SID, nil
}

// E164 writes a phone number as +digits, the form Twilio expects, or ""
// when it holds no number. A Kazakh number written without its country
// code (10 digits, 7xx…) gets +7.
func E164(phone string) string {
	d := people.NormalizePhone(phone)
	if d == "" {
		return ""
	}
	if len(d) == 10 && d[0] == '7' {
		d = "7" + d
	}
	return "+" + d
}

// permanentError marks an error that a retry cannot cure.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err} }

// isPermanent reports whether err is marked permanent.
func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
