// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package mapping

import (
	"encoding/json"
	"strings"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// A user's SCIM attributes are rendered field by field rather than through
// a JSON round trip: filters no index answers render every user of a
// tenant, and a round trip costs ten times as much as building the map.
// Each renderer gives an attribute's value in the form encoding/json would
// give it (empty values left out), and false when the user has none.

type attrRenderer struct {
	name   string
	render func(*v1alpha1.ScimUserSpec) (any, bool)
}

// sub is a string attribute of a value of type T: a top-level attribute
// of the user's spec, or a sub-attribute of a complex value. The same
// tables render users and read them for filters (see UserField).
type sub[T any] struct {
	name string
	get  func(*T) string
}

func putSubs[T any](m map[string]any, v *T, subs []sub[T]) {
	for _, s := range subs {
		putStr(m, s.name, s.get(v))
	}
}

func str(s sub[v1alpha1.ScimUserSpec]) attrRenderer {
	return attrRenderer{s.name, func(spec *v1alpha1.ScimUserSpec) (any, bool) { v := s.get(spec); return v, v != "" }}
}

func multi(name string, get func(*v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute) attrRenderer {
	return attrRenderer{name, func(s *v1alpha1.ScimUserSpec) (any, bool) {
		return renderList(get(s), func(v v1alpha1.MultiValuedAttribute) map[string]any {
			m := map[string]any{}
			putSubs(m, &v, multiValuedSubs)
			putPrimary(m, v.Primary)
			return m
		})
	}}
}

// renderList renders each value of a multi-valued attribute.
func renderList[T any](vs []T, one func(T) map[string]any) (any, bool) {
	if len(vs) == 0 {
		return nil, false
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = one(v)
	}
	return out, true
}

func putPrimary(m map[string]any, primary bool) {
	if primary {
		m["primary"] = true
	}
}

func putStr(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

type spec = v1alpha1.ScimUserSpec

// userStrings are the user's top-level string attributes.
var userStrings = []sub[spec]{
	{"userName", func(s *spec) string { return s.UserName }},
	{"externalId", func(s *spec) string { return s.ExternalID }},
	{"displayName", func(s *spec) string { return s.DisplayName }},
	{"nickName", func(s *spec) string { return s.NickName }},
	{"profileUrl", func(s *spec) string { return s.ProfileURL }},
	{"title", func(s *spec) string { return s.Title }},
	{"userType", func(s *spec) string { return s.UserType }},
	{"preferredLanguage", func(s *spec) string { return s.PreferredLanguage }},
	{"locale", func(s *spec) string { return s.Locale }},
	{"timezone", func(s *spec) string { return s.Timezone }},
}

// userMultiValued are the user's multi-valued attributes of value,
// display, type and primary.
var userMultiValued = []struct {
	name string
	get  func(*spec) []v1alpha1.MultiValuedAttribute
}{
	{"emails", func(s *spec) []v1alpha1.MultiValuedAttribute { return s.Emails }},
	{"phoneNumbers", func(s *spec) []v1alpha1.MultiValuedAttribute { return s.PhoneNumbers }},
	{"ims", func(s *spec) []v1alpha1.MultiValuedAttribute { return s.Ims }},
	{"photos", func(s *spec) []v1alpha1.MultiValuedAttribute { return s.Photos }},
	{"entitlements", func(s *spec) []v1alpha1.MultiValuedAttribute { return s.Entitlements }},
	{"roles", func(s *spec) []v1alpha1.MultiValuedAttribute { return s.Roles }},
	{"x509Certificates", func(s *spec) []v1alpha1.MultiValuedAttribute { return s.X509Certificates }},
}

var multiValuedSubs = []sub[v1alpha1.MultiValuedAttribute]{
	{"value", func(v *v1alpha1.MultiValuedAttribute) string { return v.Value }},
	{"display", func(v *v1alpha1.MultiValuedAttribute) string { return v.Display }},
	{"type", func(v *v1alpha1.MultiValuedAttribute) string { return v.Type }},
}

var nameSubs = []sub[v1alpha1.Name]{
	{"formatted", func(n *v1alpha1.Name) string { return n.Formatted }},
	{"familyName", func(n *v1alpha1.Name) string { return n.FamilyName }},
	{"givenName", func(n *v1alpha1.Name) string { return n.GivenName }},
	{"middleName", func(n *v1alpha1.Name) string { return n.MiddleName }},
	{"honorificPrefix", func(n *v1alpha1.Name) string { return n.HonorificPrefix }},
	{"honorificSuffix", func(n *v1alpha1.Name) string { return n.HonorificSuffix }},
}

var addressSubs = []sub[v1alpha1.Address]{
	{"formatted", func(a *v1alpha1.Address) string { return a.Formatted }},
	{"streetAddress", func(a *v1alpha1.Address) string { return a.StreetAddress }},
	{"locality", func(a *v1alpha1.Address) string { return a.Locality }},
	{"region", func(a *v1alpha1.Address) string { return a.Region }},
	{"postalCode", func(a *v1alpha1.Address) string { return a.PostalCode }},
	{"country", func(a *v1alpha1.Address) string { return a.Country }},
	{"type", func(a *v1alpha1.Address) string { return a.Type }},
}

var enterpriseSubs = []sub[v1alpha1.EnterpriseUser]{
	{"employeeNumber", func(e *v1alpha1.EnterpriseUser) string { return e.EmployeeNumber }},
	{"costCenter", func(e *v1alpha1.EnterpriseUser) string { return e.CostCenter }},
	{"organization", func(e *v1alpha1.EnterpriseUser) string { return e.Organization }},
	{"division", func(e *v1alpha1.EnterpriseUser) string { return e.Division }},
	{"department", func(e *v1alpha1.EnterpriseUser) string { return e.Department }},
}

var managerSubs = []sub[v1alpha1.Manager]{
	{"value", func(m *v1alpha1.Manager) string { return m.Value }},
	{"$ref", func(m *v1alpha1.Manager) string { return m.Ref }},
	{"displayName", func(m *v1alpha1.Manager) string { return m.DisplayName }},
}

var hoxhuntSubs = []sub[v1alpha1.HoxhuntUser]{
	{"microsoftEntraObjectId", func(h *v1alpha1.HoxhuntUser) string { return h.MicrosoftEntraObjectID }},
	{"employmentStart", func(h *v1alpha1.HoxhuntUser) string { return h.EmploymentStart }},
	{"customAttribute1", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute1 }},
	{"customAttribute2", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute2 }},
	{"customAttribute3", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute3 }},
	{"customAttribute4", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute4 }},
	{"customAttribute5", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute5 }},
	{"customAttribute6", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute6 }},
	{"customAttribute7", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute7 }},
	{"customAttribute8", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute8 }},
	{"customAttribute9", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute9 }},
	{"customAttribute10", func(h *v1alpha1.HoxhuntUser) string { return h.CustomAttribute10 }},
}

// userAttributes are the core and built-in extension attributes.
var userAttributes = func() []attrRenderer {
	var out []attrRenderer
	for _, s := range userStrings {
		out = append(out, str(s))
	}
	for _, m := range userMultiValued {
		out = append(out, multi(m.name, m.get))
	}
	return append(out,
		attrRenderer{"active", func(s *spec) (any, bool) {
			// A user stored without the field is active, as the CRD defaults it.
			return s.Active == nil || *s.Active, true
		}},
		attrRenderer{"name", func(s *spec) (any, bool) {
			if s.Name == nil {
				return nil, false
			}
			m := map[string]any{}
			putSubs(m, s.Name, nameSubs)
			return m, true
		}},
		attrRenderer{"addresses", func(s *spec) (any, bool) {
			return renderList(s.Addresses, func(a v1alpha1.Address) map[string]any {
				m := map[string]any{}
				putSubs(m, &a, addressSubs)
				putPrimary(m, a.Primary)
				return m
			})
		}},
		attrRenderer{schema.EnterpriseUserURN, func(s *spec) (any, bool) {
			e := s.Enterprise
			if e == nil {
				return nil, false
			}
			m := map[string]any{}
			putSubs(m, e, enterpriseSubs)
			if mgr := e.Manager; mgr != nil {
				mm := map[string]any{}
				putSubs(mm, mgr, managerSubs)
				m["manager"] = mm
			}
			return m, len(m) > 0
		}},
		attrRenderer{schema.HoxhuntUserURN, func(s *spec) (any, bool) {
			h := s.Hoxhunt
			if h == nil {
				return nil, false
			}
			m := map[string]any{}
			putSubs(m, h, hoxhuntSubs)
			if h.DisableThreatUpload != nil {
				m["disableThreatUpload"] = *h.DisableThreatUpload
			}
			return m, len(m) > 0
		}},
	)
}()

// declaredExtension is the value of a tenant-declared extension, as
// stored.
func declaredExtension(s *v1alpha1.ScimUserSpec, urn string) (any, bool) {
	raw, ok := s.Extensions[urn]
	if !ok {
		for k, v := range s.Extensions {
			if strings.EqualFold(k, urn) {
				raw, ok = v, true
			}
		}
	}
	if !ok || len(raw.Raw) == 0 {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(raw.Raw, &m); err != nil || len(m) == 0 {
		return nil, false
	}
	return m, true
}

// renderAttributes puts into doc the user's attributes that want accepts,
// want nil accepting all.
func renderAttributes(doc map[string]any, s *v1alpha1.ScimUserSpec, want func(string) bool) {
	for _, a := range userAttributes {
		if want != nil && !want(a.name) {
			continue
		}
		if v, ok := a.render(s); ok {
			doc[a.name] = v
		}
	}
	for urn := range s.Extensions {
		if want != nil && !want(urn) {
			continue
		}
		if v, ok := declaredExtension(s, urn); ok {
			doc[urn] = v
		}
	}
}
