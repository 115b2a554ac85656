// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package filter

import (
	"encoding/json"
	"testing"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// FuzzParse checks that no input makes the parser or the evaluator panic,
// and that what parses prints back to something that parses the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen"`,
		`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]`,
		`not (a pr) and (b gt 1 or c le "z")`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
		`emails[type eq "work"].value eq "a+b@example.com"`,
	} {
		f.Add(s)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(babs), &doc); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(e.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse: %v", s, e, err)
		}
		if again.String() != e.String() {
			t.Fatalf("Parse(%q) = %s, printed and parsed again = %s", s, e, again)
		}
		if Validate(e, schema.UserResource) == nil {
			Matches(e, doc, schema.UserResource)
		}
	})
}

// FuzzParsePath checks that no PATCH path makes the parser panic.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		`members[value eq "2819c223"]`,
		`emails[type eq "work"].value`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
		`name.givenName`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		if _, err := ParsePath(p.String()); err != nil {
			t.Fatalf("ParsePath(%q) = %s, which does not parse: %v", s, p, err)
		}
	})
}
