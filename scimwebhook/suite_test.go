// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/controllers"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

var (
	env       *suite.Suite
	k8sClient client.Client
	ctx       context.Context
	// first runs the server the specs talk to; its manager's clients back
	// the reconcilers specs call directly.
	first  *suite.Operator
	server *scimwebhook.Server
	// replica is a second operator against the same API server, as a
	// two-replica deployment runs.
	replica *scimwebhook.Server
)

func TestSCIMServer(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SCIM Server Suite")
}

var _ = BeforeSuite(func() {
	env = suite.Start()
	k8sClient, ctx = env.Client, env.Ctx
	first = startOperator()
	server = first.Server
	replica = startOperator().Server
})

// startOperator runs a whole operator (reconcilers and SCIM server) against
// the test API server, as one replica of the deployment would. Replicas
// elect one leader to reconcile; all serve SCIM.
func startOperator() *suite.Operator {
	return env.StartOperator(operator.Options{
		LeaderElection:          true,
		LeaderElectionNamespace: "default",
		SCIM:                    scimwebhook.Options{BaseURL: "http://scim.test.example"},
	})
}

// reconcilersAt are reconcilers whose clock reads at, for specs that check
// what happens when a time comes without waiting for it.
func reconcilersAt(at time.Time) controllers.Reconcilers {
	return controllers.NewReconcilers(first.Manager, controllers.Options{Clock: clocktesting.NewFakeClock(at), Namespace: suite.OperatorNamespace})
}

// testTenant is a ready tenant in a namespace of its own.
type testTenant struct {
	namespace string
	name      string
	token     string
}

// newTenant creates a tenant in a fresh namespace and waits until the
// server accepts its generated token.
func newTenant() testTenant {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "scim-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	tenant := &v1alpha1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "acme"},
		Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "acme-scim-token"}},
	}
	Expect(k8sClient.Create(ctx, tenant)).To(Succeed())

	t := testTenant{namespace: ns.Name, name: tenant.Name}
	Eventually(func(g Gomega) {
		secret := &corev1.Secret{}
		g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: ns.Name, Name: "acme-scim-token"}, secret)).To(Succeed())
		t.token = string(secret.Data[v1alpha1.DefaultTokenSecretKey])
		g.Expect(t.token).NotTo(BeEmpty())
		g.Expect(t.get("/ServiceProviderConfig").StatusCode).To(Equal(http.StatusOK))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return t
}

// path is the URL path of the tenant's endpoint p.
func (t testTenant) path(p string) string {
	return v1alpha1.SCIMPathPrefix + "/" + t.namespace + "/" + t.name + p
}

func (t testTenant) get(p string) *response {
	return do(http.MethodGet, t.path(p), t.token, nil)
}

// response is a completed HTTP exchange with its body read.
type response struct {
	*http.Response
	body []byte
}

// json decodes the body into a generic document.
func (r *response) json() map[string]any {
	var doc map[string]any
	ExpectWithOffset(1, json.Unmarshal(r.body, &doc)).To(Succeed(), "body: %s", r.body)
	return doc
}

// do sends a request to the server; token "" sends no Authorization.
func do(method, path, token string, body []byte) *response {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+server.Addr()+path, bytes.NewReader(body))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	return send(req)
}

func send(req *http.Request) *response {
	resp, err := http.DefaultClient.Do(req)
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	return &response{Response: resp, body: b}
}

// doWithHeader sends a bodiless request with a raw Authorization header.
func doWithHeader(method, path, authorization string) *response {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+server.Addr()+path, nil)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", authorization)
	return send(req)
}

// rotateToken writes a new token into the tenant's Secret.
func rotateToken(t testTenant, token string) {
	secret := &corev1.Secret{}
	ExpectWithOffset(1, k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: "acme-scim-token"}, secret)).To(Succeed())
	patch := client.MergeFrom(secret.DeepCopy())
	secret.Data[v1alpha1.DefaultTokenSecretKey] = []byte(token)
	ExpectWithOffset(1, k8sClient.Patch(ctx, secret, patch)).To(Succeed())
}

// send sends a request with a JSON body to the tenant's endpoint p.
func (t testTenant) send(method, p, body string, headers ...string) *response {
	return t.sendVia(server, method, p, body, headers...)
}

// sendVia sends a request to the tenant's endpoint p on replica srv.
func (t testTenant) sendVia(srv *scimwebhook.Server, method, p, body string, headers ...string) *response {
	req, err := http.NewRequestWithContext(ctx, method, t.url(p, srv), strings.NewReader(body))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+t.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(req)
}

// url is the tenant's endpoint p on server srv (the suite's by default).
func (t testTenant) url(p string, srv ...*scimwebhook.Server) string {
	s := server
	if len(srv) > 0 {
		s = srv[0]
	}
	return "http://" + s.Addr() + t.path(p)
}

// created posts a resource and returns its SCIM document, failing unless
// the server answers 201.
func (t testTenant) created(p, body string) map[string]any {
	r := t.send(http.MethodPost, p, body)
	ExpectWithOffset(1, r.StatusCode).To(Equal(http.StatusCreated), "POST %s: %s", p, r.body)
	return r.json()
}

// list gets a query's ListResponse.
func (t testTenant) list(p string) map[string]any {
	r := t.get(p)
	ExpectWithOffset(1, r.StatusCode).To(Equal(http.StatusOK), "GET %s: %s", p, r.body)
	return r.json()
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// editTenant patches the tenant's spec.
func (t testTenant) editTenant(edit func(*v1alpha1.ScimTenantSpec)) {
	tenant := &v1alpha1.ScimTenant{}
	ExpectWithOffset(1, k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, tenant)).To(Succeed())
	patch := client.MergeFrom(tenant.DeepCopy())
	edit(&tenant.Spec)
	ExpectWithOffset(1, k8sClient.Patch(ctx, tenant, patch)).To(Succeed())
}

// eventsAbout lists the Events regarding one object, as reason → notes.
func eventsAbout(g Gomega, namespace, name string) map[string][]string {
	list := &eventsv1.EventList{}
	g.Expect(k8sClient.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
	out := map[string][]string{}
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			out[e.Reason] = append(out[e.Reason], e.Type+": "+e.Note)
		}
	}
	return out
}

func getTenant(t testTenant) *v1alpha1.ScimTenant {
	tenant := &v1alpha1.ScimTenant{}
	ExpectWithOffset(1, k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, tenant)).To(Succeed())
	return tenant
}

// groupSlicesHold reports whether any member slice of a group lists user,
// whatever SCIM shows.
func groupSlicesHold(t testTenant, group, user string) bool {
	list := &v1alpha1.ScimGroupMemberSliceList{}
	ExpectWithOffset(1, k8sClient.List(ctx, list, client.InNamespace(t.namespace), client.MatchingLabels{v1alpha1.LabelGroup: group})).To(Succeed())
	for _, sl := range list.Items {
		for _, m := range sl.Spec.Members {
			if m.Value == user {
				return true
			}
		}
	}
	return false
}

func getGroup(t testTenant, id string) *v1alpha1.ScimGroup {
	g := &v1alpha1.ScimGroup{}
	ExpectWithOffset(1, k8sClient.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: id}, g)).To(Succeed())
	return g
}

// apiServerRequests is how many requests with verb for resource the API
// server has answered, as its own metrics count them.
func apiServerRequests(verb, resource string) float64 {
	raw, err := kubernetes.NewForConfigOrDie(env.Config).Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	total := 0.0
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "apiserver_request_total{") ||
			!strings.Contains(line, `verb="`+verb+`"`) || !strings.Contains(line, `resource="`+resource+`"`) {
			continue
		}
		n, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		ExpectWithOffset(1, err).NotTo(HaveOccurred(), line)
		total += n
	}
	return total
}
