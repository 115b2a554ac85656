// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package normalize

import (
	"fmt"
	"strings"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// Finding is an attribute value that could not be read.
type Finding struct {
	// Attribute is the attribute's name, one of a fixed set, fit for a
	// metric label.
	Attribute string
	// Path names the value within the user, e.g.
	// `phoneNumbers[type eq "work"]`: never the value itself.
	Path string
	// Expected says what would have been read.
	Expected string
}

// UserValues is what applications consume of a user's attributes, in
// normal form, and what could not be normalised.
type UserValues struct {
	PhoneNumbers    []v1alpha1.PhoneNumber
	EmploymentStart string
	Findings        []Finding
}

// User normalises a user's phone numbers, emails and dates; region reads
// national phone numbers. Its language is decided with the manual
// override, apart.
func User(spec *v1alpha1.ScimUserSpec, region string) UserValues {
	var out UserValues
	for _, p := range spec.PhoneNumbers {
		if p.Value == "" {
			continue
		}
		e164, extension, ok := Phone(p.Value, region)
		if !ok {
			expected := "a phone number with its country code (+ and digits), or a valid national number when the tenant sets spec.defaultPhoneRegion"
			if region != "" {
				expected = "a valid phone number, international or national to region " + region
			}
			out.report("phoneNumbers", path("phoneNumbers", p.Type), expected)
			continue
		}
		// No more than the spec holds, which the CRD bounds as it bounds
		// status.phoneNumbers.
		out.PhoneNumbers = append(out.PhoneNumbers, v1alpha1.PhoneNumber{Value: e164, Extension: extension, Type: p.Type, Primary: p.Primary})
	}
	for _, e := range spec.Emails {
		if e.Value != "" && !IsEmail(e.Value) {
			out.report("emails", path("emails", e.Type), "one email address, e.g. ann@example.com")
		}
	}
	if h := spec.Hoxhunt; h != nil && h.EmploymentStart != "" {
		date, ok := Date(h.EmploymentStart)
		if !ok {
			out.report("employmentStart", schema.HoxhuntUserURN+":employmentStart", "a date, YYYY-MM-DD, or an RFC 3339 date-time")
		}
		out.EmploymentStart = date
	}
	return out
}

// ReportLanguage records that a language attribute could not be read.
func (v *UserValues) ReportLanguage(attribute string) {
	v.report(attribute, attribute, "a BCP 47 language tag, e.g. fi, en-US or zh-Hant-TW")
}

func (v *UserValues) report(attribute, p, expected string) {
	for _, f := range v.Findings {
		if f.Path == p {
			return
		}
	}
	v.Findings = append(v.Findings, Finding{Attribute: attribute, Path: p, Expected: expected})
}

// Paths are the findings' paths, at most limit of them.
func (v *UserValues) Paths(limit int) []string {
	var out []string
	for _, f := range v.Findings {
		if len(out) == limit {
			break
		}
		out = append(out, f.Path)
	}
	return out
}

// Message says, for people, which values were kept as sent and what would
// have been read, without the values.
func (v *UserValues) Message() string {
	parts := make([]string, 0, len(v.Findings))
	for _, f := range v.Findings {
		parts = append(parts, fmt.Sprintf("%s (expected %s)", f.Path, f.Expected))
	}
	return "stored as sent but not normalised: " + strings.Join(parts, "; ")
}

func path(attribute, typ string) string {
	if typ == "" {
		return attribute
	}
	return fmt.Sprintf("%s[type eq %q]", attribute, typ)
}
