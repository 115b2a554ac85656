// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/jsoncost"
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

// groupBodies are groups as identity providers POST or PUT them, and as
// they do not, and whether parseGroup reads their members into ids.
var groupBodies = []struct {
	body    string
	idsRead bool
}{
	{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Eng","externalId":"e1","members":[{"value":"u1"},{"value":"u2","display":"Ann"}]}`, true},
	{`{"displayName":"Eng","Members":[]}`, true},
	{`{"displayName":"Eng","MEMBERS":[{"Value":"u1","DISPLAY":"Ann"}]}`, true},
	// Everything else is decoded as any resource is.
	{`{"displayName":"Eng"}`, false},
	{`{"displayName":"Eng","members":null}`, false},
	{`{"displayName":"Eng","members":["u1","u2"]}`, false},
	{`{"displayName":"Eng","members":"u1"}`, false},
	{`{"displayName":"Eng","members":[{"value":"u1","$ref":"https://x/Users/u1"}]}`, false},
	{`{"displayName":"Eng","members":[{"value":"u1","type":"User"}]}`, false},
	{`{"displayName":"Eng","members":[{"value":""}]}`, false},
	{`{"displayName":"Eng","members":[{"value":"u1","display":null}]}`, false},
	{`{"displayName":"Eng","members":[{"value":1}]}`, false},
	{`{"displayName":"Eng","members":[{"value":"u1"}],"Members":[{"value":"u2"}]}`, false},
	{`{"displayName":1,"members":[{"value":"u1"}]}`, true},
}

func TestParseGroupReadsMembersAsIdentityProvidersSendThem(t *testing.T) {
	for _, tc := range groupBodies {
		var decoded jsoncost.Shape
		g, err := parseGroup([]byte(tc.body), jsoncost.Measure([]byte(tc.body)), func(_ int, shape jsoncost.Shape) error {
			decoded = shape
			return nil
		})
		if err != nil {
			t.Fatalf("parseGroup(%s): %v", tc.body, err)
		}
		if g.idsRead != tc.idsRead {
			t.Errorf("parseGroup(%s) read its members into ids: %v, want %v", tc.body, g.idsRead, tc.idsRead)
		}
		// What is decoded into generic values is reserved first: all of
		// the body but the members read into ids.
		want := jsoncost.Measure([]byte(tc.body))
		if g.idsRead {
			rest, _ := json.Marshal(g.attrs)
			want = jsoncost.Measure(rest)
		}
		if decoded != want {
			t.Errorf("parseGroup(%s) reserved decoding %+v, want the %+v it decodes", tc.body, decoded, want)
		}
	}
	for _, body := range []string{`null`, `[]`, `{"displayName":`, `"Eng"`} {
		if _, err := parseGroup([]byte(body), jsoncost.Measure([]byte(body)), reserveNothing); err == nil {
			t.Errorf("parseGroup(%s) read a body that is no JSON object", body)
		}
	}
}

func reserveNothing(int, jsoncost.Shape) error { return nil }

// A group parseGroup reads, decoding it whole reads to the same spec and
// members, or refuses it as well.
func FuzzParseGroupReadsAsDecodingDoes(f *testing.F) {
	for _, tc := range groupBodies {
		f.Add(tc.body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fast, err := parseGroup([]byte(body), jsoncost.Measure([]byte(body)), reserveNothing)
		var whole map[string]any
		if wholeErr := json.Unmarshal([]byte(body), &whole); (err != nil) != (wholeErr != nil || whole == nil) {
			t.Fatalf("%s: parseGroup: %v; decoding it whole: %v", body, err, wholeErr)
		}
		if err != nil {
			return
		}
		var fastSpec, wholeSpec v1alpha1.ScimGroupSpec
		fastIDs, fastErr := decodeGroup(fast, &fastSpec)
		wholeIDs, wholeErr := decodeGroup(sentGroup{attrs: whole}, &wholeSpec)
		if (fastErr != nil) != (wholeErr != nil) {
			t.Fatalf("%s: decoded as parseGroup read it: %v; decoded whole: %v", body, fastErr, wholeErr)
		}
		if fastErr == nil && (fastSpec != wholeSpec || !slices.Equal(fastIDs, wholeIDs)) {
			t.Fatalf("%s: %+v members %q; decoded whole: %+v members %q", body, fastSpec, fastIDs, wholeSpec, wholeIDs)
		}
	})
}

// A group of 1 MiB of members, as Entra sends one, is read in a few times
// its size: the goal is 8×, and decoding it whole costs more than that.
func TestParseGroupAllocatesAFewTimesTheBody(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Everyone","members":[`)
	for i := 0; b.Len() < 1<<20-2; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"value":"%08x-d9cb-469f-a165-70867728950e","display":"Person %d"}`, i, i)
	}
	b.WriteString(`]}`)
	body := []byte(b.String())
	var members int
	read := func(fn func() (sentGroup, error)) float64 {
		r := testing.Benchmark(func(bb *testing.B) {
			bb.ReportAllocs()
			for bb.Loop() {
				g, err := fn()
				if err != nil {
					bb.Fatal(err)
				}
				ids, err := decodeGroup(g, &v1alpha1.ScimGroupSpec{})
				if err != nil {
					bb.Fatal(err)
				}
				members = len(ids)
			}
		})
		return float64(r.AllocedBytesPerOp()) / float64(len(body))
	}
	reserved := 0
	fast := read(func() (sentGroup, error) {
		return parseGroup(body, jsoncost.Measure(body), func(size int, _ jsoncost.Shape) error {
			reserved = size
			return nil
		})
	})
	whole := read(func() (sentGroup, error) {
		var doc map[string]any
		err := json.Unmarshal(body, &doc)
		return sentGroup{attrs: doc}, err
	})
	t.Logf("%d members, %d bytes: read and decoded in %.1f× the body; decoded whole, %.1f×", members, len(body), fast, whole)
	if members < 14000 {
		t.Fatalf("%d members read, want more than 14,000", members)
	}
	if reserved > 1024 {
		t.Errorf("%d bytes were left to generic decoding, beside members read into ids", reserved)
	}
	if fast > fastReading {
		t.Errorf("a group of %d bytes was read in %.1f× its size, more than the %d× reserved for it", len(body), fast, fastReading)
	}
}
