// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// memberIDs reads a group's members over SCIM.
func memberIDs(t testTenant, id string) []string {
	r := t.get("/Groups/" + id)
	ExpectWithOffset(1, r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
	var ids []string
	members, _ := r.json()["members"].([]any)
	for _, m := range members {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	return ids
}

func patchOps(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`
}

var _ = Describe("Groups", func() {
	var (
		t     testTenant
		users []string
	)
	BeforeEach(func() {
		t = newTenant()
		users = nil
		for i := range 3 {
			users = append(users, t.created("/Users", fmt.Sprintf(`{"userName":"member%d","displayName":"Member %d"}`, i, i))["id"].(string))
		}
	})

	It("creates a group as Entra does, tolerating unknown schema URNs, then adds and removes members", func() {
		doc := t.created("/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group",
			"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
			"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Group1DisplayName","meta":{"resourceType":"Group"}}`)
		id := doc["id"].(string)
		Expect(doc["displayName"]).To(Equal("Group1DisplayName"))
		Expect(doc["meta"]).To(HaveKeyWithValue("resourceType", "Group"))

		r := t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+users[0]+`"},{"$ref":null,"value":"`+users[1]+`"}]}]`))
		Expect(r.StatusCode).To(Equal(http.StatusNoContent), "%s", r.body)
		Expect(r.body).To(BeEmpty(), "PATCH answers 204, as Microsoft's guidance shows")
		Expect(r.Header.Get("ETag")).NotTo(BeEmpty())
		Expect(memberIDs(t, id)).To(ConsistOf(users[0], users[1]))

		By("removing a member the default Entra way, by value list")
		Expect(t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"Remove","path":"members","value":[{"value":"`+users[0]+`"}]}]`)).StatusCode).To(Equal(http.StatusNoContent))
		Expect(memberIDs(t, id)).To(ConsistOf(users[1]))

		By("removing a member the compliant way, by value filter")
		Expect(t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"remove","path":"members[value eq \"`+users[1]+`\"]"}]`)).StatusCode).To(Equal(http.StatusNoContent))
		Expect(memberIDs(t, id)).To(BeEmpty())
	})

	It("applies Okta's add and remove in one request, and its rename that repeats the id", func() {
		id := t.created("/Groups", `{"displayName":"Okta","members":[{"value":"`+users[0]+`"}]}`)["id"].(string)
		r := t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[
			{"op":"add","path":"members","value":[{"value":"`+users[1]+`","display":"member1"}]},
			{"op":"remove","path":"members[value eq \"`+users[0]+`\"]"}]`))
		Expect(r.StatusCode).To(Equal(http.StatusNoContent), "%s", r.body)
		Expect(memberIDs(t, id)).To(ConsistOf(users[1]))

		r = t.send(http.MethodPatch, "/Groups/"+id+"?attributes=displayName", patchOps(`[{"op":"replace","value":{"id":"`+id+`","displayName":"Okta renamed"}}]`))
		Expect(r.StatusCode).To(Equal(http.StatusOK), "a PATCH naming attributes answers with them: %s", r.body)
		Expect(r.json()["displayName"]).To(Equal("Okta renamed"))
		Expect(r.json()).NotTo(HaveKey("members"))
		Expect(memberIDs(t, id)).To(ConsistOf(users[1]), "renames keep membership")
	})

	It("refuses a member filter the schema cannot satisfy instead of removing every member", func() {
		id := t.created("/Groups", `{"displayName":"Kept whole","members":[{"value":"`+users[0]+`"},{"value":"`+users[1]+`"}]}`)["id"].(string)
		for _, path := range []string{`members[userName eq null]`, `members[not(bogus eq \"x\")]`, `members[value eq \"x\" or nosuch pr]`} {
			doc := expectSCIMError(t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"remove","path":"`+path+`"}]`)), http.StatusBadRequest)
			Expect(doc["scimType"]).To(Equal("invalidFilter"), "path %s", path)
		}
		Expect(memberIDs(t, id)).To(ConsistOf(users[0], users[1]))
	})

	It("answers a POST and a PUT with the members it stored, and a PATCH with 204 unless it names attributes", func() {
		memberValues := func(doc map[string]any) []any {
			var out []any
			members, _ := doc["members"].([]any)
			for _, m := range members {
				out = append(out, m.(map[string]any)["value"])
			}
			return out
		}
		created := t.created("/Groups", `{"displayName":"Answered","members":[{"value":"`+users[0]+`"}]}`)
		Expect(memberValues(created)).To(ConsistOf(users[0]), "members are returned by default, as /Schemas declares")
		id := created["id"].(string)
		r := t.send(http.MethodPut, "/Groups/"+id, `{"displayName":"Answered","members":[{"value":"`+users[0]+`"},{"value":"`+users[1]+`"}]}`)
		Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
		Expect(memberValues(r.json())).To(ConsistOf(users[0], users[1]))
		Expect(t.send(http.MethodPut, "/Groups/"+id+"?excludedAttributes=members", `{"displayName":"Answered"}`).json()).NotTo(HaveKey("members"))

		r = t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"add","path":"members","value":[{"value":"`+users[1]+`"}]}]`))
		Expect(r.StatusCode).To(Equal(http.StatusNoContent))
		Expect(r.Header.Get("ETag")).To(Equal(t.get("/Groups/"+id).Header.Get("ETag")), "the 204 carries the new version")
		r = t.send(http.MethodPatch, "/Groups/"+id+"?attributes=members", patchOps(`[{"op":"add","path":"members","value":[{"value":"`+users[0]+`"}]}]`))
		Expect(r.StatusCode).To(Equal(http.StatusOK))
		Expect(memberValues(r.json())).To(ConsistOf(users[0], users[1]))
	})

	It("replaces members with an old-style PUT", func() {
		id := t.created("/Groups", `{"displayName":"Put","members":[{"value":"`+users[0]+`"},{"value":"`+users[1]+`"}]}`)["id"].(string)
		r := t.send(http.MethodPut, "/Groups/"+id, `{"displayName":"Put","members":[{"value":"`+users[1]+`"},{"value":"`+users[2]+`"}]}`)
		Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
		Expect(memberIDs(t, id)).To(ConsistOf(users[1], users[2]))
	})

	It("applies everything else a write asks and skips members that are not users of the tenant, with a Warning Event", func() {
		id := t.created("/Groups", `{"displayName":"Lenient"}`)["id"].(string)
		other := newTenant().created("/Users", `{"userName":"stranger"}`)["id"].(string)
		deleted := t.created("/Users", `{"userName":"leaver"}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+deleted, "").StatusCode).To(Equal(http.StatusNoContent))
		strangers := []string{"no-such-user", other, deleted, id}

		batch := []string{`{"value":"` + users[0] + `"}`, `"` + users[1] + `"`}
		for _, bad := range strangers {
			batch = append(batch, `{"value":"`+bad+`"}`)
		}
		r := t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[
			{"op":"replace","path":"displayName","value":"Changed"},
			{"op":"add","path":"members","value":[`+strings.Join(batch, ",")+`]}]`))
		Expect(r.StatusCode).To(Equal(http.StatusNoContent), "%s", r.body)
		doc := t.get("/Groups/" + id).json()
		Expect(doc["displayName"]).To(Equal("Changed"))
		Expect(memberIDs(t, id)).To(ConsistOf(users[0], users[1]), "a bare id is taken as a member; strangers are skipped")
		Eventually(func(g Gomega) {
			list := &eventsv1.EventList{}
			g.Expect(k8sClient.List(ctx, list, client.InNamespace(t.namespace))).To(Succeed())
			var notes []string
			for _, e := range list.Items {
				if e.Regarding.Name == id && e.Reason == "MembersSkipped" {
					g.Expect(e.Type).To(Equal("Warning"))
					notes = append(notes, e.Note)
				}
			}
			g.Expect(notes).To(ContainElement(ContainSubstring("skipped 4 member(s)")))
		}).Should(Succeed())

		By("creating and replacing groups the same way")
		created := t.created("/Groups", `{"displayName":"Created","members":[{"value":"no-such-user"},{"value":"`+users[2]+`"}]}`)["id"].(string)
		Expect(memberIDs(t, created)).To(ConsistOf(users[2]))
		r = t.send(http.MethodPut, "/Groups/"+created, `{"displayName":"Created","members":[{"value":"`+other+`"},{"value":"`+users[0]+`"}]}`)
		Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
		Expect(memberIDs(t, created)).To(ConsistOf(users[0]))
	})

	It("skips 20,000 ids that name no one with a few API-server reads, not one per id, and names ten of them", func() {
		id := t.created("/Groups", `{"displayName":"Stale"}`)["id"].(string)
		batch := make([]string, 20000)
		for i := range batch {
			batch[i] = fmt.Sprintf(`{"value":"stale-%05d"}`, i)
		}
		batch = append(batch, `{"value":"`+users[0]+`"}`)
		before := apiServerRequests("GET", "scimusers")
		r := t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"add","path":"members","value":[`+strings.Join(batch, ",")+`]}]`))
		Expect(r.StatusCode).To(Equal(http.StatusNoContent), "%s", r.body)
		Expect(apiServerRequests("GET", "scimusers")-before).To(BeNumerically("<", 100), "a read per id would be 20,000")
		Expect(memberIDs(t, id)).To(ConsistOf(users[0]))
		Eventually(func(g Gomega) []string { return eventsAbout(g, t.namespace, id)["MembersSkipped"] }).Should(ContainElement(And(
			ContainSubstring("skipped 20000 member(s)"), ContainSubstring("stale-00009 and 19990 more"), Not(ContainSubstring("stale-00010")))))
	})

	It("computes a user's groups", func() {
		a := t.created("/Groups", `{"displayName":"A","members":[{"value":"`+users[0]+`"}]}`)["id"].(string)
		Eventually(func() []any {
			groups, _ := t.get("/Users/" + users[0]).json()["groups"].([]any)
			return groups
		}).Should(ConsistOf(HaveKeyWithValue("value", a)))
		Expect(t.get("/Users/" + users[0]).json()["groups"].([]any)[0]).To(HaveKeyWithValue("display", "A"))

		By("finding the group's members by a filter on groups")
		ids := func(filter string) []any {
			var out []any
			for _, r := range t.list("/Users?filter=" + url.QueryEscape(filter))["Resources"].([]any) {
				out = append(out, r.(map[string]any)["id"])
			}
			return out
		}
		Expect(ids(`groups.value eq "` + a + `"`)).To(ConsistOf(users[0]))
		Expect(ids(`groups[display eq "a"]`)).To(ConsistOf(users[0]))
		Expect(ids(`groups.display eq "A" and userName pr`)).To(ConsistOf(users[0]))
		Expect(ids(`not (groups pr)`)).NotTo(ContainElement(users[0]))
		Expect(ids(`groups.value eq "no-such-group"`)).To(BeEmpty())
	})

	It("finds groups by displayName and externalId, excluding members as Entra asks", func() {
		id := t.created("/Groups", `{"displayName":"Finance","externalId":"fin","members":[{"value":"`+users[0]+`"}]}`)["id"].(string)
		doc := t.list("/Groups?excludedAttributes=members&filter=" + url.QueryEscape(`displayName eq "finance"`))
		Expect(doc["totalResults"]).To(BeNumerically("==", 1))
		found := doc["Resources"].([]any)[0].(map[string]any)
		Expect(found["id"]).To(Equal(id))
		Expect(found).NotTo(HaveKey("members"))
		Expect(t.list("/Groups?filter=" + url.QueryEscape(`externalId eq "fin"`))["totalResults"]).To(BeNumerically("==", 1))
		Expect(t.list("/Groups?excludedAttributes=members&filter=" + url.QueryEscape(`displayName eq "9a7e0f36-random"`))["totalResults"]).To(BeNumerically("==", 0))
		Eventually(func() any {
			return t.list("/Groups?filter=" + url.QueryEscape(`members[value eq "`+users[0]+`"]`))["totalResults"]
		}).Should(BeNumerically("==", 1))
	})

	It("keeps displayName unique within the tenant", func() {
		t.created("/Groups", `{"displayName":"Unique"}`)
		doc := expectSCIMError(t.send(http.MethodPost, "/Groups", `{"displayName":"UNIQUE"}`), http.StatusConflict)
		Expect(doc["scimType"]).To(Equal("uniqueness"))
	})

	It("files a batch of added members into one or two slices of bounded size, however large the group", func() {
		const members = v1alpha1.MemberSliceFill + 150
		ids := make([]string, members)
		inParallel(8, func(w int) {
			for i := w; i < members; i += 8 {
				ids[i] = fmt.Sprintf("m%04d", i)
				Expect(k8sClient.Create(ctx, &v1alpha1.ScimUser{
					ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: ids[i]},
					Spec:       v1alpha1.ScimUserSpec{TenantRef: v1alpha1.TenantReference{Name: t.name}, ManagedBy: v1alpha1.ManagedBySCIM, UserName: ids[i]},
				})).To(Succeed())
			}
		})
		id := t.created("/Groups", `{"displayName":"Everyone"}`)["id"].(string)
		slicesNow := func() map[string]string {
			list := &v1alpha1.ScimGroupMemberSliceList{}
			Expect(k8sClient.List(ctx, list, client.InNamespace(t.namespace), client.MatchingLabels{v1alpha1.LabelGroup: id})).To(Succeed())
			versions := map[string]string{}
			for _, sl := range list.Items {
				Expect(len(sl.Spec.Members)).To(BeNumerically("<=", v1alpha1.MemberSliceFill), "slice %s", sl.Name)
				versions[sl.Name] = sl.ResourceVersion
			}
			return versions
		}
		for from := 0; from < members; from += 100 {
			var ops []string
			for _, m := range ids[from:min(from+100, members)] {
				ops = append(ops, `{"value":"`+m+`"}`)
			}
			before := slicesNow()
			r := t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"add","path":"members","value":[`+strings.Join(ops, ",")+`]}]`))
			Expect(r.StatusCode).To(Equal(http.StatusNoContent), "%s", r.body)
			written := 0
			for name, v := range slicesNow() {
				if before[name] != v {
					written++
				}
			}
			Expect(written).To(BeNumerically("<=", 2), "a batch of 100 adds at %d members", from)
		}
		Expect(slicesNow()).To(HaveLen(2), "%d members fill two slices", members)
		Eventually(func() int { return len(memberIDs(t, id)) }).Should(Equal(members))

		By("removing one member, which rewrites its slice alone")
		before := slicesNow()
		r := t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"remove","path":"members[value eq \"`+ids[7]+`\"]"}]`))
		Expect(r.StatusCode).To(Equal(http.StatusNoContent), "%s", r.body)
		written := 0
		for name, v := range slicesNow() {
			if before[name] != v {
				written++
			}
		}
		Expect(written).To(Equal(1))
		Expect(memberIDs(t, id)).NotTo(ContainElement(ids[7]))
	})

	It("deletes a group and its member slices, never its users", func() {
		id := t.created("/Groups", `{"displayName":"Doomed","members":[{"value":"`+users[0]+`"},{"value":"`+users[1]+`"}]}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Groups/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		expectSCIMError(t.get("/Groups/"+id), http.StatusNotFound)
		Expect(t.get("/Users/" + users[0]).StatusCode).To(Equal(http.StatusOK))
		Eventually(func() []v1alpha1.ScimGroupMemberSlice {
			list := &v1alpha1.ScimGroupMemberSliceList{}
			Expect(k8sClient.List(ctx, list, client.InNamespace(t.namespace), client.MatchingLabels{v1alpha1.LabelGroup: id})).To(Succeed())
			return list.Items
		}).Should(BeEmpty())
	})

	It("removes a deleted user from its groups", func() {
		id := t.created("/Groups", `{"displayName":"Team","members":[{"value":"`+users[0]+`"},{"value":"`+users[1]+`"}]}`)["id"].(string)
		Eventually(func() int { return len(memberIDs(t, id)) }).Should(Equal(2))
		Expect(t.send(http.MethodDelete, "/Users/"+users[0], "").StatusCode).To(Equal(http.StatusNoContent))
		Eventually(func() []string { return memberIDs(t, id) }).Should(ConsistOf(users[1]))
	})

	It("moves its lastModified when its members change", func() {
		doc := t.created("/Groups", `{"displayName":"Dated"}`)
		id, created := doc["id"].(string), doc["meta"].(map[string]any)["lastModified"]
		env.Clock.Step(time.Minute)
		r := t.send(http.MethodPatch, "/Groups/"+id+"?excludedAttributes=members", patchOps(`[{"op":"add","path":"members","value":[{"value":"`+users[0]+`"}]}]`))
		Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
		Expect(r.json()["meta"].(map[string]any)["lastModified"]).NotTo(Equal(created))
		Eventually(func() any { return t.get("/Groups/" + id).json()["meta"].(map[string]any)["lastModified"] }).
			Should(Equal(env.Clock.Now().UTC().Format(time.RFC3339)))
	})

	It("leaves groups created by hand out of SCIM's reach until a create with their displayName adopts them", func() {
		manual := &v1alpha1.ScimGroup{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: "break-glass"},
			Spec:       v1alpha1.ScimGroupSpec{TenantRef: v1alpha1.TenantReference{Name: t.name}, ManagedBy: v1alpha1.ManagedByManual, DisplayName: "Platform Admins"},
		}
		Expect(k8sClient.Create(ctx, manual)).To(Succeed())
		expectSCIMError(t.get("/Groups/break-glass"), http.StatusNotFound)
		expectSCIMError(t.send(http.MethodPatch, "/Groups/break-glass", patchOps(`[{"op":"replace","path":"displayName","value":"Renamed"}]`)), http.StatusNotFound)
		expectSCIMError(t.send(http.MethodDelete, "/Groups/break-glass", ""), http.StatusNotFound)
		Expect(t.list("/Groups")["totalResults"]).To(BeNumerically("==", 0))
		Expect(getGroup(t, "break-glass").Spec.DisplayName).To(Equal("Platform Admins"))

		By("a create with its displayName adopting it, with the members the identity provider sends")
		Eventually(func() any {
			r := t.send(http.MethodPost, "/Groups", `{"displayName":"platform admins","externalId":"grp-1","members":[{"value":"`+users[0]+`"}]}`)
			id := r.json()["id"]
			if r.StatusCode == http.StatusCreated && id != "break-glass" {
				Expect(t.send(http.MethodDelete, "/Groups/"+id.(string), "").StatusCode).To(Equal(http.StatusNoContent))
			}
			return id
		}).Should(Equal("break-glass"))
		adopted := getGroup(t, "break-glass")
		Expect(adopted.Spec.ManagedBy).To(Equal(v1alpha1.ManagedBySCIM))
		Expect(adopted.Spec.ExternalID).To(Equal("grp-1"))
		Expect(memberIDs(t, "break-glass")).To(ConsistOf(users[0]))
		expectSCIMError(t.send(http.MethodPost, "/Groups", `{"displayName":"Platform Admins"}`), http.StatusConflict)
	})

	It("changes its ETag when members change", func() {
		r := t.send(http.MethodPost, "/Groups", `{"displayName":"Versioned"}`)
		id, etag := r.json()["id"].(string), r.Header.Get("ETag")
		Expect(t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"add","path":"members","value":[{"value":"`+users[0]+`"}]}]`), "If-Match", etag).StatusCode).To(Equal(http.StatusNoContent))
		Eventually(func() string { return t.get("/Groups/" + id).Header.Get("ETag") }).ShouldNot(Equal(etag))
		expectSCIMError(t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"add","path":"members","value":[{"value":"`+users[1]+`"}]}]`), "If-Match", etag), http.StatusPreconditionFailed)
	})
})

var _ = Describe("Group status", func() {
	It("reports the member count", func() {
		t := newTenant()
		a := t.created("/Users", `{"userName":"count-a"}`)["id"].(string)
		b := t.created("/Users", `{"userName":"count-b"}`)["id"].(string)
		id := t.created("/Groups", `{"displayName":"Counted","members":[{"value":"`+a+`"},{"value":"`+b+`"}]}`)["id"].(string)
		Eventually(func(g Gomega) int32 {
			group := &v1alpha1.ScimGroup{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: id}, group)).To(Succeed())
			return group.Status.MemberCount
		}).Should(BeNumerically("==", 2))

		By("counting a member once however often slices list it")
		c := t.created("/Users", `{"userName":"count-c"}`)["id"].(string)
		Expect(k8sClient.Create(ctx, &v1alpha1.ScimGroupMemberSlice{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: id + "-by-hand", Labels: map[string]string{v1alpha1.LabelGroup: id}},
			Spec: v1alpha1.ScimGroupMemberSliceSpec{
				GroupRef: v1alpha1.GroupReference{Name: id}, TenantRef: v1alpha1.TenantReference{Name: t.name},
				Members: []v1alpha1.GroupMember{{Value: c}, {Value: c}, {Value: a}},
			},
		})).To(Succeed())
		Eventually(func(g Gomega) int32 {
			group := &v1alpha1.ScimGroup{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: id}, group)).To(Succeed())
			return group.Status.MemberCount
		}).Should(BeNumerically("==", 3))
		Expect(memberIDs(t, id)).To(ConsistOf(a, b, c))
	})

	It("is Ready for its generation once its members are counted, also with none", func() {
		t := newTenant()
		id := t.created("/Groups", `{"displayName":"Empty"}`)["id"].(string)
		ready := func(g Gomega) *metav1.Condition {
			group := &v1alpha1.ScimGroup{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: id}, group)).To(Succeed())
			g.Expect(group.Status.ObservedGeneration).To(Equal(group.Generation))
			c := meta.FindStatusCondition(group.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.ObservedGeneration).To(Equal(group.Generation))
			return c
		}
		Eventually(ready).Should(HaveField("Status", metav1.ConditionTrue))

		By("following a rename to the new generation")
		Expect(t.send(http.MethodPatch, "/Groups/"+id, patchOps(`[{"op":"replace","path":"displayName","value":"Renamed"}]`)).StatusCode).To(Equal(http.StatusNoContent))
		Eventually(ready).Should(HaveField("Reason", v1alpha1.ReasonReconciled))
	})
})
