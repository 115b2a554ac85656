// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"strings"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// indexedAttr is an attribute whose "eq" filters are answered by an index.
type indexedAttr struct {
	attr, sub string
	// index is the field index; "" means the attribute is the id, looked
	// up directly.
	index string
	// fold is true when the index holds case-folded values.
	fold bool
	// claim, when set, is the claim that records the value in the API
	// server, for lookups the cache cannot answer yet.
	claim v1alpha1.ClaimKind
}

var (
	userIndexes = []indexedAttr{
		{attr: "id"},
		{attr: "userName", index: index.UserName, fold: true, claim: v1alpha1.ClaimUserName},
		{attr: "externalId", index: index.UserExternalID},
		{attr: "emails", sub: "value", index: index.UserEmail, fold: true, claim: v1alpha1.ClaimEmail},
	}
	groupIndexes = []indexedAttr{
		{attr: "id"},
		{attr: "displayName", index: index.GroupDisplayName, fold: true, claim: v1alpha1.ClaimGroupDisplayName},
		{attr: "externalId", index: index.GroupExternalID},
	}
)

// indexLookup is one index lookup that finds every resource a filter can
// match.
type indexLookup struct {
	indexedAttr
	value string
}

func (l indexLookup) key() string {
	if l.fold {
		return v1alpha1.Fold(l.value)
	}
	return l.value
}

// indexedEquality finds, in a filter or one side of its top-level "and"s,
// an "eq" on an indexed attribute: emails[type eq "work"].value eq "x" is
// answered by the email index and then evaluated in full.
func indexedEquality(f filter.Expr, res *schema.Resource, attrs []indexedAttr) (indexLookup, bool) {
	switch e := f.(type) {
	case filter.Logical:
		if e.Op != filter.OpAnd {
			return indexLookup{}, false
		}
		if l, ok := indexedEquality(e.Left, res, attrs); ok {
			return l, true
		}
		return indexedEquality(e.Right, res, attrs)
	case filter.Compare:
		v, isString := e.Value.(string)
		if e.Op != filter.OpEq || !isString {
			return indexLookup{}, false
		}
		r, err := filter.Resolve(e.Path, res)
		if err != nil || r.Container != "" {
			return indexLookup{}, false
		}
		sub := ""
		if leaf := r.Leaf(); leaf != r.Attr {
			sub = leaf.Name
		}
		for _, a := range attrs {
			if strings.EqualFold(a.attr, r.Attr.Name) && strings.EqualFold(a.sub, sub) {
				return indexLookup{indexedAttr: a, value: v}, true
			}
		}
	}
	return indexLookup{}, false
}
