// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

func newUser(ns, name string, mutate func(*v1alpha1.ScimUser)) *v1alpha1.ScimUser {
	u := &v1alpha1.ScimUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ScimUserSpec{
			TenantRef: v1alpha1.TenantReference{Name: "acme"},
			UserName:  "bjensen@example.com",
		},
	}
	if mutate != nil {
		mutate(u)
	}
	return u
}

// expectInvalid asserts the API server rejects obj with a message naming
// what is wrong.
func expectInvalid(err error, message string) {
	GinkgoHelper()
	Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected an Invalid error, got %v", err)
	Expect(err.Error()).To(ContainSubstring(message))
}

var _ = Describe("CRD validation", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("defaults a user to active and manually managed", func() {
		u := newUser(ns, "defaults", nil)
		Expect(k8sClient.Create(ctx, u)).To(Succeed())
		Expect(u.Spec.Active).To(Equal(ptr.To(true)))
		Expect(u.Spec.ManagedBy).To(Equal(v1alpha1.ManagedByManual))
	})

	It("defaults a tenant's retention to 90 days and its token key to 'token'", func() {
		t := newTenant(ns, "defaults", "defaults-token")
		Expect(k8sClient.Create(ctx, t)).To(Succeed())
		Expect(t.Spec.SoftDeleteRetention).To(Equal(&metav1.Duration{Duration: 90 * 24 * time.Hour}))
		Expect(t.Spec.TokenSecretRef.Key).To(Equal("token"))
		Expect(t.Retention()).To(Equal(v1alpha1.DefaultSoftDeleteRetention))
	})

	DescribeTable("rejects invalid users",
		func(mutate func(*v1alpha1.ScimUser), message string) {
			expectInvalid(k8sClient.Create(ctx, newUser(ns, "invalid", mutate)), message)
		},
		Entry("empty userName", func(u *v1alpha1.ScimUser) { u.Spec.UserName = "" }, "spec.userName"),
		Entry("blank userName", func(u *v1alpha1.ScimUser) { u.Spec.UserName = "   " }, "userName must not be blank"),
		Entry("two primary emails", func(u *v1alpha1.ScimUser) {
			u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "a@example.com", Primary: true}, {Value: "b@example.com", Primary: true}}
		}, "at most one email may be primary"),
		Entry("a language override that is no language code", func(u *v1alpha1.ScimUser) { u.Spec.LanguageOverride = "xx-XX" },
			"languageOverride must start with an ISO 639-1 language code"),
		Entry("a language override that is a name", func(u *v1alpha1.ScimUser) { u.Spec.LanguageOverride = "Finnish" },
			"spec.languageOverride"),
		Entry("unknown managedBy", func(u *v1alpha1.ScimUser) { u.Spec.ManagedBy = "Robot" }, "spec.managedBy"),
	)

	It("accepts language overrides in every form a tag takes, and any employmentStart the provider sends", func() {
		for i, lang := range []string{"fi", "pt-BR", "pt_BR", "zh-Hant-TW", "fil", "EN"} {
			u := newUser(ns, fmt.Sprintf("lang-%d", i), func(u *v1alpha1.ScimUser) { u.Spec.LanguageOverride = lang })
			Expect(k8sClient.Create(ctx, u)).To(Succeed(), lang)
		}
		u := newUser(ns, "date", func(u *v1alpha1.ScimUser) { u.Spec.Hoxhunt = &v1alpha1.HoxhuntUser{EmploymentStart: "03/01/2020"} })
		Expect(k8sClient.Create(ctx, u)).To(Succeed())
	})

	DescribeTable("rejects invalid tenant settings",
		func(mutate func(*v1alpha1.ScimTenantSpec), message string) {
			t := newTenant(ns, "invalid", "invalid-token")
			mutate(&t.Spec)
			expectInvalid(k8sClient.Create(ctx, t), message)
		},
		Entry("a phone region that is no ISO 3166 code", func(s *v1alpha1.ScimTenantSpec) { s.DefaultPhoneRegion = "Finland" }, "spec.defaultPhoneRegion"),
		Entry("an extension URN that is no URN", func(s *v1alpha1.ScimTenantSpec) {
			s.SchemaExtensions = []v1alpha1.SchemaExtension{{URN: "acme:User", Attributes: []v1alpha1.ExtensionAttribute{{Name: "a"}}}}
		}, "spec.schemaExtensions[0].urn"),
		Entry("an extension taking a built-in URN", func(s *v1alpha1.ScimTenantSpec) {
			s.SchemaExtensions = []v1alpha1.SchemaExtension{{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", Attributes: []v1alpha1.ExtensionAttribute{{Name: "a"}}}}
		}, "urn names a schema the server defines itself"),
		Entry("an extension attribute name SCIM cannot carry", func(s *v1alpha1.ScimTenantSpec) {
			s.SchemaExtensions = []v1alpha1.SchemaExtension{{URN: "urn:acme:User", Attributes: []v1alpha1.ExtensionAttribute{{Name: "cost code"}}}}
		}, "spec.schemaExtensions[0].attributes[0].name"),
		Entry("an extension attribute declared twice", func(s *v1alpha1.ScimTenantSpec) {
			s.SchemaExtensions = []v1alpha1.SchemaExtension{{URN: "urn:acme:User", Attributes: []v1alpha1.ExtensionAttribute{{Name: "a"}, {Name: "a"}}}}
		}, "Duplicate value"),
		Entry("an extension attribute with server uniqueness", func(s *v1alpha1.ScimTenantSpec) {
			s.SchemaExtensions = []v1alpha1.SchemaExtension{{URN: "urn:acme:User", Attributes: []v1alpha1.ExtensionAttribute{{Name: "a", Uniqueness: "server"}}}}
		}, "uniqueness"),
		Entry("an email uniqueness that is no policy", func(s *v1alpha1.ScimTenantSpec) { s.EmailUniqueness = "Strict" }, "spec.emailUniqueness"),
		Entry("a rate of zero", func(s *v1alpha1.ScimTenantSpec) {
			s.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: ptr.To[int32](0)}
		}, "spec.rateLimit.requestsPerSecond"),
		Entry("a negative burst", func(s *v1alpha1.ScimTenantSpec) { s.RateLimit = &v1alpha1.RateLimit{Burst: ptr.To[int32](-1)} }, "spec.rateLimit.burst"),
		Entry("more requests in flight than a replica holds", func(s *v1alpha1.ScimTenantSpec) {
			s.RateLimit = &v1alpha1.RateLimit{MaxInFlight: ptr.To[int32](5000)}
		}, "spec.rateLimit.maxInFlight"),
		Entry("room for no user", func(s *v1alpha1.ScimTenantSpec) { s.Limits = &v1alpha1.TenantLimits{MaxUsers: ptr.To[int32](0)} }, "spec.limits.maxUsers"),
		Entry("a negative number of groups", func(s *v1alpha1.ScimTenantSpec) {
			s.Limits = &v1alpha1.TenantLimits{MaxGroups: ptr.To[int32](-5)}
		}, "spec.limits.maxGroups"),
	)

	It("keeps a user's tenant immutable", func() {
		u := newUser(ns, "immutable", nil)
		Expect(k8sClient.Create(ctx, u)).To(Succeed())
		patch := client.MergeFrom(u.DeepCopy())
		u.Spec.TenantRef.Name = "other"
		expectInvalid(k8sClient.Patch(ctx, u, patch), "tenantRef is immutable")
	})

	It("keeps a group's tenant immutable and its displayName non-blank", func() {
		g := &v1alpha1.ScimGroup{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "admins"},
			Spec:       v1alpha1.ScimGroupSpec{TenantRef: v1alpha1.TenantReference{Name: "acme"}, DisplayName: "Admins"},
		}
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		patch := client.MergeFrom(g.DeepCopy())
		g.Spec.TenantRef.Name = "other"
		expectInvalid(k8sClient.Patch(ctx, g, patch), "tenantRef is immutable")

		blank := g.DeepCopy()
		blank.ObjectMeta = metav1.ObjectMeta{Namespace: ns, Name: "blank"}
		blank.Spec.TenantRef.Name = "acme"
		blank.Spec.DisplayName = " "
		expectInvalid(k8sClient.Create(ctx, blank), "displayName must not be blank")
	})

	It("refuses more members than a slice holds", func() {
		slice := &v1alpha1.ScimGroupMemberSlice{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "full"},
			Spec: v1alpha1.ScimGroupMemberSliceSpec{
				GroupRef:  v1alpha1.GroupReference{Name: "admins"},
				TenantRef: v1alpha1.TenantReference{Name: "acme"},
			},
		}
		slice.Spec.Members = make([]v1alpha1.GroupMember, v1alpha1.MaxMembersPerSlice+1)
		for i := range slice.Spec.Members {
			slice.Spec.Members[i].Value = "user-" + string(rune('a'+i%26)) + "-" + time.Duration(i).String()
		}
		expectInvalid(k8sClient.Create(ctx, slice), "spec.members")
	})

	It("refuses a tenant whose publicBaseURL is not an http(s) URL", func() {
		t := newTenant(ns, "badurl", "badurl-token")
		t.Spec.PublicBaseURL = "ftp://example.com"
		expectInvalid(k8sClient.Create(ctx, t), "publicBaseURL must be an http or https URL")
	})
})
