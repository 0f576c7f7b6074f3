// Package baqylau holds what every part of Baqylau shares: the kinds of
// error a domain rule can raise, so that the web layer maps them to status
// codes in exactly one place.
package baqylau

import (
	"errors"
	"fmt"
)

// Error codes. They say what kind of failure happened, not where.
const (
	EINVALID      = "invalid"      // the caller sent something the rules refuse
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	ECONFLICT     = "conflict"     // the request clashes with existing data
	EUNAUTHORIZED = "unauthorized" // the caller is not signed in
	EFORBIDDEN    = "forbidden"    // the caller's role may not do this
	ETOOMANY      = "too_many"     // the caller must wait before trying again
	EINTERNAL     = "internal"     // anything else; never shown in detail
)

// Error is a domain error: a code for programs and a message that is safe to
// show to the user who caused it.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// EINTERNAL when there is none (and "" for a nil error).
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of the first *Error in err's
// chain, or a generic text for internal errors.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
