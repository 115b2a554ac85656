// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package manifest

import "testing"

func TestSplitImage(t *testing.T) {
	for _, tc := range []struct{ ref, repo, tag string }{
		{"ghcr.io/scim-operator/scim-operator:v0.1.0", "ghcr.io/scim-operator/scim-operator", "v0.1.0"},
		{"registry.example.com:5000/scim-operator:v1", "registry.example.com:5000/scim-operator", "v1"},
		{"registry.example.com:5000/scim-operator", "registry.example.com:5000/scim-operator", ""},
		{"scim-operator", "scim-operator", ""},
	} {
		if repo, tag := SplitImage(tc.ref); repo != tc.repo || tag != tc.tag {
			t.Errorf("SplitImage(%q) = %q, %q; want %q, %q", tc.ref, repo, tag, tc.repo, tc.tag)
		}
	}
}
