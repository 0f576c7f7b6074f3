// Package memo keeps recent answers in memory for a short time, so that
// the hot path of election day (thousands of reports a minute) does not
// ask the database the same question for every request.
//
// Entries expire after a fixed time, which bounds how stale an answer can
// be on any node; nothing is shared between nodes.
package memo

import (
	"sync"
	"time"
)

// Cache maps keys to values that expire after TTL. The zero value is not
// usable; make one with New.
type Cache[K comparable, V any] struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[K]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache whose entries live for ttl, holding at most max
// entries (when full, expired entries are dropped, then everything).
func New[K comparable, V any](ttl time.Duration, max int) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, max: max, now: time.Now, m: make(map[K]entry[V])}
}

// Get returns the value for k, calling load on a miss or an expired
// entry. Errors are not cached.
func (c *Cache[K, V]) Get(k K, load func() (V, error)) (V, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		for key, old := range c.m {
			if !now.Before(old.expires) {
				delete(c.m, key)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = entry[V]{v: v, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

// Forget drops k, for a change this node made itself.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}
