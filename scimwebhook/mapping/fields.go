// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package mapping

import (
	"time"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

type userField = filter.Field[*v1alpha1.ScimUser]

// fieldKey names a path by its container (an extension URN, or ""), its
// top-level attribute and its leaf sub-attribute ("" for the attribute
// itself), all canonical.
type fieldKey struct{ container, attr, leaf string }

// UserField reads the values a filter path has in a user straight from
// its spec and metadata, as the rendered user would give them (see
// filter.Compile). Paths it has no field for (tenant-declared extensions,
// groups, whole complex values) are evaluated on the rendered user.
func UserField(r filter.Resolved) (filter.Field[*v1alpha1.ScimUser], bool) {
	k := fieldKey{container: r.Container, attr: r.Attr.Name}
	if leaf := r.Leaf(); leaf != r.Attr {
		k.leaf = leaf.Name
	}
	f, ok := userFields[k]
	return f, ok
}

var userFields = func() map[fieldKey]userField {
	fields := map[fieldKey]userField{
		{attr: "id"}: {Strings: func(u *v1alpha1.ScimUser, match func(string) bool) bool {
			return match(u.Name)
		}},
		{attr: "active"}: {Bool: func(u *v1alpha1.ScimUser) (bool, bool) {
			return u.Spec.Active == nil || *u.Spec.Active, true
		}},
		{attr: "meta", leaf: "created"}: {Time: func(u *v1alpha1.ScimUser) (time.Time, bool) {
			return u.CreationTimestamp.Time, true
		}},
		{attr: "meta", leaf: "lastModified"}: {Time: func(u *v1alpha1.ScimUser) (time.Time, bool) {
			return lastModified(&u.ObjectMeta), true
		}},
		{container: schema.HoxhuntUserURN, attr: "disableThreatUpload"}: {Bool: func(u *v1alpha1.ScimUser) (bool, bool) {
			if h := u.Spec.Hoxhunt; h != nil && h.DisableThreatUpload != nil {
				return *h.DisableThreatUpload, true
			}
			return false, false
		}},
	}
	for _, s := range userStrings {
		fields[fieldKey{attr: s.name}] = within(func(u *v1alpha1.ScimUser) *spec { return &u.Spec }, s)
	}
	for _, s := range nameSubs {
		fields[fieldKey{attr: "name", leaf: s.name}] = within(func(u *v1alpha1.ScimUser) *v1alpha1.Name { return u.Spec.Name }, s)
	}
	for _, m := range userMultiValued {
		values := func(u *v1alpha1.ScimUser) []v1alpha1.MultiValuedAttribute { return m.get(&u.Spec) }
		for _, s := range multiValuedSubs {
			fields[fieldKey{attr: m.name, leaf: s.name}] = each(values, s)
		}
		fields[fieldKey{attr: m.name, leaf: "primary"}] = primaries(values, func(v *v1alpha1.MultiValuedAttribute) bool { return v.Primary })
	}
	addresses := func(u *v1alpha1.ScimUser) []v1alpha1.Address { return u.Spec.Addresses }
	for _, s := range addressSubs {
		fields[fieldKey{attr: "addresses", leaf: s.name}] = each(addresses, s)
	}
	fields[fieldKey{attr: "addresses", leaf: "primary"}] = primaries(addresses, func(a *v1alpha1.Address) bool { return a.Primary })
	for _, s := range enterpriseSubs {
		fields[fieldKey{container: schema.EnterpriseUserURN, attr: s.name}] = within(func(u *v1alpha1.ScimUser) *v1alpha1.EnterpriseUser { return u.Spec.Enterprise }, s)
	}
	for _, s := range managerSubs {
		fields[fieldKey{container: schema.EnterpriseUserURN, attr: "manager", leaf: s.name}] = within(func(u *v1alpha1.ScimUser) *v1alpha1.Manager {
			if e := u.Spec.Enterprise; e != nil {
				return e.Manager
			}
			return nil
		}, s)
	}
	for _, s := range hoxhuntSubs {
		fields[fieldKey{container: schema.HoxhuntUserURN, attr: s.name}] = within(func(u *v1alpha1.ScimUser) *v1alpha1.HoxhuntUser { return u.Spec.Hoxhunt }, s)
	}
	return fields
}()

// within reads the string s of the value at gives, if there is one.
func within[T any](at func(*v1alpha1.ScimUser) *T, s sub[T]) userField {
	return userField{Strings: func(u *v1alpha1.ScimUser, match func(string) bool) bool {
		v := at(u)
		if v == nil {
			return false
		}
		x := s.get(v)
		return x != "" && match(x)
	}}
}

// primaries reads the primary flags of a multi-valued attribute's
// values, one by one: a flag is rendered only when it is set.
func primaries[T any](at func(*v1alpha1.ScimUser) []T, primary func(*T) bool) userField {
	return userField{
		Len: func(u *v1alpha1.ScimUser) int { return len(at(u)) },
		BoolAt: func(u *v1alpha1.ScimUser, i int) (bool, bool) {
			set := primary(&at(u)[i])
			return set, set
		},
	}
}

// each reads the string s of every value of a multi-valued attribute,
// all at once or one by one.
func each[T any](at func(*v1alpha1.ScimUser) []T, s sub[T]) userField {
	return userField{
		Strings: func(u *v1alpha1.ScimUser, match func(string) bool) bool {
			vs := at(u)
			for i := range vs {
				if x := s.get(&vs[i]); x != "" && match(x) {
					return true
				}
			}
			return false
		},
		Len: func(u *v1alpha1.ScimUser) int { return len(at(u)) },
		At:  func(u *v1alpha1.ScimUser, i int) string { return s.get(&at(u)[i]) },
	}
}
