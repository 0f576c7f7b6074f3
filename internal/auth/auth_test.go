package auth

import (
	"strings"
	"testing"

	"github.com/baqylau/baqylau"
)

func TestPasswords(t *testing.T) {
	// 40 Kazakh letters are 80 bytes: more than bcrypt would take.
	kazakh := strings.Repeat("әғқңөұүһі", 5)
	for _, pw := range []string{"correct horse battery staple", kazakh} {
		h, err := HashPassword(pw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("hash %q is not argon2id", h)
		}
		if ok, err := CheckPassword(h, pw); !ok || err != nil {
			t.Errorf("right password refused: %v", err)
		}
		if ok, _ := CheckPassword(h, pw+"x"); ok {
			t.Errorf("wrong password accepted")
		}
	}
	if ok, _ := CheckPassword(mustHash(t, kazakh), kazakh[:len(kazakh)-2]); ok {
		t.Errorf("a password differing after 72 bytes was accepted")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Errorf("a 5-character password was accepted")
	}
	if _, err := HashPassword(strings.Repeat("a", MaxPasswordBytes+1)); err == nil {
		t.Errorf("an oversized password was accepted")
	}
	if _, err := CheckPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Errorf("a bcrypt hash was not reported")
	}
}

func mustHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPINsAndTokens(t *testing.T) {
	pin, err := NewPIN()
	if err != nil || len(pin) != 6 || strings.Trim(pin, "0123456789") != "" {
		t.Fatalf("NewPIN = %q, %v", pin, err)
	}
	h, err := HashPIN(pin)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := CheckPassword(h, pin); !ok {
		t.Errorf("PIN refused")
	}
	tok, hash, err := NewToken()
	if err != nil || !strings.HasPrefix(tok, "bq_") || string(TokenHash(tok)) != string(hash) {
		t.Errorf("NewToken = %q, %v", tok, err)
	}
	a, _ := NewSecret(16)
	b, _ := NewSecret(16)
	if a == b || len(a) < 20 {
		t.Errorf("secrets %q and %q", a, b)
	}
}

func TestUserValidate(t *testing.T) {
	for _, c := range []struct {
		u    User
		want string // "" for valid
	}{
		{User{Email: " Admin@Example.org ", Role: Admin, PasswordHash: "h"}, ""},
		{User{Email: "lawyer@example.org", Role: Lawyer, Region: "Karagandy", PasswordHash: "h"}, ""},
		{User{Email: "abroad@example.org", Role: Lawyer, Region: RegionAbroad, PasswordHash: "h"}, ""},
		{User{Email: "lawyer@example.org", Role: Lawyer, PasswordHash: "h"}, "needs a region"},
		{User{Email: "x@example.org", Role: Admin, Region: "KZ-75", PasswordHash: "h"}, "not scoped"},
		{User{Email: "not an address", Role: Admin, PasswordHash: "h"}, "e-mail"},
		{User{Email: "x@example.org", Role: "king", PasswordHash: "h"}, "role"},
		{User{Email: "x@example.org", Role: Lawyer, Region: "Atlantis", PasswordHash: "h"}, "not a region"},
	} {
		err := c.u.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.u, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || baqylau.ErrorCode(err) != baqylau.EINVALID):
			t.Errorf("%+v: %v, want an EINVALID error about %q", c.u, err, c.want)
		}
	}
	u := User{Email: " Admin@Example.org ", Role: Lawyer, Region: "Karagandy", PasswordHash: "h"}
	if err := u.Validate(); err != nil || u.Email != "admin@example.org" || u.Region != "KZ-35" {
		t.Errorf("normalised user = %+v, %v", u, err)
	}
}
