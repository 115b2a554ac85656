// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// countInterval is the least time between two counts of one tenant, or
// of one group's members.
const countInterval = time.Second

// spacing lets work on one object happen at most once each countInterval,
// by the wall clock: a burst of changes (an initial sync, a bulk import, a group
// filled 100 members at a time) is then done once a second, not once per
// change.
type spacing struct {
	mu   sync.Mutex
	last map[types.NamespacedName]time.Time
}

// wait is how long work on key must wait; when it need not, it records
// that the work is done now.
func (s *spacing) wait(key types.NamespacedName) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if wait := countInterval - time.Since(s.last[key]); wait > 0 {
		return wait
	}
	if s.last == nil {
		s.last = map[types.NamespacedName]time.Time{}
	}
	s.last[key] = time.Now()
	return 0
}

// forget drops what is known of a deleted object.
func (s *spacing) forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.last, key)
}
