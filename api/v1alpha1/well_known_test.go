// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

func TestNextVerifierNoticesRotationFromTheDigestAlone(t *testing.T) {
	grace := 5 * time.Minute
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tokenA, tokenB, tokenC := []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), []byte("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), []byte("cccccccccccccccccccccccccccccccccccc")

	first := v1alpha1.NextVerifier(nil, tokenA, t0, grace)
	if first.Rotated || first.Data[v1alpha1.VerifierPreviousKey] != nil {
		t.Fatalf("the first token published is no rotation and has no previous token: %+v", first)
	}
	if !first.CurrentSince.Equal(t0) {
		t.Fatalf("current-since = %v, want %v", first.CurrentSince, t0)
	}

	same := v1alpha1.NextVerifier(first.Data, []byte("  "+string(tokenA)+"\n"), t0.Add(time.Hour), grace)
	if same.Rotated || !same.CurrentSince.Equal(t0) {
		t.Fatalf("the same token, with white space around it, rewritten later is no rotation and keeps its age: %+v", same)
	}

	rotated := v1alpha1.NextVerifier(same.Data, tokenB, t0.Add(2*time.Hour), grace)
	if !rotated.Rotated {
		t.Fatal("a new token is a rotation")
	}
	if !bytes.Equal(rotated.Data[v1alpha1.VerifierPreviousKey], first.Data[v1alpha1.VerifierCurrentKey]) {
		t.Fatal("the replaced token's digest becomes the previous one")
	}
	wantExpiry := t0.Add(2*time.Hour + grace)
	if !rotated.PreviousExpires.Equal(wantExpiry) || string(rotated.Data[v1alpha1.VerifierPreviousExpiresKey]) != wantExpiry.Format(time.RFC3339) {
		t.Fatalf("previous expires %v (%s), want %v", rotated.PreviousExpires, rotated.Data[v1alpha1.VerifierPreviousExpiresKey], wantExpiry)
	}

	during := v1alpha1.NextVerifier(rotated.Data, tokenB, wantExpiry.Add(-time.Second), grace)
	if during.Rotated || during.Data[v1alpha1.VerifierPreviousKey] == nil {
		t.Fatal("the previous token stays until its grace ends")
	}
	shortened := v1alpha1.NextVerifier(rotated.Data, tokenB, t0.Add(2*time.Hour+time.Minute), time.Minute)
	if shortened.Data[v1alpha1.VerifierPreviousKey] != nil {
		t.Fatal("a grace period shortened later shortens the overlap")
	}
	after := v1alpha1.NextVerifier(during.Data, tokenB, wantExpiry, grace)
	if after.Data[v1alpha1.VerifierPreviousKey] != nil || after.Data[v1alpha1.VerifierPreviousExpiresKey] != nil || !after.PreviousExpires.IsZero() {
		t.Fatal("the previous token is dropped when its grace ends")
	}

	noGrace := v1alpha1.NextVerifier(after.Data, tokenC, wantExpiry.Add(time.Hour), 0)
	if !noGrace.Rotated || noGrace.Data[v1alpha1.VerifierPreviousKey] != nil {
		t.Fatal("without a grace period the replaced token stops at once")
	}
}
