// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers_test

import (
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// tokenLabel opts a Secret in as a tenant's token.
var tokenLabel = map[string]string{v1alpha1.LabelTokenSecret: "true"}

func newTenant(ns, name, secret string) *v1alpha1.ScimTenant {
	return &v1alpha1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: secret}},
	}
}

// condition returns the tenant's condition of type t once the controller
// has observed the tenant's current generation.
func condition(g Gomega, key types.NamespacedName, t string) *metav1.Condition {
	tenant := &v1alpha1.ScimTenant{}
	g.Expect(k8sClient.Get(ctx, key, tenant)).To(Succeed())
	c := meta.FindStatusCondition(tenant.Status.Conditions, t)
	g.Expect(c).NotTo(BeNil(), "condition %s is not set", t)
	g.Expect(c.ObservedGeneration).To(Equal(tenant.Generation), "condition %s describes an old generation", t)
	return c
}

var _ = Describe("ScimTenant controller", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("generates a strong token into a new Secret the tenant owns and becomes Ready", func() {
		tenant := newTenant(ns, "acme", "acme-token")
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		key := client.ObjectKeyFromObject(tenant)

		Eventually(func(g Gomega) {
			c := condition(g, key, v1alpha1.ConditionReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(condition(g, key, v1alpha1.ConditionTokenReady).Reason).To(Equal(v1alpha1.ReasonTokenGenerated))
		}).Should(Succeed())

		Expect(k8sClient.Get(ctx, key, tenant)).To(Succeed())
		Expect(tenant.Status.Endpoint).To(Equal(testBaseURL + "/scim/v2/" + ns + "/acme"))
		Expect(tenant.Status.ObservedGeneration).To(Equal(tenant.Generation))

		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: "acme-token"}, secret)).To(Succeed())
		Expect(len(secret.Data["token"])).To(BeNumerically(">=", v1alpha1.MinTokenLength))
		Expect(metav1.IsControlledBy(secret, tenant)).To(BeTrue(), "the generated Secret must be owned by the tenant so it is removed with it")
		Expect(secret.Labels).To(HaveKeyWithValue(v1alpha1.LabelTokenSecret, "true"))

		By("never putting the token into the tenant")
		Expect(k8sClient.Get(ctx, key, tenant)).To(Succeed())
		raw, err := json.Marshal(tenant)
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Contains(string(raw), string(secret.Data["token"]))).To(BeFalse())
	})

	It("uses a Secret the platform team created and labelled, and leaves its token alone", func() {
		token := strings.Repeat("s3cr3t-", 8)
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "given", Labels: tokenLabel},
			Data:       map[string][]byte{"bearer": []byte(token)},
		})).To(Succeed())
		tenant := newTenant(ns, "given", "given")
		tenant.Spec.TokenSecretRef.Key = "bearer"
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())

		Eventually(func(g Gomega) {
			c := condition(g, client.ObjectKeyFromObject(tenant), v1alpha1.ConditionTokenReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonTokenFound))
		}).Should(Succeed())
		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: "given"}, secret)).To(Succeed())
		Expect(string(secret.Data["bearer"])).To(Equal(token))
		Expect(secret.OwnerReferences).To(BeEmpty())
	})

	It("waits for a Secret a secrets manager delivers when told not to generate one", func() {
		tenant := newTenant(ns, "gitops", "delivered")
		tenant.Spec.TokenSecretRef.Generate = ptr.To(false)
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		key := client.ObjectKeyFromObject(tenant)
		Eventually(func(g Gomega) {
			c := condition(g, key, v1alpha1.ConditionTokenReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonTokenSecretMissing))
			g.Expect(c.Message).To(ContainSubstring("generate is false"))
		}).Should(Succeed())
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: "delivered"}, &corev1.Secret{}))).
			To(BeTrue(), "no Secret is generated to race the secrets manager")

		By("the secrets manager delivering it")
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "delivered", Labels: tokenLabel},
			Data:       map[string][]byte{"token": []byte(strings.Repeat("e", 40))},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(condition(g, key, v1alpha1.ConditionTokenReady).Reason).To(Equal(v1alpha1.ReasonTokenFound))
			g.Expect(condition(g, key, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
	})

	It("uses no Secret the platform team did not label as a token, and says nothing of its contents", func() {
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "database"},
			Data:       map[string][]byte{"token": []byte(strings.Repeat("d", 40)), "password": []byte("hunter2")},
		})).To(Succeed())
		tenant := newTenant(ns, "grabby", "database")
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		key := client.ObjectKeyFromObject(tenant)
		Eventually(func(g Gomega) {
			c := condition(g, key, v1alpha1.ConditionTokenReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonTokenSecretNotOptedIn))
			g.Expect(c.Message).To(ContainSubstring(v1alpha1.LabelTokenSecret + "=true"))
			g.Expect(c.Message).NotTo(ContainSubstring("40"), "no length of anything in the Secret")
			g.Expect(condition(g, key, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
		}).Should(Succeed())
		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: "database"}, secret)).To(Succeed())
		Expect(secret.Labels).NotTo(HaveKey(v1alpha1.LabelTokenSecret), "the operator does not opt a Secret in")
		Expect(secret.Data).To(HaveLen(2), "nor writes into it")

		By("the platform team labelling it")
		patch := client.MergeFrom(secret.DeepCopy())
		secret.Labels = tokenLabel
		Expect(k8sClient.Patch(ctx, secret, patch)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(condition(g, key, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
	})

	It("reports a Secret without the token key, and recovers when the key is added", func() {
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "empty", Labels: tokenLabel},
			Data:       map[string][]byte{"other": []byte("x")},
		})).To(Succeed())
		tenant := newTenant(ns, "empty", "empty")
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		key := client.ObjectKeyFromObject(tenant)

		Eventually(func(g Gomega) {
			c := condition(g, key, v1alpha1.ConditionTokenReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonTokenKeyMissing))
			g.Expect(c.Message).To(ContainSubstring(`no key "token"`))
			g.Expect(condition(g, key, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
		}).Should(Succeed())

		By("adding the token to the Secret")
		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: "empty"}, secret)).To(Succeed())
		patch := client.MergeFrom(secret.DeepCopy())
		secret.Data["token"] = []byte(strings.Repeat("k", v1alpha1.MinTokenLength))
		Expect(k8sClient.Patch(ctx, secret, patch)).To(Succeed())

		Eventually(func(g Gomega) {
			g.Expect(condition(g, key, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
	})

	It("refuses a token shorter than the minimum", func() {
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "weak", Labels: tokenLabel},
			Data:       map[string][]byte{"token": []byte("password")},
		})).To(Succeed())
		tenant := newTenant(ns, "weak", "weak")
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())

		Eventually(func(g Gomega) {
			c := condition(g, client.ObjectKeyFromObject(tenant), v1alpha1.ConditionTokenReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonTokenTooShort))
		}).Should(Succeed())
	})

	It("generates a new token when its own Secret is deleted", func() {
		tenant := newTenant(ns, "regen", "regen-token")
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		secretKey := types.NamespacedName{Namespace: ns, Name: "regen-token"}
		secret := &corev1.Secret{}
		Eventually(func() error { return k8sClient.Get(ctx, secretKey, secret) }).Should(Succeed())
		first := string(secret.Data["token"])

		Expect(k8sClient.Delete(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			again := &corev1.Secret{}
			g.Expect(k8sClient.Get(ctx, secretKey, again)).To(Succeed())
			g.Expect(again.UID).NotTo(Equal(secret.UID))
			g.Expect(string(again.Data["token"])).NotTo(Equal(first))
		}).Should(Succeed())
	})

	It("advertises the tenant's own public base URL when it sets one", func() {
		tenant := newTenant(ns, "public", "public-token")
		tenant.Spec.PublicBaseURL = "https://idp-facing.example.com/"
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())

		Eventually(func(g Gomega) {
			got := &v1alpha1.ScimTenant{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(tenant), got)).To(Succeed())
			g.Expect(got.Status.Endpoint).To(Equal("https://idp-facing.example.com/scim/v2/" + ns + "/public"))
		}).Should(Succeed())
	})

	It("shows the limits that apply: the server's, then the tenant's own where it sets them", func() {
		tenant := newTenant(ns, "limited", "limited-token")
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		limits := func(g Gomega) *v1alpha1.EffectiveLimits {
			got := &v1alpha1.ScimTenant{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(tenant), got)).To(Succeed())
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			return got.Status.Limits
		}
		Eventually(limits).Should(Equal(&v1alpha1.EffectiveLimits{
			RequestsPerSecond: v1alpha1.DefaultRequestsPerSecond, Burst: v1alpha1.DefaultBurst, MaxInFlight: v1alpha1.DefaultMaxInFlight,
		}))

		patch := client.MergeFrom(tenant.DeepCopy())
		tenant.Spec.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: ptr.To[int32](20), MaxInFlight: ptr.To[int32](4)}
		tenant.Spec.Limits = &v1alpha1.TenantLimits{MaxUsers: ptr.To[int32](50)}
		Expect(k8sClient.Patch(ctx, tenant, patch)).To(Succeed())
		Eventually(limits).Should(Equal(&v1alpha1.EffectiveLimits{
			RequestsPerSecond: 20, Burst: v1alpha1.DefaultBurst, MaxInFlight: 4, MaxUsers: ptr.To[int32](50),
		}))
	})
})
