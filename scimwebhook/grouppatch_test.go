// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"slices"
	"strings"
	"testing"

	"github.com/scim-operator/scim-operator/scimwebhook/patch"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

const patchOp = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

// memberPatches are member PATCH bodies, as identity providers send them
// and as they do not, and whether patch.ParseMembers reads them.
var memberPatches = []struct {
	body string
	read bool
}{
	{`{` + patchOp + `,"Operations":[{"op":"Add","path":"members","value":[{"value":"u1"},{"value":"u2"}]}]}`, true},
	{`{` + patchOp + `,"Operations":[{"op":"Remove","path":"members","value":[{"value":"u1"}]}]}`, true},
	{`{` + patchOp + `,"Operations":[{"op":"replace","path":"Members","value":[]}]}`, true},
	{`{` + patchOp + `,"Operations":[{"op":"remove","path":"members"}]}`, true},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"u1","display":"Ann"}]},{"op":"remove","path":"members","value":[{"VALUE":"u2"}]}]}`, true},
	{`{"Schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"OP":"ADD","PATH":"MEMBERS","VALUE":[{"Value":"u1"}]}]}`, true},
	// Everything else is Parse's: filters, bare ids, other attributes,
	// sub-attributes it does not read, keys it does not know.
	{`{` + patchOp + `,"Operations":[{"op":"remove","path":"members[value eq \"u1\"]"}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":["u1","u2"]}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":{"value":"u1"}}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"replace","path":"displayName","value":"x"}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"u1","$ref":"https://x/Users/u1"}]}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"u1","display":null}]}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"u1","value":"u2"}]}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":""}]}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}],"extra":1}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"add","path":"members"}]}`, false},
	{`{` + patchOp + `,"Operations":[{"op":"move","path":"members","value":[{"value":"u1"}]}]}`, false},
	{`{"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}]}]}`, false},
	{`{` + patchOp + `,"Operations":[]}`, false},
}

func TestParseMembersReadsWhatIdentityProvidersSend(t *testing.T) {
	for _, tc := range memberPatches {
		if _, ok := patch.ParseMembers([]byte(tc.body)); ok != tc.read {
			t.Errorf("ParseMembers(%s) read it: %v, want %v", tc.body, ok, tc.read)
		}
	}
}

// A body ParseMembers reads, Parse reads too, to the same change: the
// fast path and the general one cannot disagree about who is a member.
func FuzzParseMembersReadsAsParseDoes(f *testing.F) {
	for _, tc := range memberPatches {
		f.Add(tc.body)
	}
	membersAttr, _, _ := schema.GroupResource.Attribute("", attrMembers)
	f.Fuzz(func(t *testing.T, body string) {
		fast, ok := patch.ParseMembers([]byte(body))
		if !ok {
			return
		}
		ops, err := patch.Parse([]byte(body))
		if err == nil {
			ops, err = patch.Expand(ops, schema.GroupResource)
		}
		if err != nil {
			t.Fatalf("ParseMembers read %s, Parse refuses it: %v", body, err)
		}
		if len(ops) != len(fast) {
			t.Fatalf("%s: %d operations, Parse reads %d", body, len(fast), len(ops))
		}
		for i, op := range ops {
			if op.Path == nil || !strings.EqualFold(op.Path.Attr, attrMembers) || op.Path.Sub != "" || op.Path.Filter != nil || op.Op != fast[i].Op {
				t.Fatalf("%s: operation %d is %s %v, ParseMembers read %s members", body, i, op.Op, op.Path, fast[i].Op)
			}
			ids, err := memberIDs(op.Value, membersAttr)
			if err != nil {
				t.Fatalf("%s: operation %d: %v", body, i, err)
			}
			if !slices.Equal(ids, fast[i].IDs) || (op.Value != nil) != fast[i].HasValue {
				t.Fatalf("%s: operation %d: ids %q (value: %v), ParseMembers read %q (value: %v)", body, i, ids, op.Value != nil, fast[i].IDs, fast[i].HasValue)
			}
		}
	})
}
