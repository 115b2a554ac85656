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

func str(name string, get func(*v1alpha1.ScimUserSpec) string) attrRenderer {
	return attrRenderer{name, func(s *v1alpha1.ScimUserSpec) (any, bool) { v := get(s); return v, v != "" }}
}

func multi(name string, get func(*v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute) attrRenderer {
	return attrRenderer{name, func(s *v1alpha1.ScimUserSpec) (any, bool) {
		return renderList(get(s), func(v v1alpha1.MultiValuedAttribute) map[string]any {
			m := map[string]any{}
			putStr(m, "value", v.Value)
			putStr(m, "display", v.Display)
			putStr(m, "type", v.Type)
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

// userAttributes are the core and built-in extension attributes, in the
// order of the spec.
var userAttributes = []attrRenderer{
	str("userName", func(s *v1alpha1.ScimUserSpec) string { return s.UserName }),
	str("externalId", func(s *v1alpha1.ScimUserSpec) string { return s.ExternalID }),
	{"active", func(s *v1alpha1.ScimUserSpec) (any, bool) {
		// A user stored without the field is active, as the CRD defaults it.
		return s.Active == nil || *s.Active, true
	}},
	{"name", func(s *v1alpha1.ScimUserSpec) (any, bool) {
		if s.Name == nil {
			return nil, false
		}
		n, m := s.Name, map[string]any{}
		putStr(m, "formatted", n.Formatted)
		putStr(m, "familyName", n.FamilyName)
		putStr(m, "givenName", n.GivenName)
		putStr(m, "middleName", n.MiddleName)
		putStr(m, "honorificPrefix", n.HonorificPrefix)
		putStr(m, "honorificSuffix", n.HonorificSuffix)
		return m, true
	}},
	str("displayName", func(s *v1alpha1.ScimUserSpec) string { return s.DisplayName }),
	str("nickName", func(s *v1alpha1.ScimUserSpec) string { return s.NickName }),
	str("profileUrl", func(s *v1alpha1.ScimUserSpec) string { return s.ProfileURL }),
	str("title", func(s *v1alpha1.ScimUserSpec) string { return s.Title }),
	str("userType", func(s *v1alpha1.ScimUserSpec) string { return s.UserType }),
	str("preferredLanguage", func(s *v1alpha1.ScimUserSpec) string { return s.PreferredLanguage }),
	str("locale", func(s *v1alpha1.ScimUserSpec) string { return s.Locale }),
	str("timezone", func(s *v1alpha1.ScimUserSpec) string { return s.Timezone }),
	multi("emails", func(s *v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute { return s.Emails }),
	multi("phoneNumbers", func(s *v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute { return s.PhoneNumbers }),
	multi("ims", func(s *v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute { return s.Ims }),
	multi("photos", func(s *v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute { return s.Photos }),
	{"addresses", func(s *v1alpha1.ScimUserSpec) (any, bool) {
		return renderList(s.Addresses, func(a v1alpha1.Address) map[string]any {
			m := map[string]any{}
			putStr(m, "formatted", a.Formatted)
			putStr(m, "streetAddress", a.StreetAddress)
			putStr(m, "locality", a.Locality)
			putStr(m, "region", a.Region)
			putStr(m, "postalCode", a.PostalCode)
			putStr(m, "country", a.Country)
			putStr(m, "type", a.Type)
			putPrimary(m, a.Primary)
			return m
		})
	}},
	multi("entitlements", func(s *v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute { return s.Entitlements }),
	multi("roles", func(s *v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute { return s.Roles }),
	multi("x509Certificates", func(s *v1alpha1.ScimUserSpec) []v1alpha1.MultiValuedAttribute { return s.X509Certificates }),
	{schema.EnterpriseUserURN, func(s *v1alpha1.ScimUserSpec) (any, bool) {
		e := s.Enterprise
		if e == nil {
			return nil, false
		}
		m := map[string]any{}
		putStr(m, "employeeNumber", e.EmployeeNumber)
		putStr(m, "costCenter", e.CostCenter)
		putStr(m, "organization", e.Organization)
		putStr(m, "division", e.Division)
		putStr(m, "department", e.Department)
		if mgr := e.Manager; mgr != nil {
			mm := map[string]any{}
			putStr(mm, "value", mgr.Value)
			putStr(mm, "$ref", mgr.Ref)
			putStr(mm, "displayName", mgr.DisplayName)
			m["manager"] = mm
		}
		return m, len(m) > 0
	}},
	{schema.HoxhuntUserURN, func(s *v1alpha1.ScimUserSpec) (any, bool) {
		h := s.Hoxhunt
		if h == nil {
			return nil, false
		}
		m := map[string]any{}
		putStr(m, "microsoftEntraObjectId", h.MicrosoftEntraObjectID)
		if h.DisableThreatUpload != nil {
			m["disableThreatUpload"] = *h.DisableThreatUpload
		}
		putStr(m, "employmentStart", h.EmploymentStart)
		for i, v := range []string{h.CustomAttribute1, h.CustomAttribute2, h.CustomAttribute3, h.CustomAttribute4, h.CustomAttribute5,
			h.CustomAttribute6, h.CustomAttribute7, h.CustomAttribute8, h.CustomAttribute9, h.CustomAttribute10} {
			putStr(m, customAttributeNames[i], v)
		}
		return m, len(m) > 0
	}},
}

var customAttributeNames = []string{"customAttribute1", "customAttribute2", "customAttribute3", "customAttribute4", "customAttribute5",
	"customAttribute6", "customAttribute7", "customAttribute8", "customAttribute9", "customAttribute10"}

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
