// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package schema

import "slices"

// Schema is a resource schema as served at /Schemas (RFC 7643 section 7).
type Schema struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Attributes  []Attribute `json:"attributes"`
}

var emailTypes = []string{"work", "home", "other"}

// UserUniqueEmail is User for a tenant that keeps the email of record
// unique (spec.emailUniqueness EmailOfRecord): what /Schemas declares is
// what the server enforces.
var UserUniqueEmail = withUniqueEmail(User)

func withUniqueEmail(s Schema) Schema {
	s.Attributes = slices.Clone(s.Attributes)
	for i := range s.Attributes {
		a := &s.Attributes[i]
		if a.Name != "emails" {
			continue
		}
		a.Description = "Email addresses for the user. The email of record (the primary one, else the first of type work, else the first) is unique within the tenant among users not deleted, compared case-insensitively; other addresses may repeat across users."
		a.SubAttributes = slices.Clone(a.SubAttributes)
		for j := range a.SubAttributes {
			if a.SubAttributes[j].Name == "value" {
				serverUnique(&a.SubAttributes[j])
			}
		}
	}
	return s
}

// User is the core User schema as this server supports it: every attribute
// of RFC 7643 section 4.1 but password, which is never stored.
var User = Schema{
	ID:          UserURN,
	Name:        "User",
	Description: "User Account",
	Attributes: []Attribute{
		str("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Unique within the tenant, compared case-insensitively.", required, serverUnique),
		complexAttr("name", "The components of the user's real name.", []Attribute{
			str("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
			str("familyName", "The family name of the User, or last name in most Western languages."),
			str("givenName", "The given name of the User, or first name in most Western languages."),
			str("middleName", "The middle name(s) of the User."),
			str("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages."),
			str("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages."),
		}),
		str("displayName", "The name of the User, suitable for display to end-users."),
		str("nickName", "The casual way to address the user in real life."),
		attr("profileUrl", TypeReference, "A fully qualified URL pointing to a page representing the User's online profile.", references("external")),
		str("title", "The user's title, such as \"Vice President\"."),
		str("userType", "Used to identify the relationship between the organization and the user."),
		str("preferredLanguage", "The User's preferred written or spoken language, as a BCP 47 tag (\"fi\", \"en-US\", \"zh-Hant-TW\") or an Accept-Language list. Stored as sent; its ISO 639-1 base is the user's effective language."),
		str("locale", "The User's default location for localizing items such as currency and date formats, e.g. \"en-US\"."),
		str("timezone", "The User's time zone in the IANA Time Zone database format, e.g. \"Europe/Helsinki\"."),
		boolean("active", "The User's administrative status. Deactivated users are kept, visible with active=false, until the tenant's retention ends."),
		multiValued("emails", "Email addresses for the user. Addresses may repeat across users; a user whose email of record (the primary one, else the first of type work, else the first) another user has too is stored and reported to the platform team.", "Email address for the user.", emailTypes),
		multiValued("phoneNumbers", "Phone numbers for the User, stored as sent: E.164, RFC 3966 (tel:) or national, which the tenant's default region reads.", "Phone number of the User.", []string{"work", "home", "mobile", "fax", "pager", "other"}),
		multiValued("ims", "Instant messaging addresses for the User.", "Instant messaging address for the User.", []string{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}),
		multiValued("photos", "URLs of photos of the User.", "URL of a photo of the User.", []string{"photo", "thumbnail"}),
		complexAttr("addresses", "A physical mailing address for this User.", []Attribute{
			str("formatted", "The full mailing address, formatted for display or use with a mailing label."),
			str("streetAddress", "The full street address component."),
			str("locality", "The city or locality component."),
			str("region", "The state or region component."),
			str("postalCode", "The zip code or postal code component."),
			str("country", "The country name component."),
			str("type", "A label indicating the attribute's function.", canonical("work", "home", "other")),
			boolean("primary", "Indicates the primary address; at most one address may be primary."),
		}, multi),
		complexAttr("groups", "The groups the user belongs to, computed from group membership.", []Attribute{
			str("value", "The identifier of the User's group.", readOnly),
			attr("$ref", TypeReference, "The URI of the corresponding Group resource.", readOnly, references("Group")),
			str("display", "A human-readable name, primarily used for display purposes.", readOnly),
			str("type", "How the membership came about: only \"direct\" is used.", readOnly, canonical("direct")),
		}, multi, readOnly),
		multiValued("entitlements", "A list of entitlements for the User.", "The value of an entitlement.", nil),
		multiValued("roles", "A list of roles for the User. Users without one get the tenant's default role.", "The value of a role.", nil),
		multiValued("x509Certificates", "A list of certificates issued to the User.", "The value of an X.509 certificate, base64 DER.", nil),
	},
}

// EnterpriseUser is the enterprise User extension (RFC 7643 section 4.3).
var EnterpriseUser = Schema{
	ID:          EnterpriseUserURN,
	Name:        "EnterpriseUser",
	Description: "Enterprise User",
	Attributes: []Attribute{
		str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
		str("costCenter", "Identifies the name of a cost center."),
		str("organization", "Identifies the name of an organization."),
		str("division", "Identifies the name of a division."),
		str("department", "Identifies the name of a department."),
		complexAttr("manager", "The User's manager.", []Attribute{
			str("value", "The id of the SCIM resource representing the User's manager, or the manager's email address."),
			attr("$ref", TypeReference, "The URI of the SCIM resource representing the User's manager.", references("User")),
			str("displayName", "The displayName of the User's manager.", readOnly),
		}),
	},
}

// HoxhuntUser is this product's User extension.
var HoxhuntUser = Schema{
	ID:          HoxhuntUserURN,
	Name:        "HoxhuntUser",
	Description: "Hoxhunt User extension",
	Attributes: append([]Attribute{
		str("microsoftEntraObjectId", "The unique identifier of the user in Microsoft Entra ID."),
		boolean("disableThreatUpload", "Whether the user's threat reports are kept from being uploaded."),
		str("employmentStart", "The date the user's employment started, YYYY-MM-DD; an RFC 3339 date-time is read as its date."),
	}, customAttributes()...),
}

func customAttributes() []Attribute {
	names := []string{"customAttribute1", "customAttribute2", "customAttribute3", "customAttribute4", "customAttribute5",
		"customAttribute6", "customAttribute7", "customAttribute8", "customAttribute9", "customAttribute10"}
	attrs := make([]Attribute, 0, len(names))
	for _, n := range names {
		attrs = append(attrs, str(n, "Free-form data from the identity provider."))
	}
	return attrs
}

// Group is the core Group schema (RFC 7643 section 4.2).
var Group = Schema{
	ID:          GroupURN,
	Name:        "Group",
	Description: "Group",
	Attributes: []Attribute{
		str("displayName", "A human-readable name for the Group. Unique within the tenant.", required, serverUnique),
		complexAttr("members", "A list of members of the Group: users of the same tenant.", []Attribute{
			str("value", "Identifier of the member of this Group.", immutable),
			attr("$ref", TypeReference, "The URI corresponding to a SCIM resource that is a member of this Group.", immutable, references("User")),
			str("display", "A human-readable name of the member.", readOnly),
			str("type", "A label indicating the type of resource.", immutable, canonical("User")),
		}, multi),
	},
}
