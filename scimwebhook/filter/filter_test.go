// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package filter

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // the canonical form; "" when the input must be rejected
	}{
		{`userName eq "bjensen"`, `userName eq "bjensen"`},
		{`UserName EQ "bjensen"`, `UserName eq "bjensen"`},
		{`name.familyName co "O'Malley"`, `name.familyName co "O'Malley"`},
		{`userName sw "J"`, `userName sw "J"`},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`},
		{`title pr`, `title pr`},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, `meta.lastModified gt "2011-05-13T04:42:34Z"`},
		{`title pr and userType eq "Employee"`, `(title pr and userType eq "Employee")`},
		{`title pr or userType eq "Intern"`, `(title pr or userType eq "Intern")`},
		{`a eq 1 or b eq 2 and c eq 3`, `(a eq 1 or (b eq 2 and c eq 3))`},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
			`(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))`},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
			`(userType ne "Employee" and not ((emails co "example.com" or emails.value co "example.org")))`},
		{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
			`(emails[(type eq "work" and value co "@example.com")] or ims[(type eq "xmpp" and value co "@foo.com")])`},
		{`emails[type eq "work"].value eq "a+b@example.com"`, `emails[type eq "work"].value eq "a+b@example.com"`},
		{`emails[Type eq "work"]`, `emails[Type eq "work"]`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`},
		{`active eq True`, `active eq true`},
		{`externalId eq null`, `externalId eq null`},
		{`x eq "say \"hi\""`, `x eq "say \"hi\""`},
		{`x eq -1.5e3`, `x eq -1500`},

		{``, ""},
		{`userName`, ""},
		{`userName eq`, ""},
		{`userName foo "x"`, ""},
		{`userName eq "x" and`, ""},
		{`(userName eq "x"`, ""},
		{`userName eq "x")`, ""},
		{`not userName eq "x"`, ""},
		{`emails[type eq "work"`, ""},
		{`emails[type[value eq "x"] eq "y"]`, ""},
		{`userName eq "unterminated`, ""},
		{`userName eq unquoted`, `userName eq "unquoted"`},
		{`userName sw j and title eq "x"`, `(userName sw "j" and title eq "x")`},
		{`meta.created gt 2024-03-01T00:00:00Z`, `meta.created gt "2024-03-01T00:00:00Z"`},
		{`userName eq and`, ""},
		{`userName eq not`, ""},
		{`userName gt true`, ""},
		{`userName co null`, ""},
		{`1abc eq "x"`, ""},
		{`foo:bar eq "x"`, ""},
		{`name.given.more eq "x"`, ""},
	} {
		e, err := Parse(tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("Parse(%q) = %v, want an error", tc.in, e)
		case tc.want != "" && err != nil:
			t.Errorf("Parse(%q): %v", tc.in, err)
		case tc.want != "" && e.String() != tc.want:
			t.Errorf("Parse(%q) = %s, want %s", tc.in, e, tc.want)
		}
	}
}

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Path
		ok   bool
	}{
		{in: "displayName", want: Path{Attr: "displayName"}, ok: true},
		{in: "name.givenName", want: Path{Attr: "name", Sub: "givenName"}, ok: true},
		{in: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
			want: Path{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", Attr: "manager"}, ok: true},
		{in: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
			want: Path{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", Attr: "manager", Sub: "value"}, ok: true},
		{in: `emails[type eq "work"].value`, ok: true},
		{in: `members[value eq "2819c223"]`, ok: true},
		{in: `emails[type eq "work"] extra`},
		{in: ``},
		{in: `"quoted"`},
	} {
		p, err := ParsePath(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParsePath(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && tc.want.Attr != "" && (p.URN != tc.want.URN || p.Attr != tc.want.Attr || p.Sub != tc.want.Sub) {
			t.Errorf("ParsePath(%q) = %+v, want %+v", tc.in, p, tc.want)
		}
		if tc.ok && p.String() != tc.in {
			t.Errorf("ParsePath(%q).String() = %q", tc.in, p.String())
		}
	}
}

const babs = `{
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "BJ",
  "userName": "Bjensen@example.com",
  "name": {"familyName": "Jensen", "givenName": "Barbara"},
  "title": "Tour Guide",
  "userType": "Employee",
  "active": true,
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs+home@jensen.org", "type": "home"}
  ],
  "addresses": [{"type": "work", "country": "FI", "locality": "Helsinki"}],
  "meta": {"created": "2011-08-01T18:29:49.793Z", "lastModified": "2011-08-01T21:32:44.882Z"},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "department": "Tour Operations",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
  }
}`

func TestMatches(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(babs), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{`userName eq "bjensen@example.com"`, true}, // userName is not caseExact
		{`USERNAME Eq "BJENSEN@EXAMPLE.COM"`, true},
		{`externalId eq "bj"`, false}, // externalId is caseExact
		{`externalId eq "BJ"`, true},
		{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{`userName ne "someone"`, true},
		{`userName co "jensen"`, true},
		{`userName sw "bj"`, true},
		{`userName ew "example.com"`, true},
		{`userName ew "example.org"`, false},
		{`name.familyName eq "jensen"`, true},
		{`title pr`, true},
		{`nickName pr`, false},
		{`nickName eq null`, true},
		{`nickName ne "x"`, true},
		{`active eq true`, true},
		{`active eq false`, false},
		{`emails co "jensen.org"`, true},
		{`emails.value eq "babs+home@jensen.org"`, true},
		{`emails[type eq "work"].value eq "bjensen@example.com"`, true},
		{`emails[type eq "home"].value eq "bjensen@example.com"`, false},
		{`emails[type eq "work" and primary eq true]`, true},
		{`emails[type eq "other"]`, false},
		{`emails[TYPE eq "WORK"]`, true},
		{`addresses[type eq "work"].country eq "fi"`, true},
		{`meta.lastModified gt "2011-08-01T20:00:00Z"`, true},
		{`meta.lastModified lt "2011-08-01T20:00:00+00:00"`, false},
		{`meta.created ge "2011-08-01T18:29:49.793Z"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department pr`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:title eq "tour guide"`, true},
		{`title eq "Tour Guide" and userType eq "Intern"`, false},
		{`title eq "Tour Guide" or userType eq "Intern"`, true},
		{`not (userType eq "Intern")`, true},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, true},
	} {
		e, err := Parse(tc.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.filter, err)
			continue
		}
		if err := Validate(e, schema.UserResource); err != nil {
			t.Errorf("Validate(%q): %v", tc.filter, err)
			continue
		}
		if got := Matches(e, doc, schema.UserResource); got != tc.want {
			t.Errorf("Matches(%q) = %v, want %v", tc.filter, got, tc.want)
		}
	}
}

func TestValidateRejectsDatesItCannotRead(t *testing.T) {
	for _, tc := range []struct {
		filter string
		ok     bool
	}{
		{`meta.lastModified gt "yesterday"`, false},
		{`not (meta.created le "2026-13-01T00:00:00Z") and userName pr`, false},
		{`userName pr or meta.lastModified eq "01/02/2026"`, false},
		{`meta.lastModified gt "2026-01-31T09:00:00Z"`, true},
		{`meta.created ge "2026-01-31T09:00:00.123+02:00"`, true},
		// Substring operators compare the rendered form as a string.
		{`meta.created sw "2026-01"`, true},
		// A string attribute holding dates is compared as a string.
		{`urn:ietf:params:scim:schemas:extension:hoxhunt:2.0:User:employmentStart gt "2026-01-01"`, true},
	} {
		e, err := Parse(tc.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.filter, err)
		}
		err = Validate(e, schema.UserResource)
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%q) = %v, want ok %v", tc.filter, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("Validate(%q) = %v, want a detail naming the format", tc.filter, err)
		}
	}
}

func TestValidateRejectsUnknownAttributes(t *testing.T) {
	for _, f := range []string{
		`nosuch eq "x"`,
		`name.nosuch eq "x"`,
		`emails[nosuch eq "x"]`,
		`title[value eq "x"]`,
		`urn:example:unknown:ext:attr eq "x"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nosuch eq "x"`,
	} {
		e, err := Parse(f)
		if err != nil {
			t.Errorf("Parse(%q): %v", f, err)
			continue
		}
		if err := Validate(e, schema.UserResource); err == nil {
			t.Errorf("Validate(%q) succeeded, want an error", f)
		}
	}
}
