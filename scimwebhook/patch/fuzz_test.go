// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package patch

import (
	"encoding/json"
	"testing"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// FuzzPatch checks that no PATCH body makes parsing or applying panic.
func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		`{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"x@y"}]}`,
		`{"Operations":[{"op":"replace","value":{"name.givenName":"G","active":"False"}}]}`,
		`{"Operations":[{"op":"remove","path":"addresses[type eq \"work\"]"}]}`,
		`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m"}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(_ *testing.T, body string) {
		ops, err := Parse([]byte(body))
		if err != nil {
			return
		}
		ops, err = Expand(ops, schema.UserResource)
		if err != nil {
			return
		}
		var doc map[string]any
		_ = json.Unmarshal([]byte(`{"userName":"u","emails":[{"value":"a@b","type":"work"}],"name":{"givenName":"g"}}`), &doc)
		_ = Apply(doc, ops, schema.UserResource)
	})
}
