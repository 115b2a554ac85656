// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package mapping converts between the ScimUser and ScimGroup custom
// resources and their SCIM JSON form. It is the one place that knows how
// SCIM attributes map to spec fields.
package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// Ref is a reference to another resource: a group of a user, a member of
// a group.
type Ref struct {
	Value   string
	Display string
	Ref     string
}

// Spec fields that are not SCIM attributes, and the SCIM containers of the
// extension fields.
const (
	fieldTenantRef        = "tenantRef"
	fieldManagedBy        = "managedBy"
	fieldLanguageOverride = "languageOverride"
	fieldEnterprise       = "enterprise"
	fieldHoxhunt          = "hoxhunt"
	fieldExtensions       = "extensions"
)

// Version is the weak ETag (RFC 7644 section 3.14) of an object, and of
// whatever else parts name. It follows the object's generation, which
// changes with its spec only: a controller updating status or finalizers
// does not change what SCIM shows, so it must not fail an If-Match.
func Version(obj metav1.Object, parts ...string) string {
	v := strconv.FormatInt(obj.GetGeneration(), 10)
	for _, p := range parts {
		v += "-" + p
	}
	return `W/"` + v + `"`
}

// User renders u in SCIM JSON form with canonical attribute names.
func User(u *v1alpha1.ScimUser, location string, groups []Ref) map[string]any {
	doc := map[string]any{}
	renderAttributes(doc, &u.Spec, nil)
	schemas := []string{schema.UserURN}
	for _, urn := range append([]string{schema.EnterpriseUserURN, schema.HoxhuntUserURN}, slices.Sorted(maps.Keys(u.Spec.Extensions))...) {
		if _, ok := doc[urn]; ok {
			schemas = append(schemas, urn)
		}
	}
	doc["schemas"] = schemas
	doc["id"] = u.Name
	if len(groups) > 0 {
		doc["groups"] = refs(groups, "direct")
	}
	doc["meta"] = meta(&u.ObjectMeta, schema.ResourceUser, location, Version(u))
	return doc
}

// UserAttributes renders only the top-level attributes of u that names
// lists (canonical names, and extension URNs for extension attributes):
// what a filter needs to be evaluated, at a fraction of a whole user's
// cost. groups are the user's, for a filter on them.
func UserAttributes(u *v1alpha1.ScimUser, names []string, groups []Ref) map[string]any {
	doc := map[string]any{}
	renderAttributes(doc, &u.Spec, func(name string) bool { return slices.Contains(names, name) })
	for _, n := range names {
		switch n {
		case "id":
			doc["id"] = u.Name
		case "meta":
			doc["meta"] = meta(&u.ObjectMeta, schema.ResourceUser, "", Version(u))
		case "groups":
			if len(groups) > 0 {
				doc["groups"] = refs(groups, "direct")
			}
		}
	}
	return doc
}

// UserSpec sets every SCIM attribute of spec from doc, a user in
// canonical form (see schema.Resource.Normalize); attributes absent from
// doc are cleared. The fields that are not SCIM attributes are kept.
func UserSpec(doc map[string]any, spec *v1alpha1.ScimUserSpec) error {
	m := copyMap(doc)
	delete(m, "id")
	delete(m, "meta")
	delete(m, "schemas")
	delete(m, "groups")
	if ent, ok := m[schema.EnterpriseUserURN].(map[string]any); ok {
		ent = copyMap(ent)
		if mgr, ok := ent["manager"].(map[string]any); ok {
			mgr = copyMap(mgr)
			renameKey(mgr, "$ref", "ref")
			ent["manager"] = mgr
		}
		m[fieldEnterprise] = ent
	}
	delete(m, schema.EnterpriseUserURN)
	renameKey(m, schema.HoxhuntUserURN, fieldHoxhunt)
	// What is left under a URN is an extension the tenant declares: the
	// schema let nothing else through.
	declared := map[string]any{}
	for k, v := range m {
		if strings.HasPrefix(strings.ToLower(k), "urn:") {
			if ext, ok := v.(map[string]any); ok && len(ext) > 0 {
				declared[k] = v
			}
			delete(m, k)
		}
	}
	if len(declared) > 0 {
		m[fieldExtensions] = declared
	}
	next := v1alpha1.ScimUserSpec{}
	if err := fromMap(m, &next); err != nil {
		return err
	}
	next.TenantRef, next.ManagedBy, next.LanguageOverride = spec.TenantRef, spec.ManagedBy, spec.LanguageOverride
	dropStubs(&next)
	*spec = next
	return nil
}

// dropStubs removes what an identity provider's attribute template sends
// for a value the directory does not have: {"type":"work"} with no value,
// an address with only its type, a name with only empty parts.
func dropStubs(spec *v1alpha1.ScimUserSpec) {
	for _, attr := range []*[]v1alpha1.MultiValuedAttribute{&spec.Emails, &spec.PhoneNumbers, &spec.Ims, &spec.Photos,
		&spec.Entitlements, &spec.Roles, &spec.X509Certificates} {
		*attr = slices.DeleteFunc(*attr, func(v v1alpha1.MultiValuedAttribute) bool { return v.Value == "" })
		if len(*attr) == 0 {
			*attr = nil
		}
	}
	spec.Addresses = slices.DeleteFunc(spec.Addresses, func(a v1alpha1.Address) bool {
		return a == v1alpha1.Address{Type: a.Type, Primary: a.Primary}
	})
	if len(spec.Addresses) == 0 {
		spec.Addresses = nil
	}
	if spec.Name != nil && *spec.Name == (v1alpha1.Name{}) {
		spec.Name = nil
	}
}

// Group renders g in SCIM JSON form. members is nil when they were not
// asked for, which omits the attribute.
func Group(g *v1alpha1.ScimGroup, location, version string, members []Ref) map[string]any {
	doc := map[string]any{
		"schemas":     []string{schema.GroupURN},
		"id":          g.Name,
		"displayName": g.Spec.DisplayName,
		"meta":        meta(&g.ObjectMeta, schema.ResourceGroup, location, version),
	}
	if g.Spec.ExternalID != "" {
		doc["externalId"] = g.Spec.ExternalID
	}
	if len(members) > 0 {
		doc["members"] = refs(members, "")
	}
	return doc
}

// GroupSpec sets displayName and externalId from doc, a group in
// canonical form, and returns the member ids it lists.
func GroupSpec(doc map[string]any, spec *v1alpha1.ScimGroupSpec) (members []string) {
	spec.DisplayName, _ = doc["displayName"].(string)
	spec.ExternalID, _ = doc["externalId"].(string)
	list, _ := doc["members"].([]any)
	for _, el := range list {
		if m, ok := el.(map[string]any); ok {
			if v, ok := m["value"].(string); ok && v != "" {
				members = append(members, v)
			}
		}
	}
	return members
}

func refs(rs []Ref, typ string) []any {
	out := make([]any, 0, len(rs))
	for _, r := range rs {
		m := map[string]any{"value": r.Value}
		if r.Display != "" {
			m["display"] = r.Display
		}
		if r.Ref != "" {
			m["$ref"] = r.Ref
		}
		if typ != "" {
			m["type"] = typ
		}
		out = append(out, m)
	}
	return out
}

func meta(om *metav1.ObjectMeta, resourceType, location, version string) map[string]any {
	return map[string]any{
		"resourceType": resourceType,
		"created":      om.CreationTimestamp.UTC().Format(time.RFC3339),
		"lastModified": lastModified(om).UTC().Format(time.RFC3339),
		"location":     location,
		"version":      version,
	}
}

// lastModified is when the identity provider last changed the object, or
// its creation when it has not.
func lastModified(om *metav1.ObjectMeta) time.Time {
	if t, err := time.Parse(time.RFC3339, om.Annotations[v1alpha1.AnnotationLastModified]); err == nil {
		return t
	}
	return om.CreationTimestamp.Time
}

func fromMap(m map[string]any, into any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode attributes: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(into); err != nil {
		return &schema.ValueError{ScimType: schema.ScimTypeInvalidValue, Detail: fmt.Sprintf("attributes do not fit a user: %v", err)}
	}
	return nil
}

func renameKey(m map[string]any, from, to string) {
	if v, ok := m[from]; ok {
		m[to] = v
		delete(m, from)
	}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
