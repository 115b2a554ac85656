// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A server that cannot filter fails Entra's connection test, and the
// table says which request got which answer.
func TestCheckReportsTheFailingRequest(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		if r.URL.Query().Get("filter") != "" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no such endpoint"}`))
			return
		}
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`))
	}))
	defer broken.Close()

	var out bytes.Buffer
	ok := check(context.Background(), &out, options{url: broken.URL + "/scim/v2/ns/acme", token: "t", only: "entra", users: 2, groups: 1})
	if ok {
		t.Fatalf("check passed against a broken server:\n%s", out.String())
	}
	for _, want := range []string{"entra", "FAIL", "entra / connection test", "GET /Users?filter=userName+eq+", "→ 404"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
