// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// userResources holds each tenant's User resource type: the built-in
// schemas and the extensions the tenant declares. One is built per tenant
// generation, not per request.
type userResources struct {
	mu    sync.Mutex
	built map[types.UID]builtUserResource
}

type builtUserResource struct {
	generation int64
	res        *schema.Resource
}

// of is the User resource type of tenant.
func (u *userResources) of(tenant *v1alpha1.ScimTenant) *schema.Resource {
	base := schema.UserResource
	if tenant.Claims(v1alpha1.ClaimEmail) {
		base = schema.UniqueEmailUserResource
	}
	if len(tenant.Spec.SchemaExtensions) == 0 {
		return base.With(undeclaredHint(tenant))
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if b, ok := u.built[tenant.UID]; ok && b.generation == tenant.Generation {
		return b.res
	}
	exts := make([]schema.Schema, 0, len(tenant.Spec.SchemaExtensions))
	for _, decl := range tenant.Spec.SchemaExtensions {
		exts = append(exts, extensionSchema(decl))
	}
	res := base.With(undeclaredHint(tenant), exts...)
	if u.built == nil {
		u.built = map[types.UID]builtUserResource{}
	}
	u.built[tenant.UID] = builtUserResource{generation: tenant.Generation, res: res}
	return res
}

func undeclaredHint(tenant *v1alpha1.ScimTenant) string {
	return fmt.Sprintf("declare it in spec.schemaExtensions of ScimTenant %s/%s to store it", tenant.Namespace, tenant.Name)
}

// extensionSchema is the schema a tenant's declaration describes.
func extensionSchema(decl v1alpha1.SchemaExtension) schema.Schema {
	s := schema.Schema{ID: decl.URN, Name: decl.Name, Description: decl.Description}
	if s.Name == "" {
		s.Name = decl.URN
	}
	for _, a := range decl.Attributes {
		typ := string(a.Type)
		if typ == "" {
			typ = schema.TypeString
		}
		s.Attributes = append(s.Attributes, schema.Attribute{
			Name:        a.Name,
			Type:        typ,
			MultiValued: a.MultiValued,
			Description: a.Description,
			CaseExact:   a.CaseExact,
			Mutability:  schema.MutabilityReadWrite,
			Returned:    schema.ReturnedDefault,
			Uniqueness:  schema.UniquenessNone,
		})
	}
	return s
}
