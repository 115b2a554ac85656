// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// expectSCIMError checks that r is a SCIM Error (RFC 7644 section 3.12)
// with the given status.
func expectSCIMError(r *response, status int) map[string]any {
	GinkgoHelper()
	Expect(r.StatusCode).To(Equal(status), "body: %s", r.body)
	Expect(r.Header.Get("Content-Type")).To(HavePrefix(schema.MediaType))
	doc := r.json()
	Expect(doc["schemas"]).To(ConsistOf(schema.ErrorURN))
	Expect(doc["status"]).To(Equal(strconv.Itoa(status)), "RFC 7644 section 3.12: status is a string")
	Expect(doc["detail"]).NotTo(BeEmpty())
	return doc
}

var _ = Describe("Authentication", func() {
	var t testTenant
	BeforeEach(func() { t = newTenant() })

	It("takes a token stored with a trailing newline, as kubectl create secret --from-file leaves it", func() {
		token := strings.Repeat("f", 40)
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: "from-file", Labels: map[string]string{v1alpha1.LabelTokenSecret: "true"}},
			Data:       map[string][]byte{"token": []byte(token + "\n")},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, &v1alpha1.ScimTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: "from-file", Labels: map[string]string{v1alpha1.LabelTokenSecret: "true"}},
			Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "from-file"}},
		})).To(Succeed())
		Eventually(func() int {
			return do(http.MethodGet, v1alpha1.SCIMPathPrefix+"/"+t.namespace+"/from-file/ServiceProviderConfig", token, nil).StatusCode
		}).Should(Equal(http.StatusOK))
	})

	It("rejects a request without a token with a SCIM 401 and a challenge", func() {
		r := do(http.MethodGet, t.path("/ServiceProviderConfig"), "", nil)
		expectSCIMError(r, http.StatusUnauthorized)
		Expect(r.Header.Get("WWW-Authenticate")).To(HavePrefix("Bearer"))
	})

	It("rejects a wrong token", func() {
		expectSCIMError(do(http.MethodGet, t.path("/ServiceProviderConfig"), t.token+"x", nil), http.StatusUnauthorized)
	})

	It("rejects a non-bearer scheme", func() {
		req := t.path("/ServiceProviderConfig")
		r := doWithHeader(http.MethodGet, req, "Basic "+t.token)
		expectSCIMError(r, http.StatusUnauthorized)
	})

	It("accepts the scheme in any case", func() {
		r := doWithHeader(http.MethodGet, t.path("/ServiceProviderConfig"), "bearer "+t.token)
		Expect(r.StatusCode).To(Equal(http.StatusOK))
	})

	It("answers an unknown tenant exactly like a wrong token", func() {
		known := do(http.MethodGet, t.path("/ServiceProviderConfig"), t.token+"x", nil)
		unknown := do(http.MethodGet, "/scim/v2/"+t.namespace+"/nobody/ServiceProviderConfig", t.token, nil)
		expectSCIMError(unknown, http.StatusUnauthorized)
		Expect(unknown.body).To(Equal(known.body))
	})

	It("never lets one tenant's token into another tenant", func() {
		other := newTenant()
		expectSCIMError(do(http.MethodGet, other.path("/ServiceProviderConfig"), t.token, nil), http.StatusUnauthorized)
		expectSCIMError(do(http.MethodGet, t.path("/ServiceProviderConfig"), other.token, nil), http.StatusUnauthorized)
	})

	It("authenticates before revealing whether an endpoint exists", func() {
		expectSCIMError(do(http.MethodGet, t.path("/NoSuchThing"), "", nil), http.StatusUnauthorized)
		doc := expectSCIMError(t.get("/NoSuchThing"), http.StatusNotFound)
		Expect(doc["detail"]).To(ContainSubstring("/NoSuchThing"))
	})

	It("answers paths outside any tenant with a SCIM 404", func() {
		expectSCIMError(do(http.MethodGet, "/nowhere", "", nil), http.StatusNotFound)
	})

	It("answers a wrong method with a SCIM 405 naming the allowed ones", func() {
		r := do(http.MethodDelete, t.path("/ServiceProviderConfig"), t.token, nil)
		expectSCIMError(r, http.StatusMethodNotAllowed)
		Expect(r.Header.Get("Allow")).To(ContainSubstring("GET"))
	})

	It("echoes the identity provider's request id and makes one up otherwise", func() {
		Expect(t.get("/ServiceProviderConfig").Header.Get("X-Request-Id")).To(HaveLen(32))
	})

	// rotated replaces the tenant's token and returns when the previous
	// one stops being accepted, once the server takes the new one.
	rotated := func(token string) time.Time {
		rotateToken(t, token)
		Eventually(func() int {
			return do(http.MethodGet, t.path("/ServiceProviderConfig"), token, nil).StatusCode
		}).Should(Equal(http.StatusOK))
		var expires time.Time
		Eventually(func(g Gomega) {
			tenant := &v1alpha1.ScimTenant{}
			g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, tenant)).To(Succeed())
			g.Expect(tenant.Status.PreviousTokenExpiresAt).NotTo(BeNil())
			expires = tenant.Status.PreviousTokenExpiresAt.Time
		}).Should(Succeed())
		return expires
	}

	It("accepts the new token at once when the Secret changes, and the previous one for the grace period", func() {
		old := t.token
		expires := rotated(strings.Repeat("n", 40))
		Expect(expires).To(BeTemporally("~", env.Clock.Now().Add(v1alpha1.DefaultTokenRotationGracePeriod), time.Second))
		Expect(do(http.MethodGet, t.path("/ServiceProviderConfig"), old, nil).StatusCode).
			To(Equal(http.StatusOK), "a straggler with the previous token still gets through")
	})

	It("stops accepting the previous token when the grace period ends", func() {
		old := t.token
		expires := rotated(strings.Repeat("m", 40))
		Expect(do(http.MethodGet, t.path("/ServiceProviderConfig"), old, nil).StatusCode).To(Equal(http.StatusOK))

		env.Clock.SetTime(expires)
		Expect(do(http.MethodGet, t.path("/ServiceProviderConfig"), old, nil).StatusCode).To(Equal(http.StatusUnauthorized))
		Expect(do(http.MethodGet, t.path("/ServiceProviderConfig"), strings.Repeat("m", 40), nil).StatusCode).To(Equal(http.StatusOK))

		By("the tenant controller removing it when its time comes")
		// The operators' own tenant controller, on the same clock, may be
		// reconciling the tenant too; a conflict between the two is retried.
		Eventually(func(g Gomega) {
			_, err := reconcilersAt(expires).Tenants.Reconcile(ctx, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: t.namespace, Name: t.name}})
			g.Expect(err).NotTo(HaveOccurred())
			verifier := &v1alpha1.ScimTokenVerifier{}
			g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: suite.OperatorNamespace, Name: v1alpha1.VerifierName(t.namespace, t.name)}, verifier)).To(Succeed())
			g.Expect(verifier.Spec.Previous).To(BeEmpty(), "the previous token is not verified any more")
		}).Should(Succeed())
	})

	It("keeps the grace period when a secrets manager rewrites the Secret whole, and never writes into it", func() {
		old := t.token
		key := types.NamespacedName{Namespace: t.namespace, Name: "acme-scim-token"}
		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key, secret)).To(Succeed())
		// As External Secrets does in Owner mode: the data is replaced, not
		// merged, on every refresh.
		secret.Data = map[string][]byte{v1alpha1.DefaultTokenSecretKey: []byte(strings.Repeat("w", 40))}
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			tenant := &v1alpha1.ScimTenant{}
			g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, tenant)).To(Succeed())
			g.Expect(tenant.Status.PreviousTokenExpiresAt).NotTo(BeNil())
		}).Should(Succeed())

		By("a refresh writing the same token again")
		Expect(k8sClient.Get(ctx, key, secret)).To(Succeed())
		secret.Data = map[string][]byte{v1alpha1.DefaultTokenSecretKey: []byte(strings.Repeat("w", 40))}
		secret.Annotations = map[string]string{"reconcile.external-secrets.io/data-hash": "x"}
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		written := secret.ResourceVersion
		_, err := reconcilersAt(env.Clock.Now()).Tenants.Reconcile(ctx, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: t.namespace, Name: t.name}})
		Expect(err).NotTo(HaveOccurred())

		Expect(do(http.MethodGet, t.path("/ServiceProviderConfig"), old, nil).StatusCode).
			To(Equal(http.StatusOK), "the replaced token is still in its grace period")
		Expect(do(http.MethodGet, t.path("/ServiceProviderConfig"), strings.Repeat("w", 40), nil).StatusCode).To(Equal(http.StatusOK))
		Expect(k8sClient.Get(ctx, key, secret)).To(Succeed())
		Expect(secret.ResourceVersion).To(Equal(written), "the operator wrote into a Secret it does not own")
		Expect(secret.Data).To(HaveLen(1))
	})
})

var _ = Describe("Discovery", func() {
	var t testTenant
	BeforeEach(func() { t = newTenant() })

	It("serves ServiceProviderConfig as SCIM JSON with what the server supports", func() {
		r := t.get("/ServiceProviderConfig")
		Expect(r.StatusCode).To(Equal(http.StatusOK))
		Expect(r.Header.Get("Content-Type")).To(Equal(schema.MediaType + "; charset=utf-8"))
		doc := r.json()
		Expect(doc["schemas"]).To(ConsistOf(schema.ServiceProviderConfigURN))
		Expect(doc["authenticationSchemes"]).To(ContainElement(HaveKeyWithValue("type", "oauthbearertoken")))
		Expect(doc["bulk"]).To(HaveKeyWithValue("supported", false))
		Expect(doc["changePassword"]).To(HaveKeyWithValue("supported", false))
		Expect(doc["meta"]).To(HaveKeyWithValue("location", "http://scim.test.example"+t.path("/ServiceProviderConfig")))
		Expect(doc).To(HaveKeyWithValue("interopProfileConformant", false), "docs/conformance.md lists the deviations")
	})

	It("serves ServiceProviderConfig at /serviceConfiguration too, where Microsoft's tooling reads it", func() {
		want := t.get("/ServiceProviderConfig").json()
		for _, path := range []string{"/serviceConfiguration", "/ServiceConfiguration/"} {
			r := t.get(path)
			Expect(r.StatusCode).To(Equal(http.StatusOK), path)
			Expect(r.json()).To(Equal(want), path)
		}
	})

	It("ignores query parameters on discovery endpoints", func() {
		Expect(t.get("/ServiceProviderConfig?attributes=patch").StatusCode).To(Equal(http.StatusOK))
	})

	It("lists every schema, each also served by its id", func() {
		doc := t.get("/Schemas").json()
		Expect(doc["schemas"]).To(ConsistOf(schema.ListResponseURN))
		resources := doc["Resources"].([]any)
		Expect(doc["totalResults"]).To(BeNumerically("==", len(resources)))
		ids := make([]string, 0, len(resources))
		for _, res := range resources {
			id := res.(map[string]any)["id"].(string)
			ids = append(ids, id)
			one := t.get("/Schemas/" + id)
			Expect(one.StatusCode).To(Equal(http.StatusOK))
			Expect(one.json()).To(Equal(res))
		}
		Expect(ids).To(ConsistOf(schema.UserURN, schema.EnterpriseUserURN, schema.HoxhuntUserURN, schema.GroupURN))
	})

	It("describes every attribute with its characteristics", func() {
		user := t.get("/Schemas/" + schema.UserURN).json()
		var userName map[string]any
		for _, a := range user["attributes"].([]any) {
			if a.(map[string]any)["name"] == "userName" {
				userName = a.(map[string]any)
			}
		}
		Expect(userName).To(HaveKeyWithValue("uniqueness", "server"))
		Expect(userName).To(HaveKeyWithValue("required", true))
		Expect(userName).To(HaveKeyWithValue("caseExact", false))

		By("declaring the type values of every typed multi-valued attribute RFC 7643 gives values for")
		noValues := []string{"entitlements", "roles", "x509Certificates"}
		for _, a := range user["attributes"].([]any) {
			attr := a.(map[string]any)
			subs, _ := attr["subAttributes"].([]any)
			for _, sub := range subs {
				if sub.(map[string]any)["name"] == "type" && !slices.Contains(noValues, attr["name"].(string)) {
					Expect(sub).To(HaveKey("canonicalValues"), "%s.type", attr["name"])
				}
			}
			if attr["name"] == "emails" {
				Expect(attr).To(HaveKeyWithValue("uniqueness", "none"), "emails are not unique unless the tenant chooses so")
			}
		}
	})

	It("lists the User and Group resource types with their extensions", func() {
		doc := t.get("/ResourceTypes").json()
		Expect(doc["totalResults"]).To(BeNumerically("==", 2))
		user := t.get("/ResourceTypes/User").json()
		Expect(user).To(HaveKeyWithValue("endpoint", "/Users"))
		Expect(user).To(HaveKeyWithValue("schema", schema.UserURN))
		Expect(user["schemaExtensions"]).To(ContainElement(HaveKeyWithValue("schema", schema.EnterpriseUserURN)))
		Expect(t.get("/ResourceTypes/Group").json()).To(HaveKeyWithValue("endpoint", "/Groups"))
	})

	It("answers unknown schemas and resource types with a SCIM 404", func() {
		expectSCIMError(t.get("/Schemas/urn:nope"), http.StatusNotFound)
		expectSCIMError(t.get("/ResourceTypes/Nope"), http.StatusNotFound)
	})
})
