// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

var _ = Describe("kubectl scim tenants", func() {
	It("lists the namespace's tenants with readiness, endpoint, counts and token age", func() {
		t := newTenant("acme")
		t.createUser(`{"userName":"ann@example.com"}`)
		Eventually(func(g Gomega) {
			var rows []tenantRow
			r := kubectlScim("tenants", "-n", t.namespace, "-o", "json")
			g.Expect(r.err).NotTo(HaveOccurred())
			g.Expect(json.Unmarshal([]byte(r.out), &rows)).To(Succeed())
			g.Expect(rows).To(HaveLen(1))
			g.Expect(rows[0].Ready).To(Equal("True"))
			g.Expect(rows[0].Active).To(BeEquivalentTo(1))
			g.Expect(rows[0].Endpoint).To(Equal("http://" + scimAddr + "/scim/v2/" + t.namespace + "/acme"))
			g.Expect(rows[0].TokenSince).NotTo(BeNil(), "the token's age is shown")
		}).Should(Succeed())

		out := kubectlScim("tenants", "-n", t.namespace).succeeded()
		Expect(out).To(MatchRegexp(`(?m)^NAMESPACE\s+NAME\s+READY\s+ENDPOINT\s+ACTIVE`))
		Expect(out).To(MatchRegexp(`(?m)^` + t.namespace + `\s+acme\s+True\s+http://`))
		Expect(out).NotTo(ContainSubstring("MAX-USERS"), "the limits are for -o wide")

		By("showing the limits that apply with -o wide")
		Eventually(func() string { return kubectlScim("tenants", "-n", t.namespace, "-o", "wide").succeeded() }).Should(And(
			MatchRegexp(`(?m)TOKEN-AGE\s+RATE\s+BURST\s+IN-FLIGHT\s+MAX-USERS\s+MAX-GROUPS$`),
			MatchRegexp(`(?m)\s200\s+400\s+32\s+<none>\s+<none>$`)))
	})

	It("lists every namespace's tenants with -A, and reads any kubeconfig context", func() {
		a, b := newTenant("north"), newTenant("south")
		two := twoContextKubeconfig()
		Expect(kubectlScim("tenants", "-A", "--kubeconfig", two).err).To(HaveOccurred(), "the current context reaches no API server")
		out := kubectlScim("tenants", "-A", "--kubeconfig", two, "--context", "envtest").succeeded()
		Expect(out).To(ContainSubstring(a.namespace))
		Expect(out).To(ContainSubstring(b.namespace))
	})

	It("refuses an output format it does not know", func() {
		r := kubectlScim("tenants", "-o", "xml")
		Expect(r.err).To(MatchError(ContainSubstring("use wide, name, json, yaml, jsonpath=TEMPLATE or custom-columns=SPEC")))
	})
})

var _ = Describe("kubectl scim users", func() {
	var t testTenant
	var active, inactive, deleted, invalid string
	BeforeEach(func() {
		t = newTenant("acme")
		active = t.createUser(`{"userName":"active@example.com","emails":[{"value":"active@example.com","primary":true}]}`)
		inactive = t.createUser(`{"userName":"leaver@example.com"}`)
		deleted = t.createUser(`{"userName":"gone@example.com"}`)
		invalid = t.createUser(`{"userName":"odd@example.com","preferredLanguage":"Klingon"}`)
		t.deactivate(inactive)
		Expect(t.send(http.MethodDelete, "/Users/"+deleted, "").StatusCode).To(Equal(http.StatusNoContent))
		t.awaitPhase(inactive, v1alpha1.UserPhaseInactive)
		t.awaitPhase(deleted, v1alpha1.UserPhaseDeleted)
	})

	It("lists a tenant's users, by phase and with values that could not be normalised", func() {
		ids := func(args ...string) []string {
			var rows []userRow
			kubectlScim(append([]string{"users", "-n", t.namespace, "-o", "json"}, args...)...).jsonOf(&rows)
			var out []string
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return out
		}
		Expect(ids()).To(ConsistOf(active, inactive, deleted, invalid))
		Expect(ids("--phase", "Deleted")).To(ConsistOf(deleted))
		Expect(ids("--phase", "Inactive")).To(ConsistOf(inactive))
		Eventually(func() []string { return ids("--invalid") }).Should(ConsistOf(invalid))

		out := kubectlScim("users", "-n", t.namespace, "-t", "acme", "--phase", "Active").succeeded()
		Expect(out).To(MatchRegexp(`(?m)^` + active + `\s+active@example.com\s+Active\s+active@example.com`))
		Expect(kubectlScim("users", "-n", t.namespace, "--phase", "Gone").err).To(MatchError(ContainSubstring("Active, Inactive or Deleted")))
	})

	It("shows a user exactly as the SCIM server answers for it, by id or by userName", func() {
		group := t.send(http.MethodPost, "/Groups", `{"displayName":"Engineers","members":[{"value":"`+active+`"}]}`)
		Expect(group.StatusCode).To(Equal(http.StatusCreated), string(group.Body))
		scim := t.send(http.MethodGet, "/Users/"+active, "").doc()
		Expect(scim["groups"]).To(HaveLen(1))

		var byName, byID map[string]any
		kubectlScim("show", "user", "ACTIVE@example.com", "-n", t.namespace).jsonOf(&byName)
		Expect(byName).To(Equal(scim))
		kubectlScim("show", "user", active, "-n", t.namespace).jsonOf(&byID)
		Expect(byID).To(Equal(scim))

		yamlOut := kubectlScim("show", "user", active, "-n", t.namespace, "-o", "yaml").succeeded()
		var fromYAML map[string]any
		Expect(yaml.Unmarshal([]byte(yamlOut), &fromYAML)).To(Succeed())
		Expect(fromYAML["userName"]).To(Equal("active@example.com"))

		r := kubectlScim("show", "user", deleted, "-n", t.namespace)
		Expect(r.err).NotTo(HaveOccurred())
		Expect(r.errOut).To(ContainSubstring("the identity provider gets 404"))
		Expect(kubectlScim("show", "user", "nobody", "-n", t.namespace).err).To(MatchError(ContainSubstring(`no user with id or userName "nobody"`)))
	})

	It("restores a user deleted over SCIM, and refuses to restore a live one", func() {
		out := kubectlScim("restore", "user", deleted, "-n", t.namespace).succeeded()
		Expect(out).To(ContainSubstring("restored"))
		Expect(t.send(http.MethodGet, "/Users/"+deleted, "").StatusCode).To(Equal(http.StatusOK))
		Expect(kubectlScim("restore", "user", active, "-n", t.namespace).err).To(MatchError(ContainSubstring("not deleted over SCIM")))
	})

	It("purges a deactivated user after confirmation, and never an active one", func() {
		Expect(kubectlScim("purge", "user", active, "-n", t.namespace, "--yes").err).To(MatchError(ContainSubstring("is active")))

		r := kubectlScimIn("someone-else\n", "purge", "user", inactive, "-n", t.namespace)
		Expect(r.err).To(MatchError(ContainSubstring("not confirmed")))
		Expect(r.errOut).To(ContainSubstring("cannot be undone"))
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: inactive}, &v1alpha1.ScimUser{})).To(Succeed(), "an unconfirmed purge leaves the user")

		Expect(kubectlScimIn("leaver@example.com\n", "purge", "user", inactive, "-n", t.namespace).succeeded()).To(ContainSubstring("purged"))
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: inactive}, &v1alpha1.ScimUser{}))).To(BeTrue())

		Expect(kubectlScim("purge", "user", "gone@example.com", "-n", t.namespace, "--yes").succeeded()).To(ContainSubstring("purged"))
	})

	It("lists the tenant's provisioning events, oldest first", func() {
		Eventually(func(g Gomega) {
			var rows []eventRow
			r := kubectlScim("events", "-n", t.namespace, "-o", "json")
			g.Expect(r.err).NotTo(HaveOccurred())
			g.Expect(json.Unmarshal([]byte(r.out), &rows)).To(Succeed())
			var reasons []string
			for _, e := range rows {
				reasons = append(reasons, e.Object+" "+e.Reason)
			}
			g.Expect(reasons).To(ContainElements("ScimUser/"+active+" UserCreated", "ScimUser/"+deleted+" UserDeleted", "ScimTenant/acme TokenGenerated"))
			for i := 1; i < len(rows); i++ {
				g.Expect(rows[i].LastSeen).NotTo(BeTemporally("<", rows[i-1].LastSeen))
			}
		}).Should(Succeed())
		Expect(kubectlScim("events", "-n", t.namespace).succeeded()).To(MatchRegexp(`(?m)^LAST-SEEN\s+TYPE\s+REASON\s+OBJECT`))
	})

	It("keeps another tenant's events out when a namespace holds two", func() {
		other := &v1alpha1.ScimTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: "other"},
			Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "other-token"}},
		}
		Expect(k8sClient.Create(ctx, other)).To(Succeed())
		Eventually(func(g Gomega) {
			var rows []eventRow
			kubectlScim("events", "-n", t.namespace, "-t", "other", "-o", "json").jsonOf(&rows)
			g.Expect(rows).NotTo(BeEmpty())
			for _, e := range rows {
				g.Expect(e.Object).To(Equal("ScimTenant/other"))
			}
		}).Should(Succeed())
		Expect(kubectlScim("users", "-n", t.namespace).err).To(MatchError(ContainSubstring("pick one with -t")))
	})
})

var _ = Describe("kubectl scim token rotate", func() {
	It("writes a new token the server takes at once, printed once, and keeps the old one for the grace period", func() {
		t := newTenant("acme")
		r := kubectlScim("token", "rotate", "-n", t.namespace)
		fresh := strings.TrimSpace(r.succeeded())
		Expect(len(fresh)).To(BeNumerically(">=", v1alpha1.MinTokenLength))
		Expect(r.errOut).To(ContainSubstring("keeps working for 5m0s"))
		Expect(r.errOut).NotTo(ContainSubstring(fresh), "the token is printed once, on stdout")
		Eventually(func() int { return t.sendWith(fresh, http.MethodGet, "/ServiceProviderConfig", "").StatusCode }).Should(Equal(http.StatusOK))
		Expect(t.send(http.MethodGet, "/ServiceProviderConfig", "").StatusCode).To(Equal(http.StatusOK), "the old token is in its grace period")
	})

	It("leaves a Secret the operator did not generate to whoever manages it, unless forced", func() {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "plugin-"}}
		Expect(k8sClient.Create(ctx, ns)).To(Succeed())
		given := strings.Repeat("g", 40)
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "managed", Labels: map[string]string{v1alpha1.LabelTokenSecret: "true"}},
			Data:       map[string][]byte{"token": []byte(given)},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, &v1alpha1.ScimTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "gitops"},
			Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "managed"}},
		})).To(Succeed())
		Expect(kubectlScim("token", "rotate", "-n", ns.Name).err).To(MatchError(ContainSubstring("rotate the token where the Secret is managed")))
		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "managed"}, secret)).To(Succeed())
		Expect(string(secret.Data["token"])).To(Equal(given))

		fresh := strings.TrimSpace(kubectlScim("token", "rotate", "-n", ns.Name, "--force").succeeded())
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "managed"}, secret)).To(Succeed())
		Expect(string(secret.Data["token"])).To(Equal(fresh))
	})
})

var _ = Describe("kubectl scim doctor", func() {
	checksOf := func(r result) map[string]check {
		var list []check
		ExpectWithOffset(1, json.Unmarshal([]byte(r.out), &list)).To(Succeed(), r.out+r.errOut)
		out := map[string]check{}
		for _, c := range list {
			out[c.Name] = c
		}
		return out
	}

	It("passes a healthy tenant, checking its endpoint with the token", func() {
		t := newTenant("acme")
		r := kubectlScim("doctor", "-n", t.namespace, "-o", "json")
		Expect(r.err).NotTo(HaveOccurred(), r.out)
		checks := checksOf(r)
		for _, name := range []string{"clock", "condition TokenReady", "condition Ready", "token secret", "endpoint", "purge backlog", "attributes", "shared emails", "your access"} {
			Expect(checks).To(HaveKeyWithValue(name, HaveField("Status", checkOK)), name)
		}
		Expect(checks["endpoint"].Detail).To(ContainSubstring("accepts the token"))
		Expect(checks["service"].Status).To(Equal(checkWarn), "there is no SCIM Service in the test cluster")
		Expect(checks["service"].Detail).To(ContainSubstring("not found"))
	})

	It("fails a tenant whose token is too short, and says what to fix", func() {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "plugin-"}}
		Expect(k8sClient.Create(ctx, ns)).To(Succeed())
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "short", Labels: map[string]string{v1alpha1.LabelTokenSecret: "true"}},
			Data:       map[string][]byte{"token": []byte("tiny")},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, &v1alpha1.ScimTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "weak"},
			Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "short"}, PublicBaseURL: "http://" + scimAddr},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			r := kubectlScim("doctor", "-n", ns.Name, "-o", "json")
			g.Expect(r.err).To(MatchError(ContainSubstring("checks of tenant " + ns.Name + "/weak failed")))
			var list []check
			g.Expect(json.Unmarshal([]byte(r.out), &list)).To(Succeed())
			g.Expect(list).To(ContainElements(
				check{Name: "token secret", Status: checkFail, Detail: "the token in Secret short is 4 characters, fewer than the 32 required"},
				HaveField("Name", "condition TokenReady"),
			))
			g.Expect(list).To(ContainElement(And(HaveField("Name", "condition TokenReady"), HaveField("Status", checkFail))))
			g.Expect(list).To(ContainElement(And(HaveField("Name", "endpoint"), HaveField("Detail", ContainSubstring("not checked with the token, which is not usable")))))
		}).Should(Succeed())
	})

	It("tells a caller with little access what they may not do", func() {
		t := newTenant("acme")
		Expect(k8sClient.Create(ctx, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: "reader"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"scimtenants", "scimusers"}, Verbs: []string{"get", "list"}}},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: "reader"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "reader-" + t.namespace}},
		})).To(Succeed())
		reader := writeKubeconfig("reader-"+t.namespace, nil)
		r := kubectlScim("doctor", "-n", t.namespace, "-o", "json", "--kubeconfig", reader)
		Expect(r.err).NotTo(HaveOccurred(), r.out)
		checks := checksOf(r)
		Expect(checks["token secret"]).To(Equal(check{Name: "token secret", Status: checkWarn, Detail: "you may not read Secret acme-token; the endpoint check runs without the token"}))
		Expect(checks["endpoint"].Status).To(Equal(checkOK))
		Expect(checks["your access"].Status).To(Equal(checkWarn))
		Expect(checks["your access"].Detail).To(ContainSubstring("patch scimusers (restore, purge)"))
		Expect(checks["your access"].Detail).To(ContainSubstring("patch secrets (token rotate)"))
		Expect(checks["your access"].Detail).NotTo(ContainSubstring("list scimusers"))
	})
})

var _ = Describe("kubectl scim usage", func() {
	It("names the plugin as kubectl runs it", func() {
		out := kubectlScim("users", "--help").succeeded()
		Expect(out).To(ContainSubstring("kubectl scim users [flags]"))
		Expect(out).NotTo(ContainSubstring("kubectl-scim"))
	})
})
