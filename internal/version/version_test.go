// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package version

import (
	"runtime"
	"strings"
	"testing"
)

func TestGetPrefersWhatTheLinkStamped(t *testing.T) {
	t.Cleanup(func() { Version, Revision = "", "" })
	Version, Revision = "v1.2.3", "abc123"
	got := Get()
	if got.Version != "v1.2.3" || got.Revision != "abc123" || got.GoVersion != runtime.Version() {
		t.Fatalf("Get() = %+v, want the stamped version and revision with %s", got, runtime.Version())
	}
	if s := got.String(); !strings.HasPrefix(s, "v1.2.3 (revision abc123, go") {
		t.Fatalf("String() = %q", s)
	}
}

func TestGetWithoutStampIsNeverEmpty(t *testing.T) {
	// A test binary carries no module version, so the unstamped build is
	// the development version; the revision comes from VCS or says unknown.
	got := Get()
	if got.Version != devel {
		t.Fatalf("Version = %q, want %q", got.Version, devel)
	}
	if got.Revision == "" {
		t.Fatal("Revision is empty")
	}
}
