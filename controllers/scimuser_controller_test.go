// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/controllers"
)

var _ = Describe("ScimUser controller", func() {
	var (
		ns     string
		tenant *v1alpha1.ScimTenant
	)
	newUser := func(name string, active bool, mutate ...func(*v1alpha1.ScimUser)) *v1alpha1.ScimUser {
		u := &v1alpha1.ScimUser{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: v1alpha1.ScimUserSpec{
				TenantRef: v1alpha1.TenantReference{Name: tenant.Name},
				ManagedBy: v1alpha1.ManagedBySCIM,
				UserName:  name + "@example.com",
				Active:    ptr.To(active),
				Emails:    []v1alpha1.MultiValuedAttribute{{Value: name + "@example.com", Type: "work"}},
			},
		}
		for _, m := range mutate {
			m(u)
		}
		Expect(k8sClient.Create(ctx, u)).To(Succeed())
		return u
	}
	get := func(name string) (*v1alpha1.ScimUser, error) {
		u := &v1alpha1.ScimUser{}
		return u, k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, u)
	}
	gone := func(name string) func() bool {
		return func() bool {
			_, err := get(name)
			return apierrors.IsNotFound(err)
		}
	}
	setActive := func(name string, active bool) {
		u, err := get(name)
		Expect(err).NotTo(HaveOccurred())
		patch := client.MergeFrom(u.DeepCopy())
		u.Spec.Active = ptr.To(active)
		Expect(k8sClient.Patch(ctx, u, patch)).To(Succeed())
	}

	BeforeEach(func() {
		ns = newNamespace()
		tenant = newTenant(ns, "acme", "acme-token")
		tenant.Spec.DefaultRole = "member"
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
	})

	It("reports an active user's phase, email of record and the tenant's default role", func() {
		newUser("alice", true, func(u *v1alpha1.ScimUser) {
			u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "home@example.org", Type: "home"}, {Value: "alice@example.com", Type: "work"}}
		})
		newUser("admin", true, func(u *v1alpha1.ScimUser) {
			u.Spec.Roles = []v1alpha1.MultiValuedAttribute{{Value: "owner"}}
			u.Spec.Emails[0].Primary = true
		})
		Eventually(func(g Gomega) {
			u, err := get("alice")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseActive))
			g.Expect(u.Status.Email).To(Equal("alice@example.com"), "the work email when none is primary")
			g.Expect(u.Status.Roles).To(Equal([]string{"member"}))
			g.Expect(u.Finalizers).To(ContainElement(v1alpha1.FinalizerRetention))
			a, err := get("admin")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(a.Status.Roles).To(Equal([]string{"owner"}))
		}).Should(Succeed())
	})

	It("makes every user Ready for its generation, unready while the manager it names is not a user yet", func() {
		ready := func(name string) func(g Gomega) *metav1.Condition {
			return func(g Gomega) *metav1.Condition {
				u, err := get(name)
				g.Expect(err).NotTo(HaveOccurred())
				c := meta.FindStatusCondition(u.Status.Conditions, v1alpha1.ConditionReady)
				g.Expect(c).NotTo(BeNil())
				g.Expect(c.ObservedGeneration).To(Equal(u.Generation))
				g.Expect(u.Status.ObservedGeneration).To(Equal(u.Generation))
				return c
			}
		}
		newUser("plain", true)
		Eventually(ready("plain")).Should(And(HaveField("Status", metav1.ConditionTrue), HaveField("Reason", v1alpha1.ReasonReconciled), HaveField("Message", "active")))

		newUser("report", true, func(u *v1alpha1.ScimUser) {
			u.Spec.Enterprise = &v1alpha1.EnterpriseUser{Manager: &v1alpha1.Manager{Value: "later"}}
		})
		Eventually(ready("report")).Should(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", v1alpha1.ReasonManagerNotResolved)))
		newUser("later", true)
		Eventually(ready("report")).Should(HaveField("Status", metav1.ConditionTrue))

		By("following a change of spec to its new generation")
		setActive("plain", false)
		Eventually(ready("plain")).Should(And(HaveField("Status", metav1.ConditionTrue), HaveField("Message", HavePrefix("inactive; purged at "))))
	})

	key := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }
	// purgeAt waits for the controller to schedule the user's purge.
	purgeAt := func(name string) time.Time {
		var at time.Time
		Eventually(func(g Gomega) {
			u, err := get(name)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.Status.PurgeAt).NotTo(BeNil())
			at = u.Status.PurgeAt.Time
		}).Should(Succeed())
		return at
	}
	// purgeDue reconciles the user at a time until it is gone, as the
	// controller does once the time has come; the deletion and the
	// finalizer's release are two reconciles.
	purgeDue := func(name string, at time.Time) {
		users := reconcilersAt(at).Users
		Eventually(func() bool {
			reconcile(users, key(name))
			return gone(name)()
		}).Should(BeTrue(), "user %s is purged at %s", name, at)
	}

	It("purges a deactivated user when its tenant's retention ends, not a second sooner, with an Event", func() {
		newUser("leaver", false)
		Eventually(func(g Gomega) {
			u, err := get("leaver")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseInactive))
			g.Expect(u.Status.DeactivatedAt.Time).To(BeTemporally("==", env.Clock.Now().Truncate(time.Second)))
			g.Expect(u.Status.PurgeAt.Time).To(Equal(u.Status.DeactivatedAt.Add(v1alpha1.DefaultSoftDeleteRetention)))
		}).Should(Succeed())
		at := purgeAt("leaver")

		By("reconciling a second before the purge time")
		res := reconcile(reconcilersAt(at.Add(-time.Second)).Users, key("leaver"))
		Expect(res.RequeueAfter).To(Equal(time.Second), "the purge is requeued for its time")
		Expect(gone("leaver")()).To(BeFalse())

		By("reconciling at the purge time")
		purgeDue("leaver", at)
		Eventually(func() []string {
			list := &eventsv1.EventList{}
			Expect(k8sClient.List(ctx, list, client.InNamespace(ns))).To(Succeed())
			var reasons []string
			for _, e := range list.Items {
				if e.Regarding.Name == "leaver" {
					reasons = append(reasons, e.Reason)
				}
			}
			return reasons
		}).Should(ContainElement(controllers.EventUserPurged))
	})

	It("shows at most 64 roles in status, however many spec holds", func() {
		newUser("many-roles", true, func(u *v1alpha1.ScimUser) {
			for i := range 100 {
				u.Spec.Roles = append(u.Spec.Roles, v1alpha1.MultiValuedAttribute{Value: fmt.Sprintf("role-%03d", i)})
			}
		})
		Eventually(func(g Gomega) {
			u, err := get("many-roles")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseActive))
			g.Expect(u.Status.Roles).To(HaveLen(v1alpha1.MaxStatusRoles))
			g.Expect(u.Status.Roles[0]).To(Equal("role-000"))
		}).Should(Succeed())
	})

	It("cancels the purge when the user is reactivated in time", func() {
		newUser("returner", false)
		at := purgeAt("returner")
		setActive("returner", true)
		Eventually(func() *metav1.Time {
			u, _ := get("returner")
			return u.Status.PurgeAt
		}).Should(BeNil())

		res := reconcile(reconcilersAt(at.Add(time.Hour)).Users, key("returner"))
		Expect(res.RequeueAfter).To(BeZero())
		Expect(gone("returner")()).To(BeFalse(), "a reactivated user outlives its old purge time")
	})

	It("holds a user deleted with kubectl for the retention, then purges it", func() {
		u := newUser("kubectl", true)
		Eventually(func() []string { u, _ := get("kubectl"); return u.Finalizers }).Should(ContainElement(v1alpha1.FinalizerRetention))
		Expect(k8sClient.Delete(ctx, u)).To(Succeed())
		Eventually(func(g Gomega) {
			u, err := get("kubectl")
			g.Expect(err).NotTo(HaveOccurred(), "the finalizer holds the data")
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseDeleted))
			g.Expect(u.Status.PurgeAt.Time).To(Equal(u.DeletionTimestamp.Add(v1alpha1.DefaultSoftDeleteRetention)))
		}).Should(Succeed())
		at := purgeAt("kubectl")

		reconcile(reconcilersAt(at.Add(-time.Second)).Users, key("kubectl"))
		Expect(gone("kubectl")()).To(BeFalse(), "held until the purge time")
		purgeDue("kubectl", at)
	})

	It("purges at once a user annotated to be purged now", func() {
		newUser("now", false)
		Eventually(func() string { u, _ := get("now"); return string(u.Status.Phase) }).Should(Equal(string(v1alpha1.UserPhaseInactive)))
		u, err := get("now")
		Expect(err).NotTo(HaveOccurred())
		patch := client.MergeFrom(u.DeepCopy())
		u.Annotations = map[string]string{v1alpha1.AnnotationPurgeNow: "true"}
		Expect(k8sClient.Patch(ctx, u, patch)).To(Succeed())
		Eventually(gone("now")).Should(BeTrue())
	})

	It("never purges a deactivated user created by hand", func() {
		newUser("manual", false, func(u *v1alpha1.ScimUser) { u.Spec.ManagedBy = v1alpha1.ManagedByManual })
		Eventually(func(g Gomega) {
			u, err := get("manual")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.Status.Phase).To(Equal(v1alpha1.UserPhaseInactive))
			g.Expect(u.Status.PurgeAt).To(BeNil())
		}).Should(Succeed())
		reconcile(reconcilersAt(env.Clock.Now().Add(10*v1alpha1.DefaultSoftDeleteRetention)).Users, key("manual"))
		Expect(gone("manual")()).To(BeFalse())
	})

	It("purges on time after a restart, from the timestamps stored on the user", func() {
		newUser("restart", false)
		at := purgeAt("restart")

		By("stopping the operator, and starting it again after the purge time")
		stopManager()
		env.Clock.SetTime(at)
		Expect(gone("restart")()).To(BeFalse(), "nothing purges while the operator is down")
		startManager()
		Eventually(gone("restart")).Should(BeTrue())
	})

	Describe("manager", func() {
		managerOf := func(name string) func(g Gomega) (string, metav1.ConditionStatus) {
			return func(g Gomega) (string, metav1.ConditionStatus) {
				u, err := get(name)
				g.Expect(err).NotTo(HaveOccurred())
				c := meta.FindStatusCondition(u.Status.Conditions, v1alpha1.ConditionManagerResolved)
				g.Expect(c).NotTo(BeNil())
				return u.Status.Manager, c.Status
			}
		}
		withManager := func(value string) func(*v1alpha1.ScimUser) {
			return func(u *v1alpha1.ScimUser) {
				u.Spec.Enterprise = &v1alpha1.EnterpriseUser{Manager: &v1alpha1.Manager{Value: value}}
			}
		}

		It("resolves by id once the manager appears, and again when it goes", func() {
			newUser("report", true, withManager("boss"))
			Eventually(func(g Gomega) metav1.ConditionStatus { _, s := managerOf("report")(g); return s }).Should(Equal(metav1.ConditionFalse))
			boss := newUser("boss", true)
			Eventually(func(g Gomega) string { m, _ := managerOf("report")(g); return m }).Should(Equal("boss"))

			By("purging the manager")
			patch := client.MergeFrom(boss.DeepCopy())
			boss.Annotations = map[string]string{v1alpha1.AnnotationPurgeNow: "true"}
			boss.Spec.Active = ptr.To(false)
			Expect(k8sClient.Patch(ctx, boss, patch)).To(Succeed())
			Eventually(gone("boss")).Should(BeTrue())
			Eventually(func(g Gomega) string { m, _ := managerOf("report")(g); return m }).Should(BeEmpty())
		})

		It("resolves by userName, as Entra sends the manager's UPN", func() {
			newUser("upn-boss", true, func(u *v1alpha1.ScimUser) {
				u.Spec.UserName = "Boss.UPN@corp.example.com"
				u.Spec.Emails = nil
			})
			newUser("upn-report", true, withManager("boss.upn@corp.example.com"))
			Eventually(func(g Gomega) string { m, _ := managerOf("upn-report")(g); return m }).Should(Equal("upn-boss"))
		})

		It("resolves by email address", func() {
			newUser("chief", true)
			newUser("worker", true, withManager("CHIEF@example.com"))
			Eventually(func(g Gomega) string { m, _ := managerOf("worker")(g); return m }).Should(Equal("chief"))
		})

		It("resolves an email two users have to neither, and says so", func() {
			newUser("lead", true, func(u *v1alpha1.ScimUser) { u.Spec.UserName = "lead" })
			newUser("lead-admin", true, func(u *v1alpha1.ScimUser) { u.Spec.UserName = "adm-lead" })
			patch := func(name string) {
				u, err := get(name)
				Expect(err).NotTo(HaveOccurred())
				p := client.MergeFrom(u.DeepCopy())
				u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "lead@example.com", Primary: true}}
				Expect(k8sClient.Patch(ctx, u, p)).To(Succeed())
			}
			patch("lead-admin")
			newUser("member", true, withManager("lead@example.com"))
			Eventually(func(g Gomega) *metav1.Condition {
				u, err := get("member")
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(u.Status.Manager).To(BeEmpty())
				return meta.FindStatusCondition(u.Status.Conditions, v1alpha1.ConditionManagerResolved)
			}).Should(And(HaveField("Reason", v1alpha1.ReasonManagerAmbiguous), HaveField("Message", ContainSubstring("lead, lead-admin"))))
		})

		It("stays on the person it resolved to when someone else takes the address later", func() {
			newUser("director", true, func(u *v1alpha1.ScimUser) { u.Spec.UserName = "director" })
			newUser("assistant", true, withManager("director@example.com"))
			Eventually(func(g Gomega) string { m, _ := managerOf("assistant")(g); return m }).Should(Equal("director"))

			By("the director's address moving to a successor")
			d, err := get("director")
			Expect(err).NotTo(HaveOccurred())
			p := client.MergeFrom(d.DeepCopy())
			d.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "former.director@example.com", Type: "work"}}
			Expect(k8sClient.Patch(ctx, d, p)).To(Succeed())
			newUser("successor", true, func(u *v1alpha1.ScimUser) {
				u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "director@example.com", Type: "work"}}
			})
			Eventually(func(g Gomega) []string {
				u, err := get("successor")
				g.Expect(err).NotTo(HaveOccurred())
				return u.Status.Roles
			}).ShouldNot(BeEmpty(), "the successor is reconciled")
			Consistently(func(g Gomega) string { m, _ := managerOf("assistant")(g); return m }, "2s").Should(Equal("director"))

			By("the identity provider deleting the director")
			d, err = get("director")
			Expect(err).NotTo(HaveOccurred())
			p = client.MergeFrom(d.DeepCopy())
			d.MarkDeletedOverSCIM(time.Now())
			Expect(k8sClient.Patch(ctx, d, p)).To(Succeed())
			Eventually(func(g Gomega) string { m, _ := managerOf("assistant")(g); return m }).Should(Equal("successor"))
		})
	})

	Describe("shared email of record", func() {
		sharing := func(name string) func(g Gomega) *metav1.Condition {
			return func(g Gomega) *metav1.Condition {
				u, err := get(name)
				g.Expect(err).NotTo(HaveOccurred())
				c := meta.FindStatusCondition(u.Status.Conditions, v1alpha1.ConditionEmailShared)
				g.Expect(c).NotTo(BeNil())
				return c
			}
		}

		It("reports every live user that shares it, deactivated ones too, and stops when it is no longer shared", func() {
			newUser("rehire", true, func(u *v1alpha1.ScimUser) {
				u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "Sam@Example.com", Primary: true}}
			})
			newUser("sam", false, func(u *v1alpha1.ScimUser) {
				u.Spec.Emails = []v1alpha1.MultiValuedAttribute{{Value: "sam@example.com", Type: "work"}}
			})
			newUser("neighbour", true, func(u *v1alpha1.ScimUser) {
				u.Spec.Emails = append(u.Spec.Emails, v1alpha1.MultiValuedAttribute{Value: "sam@example.com", Type: "other"})
			})
			Eventually(sharing("rehire")).Should(And(HaveField("Status", metav1.ConditionTrue), HaveField("Message", HaveSuffix(": sam"))))
			Eventually(sharing("sam")).Should(And(HaveField("Status", metav1.ConditionTrue), HaveField("Message", HaveSuffix(": rehire"))))
			Eventually(sharing("neighbour")).Should(HaveField("Status", metav1.ConditionFalse), "another address is not the email of record")
			Eventually(func(g Gomega) int32 {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(tenant), tenant)).To(Succeed())
				return tenant.Status.Users.SharingEmail
			}).Should(BeEquivalentTo(2))

			By("the deactivated account being deleted")
			sam, err := get("sam")
			Expect(err).NotTo(HaveOccurred())
			Expect(k8sClient.Delete(ctx, sam)).To(Succeed())
			Eventually(sharing("rehire")).Should(HaveField("Status", metav1.ConditionFalse))
			Eventually(func(g Gomega) int32 {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(tenant), tenant)).To(Succeed())
				return tenant.Status.Users.SharingEmail
			}).Should(BeZero())
		})
	})

	Describe("language", func() {
		language := func(name string) func(g Gomega) string {
			return func(g Gomega) string {
				u, err := get(name)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(u.Status.ObservedGeneration).To(Equal(u.Generation))
				return u.Status.Language
			}
		}
		edit := func(name string, f func(*v1alpha1.ScimUser)) {
			u, err := get(name)
			Expect(err).NotTo(HaveOccurred())
			patch := client.MergeFrom(u.DeepCopy())
			f(u)
			Expect(k8sClient.Patch(ctx, u, patch)).To(Succeed())
		}

		It("takes the identity provider's language, keeps one chosen by hand until the provider sends a different one", func() {
			newUser("polyglot", true, func(u *v1alpha1.ScimUser) { u.Spec.PreferredLanguage = "en-US" })
			Eventually(language("polyglot")).Should(Equal("en"), "the ISO 639-1 base of the tag")

			edit("polyglot", func(u *v1alpha1.ScimUser) { u.Spec.LanguageOverride = "fi" })
			Eventually(language("polyglot")).Should(Equal("fi"))

			By("the provider sending the same value again, in another case and with an underscore")
			edit("polyglot", func(u *v1alpha1.ScimUser) { u.Spec.Title = "touched"; u.Spec.PreferredLanguage = "EN_us" })
			Eventually(language("polyglot")).Should(Equal("fi"))
			Consistently(language("polyglot"), time.Second).Should(Equal("fi"))

			By("the provider sending a different value")
			edit("polyglot", func(u *v1alpha1.ScimUser) { u.Spec.PreferredLanguage = "sv" })
			Eventually(language("polyglot")).Should(Equal("sv"))

			By("choosing by hand again")
			edit("polyglot", func(u *v1alpha1.ScimUser) { u.Spec.LanguageOverride = "de" })
			Eventually(language("polyglot")).Should(Equal("de"))
		})
	})
})
