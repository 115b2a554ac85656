// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

var (
	env        *suite.Suite
	k8sClient  client.Client
	ctx        context.Context
	scimAddr   string
	kubeconfig string
	// trailFile holds the audit trail the suite's operator writes.
	trailFile string
)

func TestKubectlScim(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "kubectl scim Suite")
}

var _ = BeforeSuite(func() {
	env = suite.Start()
	k8sClient, ctx = env.Client, env.Ctx
	trailFile = filepath.Join(GinkgoT().TempDir(), "trail.log")
	trail, err := os.Create(trailFile)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(trail.Close)
	op := env.StartOperator(operator.Options{Audit: audit.New(trail), SCIM: scimwebhook.Options{BaseURL: "http://scim.test.example"}})
	scimAddr = op.Server.Addr()
	kubeconfig = writeKubeconfig("admin", []string{"system:masters"})
})

// writeKubeconfig writes a kubeconfig for a user of the test API server in
// groups, and returns its path.
func writeKubeconfig(name string, groups []string) string {
	user, err := env.ControlPlane.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	Expect(err).NotTo(HaveOccurred())
	b, err := user.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(GinkgoT().TempDir(), name+".kubeconfig")
	Expect(os.WriteFile(path, b, 0o600)).To(Succeed())
	return path
}

// result is what one run of the plugin printed and returned.
type result struct {
	out, errOut string
	err         error
}

// kubectlScim runs the plugin with args, as admin unless args name
// another --kubeconfig, with stdin as its standard input.
func kubectlScimIn(stdin string, args ...string) result {
	var out, errOut bytes.Buffer
	cmd := newRootCommand(genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	if !strings.Contains(strings.Join(args, " "), "--kubeconfig") {
		args = append(args, "--kubeconfig", kubeconfig)
	}
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return result{out: out.String(), errOut: errOut.String(), err: err}
}

func kubectlScim(args ...string) result { return kubectlScimIn("", args...) }

// succeeded is the output of a run that must succeed.
func (r result) succeeded() string {
	ExpectWithOffset(1, r.err).NotTo(HaveOccurred(), "stderr: %s", r.errOut)
	return r.out
}

// jsonOf decodes a run's JSON output into v.
func (r result) jsonOf(v any) {
	ExpectWithOffset(1, json.Unmarshal([]byte(r.succeeded()), v)).To(Succeed(), r.out)
}

// testTenant is a ready tenant in a namespace of its own, whose endpoint
// is the test SCIM server.
type testTenant struct {
	namespace, name, token string
}

func newTenant(name string) testTenant {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "plugin-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	tenant := &v1alpha1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: name},
		Spec: v1alpha1.ScimTenantSpec{
			TokenSecretRef: v1alpha1.SecretKeyReference{Name: name + "-token"},
			PublicBaseURL:  "http://" + scimAddr,
		},
	}
	Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
	t := testTenant{namespace: ns.Name, name: name}
	Eventually(func(g Gomega) {
		secret := &corev1.Secret{}
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: name + "-token"}, secret)).To(Succeed())
		t.token = string(secret.Data[v1alpha1.DefaultTokenSecretKey])
		g.Expect(t.send(http.MethodGet, "/ServiceProviderConfig", "").StatusCode).To(Equal(http.StatusOK))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return t
}

// scimResponse is a completed SCIM exchange with its body read.
type scimResponse struct {
	StatusCode int
	Body       []byte
}

func (r scimResponse) doc() map[string]any {
	var doc map[string]any
	ExpectWithOffset(1, json.Unmarshal(r.Body, &doc)).To(Succeed(), string(r.Body))
	return doc
}

// send sends a SCIM request with the tenant's token.
func (t testTenant) send(method, path, body string) scimResponse {
	return t.sendWith(t.token, method, path, body)
}

func (t testTenant) sendWith(token, method, path, body string) scimResponse {
	url := "http://" + scimAddr + v1alpha1.SCIMPathPrefix + "/" + t.namespace + "/" + t.name + path
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	return scimResponse{StatusCode: resp.StatusCode, Body: b}
}

// createUser creates a user over SCIM and returns its id.
func (t testTenant) createUser(body string) string {
	r := t.send(http.MethodPost, "/Users", body)
	ExpectWithOffset(1, r.StatusCode).To(Equal(http.StatusCreated), string(r.Body))
	return r.doc()["id"].(string)
}

// deactivate sets a user's active to false over SCIM.
func (t testTenant) deactivate(id string) {
	r := t.send(http.MethodPatch, "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
	ExpectWithOffset(1, r.StatusCode).To(Equal(http.StatusOK), string(r.Body))
}

// phaseOf waits until the user controller has put user id in phase.
func (t testTenant) awaitPhase(id string, phase v1alpha1.UserPhase) {
	EventuallyWithOffset(1, func(g Gomega) {
		u := &v1alpha1.ScimUser{}
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: id}, u)).To(Succeed())
		g.Expect(u.Status.Phase).To(Equal(phase))
	}).Should(Succeed())
}

// twoContextKubeconfig is a kubeconfig whose current context points at
// no API server, beside a context "envtest" for the test API server.
func twoContextKubeconfig() string {
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	Expect(err).NotTo(HaveOccurred())
	var ctxName string
	for name := range cfg.Contexts {
		ctxName = name
	}
	working := cfg.Contexts[ctxName].DeepCopy()
	cfg.Contexts["envtest"] = working
	broken := working.DeepCopy()
	broken.Cluster = "nowhere"
	cfg.Clusters["nowhere"] = cfg.Clusters[working.Cluster].DeepCopy()
	cfg.Clusters["nowhere"].Server = "https://127.0.0.1:1"
	cfg.Contexts["elsewhere"] = broken
	cfg.CurrentContext = "elsewhere"
	path := filepath.Join(GinkgoT().TempDir(), "two.kubeconfig")
	Expect(clientcmd.WriteToFile(*cfg, path)).To(Succeed())
	return path
}
