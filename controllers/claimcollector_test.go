// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

var _ = Describe("Claim collector", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	claim := func(kind v1alpha1.ClaimKind, value, holder string) *v1alpha1.ScimClaim {
		c := &v1alpha1.ScimClaim{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.ClaimName("acme", kind, value)},
			Spec: v1alpha1.ScimClaimSpec{
				TenantRef: v1alpha1.TenantReference{Name: "acme"},
				Kind:      kind, Value: value, Holder: holder,
			},
		}
		Expect(k8sClient.Create(ctx, c)).To(Succeed())
		return c
	}
	exists := func(c *v1alpha1.ScimClaim) bool {
		err := k8sClient.Get(ctx, client.ObjectKeyFromObject(c), &v1alpha1.ScimClaim{})
		Expect(client.IgnoreNotFound(err)).To(Succeed())
		return !apierrors.IsNotFound(err)
	}

	It("deletes claims no identity holds once their grace has passed, and keeps every other", func() {
		tenant := newTenant(ns, "acme", "acme-token")
		tenant.Spec.EmailUniqueness = v1alpha1.EmailUniquenessEmailOfRecord
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		user := &v1alpha1.ScimUser{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "holder"},
			Spec: v1alpha1.ScimUserSpec{
				TenantRef: v1alpha1.TenantReference{Name: "acme"}, ManagedBy: v1alpha1.ManagedBySCIM,
				UserName: "Holder@Example.com", Active: ptr.To(true),
				Emails: []v1alpha1.MultiValuedAttribute{{Value: "holder@example.com"}},
			},
		}
		Expect(k8sClient.Create(ctx, user)).To(Succeed())
		held := claim(v1alpha1.ClaimUserName, "holder@example.com", "holder")
		heldEmail := claim(v1alpha1.ClaimEmail, "HOLDER@example.com", "holder")
		orphan := claim(v1alpha1.ClaimUserName, "gone@example.com", "no-such-user")
		stale := claim(v1alpha1.ClaimEmail, "old-address@example.com", "holder")
		wrongKind := claim(v1alpha1.ClaimGroupDisplayName, "holder@example.com", "holder")

		By("sweeping within the grace, as when the writes may still be in flight")
		collector := reconcilersAt(time.Now()).Claims
		Expect(collector.Collect(ctx)).To(BeZero())

		By("sweeping after it: claims are aged on the API server's clock, so the grace is what moves here")
		collector.Grace = 0
		Expect(collector.Collect(ctx)).To(BeNumerically(">=", 3))
		Expect(exists(held)).To(BeTrue(), "the holder has its userName")
		Expect(exists(heldEmail)).To(BeTrue(), "the holder has the address, in another case")
		Expect(exists(orphan)).To(BeFalse(), "no such holder")
		Expect(exists(stale)).To(BeFalse(), "the holder no longer has the address")
		Expect(exists(wrongKind)).To(BeFalse(), "no group is its holder")

		By("the tenant no longer keeping emails of record unique")
		patch := client.MergeFrom(tenant.DeepCopy())
		tenant.Spec.EmailUniqueness = v1alpha1.EmailUniquenessNone
		Expect(k8sClient.Patch(ctx, tenant, patch)).To(Succeed())
		Eventually(func() bool {
			_, err := collector.Collect(ctx)
			Expect(err).NotTo(HaveOccurred())
			return exists(heldEmail)
		}).Should(BeFalse(), "an email claim is left over")
		Expect(exists(held)).To(BeTrue(), "the holder has its userName")
	})
})
