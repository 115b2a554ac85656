package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// Field indexes the reconcilers look objects up by.
const (
	// IndexTenantTokenSecret indexes ScimTenants by the name of their token
	// Secret, to find the tenants a Secret change affects.
	IndexTenantTokenSecret = "spec.tokenSecretRef.name"
)

func registerIndexes(ctx context.Context, mgr manager.Manager) error {
	err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.ScimTenant{}, IndexTenantTokenSecret, func(o client.Object) []string {
		return []string{o.(*v1alpha1.ScimTenant).Spec.TokenSecretRef.Name}
	})
	if err != nil {
		return fmt.Errorf("index %s: %w", IndexTenantTokenSecret, err)
	}
	return nil
}
