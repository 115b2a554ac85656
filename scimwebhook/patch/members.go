// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package patch

import (
	"encoding/json"
	"strings"

	"github.com/scim-operator/scim-operator/scimwebhook/jsoncost"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// MemberOp is an operation on a group's whole member list, its members
// read as ids.
type MemberOp struct {
	// Op is OpAdd, OpRemove or OpReplace.
	Op string
	// IDs are the members' values; HasValue is false for a remove that
	// names none, which removes every member.
	IDs      []string
	HasValue bool
	// Index is the operation's position in the request, for messages.
	Index int
}

// ParseMembers reads the PatchOp message identity providers send to
// change a group's members — every operation on the path "members", each
// member an object of "value" and at most "display" — into ids, without
// the generic values Parse makes: those cost ten times the body, these
// about two. ok is false for any other message, which Parse then reads
// and, where it is wrong, refuses with the reason; a message ParseMembers
// reads, Parse reads to the same ids.
func ParseMembers(body []byte) (ops []MemberOp, ok bool) {
	var msg struct {
		Schemas    []string `json:"schemas"`
		Operations []struct {
			Op    string       `json:"op"`
			Path  string       `json:"path"`
			Value *memberValue `json:"value"`
		} `json:"Operations"`
	}
	if json.Unmarshal(body, &msg) != nil || !containsFold(msg.Schemas, schema.PatchOpURN) ||
		len(msg.Operations) == 0 || len(msg.Operations) > MaxOperations {
		return nil, false
	}
	// A key the structs above do not hold would be dropped unseen; Parse
	// refuses or reads it. Every key adds a key and a value to the count
	// (jsoncost counts keys as strings), so a message with no other key
	// holds exactly the values counted here: the keys schemas and
	// Operations, op and path, value, and each member's value and display.
	want := jsoncost.Shape{Objects: 1, Arrays: 2, Scalars: 2 + len(msg.Schemas)}
	ops = make([]MemberOp, 0, len(msg.Operations))
	for i, o := range msg.Operations {
		op := strings.ToLower(o.Op)
		if !strings.EqualFold(o.Path, "members") || (op != OpAdd && op != OpReplace && op != OpRemove) {
			return nil, false
		}
		m := MemberOp{Op: op, Index: i}
		want.Objects++
		want.Scalars += 4
		if o.Value != nil {
			m.IDs, m.HasValue = o.Value.ids, true
			want = want.Add(o.Value.shape())
			want.Scalars++
		} else if op != OpRemove {
			return nil, false
		}
		ops = append(ops, m)
	}
	if jsoncost.Measure(body) != want {
		return nil, false
	}
	return ops, true
}

// MemberIDs reads a group's members as identity providers send them in a
// POST or PUT — a list of objects of "value" and at most "display" — into
// ids, without generic values; ok is false for any other value.
func MemberIDs(value []byte) (ids []string, ok bool) {
	var v memberValue
	if v.UnmarshalJSON(value) != nil || jsoncost.Measure(value) != v.shape() {
		return nil, false
	}
	return v.ids, true
}

// memberValue is a members value: a list of member objects, read into
// their ids.
type memberValue struct {
	ids []string
	// displays counts the members that carry a display.
	displays int
}

// UnmarshalJSON reads a list of {"value": id, "display": name} objects,
// each with a value that is not empty, and refuses anything else: the
// list is allocated once, at its length, and the objects are not kept.
func (v *memberValue) UnmarshalJSON(b []byte) error {
	shape := jsoncost.Measure(b)
	refs := make([]struct {
		Value   string  `json:"value"`
		Display *string `json:"display"`
	}, 0, shape.Objects)
	if err := json.Unmarshal(b, &refs); err != nil {
		return err //nolint:wrapcheck // only tells ParseMembers the message is not one it reads
	}
	v.ids = make([]string, len(refs))
	for i, r := range refs {
		if r.Value == "" {
			return errNotMembers
		}
		v.ids[i] = r.Value
		if r.Display != nil {
			v.displays++
		}
	}
	return nil
}

// shape is the JSON values of the list v was read from, had it no key
// but value and display.
func (v *memberValue) shape() jsoncost.Shape {
	return jsoncost.Shape{Arrays: 1, Objects: len(v.ids), Scalars: 2*len(v.ids) + 2*v.displays}
}

var errNotMembers = &Error{ScimType: schema.ScimTypeInvalidValue, Detail: "not a list of members"}
