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
	return u
}

var _ = Describe("User lifecycle over SCIM", func() {
	var t testTenant
	BeforeEach(func() { t = newTenant() })

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

	It("hides a deleted user from SCIM, retains it, and restores it with its id, data and groups on a create of the same userName", func() {
		id := t.created("/Users", `{"userName":"again@example.com","title":"Keeper","emails":[{"value":"again@example.com","primary":true}]}`)["id"].(string)
		group := t.created("/Groups", `{"displayName":"Kept","members":[{"value":"`+id+`"}]}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))

		expectSCIMError(t.get("/Users/"+id), http.StatusNotFound)
		expectSCIMError(t.send(http.MethodDelete, "/Users/"+id, ""), http.StatusNotFound)
		Expect(t.list("/Users?filter=" + url.QueryEscape(`userName eq "again@example.com"`))["totalResults"]).To(BeNumerically("==", 0))
		Expect(memberIDs(t, group)).To(BeEmpty())
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseDeleted))
			g.Expect(u.Status.PurgeAt).NotTo(BeNil())
			g.Expect(u.Spec.Title).To(Equal("Keeper"), "the data is retained")
		}).Should(Succeed())

		r := t.send(http.MethodPost, "/Users", `{"userName":"Again@example.com","displayName":"Back"}`)
		Expect(r.StatusCode).To(Equal(http.StatusCreated), "%s", r.body)
		doc := r.json()
		Expect(doc["id"]).To(Equal(id), "the retained user is restored, not a stranger created")
		Expect(doc["displayName"]).To(Equal("Back"))
		Expect(memberIDs(t, group)).To(ConsistOf(id))
		Eventually(func(g Gomega) {
			u := getUser(t, id)
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseActive))
			g.Expect(u.Status.PurgeAt).To(BeNil())
		}).Should(Succeed())
	})

	It("restores a deleted user matched by externalId", func() {
		id := t.created("/Users", `{"userName":"before@example.com","externalId":"obj-1"}`)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		Eventually(func() string {
			return t.created("/Users", `{"userName":"after@example.com","externalId":"obj-1"}`)["id"].(string)
		}).
			WithTimeout(5 * time.Second).Should(Equal(id))
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
			return t.send(http.MethodPost, "/Users", `{"userName":"pat@example.com","emails":[{"value":"Pat@Example.com","primary":true}]}`).json()["id"]
		}).Should(Equal("mail-match"))
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
		manual := createdByHand(t, "break-glass", "emergency@example.com", func(u *v1alpha1.ScimUser) {
			u.Annotations = map[string]string{v1alpha1.AnnotationNeverAdopt: "true"}
			u.Spec.Roles = []v1alpha1.MultiValuedAttribute{{Value: "cluster-admin"}}
		})
		Eventually(func() error {
			return first.Manager.GetCache().Get(ctx, client.ObjectKeyFromObject(manual), &v1alpha1.ScimUser{})
		}).Should(Succeed(), "the server sees the user created by hand")
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
		Eventually(func(g Gomega) {
			tenant := &v1alpha1.ScimTenant{}
			g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, tenant)).To(Succeed())
			users := &v1alpha1.ScimUserList{}
			g.Expect(k8sClient.List(ctx, users, client.InNamespace(t.namespace))).To(Succeed())
			var phases []string
			for _, u := range users.Items {
				phases = append(phases, u.Spec.UserName+"="+string(u.Status.Phase))
			}
			g.Expect(tenant.Status.Users).To(Equal(v1alpha1.UserCounts{Active: 1, Inactive: 1, PendingPurge: 1}), "users: %v", phases)
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
		id := t.created("/Users", `{"userName":"audited@example.com"}`)["id"].(string)
		for _, op := range []string{
			`[{"op":"replace","path":"title","value":"x"}]`,
			`[{"op":"replace","path":"active","value":false}]`,
			`[{"op":"replace","path":"active","value":true}]`,
		} {
			Expect(t.send(http.MethodPatch, "/Users/"+id, patchOps(op)).StatusCode).To(Equal(http.StatusOK))
		}
		Expect(t.send(http.MethodDelete, "/Users/"+id, "").StatusCode).To(Equal(http.StatusNoContent))
		Expect(t.send(http.MethodPost, "/Users", `{"userName":"audited@example.com"}`).StatusCode).To(Equal(http.StatusCreated))
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
