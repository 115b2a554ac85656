// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   string
		ok     bool
	}{
		{header: "Bearer abc", want: "abc", ok: true},
		{header: "bearer abc", want: "abc", ok: true},
		{header: "BEARER  abc ", want: "abc", ok: true},
		{header: "Basic abc"},
		{header: "Bearer"},
		{header: "Bearer   "},
		{header: ""},
		{header: "abc"},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tc.header != "" {
			r.Header.Set(HeaderAuthorization, tc.header)
		}
		got, ok := bearerToken(r)
		if got != tc.want || ok != tc.ok {
			t.Errorf("bearerToken(%q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestVerifierMatches(t *testing.T) {
	token := strings.Repeat("a", 32)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	verifier := func(current, previous string, expires time.Time) *v1alpha1.ScimTokenVerifierSpec {
		v := &v1alpha1.ScimTokenVerifierSpec{Current: v1alpha1.TokenVerifier([]byte(current))}
		if previous != "" {
			at := metav1.NewTime(expires)
			v.Previous, v.PreviousExpiresAt = v1alpha1.TokenVerifier([]byte(previous)), &at
		}
		return v
	}
	later := now.Add(time.Minute)
	for _, tc := range []struct {
		name      string
		verifier  *v1alpha1.ScimTokenVerifierSpec
		presented string
		want      bool
	}{
		{name: "current", verifier: verifier(token, "", now), presented: token, want: true},
		{name: "different", verifier: verifier(token, "", now), presented: strings.Repeat("b", 32)},
		{name: "prefix", verifier: verifier(token, "", now), presented: token[:31]},
		{name: "longer", verifier: verifier(token, "", now), presented: token + "a"},
		{name: "stored with a trailing newline", verifier: verifier(token+"\n", "", now), presented: token, want: true},
		{name: "previous in its grace period", verifier: verifier("new-"+token, token, later), presented: token, want: true},
		{name: "previous after its grace period", verifier: verifier("new-"+token, token, now), presented: token},
		{name: "previous without an expiry", verifier: &v1alpha1.ScimTokenVerifierSpec{Current: v1alpha1.TokenVerifier([]byte("x")), Previous: v1alpha1.TokenVerifier([]byte(token))}, presented: token},
		{name: "no verifier data", verifier: &v1alpha1.ScimTokenVerifierSpec{}, presented: token},
	} {
		if got := verifierMatches(tc.verifier, tc.presented, now); got != tc.want {
			t.Errorf("%s: verifierMatches = %v, want %v", tc.name, got, tc.want)
		}
	}
}
