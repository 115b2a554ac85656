package scimwebhook_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scim-operator/scim-operator/internal/metrics"
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

		Eventually(func() float64 { return testutil.ToFloat64(metrics.Users.WithLabelValues(tenant, "Active")) }).Should(BeNumerically("==", 1))
		Eventually(func() float64 { return testutil.ToFloat64(metrics.Users.WithLabelValues(tenant, "Inactive")) }).Should(BeNumerically("==", 1))
	})
})
