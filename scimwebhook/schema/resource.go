// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package schema

import (
	"slices"
	"strings"
)

// Resource is a resource type with its core schema and extensions: what
// the filter evaluator, the PATCH applier and the input decoder consult to
// find an attribute by its case-insensitive name (RFC 7643 section 2.1).
type Resource struct {
	Name       string
	Endpoint   string
	Core       Schema
	Extensions []Schema
	// Discarded are attributes accepted on input and never kept, such as
	// the password some identity providers send along.
	Discarded []string
	// Hint ends the detail of an error about an unknown attribute or
	// extension: how to make the server know it.
	Hint string
}

// With is the resource type with more extensions, and hint for names it
// does not know.
func (r *Resource) With(hint string, extensions ...Schema) *Resource {
	out := *r
	out.Extensions = append(slices.Clip(r.Extensions), extensions...)
	out.Hint = hint
	return &out
}

func (r *Resource) hint() string {
	if r.Hint == "" {
		return ""
	}
	return ": " + r.Hint
}

// Schemas are the resource type's core schema and its extensions.
func (r *Resource) Schemas() []Schema {
	return append([]Schema{r.Core}, r.Extensions...)
}

// Common attributes every resource has (RFC 7643 section 3.1). They are not
// part of any schema's attribute list.
var common = []Attribute{
	attr("id", TypeString, "A unique identifier for a SCIM resource as defined by the service provider.", readOnly, caseExact, returnedAlways, serverUnique),
	attr("externalId", TypeString, "A String that is an identifier for the resource as defined by the provisioning client.", caseExact),
	complexAttr("meta", "A complex attribute containing resource metadata.", []Attribute{
		str("resourceType", "The name of the resource type of the resource.", readOnly, caseExact),
		attr("created", TypeDateTime, "The DateTime that the resource was added to the service provider.", readOnly),
		attr("lastModified", TypeDateTime, "The most recent DateTime that the details of this resource were updated at the service provider.", readOnly),
		attr("location", TypeReference, "The URI of the resource being returned.", readOnly, caseExact),
		str("version", "The version of the resource being returned.", readOnly, caseExact),
	}, readOnly),
}

// UserResource and GroupResource are the resource types the server
// serves; UniqueEmailUserResource is UserResource for tenants that keep
// the email of record unique.
var (
	UserResource            = &Resource{Name: ResourceUser, Endpoint: "/Users", Core: User, Extensions: []Schema{EnterpriseUser, HoxhuntUser}, Discarded: []string{"password"}}
	UniqueEmailUserResource = &Resource{Name: ResourceUser, Endpoint: "/Users", Core: UserUniqueEmail, Extensions: UserResource.Extensions, Discarded: UserResource.Discarded}
	GroupResource           = &Resource{Name: ResourceGroup, Endpoint: "/Groups", Core: Group}
)

// Extension is the extension schema whose URN is urn, compared
// case-insensitively.
func (r *Resource) Extension(urn string) (*Schema, bool) {
	for i := range r.Extensions {
		if strings.EqualFold(r.Extensions[i].ID, urn) {
			return &r.Extensions[i], true
		}
	}
	return nil, false
}

// Attribute finds an attribute by name. urn is "" or the core schema's URN
// for core and common attributes, or an extension's URN. container is ""
// for attributes at the top level of a resource and the extension's
// canonical URN for extension attributes, which SCIM nests under it.
func (r *Resource) Attribute(urn, name string) (a *Attribute, container string, ok bool) {
	if urn == "" || strings.EqualFold(urn, r.Core.ID) {
		if a, ok := find(common, name); ok {
			return a, "", true
		}
		a, ok := find(r.Core.Attributes, name)
		return a, "", ok
	}
	ext, ok := r.Extension(urn)
	if !ok {
		return nil, "", false
	}
	a, ok = find(ext.Attributes, name)
	return a, ext.ID, ok
}

// IsDiscarded reports whether name is accepted on input and never kept.
func (r *Resource) IsDiscarded(name string) bool {
	for _, d := range r.Discarded {
		if strings.EqualFold(d, name) {
			return true
		}
	}
	return false
}

// Sub finds a sub-attribute of a complex attribute by name.
func (a *Attribute) Sub(name string) (*Attribute, bool) {
	return find(a.SubAttributes, name)
}

// IsReadOnly reports whether clients may never set the attribute.
func (a *Attribute) IsReadOnly() bool { return a.Mutability == MutabilityReadOnly }

func find(attrs []Attribute, name string) (*Attribute, bool) {
	for i := range attrs {
		if strings.EqualFold(attrs[i].Name, name) {
			return &attrs[i], true
		}
	}
	return nil, false
}
