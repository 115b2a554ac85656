// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package patch

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

func TestApply(t *testing.T) {
	const user = `{"userName":"bjensen","active":true,"displayName":"Babs",
		"emails":[{"value":"b@example.com","type":"work","primary":true}],
		"name":{"givenName":"Barbara","familyName":"Jensen"},
		"` + enterprise + `":{"department":"Tours"}}`
	for _, tc := range []struct {
		name string
		ops  string
		want string          // the resulting document; "" when the PATCH must fail
		err  schema.ScimType // the SCIM error type when it fails
	}{
		{
			name: "replace a simple attribute",
			ops:  `[{"op":"replace","path":"displayName","value":"Barbara J"}]`,
			want: `{"displayName":"Barbara J"}`,
		},
		{
			name: "Entra: capitalised op and a string boolean",
			ops:  `[{"op":"Replace","path":"active","value":"False"}]`,
			want: `{"active":false}`,
		},
		{
			name: "attribute names in any case",
			ops:  `[{"op":"replace","path":"DisplayName","value":"X"},{"op":"replace","path":"NAME.GIVENNAME","value":"B"}]`,
			want: `{"displayName":"X","name":{"givenName":"B","familyName":"Jensen"}}`,
		},
		{
			name: "replace a singular complex attribute whole (interop profile 6.5.2.1)",
			ops:  `[{"op":"replace","path":"name","value":{"givenName":"Babs"}}]`,
			want: `{"name":{"givenName":"Babs"}}`,
		},
		{
			name: "add to a singular complex attribute merges (interop profile 6.5.2.1)",
			ops:  `[{"op":"add","path":"name","value":{"middleName":"J"}}]`,
			want: `{"name":{"givenName":"Barbara","familyName":"Jensen","middleName":"J"}}`,
		},
		{
			name: "add and replace of a simple attribute are the same (interop profile 6.5.2.1)",
			ops:  `[{"op":"add","path":"displayName","value":"Added"},{"op":"add","path":"userName","value":"bj"}]`,
			want: `{"displayName":"Added","userName":"bj"}`,
		},
		{
			name: "Entra: work email by value filter",
			ops:  `[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@example.com"}]`,
			want: `{"emails":[{"value":"new@example.com","type":"work","primary":true}]}`,
		},
		{
			name: "add a primary email: the old one stops being primary",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"home","primary":true}]}]`,
			want: `{"emails":[{"value":"b@example.com","type":"work","primary":false},{"value":"new@example.com","type":"home","primary":true}]}`,
		},
		{
			name: "add an email already there as primary: it becomes the primary",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"x@example.com","type":"home"}]},{"op":"add","path":"emails","value":[{"value":"X@example.com","primary":true}]}]`,
			want: `{"emails":[{"value":"b@example.com","type":"work","primary":false},{"value":"x@example.com","type":"home","primary":true}]}`,
		},
		{
			name: "Entra: a filter matching nothing creates the element",
			ops:  `[{"op":"Add","path":"addresses[type eq \"work\"].country","value":"FI"},{"op":"Replace","path":"addresses[type eq \"work\"].locality","value":"Helsinki"}]`,
			want: `{"addresses":[{"type":"work","country":"FI","locality":"Helsinki"}]}`,
		},
		{
			name: "Entra: phone number by type",
			ops:  `[{"op":"Add","path":"phoneNumbers[type eq \"work\"].value","value":"+358401234567"}]`,
			want: `{"phoneNumbers":[{"type":"work","value":"+358401234567"}]}`,
		},
		{
			name: "Entra: enterprise attributes by URN path",
			ops:  `[{"op":"Add","path":"` + enterprise + `:department","value":"Sales"},{"op":"Add","path":"` + enterprise + `:employeeNumber","value":"42"}]`,
			want: `{"` + enterprise + `":{"department":"Sales","employeeNumber":"42"}}`,
		},
		{
			name: "Entra: manager as a bare id",
			ops:  `[{"op":"Add","path":"` + enterprise + `:manager","value":"mgr-id"}]`,
			want: `{"` + enterprise + `":{"department":"Tours","manager":{"value":"mgr-id"}}}`,
		},
		{
			name: "Entra: manager as an object",
			ops:  `[{"op":"replace","path":"` + enterprise + `:manager","value":{"value":"mgr-id"}}]`,
			want: `{"` + enterprise + `":{"department":"Tours","manager":{"value":"mgr-id"}}}`,
		},
		{
			name: "Entra: remove the manager",
			ops:  `[{"op":"Add","path":"` + enterprise + `:manager","value":"m"},{"op":"Remove","path":"` + enterprise + `:manager"}]`,
			want: `{"` + enterprise + `":{"department":"Tours"}}`,
		},
		{
			name: "Entra: add a single-valued attribute",
			ops:  `[{"op":"Add","path":"nickName","value":"Babs"},{"op":"Add","path":"title","value":"Guide"}]`,
			want: `{"nickName":"Babs","title":"Guide"}`,
		},
		{
			name: "Entra compliant: path-less replace with dotted and URN keys",
			ops: `[{"op":"replace","value":{"displayName":"D","name.givenName":"G",
				"` + enterprise + `:employeeNumber":"7","active":false}}]`,
			want: `{"displayName":"D","active":false,"name":{"givenName":"G","familyName":"Jensen"},"` + enterprise + `":{"department":"Tours","employeeNumber":"7"}}`,
		},
		{
			name: "Okta: path-less deactivate",
			ops:  `[{"op":"replace","value":{"active":false}}]`,
			want: `{"active":false}`,
		},
		{
			name: "Okta password sync: a password by path is accepted and discarded, as without a path",
			ops: `[{"op":"replace","path":"password","value":"s3cret!"},{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:Password","value":"x"},` +
				`{"op":"remove","path":"password"},{"op":"replace","value":{"password":"y","displayName":"X"}}]`,
			want: `{"displayName":"X"}`,
		},
		{
			name: "path-less value with an extension object",
			ops:  `[{"op":"add","value":{"` + enterprise + `":{"division":"North"}}}]`,
			want: `{"` + enterprise + `":{"department":"Tours","division":"North"}}`,
		},
		{
			name: "path-less value with read-only attributes ignores them",
			ops:  `[{"op":"replace","value":{"id":"x","meta":{"resourceType":"User"},"displayName":"Y"}}]`,
			want: `{"displayName":"Y"}`,
		},
		{
			name: "add to a multi-valued attribute appends without duplicates",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"B@example.com","type":"work"},{"value":"h@example.com","type":"home"}]}]`,
			want: `{"emails":[{"value":"b@example.com","type":"work","primary":true},{"value":"h@example.com","type":"home"}]}`,
		},
		{
			name: "replace a multi-valued attribute",
			ops:  `[{"op":"replace","path":"emails","value":[{"value":"h@example.com","type":"home"}]}]`,
			want: `{"emails":[{"value":"h@example.com","type":"home"}]}`,
		},
		{
			name: "remove elements by filter",
			ops:  `[{"op":"remove","path":"emails[type eq \"work\"]"}]`,
			want: `{"emails":null}`,
		},
		{
			name: "remove a whole attribute",
			ops:  `[{"op":"remove","path":"name"}]`,
			want: `{"name":null}`,
		},
		{
			name: "remove of something absent is a no-op",
			ops:  `[{"op":"remove","path":"nickName"},{"op":"remove","path":"addresses[type eq \"home\"]"}]`,
			want: `{}`,
		},
		{
			name: "replace with null clears",
			ops:  `[{"op":"replace","path":"displayName","value":null}]`,
			want: `{"displayName":null}`,
		},
		{
			name: "operations apply in order",
			ops:  `[{"op":"replace","path":"title","value":"a"},{"op":"replace","path":"title","value":"b"}]`,
			want: `{"title":"b"}`,
		},
		{name: "unknown attribute", ops: `[{"op":"replace","path":"nosuch","value":"x"}]`, err: schema.ScimTypeInvalidPath},
		{name: "read-only attribute by path", ops: `[{"op":"replace","path":"id","value":"x"}]`, err: schema.ScimTypeMutability},
		{name: "wrong type", ops: `[{"op":"replace","path":"active","value":"maybe"}]`, err: schema.ScimTypeInvalidValue},
		{name: "number where a string belongs", ops: `[{"op":"add","path":"title","value":5}]`, err: schema.ScimTypeInvalidValue},
		{name: "unknown sub-attribute in a value", ops: `[{"op":"add","path":"name","value":{"nosuch":"x"}}]`, err: schema.ScimTypeInvalidSyntax},
		{name: "unknown key in a path-less value", ops: `[{"op":"replace","value":{"nosuch":"x"}}]`, err: schema.ScimTypeInvalidPath},
		{name: "filter that cannot create", ops: `[{"op":"replace","path":"emails[type ne \"work\"].value","value":"x"}]`, err: schema.ScimTypeNoTarget},
		{name: "path-less with a non-object", ops: `[{"op":"replace","value":"x"}]`, err: schema.ScimTypeInvalidValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := decode(t, user)
			ops, err := Parse([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + tc.ops + `}`))
			if err == nil {
				ops, err = Expand(ops, schema.UserResource)
			}
			if err == nil {
				err = Apply(doc, ops, schema.UserResource)
			}
			if tc.err != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.ScimType != tc.err {
					t.Fatalf("err = %v, want a %s error", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := decode(t, user)
			for k, v := range decode(t, tc.want) {
				if v == nil {
					delete(want, k)
				} else {
					want[k] = v
				}
			}
			if !reflect.DeepEqual(doc, want) {
				got, _ := json.Marshal(doc)
				exp, _ := json.Marshal(want)
				t.Errorf("got  %s\nwant %s", got, exp)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		body string
		err  schema.ScimType
	}{
		{body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":"x"}]}`},
		{body: `{"Operations":[{"Op":"Remove","Path":"title"}]}`},
		{body: `not json`, err: schema.ScimTypeInvalidSyntax},
		{body: `{"schemas":["urn:wrong"],"Operations":[{"op":"add","path":"a","value":1}]}`, err: schema.ScimTypeInvalidSyntax},
		{body: `{"Operations":[]}`, err: schema.ScimTypeInvalidSyntax},
		{body: `{"Operations":[{"op":"move","path":"a"}]}`, err: schema.ScimTypeInvalidSyntax},
		{body: `{"Operations":[{"op":"add","path":"a"}]}`, err: schema.ScimTypeInvalidSyntax},
		{body: `{"Operations":[{"op":"remove"}]}`, err: schema.ScimTypeNoTarget},
		{body: `{"Operations":[{"op":"remove","path":"a[b eq"}]}`, err: schema.ScimTypeInvalidPath},
		{body: `{"Operations":[{"op":"add","path":"a","value":1,"extra":2}]}`, err: schema.ScimTypeInvalidSyntax},
	} {
		_, err := Parse([]byte(tc.body))
		if tc.err == "" {
			if err != nil {
				t.Errorf("Parse(%s): %v", tc.body, err)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.ScimType != tc.err {
			t.Errorf("Parse(%s) = %v, want a %s error", tc.body, err, tc.err)
		}
	}
}
