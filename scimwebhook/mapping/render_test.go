// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package mapping

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// viaJSON is a user's attributes as encoding/json gives them, re-keyed to
// SCIM's names: what the field-by-field renderer must equal.
func viaJSON(t *testing.T, s v1alpha1.ScimUserSpec) map[string]any {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tenantRef", "managedBy", "languageOverride"} {
		delete(m, k)
	}
	if _, ok := m["active"]; !ok {
		m["active"] = true
	}
	if ent, ok := m["enterprise"].(map[string]any); ok {
		if mgr, ok := ent["manager"].(map[string]any); ok {
			renameKey(mgr, "ref", "$ref")
		}
		if len(ent) > 0 {
			m[schema.EnterpriseUserURN] = ent
		}
	}
	if h, ok := m["hoxhunt"].(map[string]any); ok && len(h) > 0 {
		m[schema.HoxhuntUserURN] = h
	}
	if exts, ok := m["extensions"].(map[string]any); ok {
		for urn, v := range exts {
			m[urn] = v
		}
	}
	delete(m, "enterprise")
	delete(m, "hoxhunt")
	delete(m, "extensions")
	return m
}

func TestRenderMatchesJSON(t *testing.T) {
	mv := []v1alpha1.MultiValuedAttribute{{Value: "a", Display: "A", Type: "work", Primary: true}, {Value: "b"}}
	full := v1alpha1.ScimUserSpec{
		TenantRef: v1alpha1.TenantReference{Name: "t"}, ManagedBy: v1alpha1.ManagedBySCIM, LanguageOverride: "fi",
		UserName: "u", ExternalID: "x", Active: ptr.To(false),
		Name:        &v1alpha1.Name{Formatted: "f", FamilyName: "fn", GivenName: "gn", MiddleName: "m", HonorificPrefix: "p", HonorificSuffix: "s"},
		DisplayName: "d", NickName: "n", ProfileURL: "https://p", Title: "t", UserType: "e", PreferredLanguage: "fi",
		Locale: "fi-FI", Timezone: "Europe/Helsinki",
		Emails: mv, PhoneNumbers: mv, Ims: mv, Photos: mv, Entitlements: mv, Roles: mv, X509Certificates: mv,
		Addresses: []v1alpha1.Address{{Formatted: "f", StreetAddress: "s", Locality: "l", Region: "r", PostalCode: "p", Country: "c", Type: "work", Primary: true}, {Country: "FI"}},
		Enterprise: &v1alpha1.EnterpriseUser{EmployeeNumber: "1", CostCenter: "c", Organization: "o", Division: "d", Department: "dep",
			Manager: &v1alpha1.Manager{Value: "m", Ref: "https://m", DisplayName: "M"}},
		Hoxhunt: &v1alpha1.HoxhuntUser{MicrosoftEntraObjectID: "o", DisableThreatUpload: ptr.To(false), EmploymentStart: "2024-01-01",
			CustomAttribute1: "1", CustomAttribute2: "2", CustomAttribute3: "3", CustomAttribute4: "4", CustomAttribute5: "5",
			CustomAttribute6: "6", CustomAttribute7: "7", CustomAttribute8: "8", CustomAttribute9: "9", CustomAttribute10: "10"},
		Extensions: map[string]runtime.RawExtension{"urn:acme:User": {Raw: []byte(`{"costCode":"A","badge":42,"sites":["x"]}`)}},
	}
	for name, spec := range map[string]v1alpha1.ScimUserSpec{
		"every attribute":       full,
		"only a userName":       {UserName: "u"},
		"active set true":       {UserName: "u", Active: ptr.To(true)},
		"an empty name":         {UserName: "u", Name: &v1alpha1.Name{}},
		"an empty manager":      {UserName: "u", Enterprise: &v1alpha1.EnterpriseUser{Manager: &v1alpha1.Manager{}}},
		"empty extensions":      {UserName: "u", Enterprise: &v1alpha1.EnterpriseUser{}, Hoxhunt: &v1alpha1.HoxhuntUser{}},
		"threat upload on only": {UserName: "u", Hoxhunt: &v1alpha1.HoxhuntUser{DisableThreatUpload: ptr.To(true)}},
	} {
		t.Run(name, func(t *testing.T) {
			got := User(&v1alpha1.ScimUser{ObjectMeta: metav1.ObjectMeta{Name: "id"}, Spec: spec}, "", nil)
			for _, k := range []string{"id", "meta", "schemas"} {
				delete(got, k)
			}
			if diff := cmp.Diff(viaJSON(t, spec), got); diff != "" {
				t.Errorf("rendered user differs from its JSON form (-json +rendered):\n%s", diff)
			}
		})
	}
}

func TestUserAttributesRendersOnlyWhatIsAsked(t *testing.T) {
	u := &v1alpha1.ScimUser{ObjectMeta: metav1.ObjectMeta{Name: "id"}, Spec: v1alpha1.ScimUserSpec{
		UserName: "u", Name: &v1alpha1.Name{FamilyName: "F"}, Title: "T",
		Enterprise: &v1alpha1.EnterpriseUser{Department: "D"},
	}}
	got := UserAttributes(u, []string{"name", schema.EnterpriseUserURN, "id"}, nil)
	want := map[string]any{"name": map[string]any{"familyName": "F"}, schema.EnterpriseUserURN: map[string]any{"department": "D"}, "id": "id"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
