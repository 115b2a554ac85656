package scimwebhook_test

import (
	"fmt"
	"net/http"
	"strings"

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
