// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"context"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

func getUser(t testTenant, id string) *v1alpha1.ScimUser {
	u := &v1alpha1.ScimUser{}
	ExpectWithOffset(1, k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: id}, u)).To(Succeed())
	return u
}

// createdByHand creates a user of t by hand (managedBy Manual), as a
// platform team does before SCIM takes over.
func createdByHand(t testTenant, name, userName string, edit func(*v1alpha1.ScimUser)) *v1alpha1.ScimUser {
	u := &v1alpha1.ScimUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: name},
		Spec: v1alpha1.ScimUserSpec{
			TenantRef: v1alpha1.TenantReference{Name: t.name},
			ManagedBy: v1alpha1.ManagedByManual,
			UserName:  userName,
		},
	}
	edit(u)
	ExpectWithOffset(1, k8sClient.Create(ctx, u)).To(Succeed())
	// The server finds users to adopt in its cache: a POST before the
	// cache has this one would create another.
	EventuallyWithOffset(1, func() error {
		return first.Manager.GetCache().Get(ctx, client.ObjectKeyFromObject(u), &v1alpha1.ScimUser{})
	}).Should(Succeed(), "the server sees the user created by hand")
	return u
}

var _ = Describe("User lifecycle over SCIM", func() {
	var t testTenant
	BeforeEach(func() { t = newTenant() })

	It("keeps the last provisioning action, when it was made and its request id, in the user's status", func() {
		last := func(id string) *v1alpha1.ProvisioningAction {
			var got *v1alpha1.ProvisioningAction
			EventuallyWithOffset(1, func(g Gomega) {
				u := getUser(t, id)
				g.Expect(u.Status.LastProvisioning).NotTo(BeNil())
				g.Expect(u.Status.LastProvisioning.RequestID).To(Equal(u.Annotations[v1alpha1.AnnotationLastRequestID]), "status follows the latest change")
				got = u.Status.LastProvisioning
			}).Should(Succeed())
			return got
		}
		r := t.send(http.MethodPost, "/Users", `{"userName":"audited@example.com"}`, scimwebhook.HeaderRequestID, "entra-create-1")
		Expect(r.StatusCode).To(Equal(http.StatusCreated))
		id := r.json()["id"].(string)
		created := last(id)
		Expect(created.Action).To(Equal("UserCreated"))
		Expect(created.RequestID).To(Equal("entra-create-1"), "the identity provider's request id")
		Expect(created.At.Time).To(BeTemporally("==", env.Clock.Now().Truncate(time.Second)))

		Expect(t.send(http.MethodPatch, "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`,
			scimwebhook.HeaderRequestID, "entra-deactivate-2").StatusCode).To(Equal(http.StatusOK))
		Expect(last(id)).To(HaveField("Action", "UserDeactivated"))
		Expect(last(id)).To(HaveField("RequestID", "entra-deactivate-2"))

		By("a request without an id of its own carrying the one the server answered with")
		r = t.send(http.MethodDelete, "/Users/"+id, "")
		Expect(r.StatusCode).To(Equal(http.StatusNoContent))
		Expect(last(id)).To(HaveField("Action", "UserDeleted"))
		Expect(last(id)).To(HaveField("RequestID", r.Header.Get(scimwebhook.HeaderRequestID)))
	})

	It("keeps a deactivated user findable, with active false, and reports when it will be purged", func() {
		id := t.created("/Users", `{"userName":"leaver@example.com"}`)["id"].(string)
		Expect(t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"Replace","path":"active","value":"False"}]`)).StatusCode).To(Equal(http.StatusOK))
		Expect(t.get("/Users/" + id).json()["active"]).To(BeFalse())
		Expect(t.list("/Users?filter=" + url.QueryEscape(`userName eq "leaver@example.com"`))["totalResults"]).To(BeNumerically("==", 1))
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseInactive))
			g.Expect(u.Status.DeactivatedAt).NotTo(BeNil())
			g.Expect(u.Status.PurgeAt.Time).To(Equal(u.Status.DeactivatedAt.Add(v1alpha1.DefaultSoftDeleteRetention)))
		}).Should(Succeed())

		By("reactivating it, which cancels the purge")
		Expect(t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"replace","value":{"active":true}}]`)).StatusCode).To(Equal(http.StatusOK))
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseActive))
			g.Expect(u.Status.PurgeAt).To(BeNil())
		}).Should(Succeed())
	})

	It("keeps a deactivated user inactive through a PUT that leaves active out, and reactivates it through one that sends it", func() {
		id := t.created("/Users", `{"userName":"partial@example.com","active":false}`)["id"].(string)
		r := t.send(http.MethodPut, "/Users/"+id, `{"userName":"partial@example.com","displayName":"Partial"}`)
		Expect(r.StatusCode).To(Equal(http.StatusOK))
		Expect(r.json()).To(HaveKeyWithValue("active", false))
		Expect(r.json()).To(HaveKeyWithValue("displayName", "Partial"))
		Expect(getUser(t, id).Spec.Active).To(HaveValue(BeFalse()))

		Expect(t.send(http.MethodPut, "/Users/"+id, `{"userName":"partial@example.com","Active":true}`).json()).To(HaveKeyWithValue("active", true))
		Expect(t.send(http.MethodPut, "/Users/"+id, `{"userName":"partial@example.com"}`).json()).To(HaveKeyWithValue("active", true))
	})

	It("takes a deleted user out of SCIM, its groups and uniqueness at once, retaining its data until the purge", func() {
		id := t.created("/Users", `{"userName":"leaver@example.com","externalId":"obj-leaver","title":"Keeper","emails":[{"value":"leaver@example.com","primary":true}]}`)["id"].(string)
		group := t.created("/Groups", `{"displayName":"Payroll","members":[{"value":"`+id+`"}]}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))

		expectSCIMError(t.get("/Users/"+id), http.StatusNotFound)
		expectSCIMError(t.send(http.MethodDelete, "/Users/"+id, ""), http.StatusNotFound)
		Expect(t.list("/Users?filter=" + url.QueryEscape(`userName eq "leaver@example.com"`))["totalResults"]).To(BeNumerically("==", 0))
		Expect(memberIDs(t, group)).To(BeEmpty())
		Expect(t.list("/Groups?filter=" + url.QueryEscape(`members[value eq "`+id+`"]`))["totalResults"]).To(BeNumerically("==", 0))
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseDeleted))
			g.Expect(u.Status.PurgeAt).NotTo(BeNil())
			g.Expect(u.Spec.Title).To(Equal("Keeper"), "the data is retained")
			g.Expect(u.Status.RemovedFromGroups).To(Equal([]string{group}), "the memberships removed are recorded")
			g.Expect(groupSlicesHold(t, group, id)).To(BeFalse(), "the membership itself is gone, not only hidden")
		}).Should(Succeed())

		By("a new hire with the reused userName and email: a new person, with none of the leaver's groups")
		r := t.send(http.MethodPost, "/Users", `{"userName":"Leaver@example.com","externalId":"obj-new-hire","emails":[{"value":"leaver@example.com","primary":true}]}`)
		Expect(r.StatusCode).To(Equal(http.StatusCreated), "%s", r.body)
		hire := r.json()["id"].(string)
		Expect(hire).NotTo(Equal(id))
		Expect(memberIDs(t, group)).To(BeEmpty())
		Expect(t.get("/Users/" + hire).json()).NotTo(HaveKey("groups"))
		Expect(getUser(t, id).Spec.Title).To(Equal("Keeper"), "the leaver's data is still retained")
	})

	It("restores a deleted user assigned again, matched by externalId, with its id and data but not its old groups", func() {
		id := t.created("/Users", `{"userName":"before@example.com","externalId":"obj-1","title":"Kept"}`)["id"].(string)
		group := t.created("/Groups", `{"displayName":"Old team","members":[{"value":"`+id+`"}]}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		doc := t.created("/Users", `{"userName":"after@example.com","externalId":"obj-1","displayName":"Back"}`)
		Expect(doc["id"]).To(Equal(id), "the retained user is restored, not a stranger created")
		Expect(doc["displayName"]).To(Equal("Back"))
		Expect(memberIDs(t, group)).To(BeEmpty(), "the identity provider re-sends the memberships the person has now")
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseActive))
			g.Expect(u.Status.PurgeAt).To(BeNil())
			g.Expect(u.Status.RemovedFromGroups).To(BeEmpty())
		}).Should(Succeed())
	})

	It("restores a deleted user assigned again by userName where the tenant says so, for identity providers that send no externalId", func() {
		id := t.created("/Users", `{"userName":"Rehired@example.com","title":"Kept"}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		Expect(t.created("/Users", `{"userName":"rehired@example.com"}`)["id"]).NotTo(Equal(id), "by default only an externalId restores")
		last := t.list("/Users?filter=" + url.QueryEscape(`userName eq "rehired@example.com"`))["Resources"].([]any)[0].(map[string]any)["id"].(string)
		env.Clock.Step(time.Minute)
		Expect(t.send(http.MethodDelete, "/Users/"+last, "").StatusCode).To(Equal(http.StatusNoContent))

		t.editTenant(func(s *v1alpha1.ScimTenantSpec) {
			s.RestoreDeletedBy = []v1alpha1.RestoreMatch{v1alpha1.RestoreByExternalID, v1alpha1.RestoreByUserName}
		})
		Eventually(func(g Gomega) {
			tenant := &v1alpha1.ScimTenant{}
			g.Expect(first.Manager.GetCache().Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, tenant)).To(Succeed())
			g.Expect(tenant.RestoresBy(v1alpha1.RestoreByUserName)).To(BeTrue())
		}).Should(Succeed())
		doc := t.created("/Users", `{"userName":"REHIRED@example.com","displayName":"Back"}`)
		Expect(doc["id"]).To(Equal(last), "the user deleted last is restored, not a stranger created")
		Expect(doc["displayName"]).To(Equal("Back"))
	})

	It("restores a deleted user by hand with an annotation, unless a newer user holds its userName", func() {
		id := t.created("/Users", `{"userName":"annotated@example.com"}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		annotate := func(id string) {
			u := getUser(t, id)
			patch := client.MergeFrom(u.DeepCopy())
			metav1.SetMetaDataAnnotation(&u.ObjectMeta, v1alpha1.AnnotationRestore, "true")
			Expect(k8sClient.Patch(ctx, u, patch)).To(Succeed())
		}
		annotate(id)
		Eventually(func() int { return t.get("/Users/" + id).StatusCode }).Should(Equal(http.StatusOK))
		Expect(getUser(t, id).Annotations).NotTo(HaveKey(v1alpha1.AnnotationRestore))

		By("deleting it again, and letting a new user take the userName first")
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		t.created("/Users", `{"userName":"annotated@example.com"}`)
		annotate(id)
		Eventually(func(g Gomega) {
			g.Expect(getUser(t, id).Annotations).NotTo(HaveKey(v1alpha1.AnnotationRestore))
			g.Expect(eventsAbout(g, t.namespace, id)["RestoreBlocked"]).To(ConsistOf(ContainSubstring("userName is now held by user")))
		}).Should(Succeed())
		expectSCIMError(t.get("/Users/"+id), http.StatusNotFound)
	})

	It("purges a user deleted after its deactivation a retention after the deactivation, not after the deletion", func() {
		id := t.created("/Users", `{"userName":"entra-leaver@example.com"}`)["id"].(string)
		Expect(t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"replace","path":"active","value":false}]`)).StatusCode).To(Equal(http.StatusOK))
		var deactivatedAt time.Time
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.DeactivatedAt).NotTo(BeNil())
			deactivatedAt = u.Status.DeactivatedAt.Time
		}).Should(Succeed())
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseDeleted))
			g.Expect(u.Status.PurgeAt.Time).To(Equal(deactivatedAt.Add(v1alpha1.DefaultSoftDeleteRetention)))
		}).Should(Succeed())
	})

	It("treats kubectl delete of a SCIM user like a SCIM delete: gone, its userName free, its groups left at once", func() {
		id := t.created("/Users", `{"userName":"kubectl@example.com"}`)["id"].(string)
		group := t.created("/Groups", `{"displayName":"Ops","members":[{"value":"`+id+`"}]}`)["id"].(string)
		Expect(k8sClient.Delete(ctx, getUser(t, id))).To(Succeed())
		Eventually(func() int { return t.get("/Users/" + id).StatusCode }).Should(Equal(http.StatusNotFound))
		Expect(memberIDs(t, group)).To(BeEmpty())
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.RemovedFromGroups).To(Equal([]string{group}))
			g.Expect(groupSlicesHold(t, group, id)).To(BeFalse())
		}).Should(Succeed())
		Eventually(func() int {
			return t.send(http.MethodPost, "/Users", `{"userName":"kubectl@example.com"}`).StatusCode
		}).Should(Equal(http.StatusCreated), "the userName is free while the old user is retained")
		Expect(getUser(t, id).DeletionTimestamp).NotTo(BeNil(), "the data is retained until the purge")
	})

	It("adopts a user created by hand with the same userName instead of answering 409", func() {
		createdByHand(t, "barbara", "bjensen@example.com", func(u *v1alpha1.ScimUser) {
			u.Spec.Active = ptr.To(true)
			u.Spec.Title = "Set by hand"
			u.Spec.Roles = []v1alpha1.MultiValuedAttribute{{Value: "break-glass"}}
		})
		expectSCIMError(t.get("/Users/barbara"), http.StatusNotFound)
		Eventually(func() any { return t.list("/Users")["totalResults"] }).Should(BeNumerically("==", 0), "SCIM does not see users created by hand")

		r := t.send(http.MethodPost, "/Users", `{"userName":"BJensen@example.com","name":{"givenName":"Barbara"}}`)
		Expect(r.StatusCode).To(Equal(http.StatusCreated), "%s", r.body)
		Expect(r.json()["id"]).To(Equal("barbara"))
		u := getUser(t, "barbara")
		Expect(u.Spec.ManagedBy).To(Equal(v1alpha1.ManagedBySCIM))
		Expect(u.Spec.Name.GivenName).To(Equal("Barbara"))
		Expect(u.Spec.Title).To(Equal("Set by hand"), "what the identity provider did not send is kept")
		Expect(u.Spec.Roles).To(ConsistOf(v1alpha1.MultiValuedAttribute{Value: "break-glass"}))
		Expect(u.IsActive()).To(BeTrue())

		By("holding its userName from then on")
		expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"bjensen@example.com"}`), http.StatusConflict)
	})

	It("adopts a user created by hand whose email matches the email of record, where the tenant says so", func() {
		t.editTenant(func(s *v1alpha1.ScimTenantSpec) {
			s.AdoptManualUsersBy = []v1alpha1.AdoptionMatch{v1alpha1.AdoptByUserName, v1alpha1.AdoptByEmail}
		})
		createdByHand(t, "mail-match", "legacy-login", func(u *v1alpha1.ScimUser) {
			u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "pat@example.com", Type: "work"}}
		})
		Eventually(func() any {
			r := t.send(http.MethodPost, "/Users", `{"userName":"pat@example.com","emails":[{"value":"Pat@Example.com","primary":true}]}`)
			id := r.json()["id"]
			if r.StatusCode == http.StatusCreated && id != "mail-match" {
				// This replica's cache did not have the tenant's new
				// setting yet: undo the create and try again.
				Expect(t.send(http.MethodDelete, "/Users/"+id.(string), "").StatusCode).To(Equal(http.StatusNoContent))
			}
			return id
		}).Should(Equal("mail-match"))
	})

	It("adopts no one when the email matches more than one user created by hand, and says so", func() {
		t.editTenant(func(s *v1alpha1.ScimTenantSpec) {
			s.AdoptManualUsersBy = []v1alpha1.AdoptionMatch{v1alpha1.AdoptByEmail}
		})
		Eventually(func(g Gomega) []v1alpha1.AdoptionMatch {
			cached := &v1alpha1.ScimTenant{}
			g.Expect(first.Manager.GetCache().Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, cached)).To(Succeed())
			return cached.Spec.AdoptManualUsersBy
		}).Should(Equal([]v1alpha1.AdoptionMatch{v1alpha1.AdoptByEmail}), "the server sees the tenant's setting")
		for _, name := range []string{"shared-mailbox", "shared-admin"} {
			createdByHand(t, name, name, func(u *v1alpha1.ScimUser) {
				u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "team@example.com", Type: "work"}}
			})
		}
		id := t.created("/Users", `{"userName":"team-lead","emails":[{"value":"team@example.com","primary":true}]}`)["id"].(string)
		Expect(id).NotTo(BeElementOf("shared-mailbox", "shared-admin"))
		for _, name := range []string{"shared-mailbox", "shared-admin"} {
			Expect(getUser(t, name).Spec.ManagedBy).To(Equal(v1alpha1.ManagedByManual), "%s is left as it was", name)
		}
		Eventually(func(g Gomega) []string { return eventsAbout(g, t.namespace, id)["AdoptionAmbiguous"] }).
			Should(ContainElement(And(HavePrefix("Warning"), ContainSubstring("shared-admin, shared-mailbox"))))
	})

	It("adopts by userName only unless the tenant says otherwise", func() {
		createdByHand(t, "admin-by-mail", "root", func(u *v1alpha1.ScimUser) {
			u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "ops@example.com", Type: "work"}}
		})
		doc := t.created("/Users", `{"userName":"ops@example.com","emails":[{"value":"ops@example.com","primary":true}]}`)
		Expect(doc["id"]).NotTo(Equal("admin-by-mail"))
		kept := getUser(t, "admin-by-mail")
		Expect(kept.Spec.ManagedBy).To(Equal(v1alpha1.ManagedByManual))
		Expect(kept.Spec.UserName).To(Equal("root"))
	})

	It("never adopts a user created by hand that opts out, and says why", func() {
		createdByHand(t, "break-glass", "emergency@example.com", func(u *v1alpha1.ScimUser) {
			u.Annotations = map[string]string{v1alpha1.AnnotationNeverAdopt: "true"}
			u.Spec.Roles = []v1alpha1.MultiValuedAttribute{{Value: "cluster-admin"}}
		})
		doc := expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"emergency@example.com","active":false}`), http.StatusConflict)
		Expect(doc["scimType"]).To(Equal("uniqueness"))
		Expect(doc["detail"]).To(ContainSubstring(v1alpha1.AnnotationNeverAdopt))
		u := getUser(t, "break-glass")
		Expect(u.Spec.ManagedBy).To(Equal(v1alpha1.ManagedByManual))
		Expect(u.IsActive()).To(BeTrue())
		Expect(u.Spec.Roles).To(HaveLen(1))
	})

	It("counts users by phase and groups in the tenant's status", func() {
		t.created("/Users", `{"userName":"a"}`)
		t.created("/Users", `{"userName":"b","active":false}`)
		deleted := t.created("/Users", `{"userName":"c"}`)["id"].(string)
		t.created("/Groups", `{"displayName":"g"}`)
		Expect(t.send(http.MethodDelete, "/Users/"+deleted, "").StatusCode).To(Equal(http.StatusNoContent))
		Expect(k8sClient.Create(ctx, &v1alpha1.ScimUser{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: "by-hand"},
			Spec:       v1alpha1.ScimUserSpec{TenantRef: v1alpha1.TenantReference{Name: t.name}, UserName: "by-hand@example.com"},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			tenant := &v1alpha1.ScimTenant{}
			g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, tenant)).To(Succeed())
			users := &v1alpha1.ScimUserList{}
			g.Expect(k8sClient.List(ctx, users, client.InNamespace(t.namespace))).To(Succeed())
			var phases []string
			for _, u := range users.Items {
				phases = append(phases, u.Spec.UserName+"="+string(u.Status.Phase))
			}
			g.Expect(tenant.Status.Users).To(Equal(v1alpha1.UserCounts{Active: 1, Inactive: 1, PendingPurge: 1, Manual: 1}), "users created by hand are counted apart: %v", phases)
			g.Expect(tenant.Status.Groups).To(BeNumerically("==", 1))
		}).Should(Succeed())
	})
})

// purgeAt waits for the user controller to schedule a user's purge, and
// for the cache of the reconcilers specs call directly to have seen it.
func purgeAt(t testTenant, id string) time.Time {
	var at time.Time
	EventuallyWithOffset(1, func(g Gomega) {
		u := &v1alpha1.ScimUser{}
		g.Expect(first.Manager.GetCache().Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: id}, u)).To(Succeed())
		g.Expect(u.Status.PurgeAt).NotTo(BeNil())
		at = u.Status.PurgeAt.Time
	}).Should(Succeed())
	return at
}

// purgeDue runs the user controller at time at until the user is gone:
// what happens when its purge time comes.
func purgeDue(t testTenant, id string, at time.Time) {
	users := reconcilersAt(at).Users
	key := types.NamespacedName{Namespace: t.namespace, Name: id}
	EventuallyWithOffset(1, func(g Gomega) bool {
		_, err := users.Reconcile(ctx, reconcile.Request{NamespacedName: key})
		g.Expect(err).NotTo(HaveOccurred())
		return apierrors.IsNotFound(k8sClient.Get(ctx, key, &v1alpha1.ScimUser{}))
	}).Should(BeTrue(), "user %s is purged at %s", id, at)
}

var _ = Describe("Purge over SCIM", func() {
	It("frees the userName and the group memberships of a user whose retention ended", func() {
		t := newTenant()
		id := t.created("/Users", `{"userName":"short@example.com"}`)["id"].(string)
		stays := t.created("/Users", `{"userName":"stays@example.com"}`)["id"].(string)
		group := t.created("/Groups", `{"displayName":"Short","members":[{"value":"`+id+`"},{"value":"`+stays+`"}]}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))

		purgeDue(t, id, purgeAt(t, id))
		Eventually(func() []string {
			list := &v1alpha1.ScimGroupMemberSliceList{}
			Expect(k8sClient.List(ctx, list, client.InNamespace(t.namespace))).To(Succeed())
			var members []string
			for _, sl := range list.Items {
				for _, m := range sl.Spec.Members {
					members = append(members, m.Value)
				}
			}
			return members
		}).Should(ConsistOf(stays))
		Expect(memberIDs(t, group)).To(ConsistOf(stays))
		Eventually(func() int {
			return t.send(http.MethodPost, "/Users", `{"userName":"short@example.com"}`).StatusCode
		}).Should(Equal(http.StatusCreated), "the purged user's userName is free again")
	})
})

// deleteHook runs before before every Delete it passes on.
type deleteHook struct {
	client.Client
	before func(client.Object)
}

func (c deleteHook) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.before(obj)
	return c.Client.Delete(ctx, obj, opts...)
}

var _ = Describe("Reactivation racing the purge", func() {
	var (
		t  testTenant
		id string
		at time.Time
	)
	reactivate := func() *response {
		return t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"replace","path":"active","value":true}]`))
	}
	BeforeEach(func() {
		t = newTenant()
		id = t.created("/Users", `{"userName":"racer"}`)["id"].(string)
		Expect(t.send(http.MethodPatch, "/Users/"+id, patchOps(`[{"op":"replace","path":"active","value":false}]`)).StatusCode).To(Equal(http.StatusOK))
		at = purgeAt(t, id)
	})

	It("never purges a user whose reactivation was acknowledged after the purge decision", func() {
		users := reconcilersAt(at).Users
		acknowledged := false
		users.Client = deleteHook{Client: users.Client, before: func(obj client.Object) {
			if obj.GetName() != id || acknowledged {
				return
			}
			// The controller has read the user and found its purge due;
			// the identity provider reactivates it before the delete.
			r := reactivate()
			Expect(r.StatusCode).To(Equal(http.StatusOK), "%s", r.body)
			acknowledged = true
		}}
		_, err := users.Reconcile(ctx, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: t.namespace, Name: id}})
		Expect(err).NotTo(HaveOccurred())
		Expect(acknowledged).To(BeTrue(), "the purge reached its delete")

		By("reconciling again at the old purge time")
		_, err = reconcilersAt(at).Users.Reconcile(ctx, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: t.namespace, Name: id}})
		Expect(err).NotTo(HaveOccurred())
		r := t.get("/Users/" + id)
		Expect(r.StatusCode).To(Equal(http.StatusOK), "a user reactivated with a 200 must not be purged")
		Expect(r.json()["active"]).To(BeTrue())
	})

	It("answers 404 to a reactivation that comes after the purge", func() {
		purgeDue(t, id, at)
		expectSCIMError(reactivate(), http.StatusNotFound)
	})
})

var _ = Describe("Audit events", func() {
	It("records every provisioning action on the user with a stable reason", func() {
		t := newTenant()
		id := t.created("/Users", `{"userName":"audited@example.com","externalId":"obj-audited"}`)["id"].(string)
		for _, op := range []string{
			`[{"op":"replace","path":"title","value":"x"}]`,
			`[{"op":"replace","path":"active","value":false}]`,
			`[{"op":"replace","path":"active","value":true}]`,
		} {
			Expect(t.send(http.MethodPatch, "/Users/"+id, patchOps(op)).StatusCode).To(Equal(http.StatusOK))
		}
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		Expect(t.send(http.MethodPost, "/Users", `{"userName":"audited@example.com","externalId":"obj-audited"}`).StatusCode).To(Equal(http.StatusCreated))
		Eventually(func() []string {
			list := &eventsv1.EventList{}
			Expect(k8sClient.List(ctx, list, client.InNamespace(t.namespace))).To(Succeed())
			var reasons []string
			for _, e := range list.Items {
				if e.Regarding.Name == id {
					Expect(e.Note).NotTo(ContainSubstring("audited@example.com"), "events carry no personal data")
					reasons = append(reasons, e.Reason)
				}
			}
			return reasons
		}).Should(ContainElements("UserCreated", "UserUpdated", "UserDeactivated", "UserReactivated", "UserDeleted", "UserRestored"))
	})
})
