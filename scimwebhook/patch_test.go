// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// These replay PATCH requests exactly as identity providers send them and
// check the user that results, read back with GET.
var _ = Describe("PATCH /Users as identity providers send it", func() {
	var (
		t  testTenant
		id string
	)
	BeforeEach(func() {
		t = newTenant()
		id = t.created("/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+enterpriseURN+`"],
			"userName":"patch@example.com","externalId":"ext","active":true,"displayName":"Before",
			"emails":[{"primary":true,"type":"work","value":"patch@example.com"}],
			"name":{"formatted":"P Q","familyName":"Q","givenName":"P"}}`)["id"].(string)
	})

	DescribeTable("",
		func(ops string, check func(doc map[string]any)) {
			r := t.send(http.MethodPatch, "/Users/"+id, patchOps(ops))
			Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
			Expect(r.json()["id"]).To(Equal(id))
			doc := t.get("/Users/" + id).json()
			check(doc)
			Expect(without(r.json(), "meta")).To(Equal(without(doc, "meta")), "the PATCH response is the user as stored")
		},
		Entry("Entra: one operation per attribute, capitalised, with value paths and URN paths", `[
			{"op":"Replace","path":"displayName","value":"After"},
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@example.com"},
			{"op":"Replace","path":"name.givenName","value":"Pat"},
			{"op":"Replace","path":"name.familyName","value":"Quinn"},
			{"op":"Replace","path":"externalId","value":"ext2"},
			{"op":"Add","path":"addresses[type eq \"work\"].country","value":"FI"},
			{"op":"Add","path":"addresses[type eq \"work\"].locality","value":"Espoo"},
			{"op":"Add","path":"phoneNumbers[type eq \"work\"].value","value":"+358 40 123 4567"},
			{"op":"Add","path":"`+enterpriseURN+`:department","value":"R&D"},
			{"op":"Add","path":"`+enterpriseURN+`:division","value":"Core"},
			{"op":"Add","path":"`+enterpriseURN+`:employeeNumber","value":"77"},
			{"op":"Add","path":"`+enterpriseURN+`:costCenter","value":"cc1"},
			{"op":"Add","path":"`+enterpriseURN+`:organization","value":"Org"},
			{"op":"Add","path":"nickName","value":"Patty"},
			{"op":"Add","path":"title","value":"Lead"}]`,
			func(doc map[string]any) {
				Expect(doc["displayName"]).To(Equal("After"))
				Expect(doc["emails"]).To(Equal([]any{map[string]any{"primary": true, "type": "work", "value": "new@example.com"}}))
				Expect(doc["name"]).To(Equal(map[string]any{"formatted": "P Q", "givenName": "Pat", "familyName": "Quinn"}))
				Expect(doc["externalId"]).To(Equal("ext2"))
				Expect(doc["addresses"]).To(Equal([]any{map[string]any{"type": "work", "country": "FI", "locality": "Espoo"}}))
				Expect(doc["phoneNumbers"]).To(Equal([]any{map[string]any{"type": "work", "value": "+358 40 123 4567"}}))
				Expect(doc[enterpriseURN]).To(Equal(map[string]any{"department": "R&D", "division": "Core", "employeeNumber": "77", "costCenter": "cc1", "organization": "Org"}))
				Expect(doc["nickName"]).To(Equal("Patty"))
				Expect(doc["title"]).To(Equal("Lead"))
			}),
		Entry("Entra: deactivate with a string boolean", `[{"op":"Replace","path":"active","value":"False"}]`,
			func(doc map[string]any) { Expect(doc["active"]).To(BeFalse()) }),
		Entry("Entra compliant: path-less replace with dotted and URN keys and a real boolean", `[{"op":"replace","value":{
			"displayName":"Compliant","name.givenName":"C","active":false,
			"`+enterpriseURN+`:employeeNumber":"9"}}]`,
			func(doc map[string]any) {
				Expect(doc["displayName"]).To(Equal("Compliant"))
				Expect(doc["name"]).To(HaveKeyWithValue("givenName", "C"))
				Expect(doc["active"]).To(BeFalse())
				Expect(doc[enterpriseURN]).To(Equal(map[string]any{"employeeNumber": "9"}))
			}),
		Entry("Entra: manager as a bare id, before the manager exists", `[{"op":"Add","path":"`+enterpriseURN+`:manager","value":"not-yet-provisioned"}]`,
			func(doc map[string]any) {
				Expect(doc[enterpriseURN]).To(Equal(map[string]any{"manager": map[string]any{"value": "not-yet-provisioned"}}))
			}),
		Entry("Entra: manager as an object, then removed", `[
			{"op":"Replace","path":"`+enterpriseURN+`:manager","value":{"value":"m1"}},
			{"op":"Remove","path":"`+enterpriseURN+`:manager"}]`,
			func(doc map[string]any) { Expect(doc).NotTo(HaveKey(enterpriseURN)) }),
		Entry("Entra: the hoxhunt extension by URN paths", `[
			{"op":"Add","path":"`+hoxhuntURN+`:customAttribute7","value":"seven"},
			{"op":"Add","path":"`+hoxhuntURN+`:disableThreatUpload","value":"True"},
			{"op":"Add","path":"`+hoxhuntURN+`:employmentStart","value":"2024-02-29"}]`,
			func(doc map[string]any) {
				Expect(doc[hoxhuntURN]).To(Equal(map[string]any{"customAttribute7": "seven", "disableThreatUpload": true, "employmentStart": "2024-02-29"}))
			}),
		Entry("Okta: path-less deactivate", `[{"op":"replace","value":{"active":false}}]`,
			func(doc map[string]any) { Expect(doc["active"]).To(BeFalse()) }),
		Entry("a no-op PATCH still answers 200", `[{"op":"replace","path":"displayName","value":"Before"}]`,
			func(doc map[string]any) { Expect(doc["displayName"]).To(Equal("Before")) }),
	)

	It("applies all operations or none", func() {
		r := t.send(http.MethodPatch, "/Users/"+id, patchOps(`[
			{"op":"replace","path":"displayName","value":"Half"},
			{"op":"replace","path":"active","value":"maybe"}]`))
		doc := expectSCIMError(r, http.StatusBadRequest)
		Expect(doc["detail"]).To(ContainSubstring("active"))
		Expect(t.get("/Users/" + id).json()["displayName"]).To(Equal("Before"))
	})

	DescribeTable("rejects bad PATCH requests with the right scimType",
		func(body, scimType string) {
			doc := expectSCIMError(t.send(http.MethodPatch, "/Users/"+id, body), http.StatusBadRequest)
			Expect(doc["scimType"]).To(Equal(scimType))
		},
		Entry("not a PatchOp", `{"schemas":["urn:x"],"Operations":[{"op":"add","path":"title","value":"x"}]}`, "invalidSyntax"),
		Entry("unknown op", patchOps(`[{"op":"merge","path":"title","value":"x"}]`), "invalidSyntax"),
		Entry("remove without a path", patchOps(`[{"op":"remove"}]`), "noTarget"),
		Entry("unknown attribute", patchOps(`[{"op":"add","path":"shoeSize","value":"x"}]`), "invalidPath"),
		Entry("bad path syntax", patchOps(`[{"op":"add","path":"emails[type eq","value":"x"}]`), "invalidPath"),
		Entry("read-only attribute", patchOps(`[{"op":"replace","path":"id","value":"x"}]`), "mutability"),
		Entry("wrong type", patchOps(`[{"op":"replace","path":"active","value":"sometimes"}]`), "invalidValue"),
		Entry("blank userName", patchOps(`[{"op":"replace","path":"userName","value":""}]`), "invalidValue"),
	)

	It("answers a PATCH of a missing user with 404", func() {
		expectSCIMError(t.send(http.MethodPatch, "/Users/missing", patchOps(`[{"op":"add","path":"title","value":"x"}]`)), http.StatusNotFound)
	})

	It("caps request bodies at the advertised maxPayloadSize", func() {
		big := `{"userName":"big","displayName":"` + strings.Repeat("x", 1<<20) + `"}`
		expectSCIMError(t.send(http.MethodPost, "/Users", big), http.StatusRequestEntityTooLarge)
	})
})
