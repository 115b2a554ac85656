// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package schema holds what SCIM says about itself: the schema URNs and media
// type, the attribute definitions of the resources this server serves, and
// the discovery documents built from them (RFC 7643 sections 5 to 8).
package schema

// Schema URNs (RFC 7643 section 8.7, RFC 7644 section 3).
const (
	UserURN           = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupURN          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// HoxhuntUserURN is this product's user extension.
	HoxhuntUserURN = "urn:ietf:params:scim:schemas:extension:hoxhunt:2.0:User"

	ServiceProviderConfigURN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeURN          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaURN                = "urn:ietf:params:scim:schemas:core:2.0:Schema"

	ListResponseURN  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	ErrorURN         = "urn:ietf:params:scim:api:messages:2.0:Error"
	PatchOpURN       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SearchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
)

// MediaType is the SCIM media type (RFC 7644 section 3.1). Requests may also
// use application/json.
const MediaType = "application/scim+json"

// Resource type names as they appear in meta.resourceType.
const (
	ResourceUser                  = "User"
	ResourceGroup                 = "Group"
	ResourceSchema                = "Schema"
	ResourceResourceType          = "ResourceType"
	ResourceServiceProviderConfig = "ServiceProviderConfig"
)
