// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/internal/metrics"
	"github.com/scim-operator/scim-operator/internal/operator"
)

var _ = Describe("Metrics", func() {
	It("count requests by tenant, resource, method and status, and users by phase", func() {
		t := newTenant()
		tenant := t.namespace + "/" + t.name
		t.created("/Users", `{"userName":"counted"}`)
		t.created("/Users", `{"userName":"inactive","active":false}`)
		expectSCIMError(t.send(http.MethodPost, "/Users", `{"userName":"counted"}`), http.StatusConflict)
		Expect(testutil.ToFloat64(metrics.Requests.WithLabelValues(tenant, "Users", http.MethodPost, "201"))).To(BeNumerically("==", 2))
		Expect(testutil.ToFloat64(metrics.Requests.WithLabelValues(tenant, "Users", http.MethodPost, "409"))).To(BeNumerically("==", 1))

		By("never labelling a request that did not authenticate with the tenant it named")
		do(http.MethodGet, "/scim/v2/nope/nobody/Users", "", nil)
		Expect(testutil.ToFloat64(metrics.Requests.WithLabelValues("nope/nobody", "Users", http.MethodGet, "401"))).To(BeZero())

		By("counting refused tokens by tenant when the tenant exists, as an identity provider with a stale token sends them")
		stale := testutil.ToFloat64(metrics.AuthFailures.WithLabelValues(tenant))
		do(http.MethodGet, t.path("/Users"), "stale-token", nil)
		do(http.MethodGet, t.path("/Users"), "", nil)
		Expect(testutil.ToFloat64(metrics.AuthFailures.WithLabelValues(tenant)) - stale).To(BeNumerically("==", 2))
		Expect(testutil.ToFloat64(metrics.AuthFailures.WithLabelValues("nope/nobody"))).To(BeZero(), "made-up tenants share the empty label")
		Eventually(func() float64 { return testutil.ToFloat64(metrics.TokenObserved.WithLabelValues(tenant)) }).Should(BeNumerically(">", 0))

		Eventually(func() float64 { return testutil.ToFloat64(metrics.Users.WithLabelValues(tenant, "Active")) }).Should(BeNumerically("==", 1))
		Eventually(func() float64 { return testutil.ToFloat64(metrics.Users.WithLabelValues(tenant, "Inactive")) }).Should(BeNumerically("==", 1))
	})

	It("label made-up methods as other, so unauthenticated clients cannot grow the series", func() {
		other := func() float64 {
			return testutil.ToFloat64(metrics.Requests.WithLabelValues("", "Users", "other", "405")) +
				testutil.ToFloat64(metrics.Requests.WithLabelValues("", "Users", "other", "401"))
		}
		before, series := other(), testutil.CollectAndCount(metrics.Requests)
		for i := range 200 {
			do(fmt.Sprintf("M%03d%s", i, strings.Repeat("X", 200)), "/scim/v2/nope/nobody/Users", "", nil)
		}
		Expect(other() - before).To(BeNumerically("==", 200))
		Expect(testutil.CollectAndCount(metrics.Requests)).To(BeNumerically("<=", series+2),
			"200 made-up methods must not make 200 series")
	})
})

var _ = Describe("Metrics endpoint", func() {
	It("serves metrics over HTTPS only to callers allowed to GET /metrics", func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := l.Addr().String()
		Expect(l.Close()).To(Succeed())
		op := env.StartOperator(operator.Options{Role: operator.RoleServer, MetricsAddr: addr, MetricsSecure: true})
		DeferCleanup(op.Stop)

		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "metrics-"}}
		Expect(k8sClient.Create(ctx, ns)).To(Succeed())
		By("binding the shipped metrics-reader ClusterRole to one ServiceAccount of two")
		raw, err := os.ReadFile(filepath.Join("..", "config", "rbac", "metrics_reader_role.yaml"))
		Expect(err).NotTo(HaveOccurred())
		reader := &rbacv1.ClusterRole{}
		Expect(yaml.Unmarshal(raw, reader)).To(Succeed())
		reader.Name = "metrics-reader-" + ns.Name
		Expect(k8sClient.Create(ctx, reader)).To(Succeed())
		Expect(k8sClient.Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: reader.Name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns.Name, Name: "prometheus"}},
		})).To(Succeed())
		token := func(name string) string {
			sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: name}}
			Expect(k8sClient.Create(ctx, sa)).To(Succeed())
			req := &authenticationv1.TokenRequest{}
			Expect(k8sClient.SubResource("token").Create(ctx, sa, req)).To(Succeed())
			return req.Status.Token
		}
		prometheus, stranger := token("prometheus"), token("stranger")

		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the endpoint's certificate is self-signed in the suite
		scrape := func(token string) (int, string) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/metrics", nil)
			Expect(err).NotTo(HaveOccurred())
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := client.Do(req)
			if err != nil {
				return 0, err.Error()
			}
			defer func() { _ = resp.Body.Close() }()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		Eventually(func() int { code, _ := scrape(""); return code }).WithTimeout(20*time.Second).Should(Equal(http.StatusUnauthorized), "no token, no metrics")
		Eventually(func() int { code, _ := scrape(stranger); return code }).Should(Equal(http.StatusForbidden), "a ServiceAccount without metrics-reader")
		Eventually(func(g Gomega) {
			code, body := scrape(prometheus)
			g.Expect(code).To(Equal(http.StatusOK))
			g.Expect(body).To(ContainSubstring("scim_claims_collected_total"))
		}).Should(Succeed())
	})
})
