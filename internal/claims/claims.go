// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package claims keeps values unique within a tenant (a userName, an email
// of record, a group's displayName) with one ScimClaim object per value:
// the API server creates a name only once, so two replicas, or a replica
// and a reconciler, can never both take the same value.
package claims

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// Holds says whether the identity named key exists and still holds v.
// It must ask the API server itself: a claim must never be taken from a
// holder the caller's cache has not seen yet.
type Holds func(ctx context.Context, key types.NamespacedName, v v1alpha1.UniqueValue) (bool, error)

// Conflict is the error of a value another identity holds.
type Conflict struct {
	Value  v1alpha1.UniqueValue
	Holder string
}

func (c *Conflict) Error() string {
	return fmt.Sprintf("%s %q is already in use in this tenant (by id %s)", AttributeOf(c.Value.Kind), c.Value.Value, c.Holder)
}

// AttributeOf is the SCIM attribute whose values a claim kind makes
// unique.
func AttributeOf(k v1alpha1.ClaimKind) string {
	switch k {
	case v1alpha1.ClaimEmail:
		return "email"
	case v1alpha1.ClaimGroupDisplayName:
		return "displayName"
	default:
		return "userName"
	}
}

// Claims takes and gives up claims.
type Claims struct {
	// Client writes claims.
	Client client.Client
	// Reader reads claims from the API server: they are not cached.
	Reader client.Reader
}

func key(namespace, tenant string, v v1alpha1.UniqueValue) types.NamespacedName {
	return types.NamespacedName{Namespace: namespace, Name: v1alpha1.ClaimName(tenant, v.Kind, v.Value)}
}

// Acquire claims every value for holder, or none: on a conflict it
// releases what it took and fails with a *Conflict. It returns the values
// it claimed, leaving out those holder held already.
func (c Claims) Acquire(ctx context.Context, namespace, tenant, holder string, vs v1alpha1.UniqueValues, holds Holds) (v1alpha1.UniqueValues, error) {
	var taken v1alpha1.UniqueValues
	for _, v := range vs {
		took, err := c.acquireOne(ctx, namespace, tenant, holder, v, holds, 1)
		if err != nil {
			// The caller's context may be done; what was taken is given
			// up all the same.
			_ = c.Release(context.WithoutCancel(ctx), namespace, tenant, holder, taken)
			return nil, err
		}
		if took {
			taken = append(taken, v)
		}
	}
	return taken, nil
}

// maxAcquireAttempts bounds how often a claim that vanished while it was
// being taken over is claimed afresh.
const maxAcquireAttempts = 3

func (c Claims) acquireOne(ctx context.Context, namespace, tenant, holder string, v v1alpha1.UniqueValue, holds Holds, attempt int) (took bool, err error) {
	k := key(namespace, tenant, v)
	obj := &v1alpha1.ScimClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name},
		Spec: v1alpha1.ScimClaimSpec{
			TenantRef: v1alpha1.TenantReference{Name: tenant},
			Kind:      v.Kind,
			Value:     v.Value,
			Holder:    holder,
		},
	}
	err = c.Client.Create(ctx, obj)
	if err == nil {
		return true, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return false, fmt.Errorf("create claim %s: %w", k, err)
	}
	current := &v1alpha1.ScimClaim{}
	if err := c.Reader.Get(ctx, k, current); err != nil {
		return false, fmt.Errorf("get claim %s: %w", k, err)
	}
	if current.Spec.Holder == holder {
		return false, nil
	}
	conflict := &Conflict{Value: v, Holder: current.Spec.Holder}
	held, err := holds(ctx, types.NamespacedName{Namespace: namespace, Name: current.Spec.Holder}, v)
	if err != nil {
		return false, err
	}
	// A younger claim may belong to a create still in flight on another
	// replica.
	if held || !Settled(current, v1alpha1.ClaimGrace) {
		return false, conflict
	}
	// The holder is gone, or let the value go (deleted, renamed) without
	// its claim: take it over; the update fails if another writer got
	// there first.
	current.Spec.Holder = holder
	current.Spec.Value = v.Value
	if err := c.Client.Update(ctx, current); err != nil {
		switch {
		case apierrors.IsConflict(err):
			return false, conflict
		case apierrors.IsNotFound(err) && attempt < maxAcquireAttempts:
			// The stale claim was deleted meanwhile, by its holder or the
			// collector: the value is free to claim afresh.
			return c.acquireOne(ctx, namespace, tenant, holder, v, holds, attempt+1)
		}
		return false, fmt.Errorf("take over claim %s: %w", k, err)
	}
	return true, nil
}

// Settled reports whether a claim is older than grace: whether the write
// that took it can no longer be in flight. Its creation time is the API
// server's, so its age is read on the wall clock, never on a clock a test
// moves: the one clock both the server and the collector judge claims by.
func Settled(claim *v1alpha1.ScimClaim, grace time.Duration) bool {
	return time.Since(claim.CreationTimestamp.Time) >= grace
}

// Release gives up holder's claims on vs; claims another identity holds
// now are left alone. It goes on past a failure and returns the first.
func (c Claims) Release(ctx context.Context, namespace, tenant, holder string, vs v1alpha1.UniqueValues) error {
	var first error
	for _, v := range vs {
		k := key(namespace, tenant, v)
		current := &v1alpha1.ScimClaim{}
		if err := c.Reader.Get(ctx, k, current); err != nil {
			if !apierrors.IsNotFound(err) && first == nil {
				first = fmt.Errorf("get claim %s: %w", k, err)
			}
			continue
		}
		if current.Spec.Holder != holder {
			continue
		}
		err := c.Client.Delete(ctx, current, client.Preconditions{ResourceVersion: &current.ResourceVersion})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && first == nil {
			first = fmt.Errorf("release claim %s: %w", k, err)
		}
	}
	return first
}

// Holder is the id of the identity holding a unique value as the API
// server has it, "" if none.
func (c Claims) Holder(ctx context.Context, namespace, tenant string, v v1alpha1.UniqueValue) (string, error) {
	current := &v1alpha1.ScimClaim{}
	k := key(namespace, tenant, v)
	if err := c.Reader.Get(ctx, k, current); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", fmt.Errorf("get claim %s: %w", k, err)
	}
	return current.Spec.Holder, nil
}

// HoldsBy is the Holds of one kind of identity: values says what an
// identity holds (nothing, for a user deleted but retained).
func HoldsBy[O client.Object](r client.Reader, newObj func() O, values func(O) v1alpha1.UniqueValues) Holds {
	return func(ctx context.Context, key types.NamespacedName, v v1alpha1.UniqueValue) (bool, error) {
		obj := newObj()
		if err := r.Get(ctx, key, obj); err != nil {
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return false, fmt.Errorf("get holder %s: %w", key, err)
		}
		return values(obj).Has(v), nil
	}
}
