// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

func TestChangedNamesAttributesNotValues(t *testing.T) {
	ada := v1alpha1.ScimUserSpec{UserName: "ada@example.com", Name: &v1alpha1.Name{GivenName: "Augusta", FamilyName: "King"},
		Emails: []v1alpha1.MultiValuedAttribute{{Value: "ada@example.com", Primary: true}}}
	for _, tc := range []struct {
		name   string
		change func(*v1alpha1.ScimUserSpec)
		want   []string
	}{
		{"nothing", func(*v1alpha1.ScimUserSpec) {}, nil},
		{"a sub-attribute", func(s *v1alpha1.ScimUserSpec) { s.Name.GivenName = "Ada" }, []string{"name.givenName"}},
		{"a complex attribute removed", func(s *v1alpha1.ScimUserSpec) { s.Name = nil }, []string{"name.familyName", "name.givenName"}},
		{"a multi-valued attribute", func(s *v1alpha1.ScimUserSpec) { s.Emails[0].Value = "ada@lovelace.example" }, []string{"emails"}},
		{"a simple attribute set", func(s *v1alpha1.ScimUserSpec) { s.Title = "Countess" }, []string{"title"}},
		{"several, sorted", func(s *v1alpha1.ScimUserSpec) {
			s.UserName, s.Active, s.Name.FamilyName = "ada.king@example.com", new(bool), "Lovelace"
		}, []string{"active", "name.familyName", "userName"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := *ada.DeepCopy()
			tc.change(&after)
			got := Changed(ada, after)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Changed = %q, want %q", got, tc.want)
			}
			for _, name := range got {
				for _, value := range []string{"Augusta", "King", "Ada", "Lovelace", "Countess", "example.com"} {
					if strings.Contains(name, value) {
						t.Errorf("Changed returned a value: %q", name)
					}
				}
			}
		})
	}
}

func TestTrailWritesOneStampedLinePerRecord(t *testing.T) {
	var out bytes.Buffer
	trail := New(&out)
	at := time.Date(2026, 12, 7, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	trail.now = func() time.Time { return at }
	many := make([]string, 25)
	for i := range many {
		many[i] = fmt.Sprintf("u-%02d", i)
	}
	g := &v1alpha1.ScimGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "identities", Name: "g-1"},
		Spec: v1alpha1.ScimGroupSpec{TenantRef: v1alpha1.TenantReference{Name: "acme"}, DisplayName: "Analysts"}}
	rec := Group(g, MembersAdded, IdentityProvider)
	rec.Members = MembersOf(many)
	if err := trail.Write(rec); err != nil {
		t.Fatal(err)
	}
	u := &v1alpha1.ScimUser{ObjectMeta: metav1.ObjectMeta{Namespace: "identities", Name: "u-1"},
		Spec: v1alpha1.ScimUserSpec{TenantRef: v1alpha1.TenantReference{Name: "acme"}, UserName: "ada@example.com", ExternalID: "e-1"}}
	if err := trail.Write(User(u, Purged, Operator)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		`{"audit":"scim.provisioning.io/audit/v1","time":"2026-12-07T08:30:00Z","tenant":"identities/acme","kind":"Group","action":"membersAdded","outcome":"succeeded","actor":"identityProvider","id":"g-1","displayName":"Analysts","members":{"count":25,"ids":["u-00","u-01","u-02","u-03","u-04","u-05","u-06","u-07","u-08","u-09"]}}`,
		`{"audit":"scim.provisioning.io/audit/v1","time":"2026-12-07T08:30:00Z","tenant":"identities/acme","kind":"User","action":"purged","outcome":"succeeded","actor":"operator","id":"u-1","userName":"ada@example.com","externalId":"e-1"}`,
	}
	if !slices.Equal(lines, want) {
		t.Errorf("the trail is\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("not one JSON value a line: %s", l)
		}
	}
	var none *Trail
	if err := none.Write(rec); err != nil {
		t.Errorf("a nil trail: %v", err)
	}
}
