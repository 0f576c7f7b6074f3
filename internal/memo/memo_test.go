package memo

import (
	"errors"
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	c := New[string, int](time.Minute, 2)
	now := time.Date(2023, 3, 19, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	loads := 0
	load := func(v int) func() (int, error) { return func() (int, error) { loads++; return v, nil } }
	if v, _ := c.Get("a", load(1)); v != 1 || loads != 1 {
		t.Fatalf("first get = %d after %d loads", v, loads)
	}
	if v, _ := c.Get("a", load(2)); v != 1 || loads != 1 {
		t.Errorf("cached get = %d after %d loads, want 1 after 1", v, loads)
	}
	now = now.Add(2 * time.Minute)
	if v, _ := c.Get("a", load(3)); v != 3 || loads != 2 {
		t.Errorf("expired get = %d after %d loads, want 3 after 2", v, loads)
	}
	if _, err := c.Get("b", func() (int, error) { return 0, errors.New("down") }); err == nil {
		t.Errorf("error not returned")
	}
	if v, _ := c.Get("b", load(4)); v != 4 {
		t.Errorf("an error was cached: %d", v)
	}
	c.Forget("a")
	if v, _ := c.Get("a", load(5)); v != 5 {
		t.Errorf("forgotten key = %d", v)
	}
	c.Get("c", load(6)) // full: makes room
	if len(c.m) > 2 {
		t.Errorf("cache holds %d entries, max 2", len(c.m))
	}
}
