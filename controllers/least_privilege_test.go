// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/controllers"
	"github.com/scim-operator/scim-operator/internal/idp"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// grantedOnly is a user of the test API server that holds exactly the
// roles controller-gen generated into file (a ClusterRole, and a Role in
// the operator's namespace), as the shipped bindings grant them. With
// namespaces, the ClusterRole's rules are granted as a Role in each of
// them instead, as the namespace-scoped install grants them.
func grantedOnly(user, file string, namespaces ...string) *rest.Config {
	u, err := env.AddUser(envtest.User{Name: user}, nil)
	Expect(err).NotTo(HaveOccurred())
	data, err := os.ReadFile(filepath.Join("..", "config", "rbac", file))
	Expect(err).NotTo(HaveOccurred())
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	for {
		var doc struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Namespace string `json:"namespace"`
			} `json:"metadata"`
			Rules []rbacv1.PolicyRule `json:"rules"`
		}
		if decoder.Decode(&doc) != nil {
			break
		}
		name := user + "-" + doc.Kind
		switch {
		case doc.Kind == "ClusterRole" && len(namespaces) == 0:
			Expect(k8sClient.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: doc.Rules})).To(Succeed())
			Expect(k8sClient.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}})).To(Succeed())
		case doc.Kind == "ClusterRole":
			for _, ns := range namespaces {
				grantRole(metav1.ObjectMeta{Namespace: ns, Name: name}, doc.Rules, subjects)
			}
		case doc.Kind == "Role":
			Expect(doc.Metadata.Namespace).To(Equal("system"), "namespaced roles are the operator's namespace's")
			grantRole(metav1.ObjectMeta{Namespace: suite.OperatorNamespace, Name: name}, doc.Rules, subjects)
		}
	}
	return u.Config()
}

func grantRole(meta metav1.ObjectMeta, rules []rbacv1.PolicyRule, subjects []rbacv1.Subject) {
	Expect(k8sClient.Create(ctx, &rbacv1.Role{ObjectMeta: meta, Rules: rules})).To(Succeed())
	Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta, Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: meta.Name}})).To(Succeed())
}

// provision runs the first IdP scripts against a new tenant of namespace
// ns through server, once its token works.
func provision(server *scimwebhook.Server, ns string) {
	GinkgoHelper()
	Expect(k8sClient.Create(ctx, newTenant(ns, "least", "least-token"))).To(Succeed())
	token := ""
	base := fmt.Sprintf("http://%s%s/%s/least", server.Addr(), v1alpha1.SCIMPathPrefix, ns)
	Eventually(func(g Gomega) {
		secret := &corev1.Secret{}
		g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: "least-token"}, secret)).To(Succeed())
		token = string(secret.Data["token"])
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/ServiceProviderConfig", nil)
		g.Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	for _, script := range idp.Scripts()[:2] {
		run, err := script.Run(ctx, &idp.Target{BaseURL: base, Token: token, Cluster: idp.KubeCluster{Client: k8sClient, Namespace: ns}},
			"least-"+script.Name, 4, 2, false)
		Expect(err).NotTo(HaveOccurred(), "%s", script.Name)
		Expect(run.Requests).To(BeNumerically(">", 30))
	}

	By("restoring a user deleted over SCIM by hand")
	status, body := scimDo(http.MethodPost, base+"/Users", token, `{"userName":"restored@example.com"}`)
	Expect(status).To(Equal(http.StatusCreated), "%s", body)
	var created struct{ ID string }
	Expect(json.Unmarshal(body, &created)).To(Succeed())
	status, _ = scimDo(http.MethodDelete, base+"/Users/"+created.ID, token, "")
	Expect(status).To(Equal(http.StatusNoContent))
	u := &v1alpha1.ScimUser{}
	Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns, Name: created.ID}, u)).To(Succeed())
	patch := client.MergeFrom(u.DeepCopy())
	metav1.SetMetaDataAnnotation(&u.ObjectMeta, v1alpha1.AnnotationRestore, "true")
	Expect(k8sClient.Patch(ctx, u, patch)).To(Succeed())
	Eventually(func() int {
		status, _ := scimDo(http.MethodGet, base+"/Users/"+created.ID, token, "")
		return status
	}).Should(Equal(http.StatusOK))
}

// scimDo sends one SCIM request and returns its status and body.
func scimDo(method, url, token, body string) (int, []byte) {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, data
}

var _ = Describe("The namespace-scoped install", Ordered, func() {
	It("serves the namespaces it is given with Roles there and in its own namespace, and no ClusterRole", func() {
		stopManager()
		DeferCleanup(startManager)
		ns := newNamespace()
		controllersOp := env.StartOperatorAs(grantedOnly("scoped-controllers", "controller/role.yaml", ns), operator.Options{
			Role: operator.RoleControllers, WatchNamespaces: []string{ns},
			SCIM: scimwebhook.Options{BaseURL: testBaseURL},
		})
		DeferCleanup(controllersOp.Stop)
		serverOp := env.StartOperatorAs(grantedOnly("scoped-server", "server/role.yaml", ns), operator.Options{
			Role: operator.RoleServer, WatchNamespaces: []string{ns},
			SCIM: scimwebhook.Options{BaseURL: "http://scim.test.example"},
		})
		DeferCleanup(serverOp.Stop)
		provision(serverOp.Server, ns)
		scoped := controllers.NewReconcilers(controllersOp.Manager, controllers.Options{Namespace: suite.OperatorNamespace, WatchNamespaces: []string{ns}, Clock: clocktesting.NewFakeClock(time.Now())})
		Expect(scoped.Claims.Collect(ctx)).To(BeZero(), "the collector sweeps the namespaces it may")
	})
})

var _ = Describe("The generated roles", Ordered, func() {
	var (
		server        *scimwebhook.Server
		serverCfg     *rest.Config
		controllersOp *suite.Operator
		cycleNS       string
	)
	BeforeAll(func() {
		// Only the restricted operators run meanwhile, so that nothing
		// they lack a permission for is done for them.
		stopManager()
		DeferCleanup(startManager)
		controllersOp = env.StartOperatorAs(grantedOnly("least-controllers", "controller/role.yaml"), operator.Options{
			Role: operator.RoleControllers,
			SCIM: scimwebhook.Options{BaseURL: testBaseURL},
		})
		DeferCleanup(controllersOp.Stop)
		serverCfg = grantedOnly("least-server", "server/role.yaml")
		serverOp := env.StartOperatorAs(serverCfg, operator.Options{
			Role: operator.RoleServer,
			SCIM: scimwebhook.Options{BaseURL: "http://scim.test.example"},
		})
		DeferCleanup(serverOp.Stop)
		server = serverOp.Server
	})

	It("are enough for the reconcilers and the SCIM server to run whole provisioning cycles", func() {
		cycleNS = newNamespace()
		provision(server, cycleNS)
	})

	It("keep the SCIM server away from every Secret, its own namespace's too, and let it read the token verifiers", func() {
		ns := newNamespace()
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "token", Labels: tokenLabel},
			Data:       map[string][]byte{"token": bytes.Repeat([]byte("t"), 40)},
		})).To(Succeed())
		c, err := client.New(serverCfg, client.Options{Scheme: k8sClient.Scheme()})
		Expect(err).NotTo(HaveOccurred())
		err = c.Get(ctx, types.NamespacedName{Namespace: ns, Name: "token"}, &corev1.Secret{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a token Secret: %v", err)
		err = c.List(ctx, &corev1.SecretList{}, client.InNamespace(ns))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "Secrets of a tenant's namespace: %v", err)
		for _, verb := range []func() error{
			func() error { return c.List(ctx, &corev1.SecretList{}, client.InNamespace(suite.OperatorNamespace)) },
			func() error {
				return c.Get(ctx, types.NamespacedName{Namespace: suite.OperatorNamespace, Name: "anything"}, &corev1.Secret{})
			},
		} {
			err = verb()
			Expect(apierrors.IsForbidden(err)).To(BeTrue(), "Secrets of the operator's namespace: %v", err)
		}
		Expect(c.List(ctx, &v1alpha1.ScimTokenVerifierList{}, client.InNamespace(suite.OperatorNamespace))).To(Succeed())
		err = c.List(ctx, &v1alpha1.ScimTokenVerifierList{}, client.InNamespace(ns))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "verifiers live in the operator's namespace only: %v", err)
		err = c.Delete(ctx, &v1alpha1.ScimUser{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "anyone"}})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "users are never deleted over SCIM: %v", err)
	})

	It("grant nothing the code does not use", func() {
		By("running what the cycles leave to later: purges, claim collection, a tenant's deletion")
		later := controllers.NewReconcilers(controllersOp.Manager, controllers.Options{
			SCIMBaseURL: testBaseURL, Namespace: suite.OperatorNamespace,
			Clock: clocktesting.NewFakeClock(time.Now().Add(2 * v1alpha1.DefaultSoftDeleteRetention)),
		})
		users := &v1alpha1.ScimUserList{}
		Expect(k8sClient.List(ctx, users, client.InNamespace(cycleNS))).To(Succeed())
		purged := 0
		for _, u := range users.Items {
			if u.DeletedOverSCIM() || !u.IsActive() {
				key := client.ObjectKeyFromObject(&u)
				Eventually(func() bool {
					reconcile(later.Users, key)
					return apierrors.IsNotFound(k8sClient.Get(ctx, key, &v1alpha1.ScimUser{}))
				}).Should(BeTrue(), "user %s is purged", key)
				purged++
			}
		}
		Expect(purged).To(BeNumerically(">", 0), "the cycles delete users")
		Expect(k8sClient.Create(ctx, &v1alpha1.ScimClaim{
			ObjectMeta: metav1.ObjectMeta{Namespace: cycleNS, Name: v1alpha1.ClaimName("least", v1alpha1.ClaimUserName, "orphan")},
			Spec:       v1alpha1.ScimClaimSpec{TenantRef: v1alpha1.TenantReference{Name: "least"}, Kind: v1alpha1.ClaimUserName, Value: "orphan", Holder: "nobody"},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, &v1alpha1.ScimClaim{
			ObjectMeta: metav1.ObjectMeta{Namespace: cycleNS, Name: v1alpha1.ClaimName("least", v1alpha1.ClaimGroupDisplayName, "orphan")},
			Spec:       v1alpha1.ScimClaimSpec{TenantRef: v1alpha1.TenantReference{Name: "least"}, Kind: v1alpha1.ClaimGroupDisplayName, Value: "orphan", Holder: "nogroup"},
		})).To(Succeed())
		later.Claims.Grace = 0
		Expect(later.Claims.Collect(ctx)).To(BeNumerically(">=", 2))

		By("emptying the generated token Secret, which the operator fills with a new token")
		secret := &corev1.Secret{}
		tokenKey := types.NamespacedName{Namespace: cycleNS, Name: "least-token"}
		Expect(k8sClient.Get(ctx, tokenKey, secret)).To(Succeed())
		patch := client.MergeFrom(secret.DeepCopy())
		delete(secret.Data, "token")
		Expect(k8sClient.Patch(ctx, secret, patch)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, tokenKey, secret)).To(Succeed())
			g.Expect(secret.Data).To(HaveKey("token"))
		}).Should(Succeed())

		By("rotating the tenant's token, which changes its verifier")
		patch = client.MergeFrom(secret.DeepCopy())
		secret.Data["token"] = bytes.Repeat([]byte("r"), 40)
		Expect(k8sClient.Patch(ctx, secret, patch)).To(Succeed())
		Eventually(func(g Gomega) {
			verifier := &v1alpha1.ScimTokenVerifier{}
			g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: suite.OperatorNamespace, Name: v1alpha1.VerifierName(cycleNS, "least")}, verifier)).To(Succeed())
			g.Expect(verifier.Spec.Previous).NotTo(BeEmpty())
		}).Should(Succeed())
		By("meeting a uniqueness conflict and a user the cache does not have")
		send := func(method, path, body string) int {
			req, err := http.NewRequestWithContext(ctx, method, fmt.Sprintf("http://%s%s/%s/least%s", server.Addr(), v1alpha1.SCIMPathPrefix, cycleNS, path), strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			secret := &corev1.Secret{}
			Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: cycleNS, Name: "least-token"}, secret)).To(Succeed())
			req.Header.Set("Authorization", "Bearer "+string(secret.Data["token"]))
			req.Header.Set("Content-Type", "application/scim+json")
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			_ = resp.Body.Close()
			return resp.StatusCode
		}
		Eventually(func() int { return send(http.MethodPost, "/Users", `{"userName":"twice"}`) }).Should(Equal(http.StatusCreated))
		Expect(send(http.MethodPost, "/Users", `{"userName":"twice"}`)).To(Equal(http.StatusConflict))
		Expect(send(http.MethodGet, "/Users/not-cached", "")).To(Equal(http.StatusNotFound))

		By("adding members one at a time, so that the second joins the first's slice")
		group := &v1alpha1.ScimGroup{
			ObjectMeta: metav1.ObjectMeta{Namespace: cycleNS, Name: "sliced"},
			Spec:       v1alpha1.ScimGroupSpec{TenantRef: v1alpha1.TenantReference{Name: "least"}, ManagedBy: v1alpha1.ManagedBySCIM, DisplayName: "Sliced"},
		}
		Expect(k8sClient.Create(ctx, group)).To(Succeed())
		for i := range 2 {
			id := fmt.Sprintf("member-%02d", i)
			Expect(k8sClient.Create(ctx, &v1alpha1.ScimUser{
				ObjectMeta: metav1.ObjectMeta{Namespace: cycleNS, Name: id},
				Spec:       v1alpha1.ScimUserSpec{TenantRef: v1alpha1.TenantReference{Name: "least"}, ManagedBy: v1alpha1.ManagedBySCIM, UserName: id},
			})).To(Succeed())
			Eventually(func() int {
				return send(http.MethodPatch, "/Groups/sliced", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`)
			}).Should(Equal(http.StatusNoContent))
		}
		By("removing both, which empties the slice")
		Expect(send(http.MethodPatch, "/Groups/sliced", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"member-00\"]"},{"op":"remove","path":"members[value eq \"member-01\"]"}]}`)).
			To(Equal(http.StatusNoContent))

		tenant := &v1alpha1.ScimTenant{ObjectMeta: metav1.ObjectMeta{Namespace: cycleNS, Name: "least"}}
		Expect(k8sClient.Delete(ctx, tenant)).To(Succeed())
		Eventually(func() bool {
			key := types.NamespacedName{Namespace: suite.OperatorNamespace, Name: v1alpha1.VerifierName(cycleNS, "least")}
			return apierrors.IsNotFound(k8sClient.Get(ctx, key, &v1alpha1.ScimTokenVerifier{}))
		}).Should(BeTrue(), "the deleted tenant's verifier is withdrawn")

		By("comparing what each role grants with what its user did, as the API server's audit log has it")
		// Permissions the API server checks on behalf of a request, or that
		// only a rare path needs; each says why it is granted.
		needed := map[string]string{
			"scim.provisioning.io/scimusers/finalizers:update": "checked when a finalizer is set on a user, which the audit log records as a patch of the user",
			"scim.provisioning.io/scimclaims:update":           "taking over a claim left by a failed write, once it is older than the claim grace",
			"events.k8s.io/events:patch":                       "the event recorder patches an Event when the same one repeats",
			"scim.provisioning.io/scimgroupmemberslices:get":   "re-reading a member slice from the API server after a conflicting write",
		}
		unusedGrants := func(g Gomega) map[string][]string {
			used := map[string]map[string]bool{"least-controllers": {}, "least-server": {}}
			data, err := os.ReadFile(auditLog)
			g.Expect(err).NotTo(HaveOccurred())
			for _, line := range bytes.Split(data, []byte("\n")) {
				var event struct {
					User struct {
						Username string `json:"username"`
					} `json:"user"`
					Verb      string `json:"verb"`
					ObjectRef *struct {
						Resource    string `json:"resource"`
						Subresource string `json:"subresource"`
						APIGroup    string `json:"apiGroup"`
					} `json:"objectRef"`
				}
				if json.Unmarshal(line, &event) != nil || event.ObjectRef == nil || used[event.User.Username] == nil {
					continue
				}
				used[event.User.Username][permission(event.ObjectRef.APIGroup, event.ObjectRef.Resource, event.ObjectRef.Subresource, event.Verb)] = true
			}
			unused := map[string][]string{}
			for user, file := range map[string]string{"least-controllers": "controller/role.yaml", "least-server": "server/role.yaml"} {
				for _, p := range granted(file) {
					// An informer lists before it watches where the API server
					// cannot stream the list in its watch; this one can.
					listedByWatch := strings.HasSuffix(p, ":list") && used[user][strings.TrimSuffix(p, ":list")+":watch"]
					if !used[user][p] && !listedByWatch && needed[p] == "" {
						unused[file] = append(unused[file], p)
					}
				}
			}
			return unused
		}
		// The API server logs a request after it answers it: the last
		// requests reach the log a moment after their effect is seen.
		Eventually(unusedGrants, "5s").Should(BeEmpty(), "roles that grant what their user never did")
	})
})

func permission(group, resource, subresource, verb string) string {
	if subresource != "" {
		resource += "/" + subresource
	}
	return group + "/" + resource + ":" + verb
}

// granted lists every group/resource:verb a generated role file grants.
func granted(file string) []string {
	data, err := os.ReadFile(filepath.Join("..", "config", "rbac", file))
	Expect(err).NotTo(HaveOccurred())
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []string
	for {
		var doc struct {
			Rules []rbacv1.PolicyRule `json:"rules"`
		}
		if decoder.Decode(&doc) != nil {
			return out
		}
		for _, r := range doc.Rules {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					for _, v := range r.Verbs {
						parts := strings.SplitN(res, "/", 2)
						sub := ""
						if len(parts) == 2 {
							sub = parts[1]
						}
						out = append(out, permission(g, parts[0], sub, v))
					}
				}
			}
		}
	}
}
