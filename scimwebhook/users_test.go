// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/metrics"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
const hoxhuntURN = "urn:ietf:params:scim:schemas:extension:hoxhunt:2.0:User"

// fullUser has every attribute the CRD models.
const fullUser = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "` + enterpriseURN + `", "` + hoxhuntURN + `"],
  "userName": "bjensen@example.com",
  "externalId": "bjensen",
  "active": true,
  "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
           "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
  "displayName": "Babs Jensen",
  "nickName": "Babs",
  "profileUrl": "https://login.example.com/bjensen",
  "title": "Tour Guide",
  "userType": "Employee",
  "preferredLanguage": "en-US",
  "locale": "en-US",
  "timezone": "America/Los_Angeles",
  "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
             {"value": "babs@jensen.org", "type": "home"}],
  "phoneNumbers": [{"value": "+1 555 555 5555", "type": "work"}, {"value": "tel:+1-201-555-0123", "type": "mobile"}],
  "ims": [{"value": "someaimhandle", "type": "aim"}],
  "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
  "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
                 "region": "CA", "postalCode": "91608", "country": "USA", "formatted": "100 Universal City Plaza", "primary": true}],
  "entitlements": [{"value": "access"}],
  "roles": [{"value": "admin", "type": "app"}],
  "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQA"}],
  "` + enterpriseURN + `": {"employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
      "division": "Theme Park", "department": "Tour Operations", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}},
  "` + hoxhuntURN + `": {"microsoftEntraObjectId": "0d3a1c54-0000-4000-8000-000000000001", "disableThreatUpload": true,
      "employmentStart": "2020-01-15", "customAttribute1": "c1", "customAttribute2": "c2", "customAttribute3": "c3",
      "customAttribute4": "c4", "customAttribute5": "c5", "customAttribute6": "c6", "customAttribute7": "c7",
      "customAttribute8": "c8", "customAttribute9": "c9", "customAttribute10": "c10"}
}`

// without removes the server-assigned attributes from a document.
func without(doc map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

func jsonDoc(s string) map[string]any {
	r := &response{body: []byte(s)}
	return r.json()
}

var _ = Describe("Users", func() {
	var t testTenant
	BeforeEach(func() { t = newTenant() })

	It("round-trips every attribute the CRD models, and stores them in a ScimUser", func() {
		r := t.send(http.MethodPost, "/Users", fullUser)
		Expect(r.StatusCode).To(Equal(http.StatusCreated), "%s", r.body)
		doc := r.json()
		id := doc["id"].(string)
		Expect(r.Header.Get("Location")).To(Equal("http://scim.test.example" + t.path("/Users/"+id)))
		Expect(r.Header.Get("ETag")).To(HavePrefix(`W/"`))
		meta := doc["meta"].(map[string]any)
		Expect(meta).To(HaveKeyWithValue("resourceType", "User"))
		Expect(meta).To(HaveKeyWithValue("location", r.Header.Get("Location")))
		Expect(meta).To(HaveKeyWithValue("version", r.Header.Get("ETag")))
		Expect(meta).To(HaveKey("created"))
		Expect(meta).To(HaveKey("lastModified"))
		Expect(without(doc, "id", "meta")).To(Equal(jsonDoc(fullUser)))

		Expect(t.get("/Users/" + id).json()).To(Equal(doc))

		u := &v1alpha1.ScimUser{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: id}, u)).To(Succeed())
		Expect(u.Spec.TenantRef.Name).To(Equal(t.name))
		Expect(u.Spec.ManagedBy).To(Equal(v1alpha1.ManagedBySCIM))
		Expect(u.Spec.Hoxhunt.CustomAttribute10).To(Equal("c10"))
		Expect(u.Spec.Enterprise.Manager.Value).To(Equal("26118915-6090-4610-87e4-49d8ca9f808d"))
	})

	It("accepts attribute names in any case, string booleans, read-only attributes and a password, keeping none of the latter", func() {
		doc := t.created("/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
			"UserName":"Case@Example.com","ACTIVE":"True","Name":{"GivenName":"C"},
			"id":"mine","meta":{"resourceType":"User"},"groups":[],"password":"secret","roles":[]}`)
		Expect(doc["userName"]).To(Equal("Case@Example.com"))
		Expect(doc["active"]).To(BeTrue())
		Expect(doc["name"]).To(Equal(map[string]any{"givenName": "C"}))
		Expect(doc["id"]).NotTo(Equal("mine"))
		Expect(doc).NotTo(HaveKey("password"))
	})

	It("accepts application/json too", func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, t.url("/Users"), stringsReader(`{"userName":"json"}`))
		req.Header.Set("Authorization", "Bearer "+t.token)
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		Expect(send(req).StatusCode).To(Equal(http.StatusCreated))
	})

	DescribeTable("rejects bad input with a SCIM 400 that names the problem",
		func(body, scimType, detail string) {
			doc := expectSCIMError(t.send(http.MethodPost, "/Users", body), http.StatusBadRequest)
			Expect(doc["scimType"]).To(Equal(scimType))
			Expect(doc["detail"]).To(ContainSubstring(detail))
		},
		Entry("no userName", `{"displayName":"x"}`, "invalidValue", "userName"),
		Entry("blank userName", `{"userName":"  "}`, "invalidValue", "userName"),
		Entry("unknown attribute", `{"userName":"u","shoeSize":"42"}`, "invalidSyntax", "shoeSize"),
		Entry("unknown sub-attribute", `{"userName":"u","name":{"nick":"x"}}`, "invalidSyntax", "nick"),
		Entry("wrong type", `{"userName":"u","active":"maybe"}`, "invalidValue", "active"),
		Entry("two primary emails", `{"userName":"u","emails":[{"value":"a@x.com","primary":true},{"value":"b@x.com","primary":true}]}`, "invalidValue", "primary"),
		Entry("not JSON", `{"userName":`, "invalidSyntax", "JSON"),
	)

	It("lists a user it has just created, deleted or restored at once, whatever order it keeps", func() {
		for i := range 10 {
			id := t.created("/Users", fmt.Sprintf(`{"userName":"listed%d","externalId":"listed-%d"}`, i, i))["id"].(string)
			Expect(t.list("/Users?count=1000")["totalResults"]).To(BeNumerically("==", 2*i+1), "after creating %d", i)
			Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
			Expect(t.list("/Users?count=1000")["totalResults"]).To(BeNumerically("==", 2*i), "after deleting %d", i)
			Expect(t.created("/Users", fmt.Sprintf(`{"userName":"listed%d","externalId":"listed-%d"}`, i, i))["id"]).To(Equal(id), "restored")
			t.created("/Users", fmt.Sprintf(`{"userName":"other%d"}`, i))
			Expect(t.list("/Users?count=1000")["totalResults"]).To(BeNumerically("==", 2*i+2), "after restoring %d", i)
		}
	})

	It("answers a filter no index answers with every change made since the tenant was last read", func() {
		count := func(f string) int {
			n, ok := t.list("/Users?count=1000&filter=" + url.QueryEscape(f))["totalResults"].(float64)
			Expect(ok).To(BeTrue())
			return int(n)
		}
		var ids []string
		for i := range 3 {
			ids = append(ids, t.created("/Users", fmt.Sprintf(`{"userName":"columns%d","title":"Clerk"}`, i))["id"].(string))
		}
		Expect(count(`title co "engineer"`)).To(Equal(0), "read once, so that later filters read what that one kept")

		By("seeing its own change at once")
		patchTitle := func(id, title string) {
			r := t.send(http.MethodPatch, "/Users/"+id, `{"Operations":[{"op":"replace","path":"title","value":"`+title+`"}]}`)
			Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
		}
		patchTitle(ids[0], "Engineer")
		Expect(count(`title co "engineer"`)).To(Equal(1))
		Expect(count(`title eq "Clerk"`)).To(Equal(2))

		By("seeing a change written by someone else once the cache has it")
		u := &v1alpha1.ScimUser{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: ids[1]}, u)).To(Succeed())
		u.Spec.Title = "Senior Engineer"
		Expect(k8sClient.Update(ctx, u)).To(Succeed())
		Eventually(func() int { return count(`title co "engineer"`) }).Should(Equal(2))

		By("leaving out a user deleted since, and seeing a new one")
		Expect(t.send(http.MethodDelete, "/Users/"+ids[0], "").StatusCode).To(Equal(http.StatusNoContent))
		Expect(count(`title co "engineer"`)).To(Equal(1))
		t.created("/Users", `{"userName":"columns-new","title":"Engineer"}`)
		Expect(count(`title co "engineer"`)).To(Equal(2))

		By("staying right past the changes it tracks one by one")
		var more []string
		for i := range 70 {
			more = append(more, t.created("/Users", fmt.Sprintf(`{"userName":"columns-more%d","title":"Clerk"}`, i))["id"].(string))
		}
		Expect(count(`title co "engineer"`)).To(Equal(2))
		for i, id := range more {
			patchTitle(id, fmt.Sprintf("Engineer %d", i))
			if i%16 == 0 || i >= 62 {
				Expect(count(`title eq "Engineer `+fmt.Sprint(i)+`"`)).To(Equal(1), "after change %d", i)
				Expect(count(`title co "engineer"`)).To(Equal(3+i), "after change %d", i)
			}
		}

		By("paging through what it matched in list order")
		var paged []any
		for start := 1; start <= 80; start += 7 {
			doc := t.list(fmt.Sprintf("/Users?startIndex=%d&count=7&filter=%s", start, url.QueryEscape(`title co "engineer"`)))
			Expect(doc["totalResults"]).To(BeNumerically("==", 72))
			Expect(doc["startIndex"]).To(BeNumerically("==", start), "the startIndex asked for is echoed, also past the end")
			for _, r := range doc["Resources"].([]any) {
				paged = append(paged, r.(map[string]any)["id"])
			}
		}
		var listed []any
		for _, r := range t.list("/Users?count=1000")["Resources"].([]any) {
			if title, _ := r.(map[string]any)["title"].(string); strings.Contains(title, "Engineer") {
				listed = append(listed, r.(map[string]any)["id"])
			}
		}
		Expect(paged).To(Equal(listed), "in the order of an unfiltered list, each once")
		Expect(paged).To(HaveLen(72))
	})

	It("rejects an unsupported content type", func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, t.url("/Users"), stringsReader(`userName=x`))
		req.Header.Set("Authorization", "Bearer "+t.token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		expectSCIMError(send(req), http.StatusUnsupportedMediaType)
	})

	It("stores values in formats it cannot normalise exactly as sent, and answers 201", func() {
		sent := map[string]any{
			"phoneNumbers":      []any{map[string]any{"value": "call reception", "type": "work"}, map[string]any{"value": "(555) 010-4477", "type": "mobile"}},
			"emails":            []any{map[string]any{"value": "not an address", "type": "other"}},
			"preferredLanguage": "Klingon, please",
			hoxhuntURN:          map[string]any{"employmentStart": "15.1.2020"},
		}
		body, err := json.Marshal(map[string]any{"userName": "messy@example.com", "phoneNumbers": sent["phoneNumbers"],
			"emails": sent["emails"], "preferredLanguage": sent["preferredLanguage"], hoxhuntURN: sent[hoxhuntURN]})
		Expect(err).NotTo(HaveOccurred())
		doc := t.created("/Users", string(body))
		for k, v := range sent {
			Expect(doc[k]).To(Equal(v), k)
		}
		Expect(t.get("/Users/" + doc["id"].(string)).json()["phoneNumbers"]).To(Equal(sent["phoneNumbers"]))
	})

	It("keeps userName unique within the tenant, case-insensitively, and names the holder in the 409", func() {
		holder := t.created("/Users", `{"userName":"unique@example.com"}`)["id"].(string)
		doc := expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"UNIQUE@example.com"}`), http.StatusConflict)
		Expect(doc["scimType"]).To(Equal("uniqueness"))
		Expect(doc["detail"]).To(And(ContainSubstring("userName"), ContainSubstring(holder), ContainSubstring("active"), ContainSubstring("to free it")))

		By("letting another tenant use the same userName")
		newTenant().created("/Users", `{"userName":"unique@example.com"}`)
	})

	It("stores users that share an email of record by default, and reports each of them until they no longer do", func() {
		tenant := t.namespace + "/" + t.name
		person := t.created("/Users", `{"userName":"jdoe","emails":[{"value":"jdoe@example.com","type":"work"},{"value":"family@example.com","type":"home"}]}`)["id"].(string)
		admin := t.created("/Users", `{"userName":"adm-jdoe","emails":[{"value":"JDoe@Example.com","primary":true}]}`)["id"].(string)
		By("letting a relative share the home address, as the email of record of neither")
		t.created("/Users", `{"userName":"relative","emails":[{"value":"relative@example.com","type":"work"},{"value":"Family@Example.com","type":"home"}]}`)
		Expect(t.list(`/Users?filter=` + url.QueryEscape(`emails.value eq "family@example.com"`))["totalResults"]).To(BeEquivalentTo(2))
		Expect(t.list(`/Users?filter=` + url.QueryEscape(`emails.value eq "jdoe@example.com"`))["totalResults"]).To(BeEquivalentTo(2))

		shared := func(id string) func(g Gomega) *metav1.Condition {
			return func(g Gomega) *metav1.Condition {
				u := &v1alpha1.ScimUser{}
				g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: id}, u)).To(Succeed())
				c := meta.FindStatusCondition(u.Status.Conditions, v1alpha1.ConditionEmailShared)
				g.Expect(c).NotTo(BeNil())
				g.Expect(c.ObservedGeneration).To(Equal(u.Generation))
				return c
			}
		}
		Eventually(shared(person)).Should(And(HaveField("Status", metav1.ConditionTrue), HaveField("Message", ContainSubstring(admin))))
		Eventually(shared(admin)).Should(And(HaveField("Status", metav1.ConditionTrue), HaveField("Message", ContainSubstring(person))))
		Eventually(func(g Gomega) []string { return eventsAbout(g, t.namespace, admin)["EmailShared"] }).
			Should(ContainElement(And(HavePrefix("Warning"), ContainSubstring(person), Not(ContainSubstring("jdoe@")))))
		Eventually(func() int32 { return getTenant(t).Status.Users.SharingEmail }).Should(BeEquivalentTo(2))
		Eventually(func() float64 { return testutil.ToFloat64(metrics.UsersSharingEmail.WithLabelValues(tenant)) }).Should(BeNumerically("==", 2))
		Expect(getUser(t, person).Status.Conditions).To(ContainElement(And(HaveField("Type", v1alpha1.ConditionReady), HaveField("Status", metav1.ConditionTrue))),
			"a shared address is reported, not a fault")

		By("clearing the report when the admin account is deleted")
		Expect(t.send(http.MethodDelete, "/Users/"+admin, "").StatusCode).To(Equal(http.StatusNoContent))
		Eventually(shared(person)).Should(HaveField("Status", metav1.ConditionFalse))
		Eventually(func() int32 { return getTenant(t).Status.Users.SharingEmail }).Should(BeZero())
		Eventually(func() float64 { return testutil.ToFloat64(metrics.UsersSharingEmail.WithLabelValues(tenant)) }).Should(BeZero())
	})

	It("keeps the email of record unique where the tenant chooses EmailOfRecord, and declares it at /Schemas for that tenant only", func() {
		emailsValue := func(tt testTenant) any {
			for _, a := range tt.get("/Schemas/" + schema.UserURN).json()["attributes"].([]any) {
				if attr := a.(map[string]any); attr["name"] == "emails" {
					for _, sub := range attr["subAttributes"].([]any) {
						if sub.(map[string]any)["name"] == "value" {
							return sub.(map[string]any)["uniqueness"]
						}
					}
				}
			}
			return nil
		}
		Expect(emailsValue(t)).To(Equal("none"))
		holder := t.created("/Users", `{"userName":"leaver","emails":[{"value":"record@example.com","type":"work"}]}`)["id"].(string)
		Expect(t.send(http.MethodPatch, "/Users/"+holder, patchOps(`[{"op":"replace","path":"active","value":false}]`)).StatusCode).To(Equal(http.StatusOK))
		t.editTenant(func(s *v1alpha1.ScimTenantSpec) { s.EmailUniqueness = v1alpha1.EmailUniquenessEmailOfRecord })

		var doc map[string]any
		Eventually(func() int {
			r := t.send(http.MethodPost, "/Users", `{"userName":"rehire","emails":[{"value":"Record@Example.com","primary":true}]}`)
			if r.StatusCode == http.StatusCreated {
				// This replica's cache did not have the tenant's new
				// setting yet: undo the create and try again.
				Expect(t.send(http.MethodDelete, "/Users/"+r.json()["id"].(string), "").StatusCode).To(Equal(http.StatusNoContent))
			}
			doc = r.json()
			return r.StatusCode
		}).Should(Equal(http.StatusConflict))
		Expect(doc["scimType"]).To(Equal("uniqueness"))
		Expect(doc["detail"]).To(And(ContainSubstring(holder), ContainSubstring("inactive"), ContainSubstring("spec.emailUniqueness"), ContainSubstring("to free it")))
		Expect(emailsValue(t)).To(Equal("server"))
		Expect(emailsValue(newTenant())).To(Equal("none"), "another tenant keeps the default")

		By("letting other addresses repeat all the same")
		t.created("/Users", `{"userName":"relative","emails":[{"value":"relative@example.com","type":"work"},{"value":"record@example.com","type":"home"}]}`)
	})

	It("frees a userName when the user is renamed", func() {
		id := t.created("/Users", `{"userName":"old"}`)["id"].(string)
		Expect(t.send(http.MethodPatch, "/Users/"+id, `{"Operations":[{"op":"replace","path":"userName","value":"new"}]}`).StatusCode).To(Equal(http.StatusOK))
		other := t.created("/Users", `{"userName":"old"}`)["id"].(string)
		expectSCIMError(t.send(http.MethodPatch, "/Users/"+other, `{"Operations":[{"op":"replace","path":"userName","value":"NEW"}]}`), http.StatusConflict)
	})

	It("replaces the whole user on PUT, clearing what the PUT leaves out", func() {
		id := t.created("/Users", `{"userName":"okta","title":"Engineer","name":{"givenName":"O"}}`)["id"].(string)
		r := t.send(http.MethodPut, "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+id+`","userName":"okta","name":{"familyName":"K"},"active":false}`)
		Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
		doc := r.json()
		Expect(doc).NotTo(HaveKey("title"))
		Expect(doc["name"]).To(Equal(map[string]any{"familyName": "K"}))
		Expect(doc["active"]).To(BeFalse())
	})

	It("deletes a user: 204, then 404 on GET and on a repeated DELETE", func() {
		id := t.created("/Users", `{"userName":"gone"}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		expectSCIMError(t.get("/Users/"+id), http.StatusNotFound)
		expectSCIMError(t.send(http.MethodDelete, "/Users/"+id, ""), http.StatusNotFound)
		Expect(t.list(`/Users?filter=userName+eq+"gone"`)["totalResults"]).To(BeNumerically("==", 0))
	})

	It("caches users without their managedFields", func() {
		id := t.created("/Users", `{"userName":"lean"}`)["id"].(string)
		stored := &v1alpha1.ScimUser{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: id}, stored)).To(Succeed())
		Expect(stored.ManagedFields).NotTo(BeEmpty(), "the API server keeps them")
		cached := &v1alpha1.ScimUser{}
		Expect(first.Manager.GetCache().Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: id}, cached)).To(Succeed())
		Expect(cached.ManagedFields).To(BeEmpty())
	})

	It("refuses a user too large to store before writing anything, claims included", func() {
		emails := make([]string, 1000)
		for i := range emails {
			emails[i] = fmt.Sprintf(`{"value":"many%d@example.com"}`, i)
		}
		doc := expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"many","emails":[`+strings.Join(emails, ",")+`]}`), http.StatusBadRequest)
		Expect(doc["detail"]).To(ContainSubstring("at most 32"))
		entitlements := make([]string, 50)
		for i := range entitlements {
			entitlements[i] = `{"value":"` + strings.Repeat("e", 2000) + `"}`
		}
		doc = expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"large","emails":[{"value":"large@example.com"}],"entitlements":[`+strings.Join(entitlements, ",")+`]}`), http.StatusBadRequest)
		Expect(doc["detail"]).To(ContainSubstring("bytes"))
		claims := &v1alpha1.ScimClaimList{}
		Expect(k8sClient.List(ctx, claims, client.InNamespace(t.namespace))).To(Succeed())
		Expect(claims.Items).To(BeEmpty(), "nothing is claimed for a user that is refused")

		By("refusing a body no person needs before reading it whole, even where most of it would be discarded")
		padded := `{"userName":"padded","password":"` + strings.Repeat("p", 300<<10) + `"}`
		doc = expectSCIMError(t.send(http.MethodPost, "/Users", padded), http.StatusRequestEntityTooLarge)
		Expect(doc["detail"]).To(ContainSubstring("262144 bytes"))
		expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"x","a":[`+strings.TrimSuffix(strings.Repeat("1,", 110000), ",")+`]}`), http.StatusRequestEntityTooLarge)

		By("refusing the same growth by PATCH")
		id := t.created("/Users", `{"userName":"grows"}`)["id"].(string)
		expectSCIMError(t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"add","path":"emails","value":[`+strings.Join(emails[:40], ",")+`]}]`)), http.StatusBadRequest)
		Expect(k8sClient.List(ctx, claims, client.InNamespace(t.namespace))).To(Succeed())
		Expect(claims.Items).To(HaveLen(1), "only the userName of the user created")
	})

	It("refuses a malformed query string before writing anything", func() {
		for _, q := range []string{"?count=abc", "?filter=(", "?startIndex=x"} {
			expectSCIMError(t.send(http.MethodPost, "/Users"+q, `{"userName":"unwritten"}`), http.StatusBadRequest)
		}
		Expect(t.list(`/Users?filter=userName+eq+"unwritten"`)["totalResults"]).To(BeNumerically("==", 0))
		id := t.created("/Users", `{"userName":"kept","title":"Before"}`)["id"].(string)
		expectSCIMError(t.send(http.MethodPatch, "/Users/"+id+"?count=abc", patchOps(`[{"op":"replace","path":"title","value":"After"}]`)), http.StatusBadRequest)
		expectSCIMError(t.send(http.MethodPost, "/Groups?filter=(", `{"displayName":"unwritten"}`), http.StatusBadRequest)
		Expect(t.get("/Users/" + id).json()["title"]).To(Equal("Before"))
		Expect(t.list(`/Groups?filter=displayName+eq+"unwritten"`)["totalResults"]).To(BeNumerically("==", 0))
	})

	It("refuses a filter comparing a date it cannot read, naming the value, rather than answer nothing", func() {
		t.created("/Users", `{"userName":"dated"}`)
		for _, res := range []string{"/Users", "/Groups"} {
			doc := expectSCIMError(t.get(res+"?filter="+url.QueryEscape(`meta.lastModified gt "yesterday"`)), http.StatusBadRequest)
			Expect(doc).To(HaveKeyWithValue("scimType", "invalidFilter"))
			Expect(doc["detail"]).To(ContainSubstring(`"yesterday" is not an RFC 3339 date-time`))
		}
		Expect(t.list("/Users?filter=" + url.QueryEscape(`meta.lastModified gt "2000-01-01T00:00:00Z"`))["totalResults"]).To(BeNumerically(">=", 1))
	})

	It("answers 404, not 503, for ids no object can have", func() {
		for _, id := range []string{"a%2Fb", "..", "UPPER", strings.Repeat("x", 300)} {
			expectSCIMError(t.get("/Users/"+id), http.StatusNotFound)
			expectSCIMError(t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"replace","path":"title","value":"x"}]`)), http.StatusNotFound)
			expectSCIMError(t.send(http.MethodDelete, "/Groups/"+id, ""), http.StatusNotFound)
		}
	})

	It("never shows one tenant's users to another", func() {
		id := t.created("/Users", `{"userName":"private"}`)["id"].(string)
		other := newTenant()
		expectSCIMError(other.get("/Users/"+id), http.StatusNotFound)
		expectSCIMError(other.send(http.MethodPatch, "/Users/"+id, `{"Operations":[{"op":"replace","path":"title","value":"x"}]}`), http.StatusNotFound)
		expectSCIMError(other.send(http.MethodDelete, "/Users/"+id, ""), http.StatusNotFound)
		Expect(other.list("/Users")["totalResults"]).To(BeNumerically("==", 0))
	})

	Describe("ETags", func() {
		It("answers If-None-Match with 304 and If-Match mismatches with 412", func() {
			r := t.send(http.MethodPost, "/Users", `{"userName":"etag"}`)
			id, etag := r.json()["id"].(string), r.Header.Get("ETag")
			Expect(t.send(http.MethodGet, "/Users/"+id, "", "If-None-Match", etag).StatusCode).To(Equal(http.StatusNotModified))
			Expect(t.send(http.MethodGet, "/Users/"+id, "", "If-None-Match", `W/"999"`).StatusCode).To(Equal(http.StatusOK))
			patched := t.send(http.MethodPatch, "/Users/"+id, `{"Operations":[{"op":"add","path":"title","value":"x"}]}`, "If-Match", etag)
			Expect(patched.StatusCode).To(Equal(http.StatusOK))
			Expect(patched.Header.Get("ETag")).NotTo(Equal(etag))
			expectSCIMError(t.send(http.MethodPatch, "/Users/"+id, `{"Operations":[{"op":"add","path":"title","value":"y"}]}`, "If-Match", etag), http.StatusPreconditionFailed)
			expectSCIMError(t.send(http.MethodDelete, "/Users/"+id, "", "If-Match", etag), http.StatusPreconditionFailed)
			Expect(t.send(http.MethodDelete, "/Users/"+id, "", "If-Match", "*").StatusCode).To(Equal(http.StatusNoContent))
		})

		It("are advertised", func() {
			doc := t.get("/ServiceProviderConfig").json()
			Expect(doc["etag"]).To(HaveKeyWithValue("supported", true))
			Expect(doc["patch"]).To(HaveKeyWithValue("supported", true))
			Expect(doc["filter"]).To(HaveKeyWithValue("supported", true))
		})
	})

	Describe("queries", func() {
		var ids []string
		BeforeEach(func() {
			ids = nil
			for _, u := range []string{
				`{"userName":"alice@example.com","externalId":"A1","title":"Engineer","emails":[{"value":"alice+work@example.com","type":"work"}]}`,
				`{"userName":"bob@example.com","externalId":"B2","title":"Manager","active":false}`,
				`{"userName":"carol@example.org","externalId":"C3","emails":[{"value":"carol@example.org","type":"home"}],"` + enterpriseURN + `":{"department":"Sales"}}`,
			} {
				ids = append(ids, t.created("/Users", u)["id"].(string))
			}
		})

		DescribeTable("filter",
			func(f string, want ...int) {
				doc := t.list("/Users?filter=" + url.QueryEscape(f))
				var got []string
				for _, r := range doc["Resources"].([]any) {
					got = append(got, r.(map[string]any)["id"].(string))
				}
				var expected []string
				for _, i := range want {
					expected = append(expected, ids[i])
				}
				Expect(got).To(ConsistOf(expected), "filter %s", f)
				Expect(doc["totalResults"]).To(BeNumerically("==", len(want)))
			},
			Entry("userName eq, case-insensitive", `userName eq "ALICE@example.com"`, 0),
			Entry("userName eq, no match (Entra's connection test)", `userName eq "d3e2b2b6-0000-4000-8000-000000000000"`),
			Entry("externalId eq is case-exact", `externalId eq "a1"`),
			Entry("externalId eq", `externalId eq "B2"`, 1),
			Entry("emails.value eq", `emails.value eq "alice+work@example.com"`, 0),
			Entry("Entra's work email lookup", `emails[type eq "work"].value eq "alice+work@example.com"`, 0),
			Entry("work email lookup with the wrong type", `emails[type eq "work"].value eq "carol@example.org"`),
			Entry("sw", `userName sw "b"`, 1),
			Entry("sw with a bare word", `userName sw b`, 1),
			Entry("ew", `userName ew "example.com"`, 0, 1),
			Entry("co", `userName co "ARO"`, 2),
			Entry("pr", `title pr`, 0, 1),
			Entry("ne", `title ne "Engineer"`, 1, 2),
			Entry("and/or/not", `(title eq "Engineer" or title eq "Manager") and not (active eq false)`, 0),
			Entry("boolean", `active eq false`, 1),
			Entry("extension attribute", enterpriseURN+`:department eq "sales"`, 2),
			Entry("meta.created", `meta.created gt "2000-01-01T00:00:00Z"`, 0, 1, 2),
			Entry("id eq", `id eq "nonexistent"`),
			Entry("id that cannot name an object", `id eq "."`),
			Entry("id with a slash", `id eq "a/b"`),
		)

		It("finds by id with a filter", func() {
			doc := t.list("/Users?filter=" + url.QueryEscape(`id eq "`+ids[2]+`"`))
			Expect(doc["totalResults"]).To(BeNumerically("==", 1))
		})

		It("decodes '+' in a filter both as a form-encoded space and as a literal in an email", func() {
			Expect(t.list(`/Users?filter=userName+eq+"alice%40example.com"`)["totalResults"]).To(BeNumerically("==", 1))
			Expect(t.list(`/Users?filter=emails.value+eq+"alice%2Bwork%40example.com"`)["totalResults"]).To(BeNumerically("==", 1))
			Expect(t.list(`/Users?filter=emails.value%20eq%20"alice+work@example.com"`)["totalResults"]).To(BeNumerically("==", 1))
		})

		DescribeTable("rejects invalid filters with invalidFilter",
			func(f string) {
				doc := expectSCIMError(t.get("/Users?filter="+url.QueryEscape(f)), http.StatusBadRequest)
				Expect(doc["scimType"]).To(Equal("invalidFilter"))
			},
			Entry("syntax", `userName eq`),
			Entry("unknown operator", `userName like "x"`),
			Entry("unknown attribute", `shoeSize eq "42"`),
			Entry("unbalanced", `(userName eq "x"`),
		)

		It("pages with startIndex and count in a stable order", func() {
			all := t.list("/Users")
			Expect(all["totalResults"]).To(BeNumerically("==", 3))
			var seen []string
			for start := 1; start <= 3; start += 2 {
				doc := t.list(fmt.Sprintf("/Users?startIndex=%d&count=2", start))
				Expect(doc["startIndex"]).To(BeNumerically("==", start))
				Expect(doc["totalResults"]).To(BeNumerically("==", 3))
				for _, r := range doc["Resources"].([]any) {
					seen = append(seen, r.(map[string]any)["id"].(string))
				}
			}
			var whole []string
			for _, r := range all["Resources"].([]any) {
				whole = append(whole, r.(map[string]any)["id"].(string))
			}
			Expect(seen).To(Equal(whole))
			Expect(seen).To(ConsistOf(ids))
			zero := t.list("/Users?count=0")
			Expect(zero["totalResults"]).To(BeNumerically("==", 3))
			Expect(zero["Resources"]).To(BeEmpty())
			Expect(zero).To(HaveKey("Resources"))
			past := t.list("/Users?startIndex=100")
			Expect(past["Resources"]).To(BeEmpty())
			Expect(past["startIndex"]).To(BeNumerically("==", 100), "a startIndex past the end is echoed as asked")
			Expect(t.list("/Users?startIndex=0")["startIndex"]).To(BeNumerically("==", 1), "a startIndex below 1 is taken as 1")
			Expect(t.list("/Users?count=100000")["itemsPerPage"]).To(BeNumerically("==", 3))
		})

		It("ignores unknown query parameters such as Entra's flag", func() {
			Expect(t.list("/Users?aadOptscim062020&filter=" + url.QueryEscape(`userName eq "bob@example.com"`))["totalResults"]).To(BeNumerically("==", 1))
		})

		It("projects attributes and excludedAttributes", func() {
			doc := t.get("/Users/" + ids[2] + "?attributes=userName," + enterpriseURN + ":department").json()
			Expect(doc).To(HaveKey("id"))
			Expect(doc).To(HaveKey("userName"))
			Expect(doc).NotTo(HaveKey("emails"))
			Expect(doc[enterpriseURN]).To(Equal(map[string]any{"department": "Sales"}))
			doc = t.list("/Users?excludedAttributes=emails,meta&filter=" + url.QueryEscape(`userName eq "carol@example.org"`))["Resources"].([]any)[0].(map[string]any)
			Expect(doc).NotTo(HaveKey("emails"))
			Expect(doc).NotTo(HaveKey("meta"))
			Expect(doc).To(HaveKey("userName"))

			By("naming a whole extension by its URN")
			doc = t.get("/Users/" + ids[2] + "?attributes=userName," + strings.ToUpper(enterpriseURN)).json()
			Expect(doc[enterpriseURN]).To(HaveKeyWithValue("department", "Sales"))
			Expect(doc).NotTo(HaveKey("emails"))
			doc = t.get("/Users/" + ids[2] + "?excludedAttributes=" + enterpriseURN).json()
			Expect(doc).NotTo(HaveKey(enterpriseURN))
			Expect(doc).To(HaveKey("emails"))
		})

		It("refuses to project a value filter rather than answer without the attribute", func() {
			for _, q := range []string{
				"/Users/" + ids[2] + "?attributes=" + url.QueryEscape(`emails[type eq "work"]`),
				"/Users?excludedAttributes=" + url.QueryEscape(`emails[type eq "work"].value`),
				"/Users?attributes=" + url.QueryEscape(`userName,name.`),
			} {
				doc := expectSCIMError(t.get(q), http.StatusBadRequest)
				Expect(doc).To(HaveKeyWithValue("scimType", "invalidValue"), q)
				Expect(doc["detail"]).To(ContainSubstring("takes attribute names"), q)
			}
			r := t.send(http.MethodPost, "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["emails[type eq \"work\"]"]}`)
			expectSCIMError(r, http.StatusBadRequest)
			Expect(t.get("/Users/"+ids[2]+"?attributes=emails,noSuchAttribute").json()).To(HaveKey("emails"), "unknown names are ignored")
		})

		It("searches with POST /.search", func() {
			r := t.send(http.MethodPost, "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
				"filter":"title pr","attributes":["userName"],"startIndex":1,"count":1}`)
			Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
			doc := r.json()
			Expect(doc["totalResults"]).To(BeNumerically("==", 2))
			Expect(doc["Resources"]).To(HaveLen(1))
			Expect(doc["Resources"].([]any)[0]).NotTo(HaveKey("title"))
		})
	})

	It("routes endpoint names in any case and with a trailing slash, and answers /Bulk with 501", func() {
		id := t.created("/users/", `{"userName":"lenient"}`)["id"].(string)
		Expect(t.get("/USERS/" + id + "/").StatusCode).To(Equal(http.StatusOK))
		Expect(t.list("/users?filter=" + url.QueryEscape(`userName eq "lenient"`))["totalResults"]).To(BeNumerically("==", 1))
		Expect(t.get("/serviceproviderconfig").StatusCode).To(Equal(http.StatusOK))
		Expect(t.get("/groups/").StatusCode).To(Equal(http.StatusOK))
		expectSCIMError(t.send(http.MethodPost, "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}`), http.StatusNotImplemented)
		expectSCIMError(t.get("/nosuch"), http.StatusNotFound)
	})

	It("answers /Me with 501", func() {
		expectSCIMError(t.get("/Me"), http.StatusNotImplemented)
	})

	It("lists the schemas a user uses", func() {
		doc := t.created("/Users", `{"userName":"s","`+enterpriseURN+`":{"department":"d"}}`)
		Expect(doc["schemas"]).To(ConsistOf(schema.UserURN, schema.EnterpriseUserURN))
	})
})

var _ = Describe("Templates with empty fields", func() {
	It("takes empty strings for unassigned attributes, as OneLogin's template sends them", func() {
		t := newTenant()
		doc := t.created("/Users", `{"userName":"template@example.com","title":"","displayName":"T",
			"phoneNumbers":[{"value":"","type":"work"}],"name":{"givenName":"T","middleName":""},
			"`+enterpriseURN+`":{"department":"","manager":{"value":""}}}`)
		Expect(doc).NotTo(HaveKey("title"))
		Expect(doc["name"]).To(Equal(map[string]any{"givenName": "T"}))
		Expect(doc).NotTo(HaveKey(enterpriseURN))
	})
})
