// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package schema

// Meta is the meta attribute of a resource (RFC 7643 section 3.1).
type Meta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location,omitempty"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Version      string `json:"version,omitempty"`
}

// Capabilities are the optional SCIM features the server implements. The
// ServiceProviderConfig it serves is derived from them, so what is
// advertised is what is implemented.
type Capabilities struct {
	Patch          bool
	Filter         bool
	ETag           bool
	Sort           bool
	MaxResults     int
	MaxPayloadSize int64
}

// Supported is a feature flag in the ServiceProviderConfig.
type Supported struct {
	Supported bool `json:"supported"`
}

// FilterConfig advertises filtering (RFC 7643 section 5).
type FilterConfig struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
}

// BulkConfig advertises bulk operations (RFC 7643 section 5).
type BulkConfig struct {
	Supported      bool  `json:"supported"`
	MaxOperations  int   `json:"maxOperations"`
	MaxPayloadSize int64 `json:"maxPayloadSize"`
}

// AuthenticationScheme is one way clients may authenticate.
type AuthenticationScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	SpecURI     string `json:"specUri,omitempty"`
	Primary     bool   `json:"primary"`
}

// ServiceProviderConfig is the document served at /ServiceProviderConfig
// (RFC 7643 section 5).
type ServiceProviderConfig struct {
	Schemas               []string               `json:"schemas"`
	DocumentationURI      string                 `json:"documentationUri,omitempty"`
	Patch                 Supported              `json:"patch"`
	Bulk                  BulkConfig             `json:"bulk"`
	Filter                FilterConfig           `json:"filter"`
	ChangePassword        Supported              `json:"changePassword"`
	Sort                  Supported              `json:"sort"`
	ETag                  Supported              `json:"etag"`
	AuthenticationSchemes []AuthenticationScheme `json:"authenticationSchemes"`
	// InteropProfileConformant is the claim of draft-zollner-scim-interop-
	// profile section 4; it stays false while docs/conformance.md lists a
	// deviation.
	InteropProfileConformant bool `json:"interopProfileConformant"`
	Meta                     Meta `json:"meta"`
}

// NewServiceProviderConfig describes a server with capabilities c whose
// tenant base URL is baseURL. Passwords are never supported: they are not
// stored, so changePassword is false.
func NewServiceProviderConfig(c Capabilities, baseURL string) ServiceProviderConfig {
	return ServiceProviderConfig{
		Schemas:        []string{ServiceProviderConfigURN},
		Patch:          Supported{Supported: c.Patch},
		Bulk:           BulkConfig{MaxPayloadSize: c.MaxPayloadSize},
		Filter:         FilterConfig{Supported: c.Filter, MaxResults: c.MaxResults},
		ChangePassword: Supported{},
		Sort:           Supported{Supported: c.Sort},
		ETag:           Supported{Supported: c.ETag},
		AuthenticationSchemes: []AuthenticationScheme{{
			Type:        "oauthbearertoken",
			Name:        "OAuth Bearer Token",
			Description: "Authentication with the tenant's bearer token in the Authorization header.",
			SpecURI:     "https://www.rfc-editor.org/info/rfc6750",
			Primary:     true,
		}},
		Meta: Meta{
			ResourceType: ResourceServiceProviderConfig,
			Location:     baseURL + "/ServiceProviderConfig",
		},
	}
}

// SchemaExtension names an extension schema of a resource type.
type SchemaExtension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

// ResourceType is a document served at /ResourceTypes (RFC 7643 section 6).
type ResourceType struct {
	Schemas          []string          `json:"schemas"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Endpoint         string            `json:"endpoint"`
	Description      string            `json:"description"`
	Schema           string            `json:"schema"`
	SchemaExtensions []SchemaExtension `json:"schemaExtensions,omitempty"`
	Meta             Meta              `json:"meta"`
}

// ResourceTypes lists the resource types of a tenant whose base URL is
// baseURL and whose users are users.
func ResourceTypes(baseURL string, users *Resource) []ResourceType {
	rt := func(name, endpoint, description, schemaURN string, ext ...SchemaExtension) ResourceType {
		return ResourceType{
			Schemas:          []string{ResourceTypeURN},
			ID:               name,
			Name:             name,
			Endpoint:         endpoint,
			Description:      description,
			Schema:           schemaURN,
			SchemaExtensions: ext,
			Meta:             Meta{ResourceType: ResourceResourceType, Location: baseURL + "/ResourceTypes/" + name},
		}
	}
	userExtensions := make([]SchemaExtension, 0, len(users.Extensions))
	for _, e := range users.Extensions {
		userExtensions = append(userExtensions, SchemaExtension{Schema: e.ID})
	}
	return []ResourceType{
		rt(ResourceUser, "/Users", "User Account", UserURN, userExtensions...),
		rt(ResourceGroup, "/Groups", "Group", GroupURN),
	}
}

// SchemaResource is a schema as served at /Schemas, with its meta.
type SchemaResource struct {
	Schemas []string `json:"schemas"`
	Schema
	Meta Meta `json:"meta"`
}

// SchemaResources lists every schema of a tenant whose base URL is baseURL
// and whose users are users.
func SchemaResources(baseURL string, users *Resource) []SchemaResource {
	all := append(users.Schemas(), GroupResource.Schemas()...)
	out := make([]SchemaResource, 0, len(all))
	for _, s := range all {
		out = append(out, SchemaResource{
			Schemas: []string{SchemaURN},
			Schema:  s,
			Meta:    Meta{ResourceType: ResourceSchema, Location: baseURL + "/Schemas/" + s.ID},
		})
	}
	return out
}
