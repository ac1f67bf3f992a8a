package simhttp

import "sync"

// Keys are a fake's API keys by id, K being the venue's key record, and the
// ids deleted since (venues answer a deleted key apart from an unknown
// one). Safe for concurrent use; the zero value is ready.
type Keys[K any] struct {
	mu      sync.Mutex
	keys    map[string]K
	removed map[string]bool
}

// Add registers k under id, over any key of that id.
func (ks *Keys[K]) Add(id string, k K) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.keys == nil {
		ks.keys = map[string]K{}
	}
	ks.keys[id] = k
	delete(ks.removed, id)
}

// Get is the key of id, if registered.
func (ks *Keys[K]) Get(id string) (K, bool) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	k, ok := ks.keys[id]
	return k, ok
}

// Remove deletes the key of id, as a user would on the venue's website.
func (ks *Keys[K]) Remove(id string) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if _, ok := ks.keys[id]; !ok {
		return
	}
	delete(ks.keys, id)
	if ks.removed == nil {
		ks.removed = map[string]bool{}
	}
	ks.removed[id] = true
}

// Removed reports whether id was a key until Remove.
func (ks *Keys[K]) Removed(id string) bool {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.removed[id]
}
