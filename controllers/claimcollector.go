// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/claims"
	"github.com/scim-operator/scim-operator/internal/metrics"
)

// Defaults of the claim collector.
const (
	// DefaultClaimCollectInterval is how often claims are swept.
	DefaultClaimCollectInterval = 10 * time.Minute
	// claimPage is how many claims one list request reads: the sweep never
	// holds every claim of a large cluster at once.
	claimPage = 500
)

// ClaimCollector deletes claims no identity holds any more: left behind by
// a write that failed half-way, or by a client that went away while its
// claims were released. Such a claim would block its value until someone
// took it over; collected, the value is free at once for whoever asks.
// It runs on the leader, every Interval.
type ClaimCollector struct {
	// Client reads identities from the cache and deletes claims.
	Client client.Client
	// APIReader pages through the claims, which the cache does not hold,
	// and confirms a holder is gone.
	APIReader client.Reader
	// Grace is how old a claim must be to be collected: a younger one may
	// belong to a write still in flight (v1alpha1.ClaimGrace).
	Grace    time.Duration
	Interval time.Duration
	// Namespaces, when set, are the only ones swept: an operator limited
	// to them may not list claims elsewhere.
	Namespaces []string
}

// The collector confirms with the API server that a holder is gone.
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimclaims,verbs=list;delete
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimusers;scimgroups;scimtenants,verbs=get

// NeedLeaderElection is true: one sweeper is enough.
func (c *ClaimCollector) NeedLeaderElection() bool { return true }

// Start sweeps every Interval until ctx ends.
func (c *ClaimCollector) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("claim-collector")
	ticker := time.NewTicker(c.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		if n, err := c.Collect(ctx); err != nil {
			log.Error(err, "collect claims")
		} else if n > 0 {
			log.Info("collected claims no identity holds", "count", n)
		}
	}
}

// Collect sweeps every claim once and returns how many it deleted.
func (c *ClaimCollector) Collect(ctx context.Context) (int, error) {
	if len(c.Namespaces) == 0 {
		return c.collectIn(ctx, metav1.NamespaceAll)
	}
	collected := 0
	for _, ns := range c.Namespaces {
		n, err := c.collectIn(ctx, ns)
		collected += n
		if err != nil {
			return collected, err
		}
	}
	return collected, nil
}

func (c *ClaimCollector) collectIn(ctx context.Context, namespace string) (int, error) {
	collected := 0
	list := &v1alpha1.ScimClaimList{}
	for {
		if err := c.APIReader.List(ctx, list, client.InNamespace(namespace), client.Limit(claimPage), client.Continue(list.Continue)); err != nil {
			return collected, fmt.Errorf("list claims: %w", err)
		}
		for i := range list.Items {
			done, err := c.collect(ctx, &list.Items[i])
			if err != nil {
				return collected, err
			}
			if done {
				collected++
			}
		}
		if list.Continue == "" {
			return collected, nil
		}
	}
}

func (c *ClaimCollector) collect(ctx context.Context, claim *v1alpha1.ScimClaim) (bool, error) {
	if !claims.Settled(claim, c.Grace) {
		return false, nil
	}
	held, err := c.held(ctx, claim, c.Client)
	if err != nil || held {
		return false, err
	}
	// The cache may not have seen the holder's latest write; the API
	// server decides.
	if held, err = c.held(ctx, claim, c.APIReader); err != nil || held {
		return false, err
	}
	err = c.Client.Delete(ctx, claim, client.Preconditions{UID: &claim.UID, ResourceVersion: &claim.ResourceVersion})
	switch {
	case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
		// Released or taken over meanwhile.
		return false, nil
	case err != nil:
		return false, fmt.Errorf("delete claim %s/%s: %w", claim.Namespace, claim.Name, err)
	}
	metrics.ClaimsCollected.Inc()
	return true, nil
}

// held reports whether the claim's holder exists in its tenant and still
// has the claimed value, as r has them.
func (c *ClaimCollector) held(ctx context.Context, claim *v1alpha1.ScimClaim, r client.Reader) (bool, error) {
	key := types.NamespacedName{Namespace: claim.Namespace, Name: claim.Spec.Holder}
	want := v1alpha1.UniqueValue{Kind: claim.Spec.Kind, Value: claim.Spec.Value}
	var tenant string
	var values v1alpha1.UniqueValues
	var err error
	if claim.Spec.Kind == v1alpha1.ClaimGroupDisplayName {
		g := &v1alpha1.ScimGroup{}
		err = r.Get(ctx, key, g)
		tenant, values = g.Spec.TenantRef.Name, g.Spec.UniqueValues()
	} else {
		// Whether an email is held depends on the tenant's policy: once
		// it keeps emails no more, its email claims are left over.
		owner, terr := c.tenantOf(ctx, claim, r)
		if terr != nil {
			return false, terr
		}
		u := &v1alpha1.ScimUser{}
		err = r.Get(ctx, key, u)
		tenant, values = u.Spec.TenantRef.Name, u.Spec.UniqueValues(owner)
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get holder %s of claim %s: %w", key, claim.Name, err)
	}
	return tenant == claim.Spec.TenantRef.Name && values.Has(want), nil
}

// tenantOf is the claim's tenant, nil when it is gone.
func (c *ClaimCollector) tenantOf(ctx context.Context, claim *v1alpha1.ScimClaim, r client.Reader) (*v1alpha1.ScimTenant, error) {
	t := &v1alpha1.ScimTenant{}
	err := r.Get(ctx, types.NamespacedName{Namespace: claim.Namespace, Name: claim.Spec.TenantRef.Name}, t)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get tenant of claim %s/%s: %w", claim.Namespace, claim.Name, err)
	}
	return t, nil
}
