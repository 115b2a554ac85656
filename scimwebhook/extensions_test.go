// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"encoding/json"
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

const acmeURN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"

var _ = Describe("Schema extensions a tenant declares", func() {
	var t testTenant
	BeforeEach(func() { t = newTenant() })

	It("refuses an extension nobody declared with 400 invalidSyntax that says how to declare it, instead of dropping it", func() {
		doc := expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"u@example.com","`+acmeURN+`":{"costCode":"X1"}}`), http.StatusBadRequest)
		Expect(doc["scimType"]).To(Equal("invalidSyntax"))
		Expect(doc["detail"]).To(And(ContainSubstring(acmeURN), ContainSubstring("spec.schemaExtensions of ScimTenant "+t.namespace+"/"+t.name)))
		Expect(t.list("/Users")["totalResults"]).To(BeNumerically("==", 0), "nothing was written")
	})

	It("stores, serves, filters and patches the attributes of a declared extension", func() {
		t.editTenant(func(s *v1alpha1.ScimTenantSpec) {
			s.SchemaExtensions = []v1alpha1.SchemaExtension{{
				URN:  acmeURN,
				Name: "AcmeUser",
				Attributes: []v1alpha1.ExtensionAttribute{
					{Name: "costCode", Type: "string", CaseExact: true},
					{Name: "badgeNumber", Type: "integer"},
					{Name: "sites", Type: "string", MultiValued: true},
					{Name: "contractor", Type: "boolean"},
				},
			}}
		})
		var doc map[string]any
		Eventually(func() int {
			r := t.send(http.MethodPost, "/Users", `{"userName":"ext@example.com","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+acmeURN+`"],
				"`+acmeURN+`":{"CostCode":"X1","badgeNumber":"42","sites":["HEL","NYC"],"contractor":"True"}}`)
			if r.StatusCode == http.StatusCreated {
				doc = r.json()
			}
			return r.StatusCode
		}).Should(Equal(http.StatusCreated), "once the server has the tenant's declaration")
		want := map[string]any{"costCode": "X1", "badgeNumber": float64(42), "sites": []any{"HEL", "NYC"}, "contractor": true}
		Expect(doc[acmeURN]).To(Equal(want))
		Expect(doc["schemas"]).To(ContainElement(acmeURN))
		id := doc["id"].(string)
		Expect(getUser(t, id).Spec.Extensions).To(HaveKey(acmeURN))
		Expect(t.get("/Users/" + id).json()[acmeURN]).To(Equal(want))

		By("filtering on it, case-exact as declared")
		Expect(t.list("/Users?filter=" + url.QueryEscape(acmeURN+`:costCode eq "X1"`))["totalResults"]).To(BeNumerically("==", 1))
		Expect(t.list("/Users?filter=" + url.QueryEscape(acmeURN+`:costCode eq "x1"`))["totalResults"]).To(BeNumerically("==", 0))
		Expect(t.list("/Users?filter=" + url.QueryEscape(acmeURN+`:badgeNumber gt 40`))["totalResults"]).To(BeNumerically("==", 1))

		By("patching it by path")
		r := t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"replace","path":"`+acmeURN+`:costCode","value":"Y2"},{"op":"remove","path":"`+acmeURN+`:sites"}]`))
		Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
		Expect(r.json()[acmeURN]).To(Equal(map[string]any{"costCode": "Y2", "badgeNumber": float64(42), "contractor": true}))

		By("asking for the extension alone")
		only := t.get("/Users/" + id + "?attributes=" + url.QueryEscape(acmeURN)).json()
		Expect(only).To(HaveKey(acmeURN))
		Expect(only).NotTo(HaveKey("userName"))

		By("refusing an attribute the extension does not declare, and a value of the wrong type")
		bad := expectSCIMError(t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"add","path":"`+acmeURN+`:shoeSize","value":"42"}]`)), http.StatusBadRequest)
		Expect(bad["scimType"]).To(Equal("invalidPath"))
		bad = expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"typed@example.com","`+acmeURN+`":{"badgeNumber":"forty-two"}}`), http.StatusBadRequest)
		Expect(bad["detail"]).To(ContainSubstring("badgeNumber"))

		By("describing it at /Schemas and /ResourceTypes")
		s := t.get("/Schemas/" + acmeURN)
		Expect(s.StatusCode).To(Equal(http.StatusOK))
		var declared struct {
			Name       string
			Attributes []struct {
				Name, Type, Uniqueness string
				MultiValued, CaseExact bool
			}
		}
		Expect(json.Unmarshal(s.body, &declared)).To(Succeed())
		Expect(declared.Name).To(Equal("AcmeUser"))
		Expect(declared.Attributes).To(HaveLen(4))
		Expect(declared.Attributes[1].Type).To(Equal("integer"))
		Expect(declared.Attributes[2].MultiValued).To(BeTrue())
		Expect(declared.Attributes[0].Uniqueness).To(Equal("none"))
		Expect(t.get("/ResourceTypes/User").json()["schemaExtensions"]).To(ContainElement(HaveKeyWithValue("schema", acmeURN)))
	})
})
