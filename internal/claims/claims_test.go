// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package claims

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/scheme"
)

// A stale claim that its holder or the collector deletes while another
// identity takes it over leaves the value free: the new identity claims it
// afresh instead of failing.
func TestAcquireClaimsAfreshAValueWhoseStaleClaimVanishedDuringTheTakeover(t *testing.T) {
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	v := v1alpha1.UniqueValue{Kind: v1alpha1.ClaimUserName, Value: "reused@example.com"}
	k := key("identities", "acme", v)
	stale := &v1alpha1.ScimClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name, CreationTimestamp: metav1.NewTime(time.Now().Add(-time.Hour))},
		Spec:       v1alpha1.ScimClaimSpec{TenantRef: v1alpha1.TenantReference{Name: "acme"}, Kind: v.Kind, Value: v.Value, Holder: "leaver"},
	}
	vanished := false
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(stale).WithInterceptorFuncs(interceptor.Funcs{
		Update: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if !vanished {
				vanished = true
				if err := cl.Delete(ctx, stale.DeepCopy()); err != nil {
					return err
				}
			}
			return cl.Update(ctx, obj, opts...)
		},
	}).Build()
	notHeld := func(context.Context, types.NamespacedName, v1alpha1.UniqueValue) (bool, error) { return false, nil }

	taken, err := Claims{Client: c, Reader: c}.Acquire(t.Context(), "identities", "acme", "hire", v1alpha1.UniqueValues{v}, notHeld)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if len(taken) != 1 {
		t.Fatalf("Acquire took %v, want the value", taken)
	}
	got := &v1alpha1.ScimClaim{}
	if err := c.Get(t.Context(), k, got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Holder != "hire" {
		t.Fatalf("the claim is held by %q, want hire", got.Spec.Holder)
	}
}
