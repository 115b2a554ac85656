// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

import (
	"bytes"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

func TestNextVerifierNoticesRotationFromTheDigestAlone(t *testing.T) {
	grace := 5 * time.Minute
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tokenA, tokenB, tokenC := []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), []byte("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), []byte("cccccccccccccccccccccccccccccccccccc")

	const tenant = "acme/tenant"
	first := v1alpha1.NextVerifier(nil, tenant, tokenA, t0, grace)
	if first.Rotated || first.Spec.Previous != nil || first.Spec.Tenant != tenant {
		t.Fatalf("the first token published is no rotation and has no previous token: %+v", first)
	}
	if !first.Spec.CurrentSince.Equal(&metav1.Time{Time: t0}) {
		t.Fatalf("currentSince = %v, want %v", first.Spec.CurrentSince, t0)
	}

	same := v1alpha1.NextVerifier(&first.Spec, tenant, []byte("  "+string(tokenA)+"\n"), t0.Add(time.Hour), grace)
	if same.Rotated || !same.Spec.CurrentSince.Equal(&metav1.Time{Time: t0}) {
		t.Fatalf("the same token, with white space around it, rewritten later is no rotation and keeps its age: %+v", same)
	}

	rotated := v1alpha1.NextVerifier(&same.Spec, tenant, tokenB, t0.Add(2*time.Hour), grace)
	if !rotated.Rotated {
		t.Fatal("a new token is a rotation")
	}
	if !bytes.Equal(rotated.Spec.Previous, first.Spec.Current) {
		t.Fatal("the replaced token's digest becomes the previous one")
	}
	wantExpiry := t0.Add(2*time.Hour + grace)
	if rotated.Spec.PreviousExpiresAt == nil || !rotated.Spec.PreviousExpiresAt.Time.Equal(wantExpiry) {
		t.Fatalf("previous expires %v, want %v", rotated.Spec.PreviousExpiresAt, wantExpiry)
	}

	during := v1alpha1.NextVerifier(&rotated.Spec, tenant, tokenB, wantExpiry.Add(-time.Second), grace)
	if during.Rotated || during.Spec.Previous == nil {
		t.Fatal("the previous token stays until its grace ends")
	}
	shortened := v1alpha1.NextVerifier(&rotated.Spec, tenant, tokenB, t0.Add(2*time.Hour+time.Minute), time.Minute)
	if shortened.Spec.Previous != nil {
		t.Fatal("a grace period shortened later shortens the overlap")
	}
	after := v1alpha1.NextVerifier(&during.Spec, tenant, tokenB, wantExpiry, grace)
	if after.Spec.Previous != nil || after.Spec.PreviousExpiresAt != nil {
		t.Fatal("the previous token is dropped when its grace ends")
	}

	noGrace := v1alpha1.NextVerifier(&after.Spec, tenant, tokenC, wantExpiry.Add(time.Hour), 0)
	if !noGrace.Rotated || noGrace.Spec.Previous != nil {
		t.Fatal("without a grace period the replaced token stops at once")
	}
}
