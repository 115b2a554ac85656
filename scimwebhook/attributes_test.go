// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/metrics"
)

// What directories really hold: every user below is created (201), its
// values are stored as sent, and what can be read is normalised into
// status; the rest is reported.
var _ = Describe("Attribute values as directories hold them", func() {
	var t testTenant
	BeforeEach(func() {
		t = newTenant()
		t.editTenant(func(s *v1alpha1.ScimTenantSpec) { s.DefaultPhoneRegion = "US" })
	})

	var n int
	statusOf := func(attribute string, value any) v1alpha1.ScimUserStatus {
		n++
		body, err := json.Marshal(map[string]any{"userName": fmt.Sprintf("u%d@example.com", n), attribute: value})
		Expect(err).NotTo(HaveOccurred())
		doc := t.created("/Users", string(body))
		Expect(doc[attribute]).To(Equal(value), "stored and answered exactly as sent")
		var st v1alpha1.ScimUserStatus
		Eventually(func(g Gomega) {
			u := getUser(t, doc["id"].(string))
			g.Expect(u.Status.ObservedGeneration).To(Equal(u.Generation))
			g.Expect(u.Status.Conditions).To(ContainElement(HaveField("Type", v1alpha1.ConditionAttributesValid)))
			st = u.Status
		}).Should(Succeed())
		return st
	}
	phone := func(value string) []any { return []any{map[string]any{"value": value, "type": "work"}} }

	DescribeTable("phone numbers: E.164 and the extension in status where the number is valid",
		func(value, e164, extension string) {
			st := statusOf("phoneNumbers", phone(value))
			if e164 == "" {
				Expect(st.PhoneNumbers).To(BeEmpty())
				Expect(st.InvalidAttributes).To(Equal([]string{`phoneNumbers[type eq "work"]`}))
				return
			}
			Expect(st.PhoneNumbers).To(Equal([]v1alpha1.PhoneNumber{{Value: e164, Extension: extension, Type: "work"}}))
			Expect(st.InvalidAttributes).To(BeEmpty())
		},
		Entry("E.164", "+358401234567", "+358401234567", ""),
		Entry("international with separators", "+44 (0)20 7946 0958", "+442079460958", ""),
		Entry("RFC 3966 with an extension", "tel:+1-201-555-0123;ext=44", "+12015550123", "44"),
		Entry("national, read in the tenant's region", "(201) 555-0123", "+12015550123", ""),
		Entry("national with dots", "201.555.0123", "+12015550123", ""),
		Entry("with an extension in words", "+1 201 555 0123 x 12", "+12015550123", "12"),
		Entry("too short to be a number", "555-0123", "", ""),
		Entry("words", "ask reception", "", ""),
	)

	DescribeTable("preferredLanguage: its ISO 639-1 base is the effective language",
		func(value, language string) {
			st := statusOf("preferredLanguage", value)
			Expect(st.Language).To(Equal(language))
			if language == "" {
				Expect(st.InvalidAttributes).To(Equal([]string{"preferredLanguage"}))
			} else {
				Expect(st.InvalidAttributes).To(BeEmpty())
			}
		},
		Entry("ISO 639-1", "fi", "fi"),
		Entry("with a region", "en-US", "en"),
		Entry("with underscores", "pt_BR", "pt"),
		Entry("with a script", "zh-Hant-TW", "zh"),
		Entry("Serbian in Latin", "sr-Latn-RS", "sr"),
		Entry("a language with no two-letter code", "fil", "fil"),
		Entry("an Accept-Language list", "en-US, en;q=0.8", "en"),
		Entry("an Accept-Language list preferring the second", "de;q=0.4, sv-FI", "sv"),
		Entry("a name, not a tag", "Finnish", ""),
		Entry("an unknown code", "xx", ""),
	)

	It("reads dates with times, and reports emails that are not addresses", func() {
		st := statusOf(hoxhuntURN, map[string]any{"employmentStart": "2024-03-01T00:00:00-05:00"})
		Expect(st.EmploymentStart).To(Equal("2024-03-01"))
		st = statusOf(hoxhuntURN, map[string]any{"employmentStart": "1.3.2024"})
		Expect(st.EmploymentStart).To(BeEmpty())
		Expect(st.InvalidAttributes).To(Equal([]string{hoxhuntURN + ":employmentStart"}))
		st = statusOf("emails", []any{map[string]any{"value": "ann@example.com", "type": "work"}, map[string]any{"value": "ann at home", "type": "home"}})
		Expect(st.Email).To(Equal("ann@example.com"))
		Expect(st.InvalidAttributes).To(Equal([]string{`emails[type eq "home"]`}))
	})

	It("tells a platform team which users have values it could not read, never the values, until they are fixed", func() {
		doc := t.created("/Users", `{"userName":"messy@example.com","phoneNumbers":[{"value":"ask reception","type":"work"}],"preferredLanguage":"Klingon"}`)
		id := doc["id"].(string)
		tenant := t.namespace + "/" + t.name
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			c := meta.FindStatusCondition(u.Status.Conditions, v1alpha1.ConditionAttributesValid)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonAttributesNotNormalized))
			g.Expect(c.Message).To(And(ContainSubstring(`phoneNumbers[type eq "work"]`), ContainSubstring("preferredLanguage")))
			g.Expect(c.Message).NotTo(Or(ContainSubstring("reception"), ContainSubstring("Klingon")))
			g.Expect(u.Labels).To(HaveKeyWithValue(v1alpha1.LabelAttributesInvalid, "true"))
			found := &v1alpha1.ScimUserList{}
			g.Expect(k8sClient.List(ctx, found, client.InNamespace(t.namespace), client.MatchingLabels{v1alpha1.LabelAttributesInvalid: "true"})).To(Succeed())
			g.Expect(found.Items).To(HaveLen(1))
			g.Expect(eventsAbout(g, t.namespace, id)["AttributesNotNormalized"]).To(ConsistOf(HavePrefix("Warning: ")))
			g.Expect(getTenant(t).Status.Users.WithInvalidAttributes).To(BeEquivalentTo(1))
			g.Expect(testutil.ToFloat64(metrics.UsersWithInvalidAttributes.WithLabelValues(tenant, "phoneNumbers"))).To(BeEquivalentTo(1))
			g.Expect(testutil.ToFloat64(metrics.UsersWithInvalidAttributes.WithLabelValues(tenant, "preferredLanguage"))).To(BeEquivalentTo(1))
		}).Should(Succeed())

		By("fixing the values in the directory")
		r := t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"+358 40 123 4567"},
			{"op":"replace","path":"preferredLanguage","value":"fi-FI"}]`))
		Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.PhoneNumbers).To(Equal([]v1alpha1.PhoneNumber{{Value: "+358401234567", Type: "work"}}))
			g.Expect(u.Status.Language).To(Equal("fi"))
			g.Expect(meta.FindStatusCondition(u.Status.Conditions, v1alpha1.ConditionAttributesValid).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(u.Labels).NotTo(HaveKey(v1alpha1.LabelAttributesInvalid))
			g.Expect(getTenant(t).Status.Users.WithInvalidAttributes).To(BeZero())
		}).Should(Succeed())
		Expect(testutil.ToFloat64(metrics.UsersWithInvalidAttributes.WithLabelValues(tenant, "phoneNumbers"))).To(BeZero())
	})

	It("leaves no stubs for empty template values", func() {
		doc := t.created("/Users", `{"userName":"stubs@example.com","displayName":"","emails":[{"type":"work"},{"value":"","type":"home"}],
			"phoneNumbers":[{"type":"work","primary":false}],"name":{"givenName":""},"addresses":[{"type":"work"}]}`)
		for _, k := range []string{"displayName", "emails", "phoneNumbers", "name", "addresses"} {
			Expect(doc).NotTo(HaveKey(k), "%v", doc)
		}
		u := getUser(t, doc["id"].(string))
		Expect(u.Spec.Emails).To(BeEmpty())
		Expect(u.Spec.PhoneNumbers).To(BeEmpty())
		Expect(u.Spec.Addresses).To(BeEmpty())
		Expect(u.Spec.Name).To(BeNil())
	})
})
