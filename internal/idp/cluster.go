// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package idp

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// KubeCluster reads the ScimUsers of a tenant's namespace.
type KubeCluster struct {
	Client    client.Reader
	Namespace string
}

// User implements Cluster.
func (k KubeCluster) User(ctx context.Context, id string) (ClusterUser, bool, error) {
	u := &v1alpha1.ScimUser{}
	err := k.Client.Get(ctx, types.NamespacedName{Namespace: k.Namespace, Name: id}, u)
	if apierrors.IsNotFound(err) {
		return ClusterUser{}, false, nil
	}
	if err != nil {
		return ClusterUser{}, false, fmt.Errorf("get user %s: %w", id, err)
	}
	out := ClusterUser{
		UserName:          u.Spec.UserName,
		Phase:             string(u.Status.Phase),
		PurgeScheduled:    u.Status.PurgeAt != nil,
		Manager:           u.Status.Manager,
		Language:          u.Status.Language,
		InvalidAttributes: u.Status.InvalidAttributes,
	}
	for _, ph := range u.Status.PhoneNumbers {
		if ph.Type == "work" {
			out.WorkPhone = ph.Value
		}
	}
	// The retention runs from the first of deactivation and deletion.
	since := u.Status.DeactivatedAt
	if d := u.Status.DeletedAt; d != nil && (since == nil || d.Before(since)) {
		since = d
	}
	if u.Status.PurgeAt != nil && since != nil {
		out.PurgeDelay = u.Status.PurgeAt.Sub(since.Time)
	}
	tenant := &v1alpha1.ScimTenant{}
	if err := k.Client.Get(ctx, types.NamespacedName{Namespace: k.Namespace, Name: u.Spec.TenantRef.Name}, tenant); err != nil {
		return ClusterUser{}, false, fmt.Errorf("get tenant of user %s: %w", id, err)
	}
	out.Retention = tenant.Retention()
	return out, true, nil
}
