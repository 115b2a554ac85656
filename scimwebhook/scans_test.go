// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"testing"
)

func TestScansAreNotOtherRequestsInFlight(t *testing.T) {
	s := newScanSlots(1)
	if s.othersInFlight() {
		t.Fatal("nothing in flight, yet others are")
	}
	scanDone := s.admitted()
	release, err := s.acquire(context.Background())
	if err != nil {
		t.Fatalf("the free slot: %v", err)
	}
	if s.othersInFlight() {
		t.Fatal("a scan alone in flight counts as another request")
	}
	waiting, cancel := context.WithCancel(context.Background())
	cancel()
	waitDone := s.admitted()
	if _, err := s.acquire(waiting); err == nil {
		t.Fatal("a second scan took the one slot")
	}
	// Refused, it is a request in flight until its handler returns, like
	// any other; its refusal is no scan.
	if !s.othersInFlight() {
		t.Fatal("a refused scan's request, still in flight, is not counted")
	}
	waitDone()
	lookupDone := s.admitted()
	if !s.othersInFlight() {
		t.Fatal("a lookup beside a scan is not counted")
	}
	lookupDone()
	if s.othersInFlight() {
		t.Fatal("a lookup that ended is still counted")
	}
	release()
	scanDone()
	if s.requests.Load() != 0 || s.scanning.Load() != 0 {
		t.Fatalf("%d requests and %d scans in flight after every one ended", s.requests.Load(), s.scanning.Load())
	}
}
