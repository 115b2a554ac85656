package controllers_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/idp"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// grantedOnly is a user of the test API server that holds exactly the
// roles controller-gen generated into file (a ClusterRole, and a Role in
// the operator's namespace), as the shipped bindings grant them.
func grantedOnly(user, file string) *rest.Config {
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
		switch doc.Kind {
		case "ClusterRole":
			Expect(k8sClient.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: doc.Rules})).To(Succeed())
			Expect(k8sClient.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}})).To(Succeed())
		case "Role":
			Expect(doc.Metadata.Namespace).To(Equal("system"), "namespaced roles are the operator's namespace's")
			meta := metav1.ObjectMeta{Namespace: suite.OperatorNamespace, Name: name}
			Expect(k8sClient.Create(ctx, &rbacv1.Role{ObjectMeta: meta, Rules: doc.Rules})).To(Succeed())
			Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta, Subjects: subjects,
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}})).To(Succeed())
		}
	}
	return u.Config()
}

var _ = Describe("The generated roles", Ordered, func() {
	var (
		server    *scimwebhook.Server
		serverCfg *rest.Config
	)
	BeforeAll(func() {
		// Only the restricted operators run meanwhile, so that nothing
		// they lack a permission for is done for them.
		stopManager()
		DeferCleanup(startManager)
		controllersOp := env.StartOperatorAs(grantedOnly("least-controllers", "controller/role.yaml"), operator.Options{
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
		ns := newNamespace()
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
	})

	It("keep the SCIM server away from every Secret but the token verifiers", func() {
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
		Expect(c.List(ctx, &corev1.SecretList{}, client.InNamespace(suite.OperatorNamespace))).To(Succeed())
		err = c.Delete(ctx, &v1alpha1.ScimUser{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "anyone"}})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "users are never deleted over SCIM: %v", err)
	})
})
