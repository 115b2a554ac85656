// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package mapping

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/column"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// userPaths are every path of a user's schema down to its leaves, as a
// filter names them: "emails" as well as "emails.value".
func userPaths() []filter.Path {
	var paths []filter.Path
	add := func(urn string, attrs []schema.Attribute) {
		for _, a := range attrs {
			paths = append(paths, filter.Path{URN: urn, Attr: a.Name})
			for _, s := range a.SubAttributes {
				paths = append(paths, filter.Path{URN: urn, Attr: a.Name, Sub: s.Name})
			}
		}
	}
	add("", []schema.Attribute{
		{Name: "id"}, {Name: "externalId"},
		{Name: "meta", SubAttributes: []schema.Attribute{{Name: "resourceType"}, {Name: "created"}, {Name: "lastModified"}, {Name: "location"}, {Name: "version"}}},
	})
	for _, s := range schema.UserResource.Schemas() {
		urn := s.ID
		if urn == schema.UserResource.Core.ID {
			urn = ""
		}
		add(urn, s.Attributes)
	}
	return paths
}

// Every path whose leaf a filter compares as a string, or a single
// boolean or date, is read from the typed user; what is left is rendered.
func TestUserFieldCoversTheSchema(t *testing.T) {
	rendered := map[string]bool{
		// Rendered from memberships, not held by the user.
		"groups": true, "groups.value": true, "groups.$ref": true, "groups.display": true, "groups.type": true,
		// Rendered per request, not held by the user.
		"meta.resourceType": true, "meta.location": true, "meta.version": true,
		// Never stored.
		"password": true,
	}
	covered := map[fieldKey]bool{}
	for _, p := range userPaths() {
		r, err := filter.Resolve(p, schema.UserResource)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		leaf := r.Leaf()
		wantField := !rendered[p.Attr] && !rendered[p.Attr+"."+p.Sub]
		if leaf.Type == schema.TypeComplex {
			wantField = false
		}
		_, ok := UserField(r)
		if ok != wantField {
			t.Errorf("%s: field %v, want %v", p, ok, wantField)
		}
		if ok {
			k := fieldKey{r.Container, r.Attr.Name, ""}
			if leaf != r.Attr {
				k.leaf = leaf.Name
			}
			covered[k] = true
		}
	}
	for k := range userFields {
		if !covered[k] {
			t.Errorf("field %+v names no path of the schema", k)
		}
	}
}

func fieldTestUsers() []*v1alpha1.ScimUser {
	created := metav1.NewTime(time.Date(2026, 3, 4, 5, 6, 7, 800, time.UTC))
	long := strings.Repeat("Ab", 200)
	mv := []v1alpha1.MultiValuedAttribute{{Value: "Alice@Example.COM", Display: "Work", Type: "work", Primary: true}, {Value: "", Type: "home"}, {Value: "ÅSA@example.fi"}}
	return []*v1alpha1.ScimUser{
		{ObjectMeta: metav1.ObjectMeta{Name: "empty", CreationTimestamp: created}},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "Full-ID", CreationTimestamp: created, Annotations: map[string]string{v1alpha1.AnnotationLastModified: "2026-05-06T07:08:09Z"}},
			Spec: v1alpha1.ScimUserSpec{
				UserName: "Alice.Smith", ExternalID: "EXT-1", Active: ptr.To(false), DisplayName: "Alice Smith", NickName: "Ali",
				ProfileURL: "https://example.com/Alice", Title: "Director", UserType: "Employee", PreferredLanguage: "de-DE, de;q=0.9",
				Locale: "sv_SE", Timezone: "Europe/Helsinki",
				Name:   &v1alpha1.Name{Formatted: "Ms. Alice Smith", FamilyName: "Smith", GivenName: "Alice", HonorificPrefix: "Ms."},
				Emails: mv, PhoneNumbers: mv, Ims: mv, Photos: mv, Entitlements: mv, Roles: mv, X509Certificates: mv,
				Addresses: []v1alpha1.Address{{Locality: "Helsinki", Country: "FI", Type: "work", Primary: true}, {PostalCode: "00100"}},
				Enterprise: &v1alpha1.EnterpriseUser{EmployeeNumber: "42", Department: "R&D",
					Manager: &v1alpha1.Manager{Value: "Boss-ID", Ref: "../Users/Boss-ID", DisplayName: "The Boss"}},
				Hoxhunt: &v1alpha1.HoxhuntUser{MicrosoftEntraObjectID: "oid", DisableThreatUpload: ptr.To(false), EmploymentStart: "2020-01-31", CustomAttribute7: "Seven"},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "unicode", CreationTimestamp: created, Annotations: map[string]string{v1alpha1.AnnotationLastModified: "yesterday"}},
			Spec: v1alpha1.ScimUserSpec{
				UserName: "ÖZGÜR", DisplayName: long, Title: "İstanbul", Active: ptr.To(true),
				Name:       &v1alpha1.Name{FamilyName: "Şahin"},
				Enterprise: &v1alpha1.EnterpriseUser{Manager: &v1alpha1.Manager{}},
				Hoxhunt:    &v1alpha1.HoxhuntUser{DisableThreatUpload: ptr.To(true)},
			},
		},
	}
}

// A compiled filter matches exactly the users the same filter matches in
// their rendered form, for every path, operator and kind of value.
func TestCompiledFiltersMatchRenderedUsers(t *testing.T) {
	users := fieldTestUsers()
	values := []any{nil, true, false, 42.0, "", "a", "alice", "ALICE.SMITH", "smith", "example.com", "Director", "DIR", "work",
		"özgür", "ÖZ", "şah", "abab", strings.Repeat("ab", 200), "2026-03-04T05:06:07Z", "2026-03-04T05:06:07.5Z", "2026-05-06T07:08:09Z",
		"2026-03-04t05:06:07z", "2026", "yesterday", "boss-id", "Boss-ID", "EXT-1", "ext-1", "Full-ID", "42", "r&d", "seven", "fi", "00100"}
	ops := []string{filter.OpEq, filter.OpNe, filter.OpCo, filter.OpSw, filter.OpEw, filter.OpGt, filter.OpGe, filter.OpLt, filter.OpLe}
	var exprs []filter.Expr
	for _, p := range userPaths() {
		exprs = append(exprs, filter.Present{Path: p})
		for _, op := range ops {
			for _, v := range values {
				exprs = append(exprs, filter.Compare{Path: p, Op: op, Value: v})
			}
		}
	}
	// Value filters over the elements of multi-valued attributes: those
	// flatten rewrites compile, the rest are left to the rendered form.
	for _, sch := range schema.UserResource.Schemas() {
		urn := sch.ID
		if urn == schema.UserResource.Core.ID {
			urn = ""
		}
		for _, a := range sch.Attributes {
			if !a.MultiValued || len(a.SubAttributes) == 0 {
				continue
			}
			valuePath := func(f filter.Expr) filter.Expr {
				return filter.ValuePath{Path: filter.Path{URN: urn, Attr: a.Name, Filter: f}}
			}
			for _, sub := range a.SubAttributes {
				in := filter.Path{Attr: sub.Name}
				exprs = append(exprs, valuePath(filter.Present{Path: in}))
				for _, op := range ops {
					for _, v := range values {
						term := filter.Compare{Path: in, Op: op, Value: v}
						exprs = append(exprs, valuePath(term), valuePath(filter.Not{X: term}))
						// Terms on the same element, and the values of
						// the elements a filter keeps.
						for _, other := range a.SubAttributes {
							byType := filter.Compare{Path: filter.Path{Attr: other.Name}, Op: filter.OpEq, Value: "work"}
							exprs = append(exprs,
								valuePath(filter.Logical{Op: filter.OpAnd, Left: byType, Right: term}),
								filter.Compare{Path: filter.Path{URN: urn, Attr: a.Name, Filter: byType, Sub: sub.Name}, Op: op, Value: v},
							)
						}
					}
				}
			}
		}
	}
	for _, s := range []string{
		`emails[value co "example" or type eq "home"]`,
		`emails[value co "example" or display pr] or addresses[locality sw "hel" or postalCode eq "00100"]`,
		`emails[type eq "work" and value co "example"]`,
		`emails[not (value co "example")]`,
		`(title eq "Director" or displayName co "smith") and active eq false`,
		`not (userName sw "alice") and name.familyName pr`,
		`meta.lastModified gt "2026-04-01T00:00:00Z" or meta.created le "2026-03-04T05:06:07Z"`,
		`emails[type eq "work"].value co "example"`,
	} {
		e, err := filter.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		exprs = append(exprs, e)
	}
	// The same filters compiled to columns of the users' values, as the
	// store evaluates them on a whole tenant. Primary flags have no
	// column: a filter on them is evaluated on the users.
	columns := func(r filter.Resolved) (filter.Field[int], bool) {
		f, ok := UserField(r)
		if !ok {
			return filter.Field[int]{}, false
		}
		c, ok := column.Build(users, f)
		if !ok && f.BoolAt == nil {
			t.Fatalf("%s: no column", r.Key())
		}
		if !ok {
			return filter.Field[int]{}, false
		}
		return c.Field(), true
	}
	compiled, matched := 0, 0
	for _, e := range exprs {
		match, ok := filter.Compile(e, schema.UserResource, UserField)
		if !ok {
			continue
		}
		compiled++
		matchRow, onColumns := filter.Compile(e, schema.UserResource, columns)
		if !onColumns && !strings.Contains(e.String(), "primary") {
			t.Fatalf("%s compiled on users, not on columns", e)
		}
		for i, u := range users {
			want := filter.Matches(e, User(u, "", nil), schema.UserResource)
			if got := match(u); got != want {
				t.Errorf("%s on user %s: compiled %v, rendered %v", e, u.Name, got, want)
			}
			if want {
				matched++
			}
			if !onColumns {
				continue
			}
			if got := matchRow(i); got != want {
				t.Errorf("%s on user %s: on columns %v, rendered %v", e, u.Name, got, want)
			}
		}
	}
	// The comparison is only worth as much as what it compared.
	if compiled < len(exprs)*9/10 || matched < compiled/4 {
		t.Fatalf("compiled %d of %d filters, %d matches: the table no longer exercises the fields", compiled, len(exprs), matched)
	}
	t.Logf("%d of %d filters compiled, %d user matches compared", compiled, len(exprs), matched)
}

// A value filter is compiled where each of its terms reads a string
// sub-attribute or a primary flag; whole complex values and attributes
// not held by the user are left to the rendered form.
func TestCompileValueFilters(t *testing.T) {
	for s, compiles := range map[string]bool{
		`emails[type eq "work"].value co "example"`:                     true,
		`emails[type eq "work" and value co "example"]`:                 true,
		`emails[not (value co "example")]`:                              true,
		`emails[value ne "a@example.com"]`:                              true,
		`emails[value eq null]`:                                         true,
		`emails[value co "example"]`:                                    true,
		`emails[value co "example" or type eq "work"]`:                  true,
		`addresses[locality pr] or emails[display sw "A"]`:              true,
		`emails[type eq "work"] co "example"`:                           true,
		`emails[primary eq true and type eq "work"]`:                    true,
		`addresses[primary eq true].locality co "hel"`:                  true,
		`addresses[type eq "work"] pr`:                                  false,
		`emails[type eq "work" and value co "x"] and groups.display pr`: false,
	} {
		e, err := filter.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := filter.Compile(e, schema.UserResource, UserField); ok != compiles {
			t.Errorf("%s compiled: %v, want %v", s, ok, compiles)
		}
	}
}

// A filter no index answers reads every user of a tenant: evaluating it
// must not allocate per user.
func TestCompiledFiltersDoNotAllocate(t *testing.T) {
	u := fieldTestUsers()[1]
	for _, s := range []string{`name.familyName co "mit"`, `userName sw "ALI"`, `meta.lastModified gt "2026-01-01T00:00:00Z"`, `title pr`, `emails.value ew ".com"`, `emails[value co "example" or type eq "work"]`,
		`emails[type eq "work" and not (value co "example")]`, `emails[type eq "work"].value sw "ALICE"`} {
		e, err := filter.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		match, ok := filter.Compile(e, schema.UserResource, UserField)
		if !ok {
			t.Fatalf("%s did not compile", s)
		}
		if n := testing.AllocsPerRun(100, func() { match(u) }); n != 0 {
			t.Errorf("%s: %v allocations per user", s, n)
		}
	}
}

// Any filter that parses, validates and compiles matches, on typed users
// and on columns, exactly the users its rendered evaluation matches.
func FuzzCompiledFiltersMatchRenderedUsers(f *testing.F) {
	for _, s := range []string{
		`emails[type eq "work" and not (value co "example")] or name.familyName sw "s"`,
		`addresses[primary eq true and (locality co "hel" or postalCode eq "00100")].country eq "fi"`,
		`emails[type ne "home" and display pr].value ew ".com"`,
		`ims[value eq null or type gt "h"] and not (roles[primary eq true])`,
		`meta.created ge "2026-03-04T05:06:07Z" and phoneNumbers[display sw "w"]`,
	} {
		f.Add(s)
	}
	users := fieldTestUsers()
	columns := func(r filter.Resolved) (filter.Field[int], bool) {
		f, ok := UserField(r)
		if !ok {
			return filter.Field[int]{}, false
		}
		c, ok := column.Build(users, f)
		if !ok {
			return filter.Field[int]{}, false
		}
		return c.Field(), true
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := filter.Parse(s)
		if err != nil || filter.Validate(e, schema.UserResource) != nil {
			return
		}
		match, ok := filter.Compile(e, schema.UserResource, UserField)
		if !ok {
			return
		}
		matchRow, onColumns := filter.Compile(e, schema.UserResource, columns)
		for i, u := range users {
			want := filter.Matches(e, User(u, "", nil), schema.UserResource)
			if got := match(u); got != want {
				t.Fatalf("%s on user %s: compiled %v, rendered %v", e, u.Name, got, want)
			}
			if onColumns && matchRow(i) != want {
				t.Fatalf("%s on user %s: on columns %v, rendered %v", e, u.Name, !want, want)
			}
		}
	})
}
