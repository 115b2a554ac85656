// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

var _ = Describe("A replica with tight limits", Ordered, func() {
	var tight *scimwebhook.Server
	BeforeAll(func() {
		op := env.StartOperator(operator.Options{
			Role: operator.RoleServer,
			SCIM: scimwebhook.Options{
				BaseURL:                 "http://scim.test.example",
				MaxResponseBytes:        1500,
				TenantRequestsPerSecond: 1,
				TenantBurst:             5,
				TenantConcurrency:       1,
				TenantQueueWait:         200 * time.Millisecond,
			},
		})
		DeferCleanup(op.Stop)
		tight = op.Server
	})

	It("answers a tenant over its rate with 429 and Retry-After, and other tenants as usual", func() {
		t, other := newTenant(), newTenant()
		codes := map[int]int{}
		var limited *response
		start := time.Now()
		for range 10 {
			r := t.sendVia(tight, http.MethodGet, "/Users", "")
			codes[r.StatusCode]++
			if r.StatusCode == http.StatusTooManyRequests {
				limited = r
			}
		}
		// A burst of 5, and one more for every second the requests took.
		allowed := 5 + int(time.Since(start).Seconds()) + 1
		Expect(codes[http.StatusOK]).To(BeNumerically("<=", allowed), "codes: %v", codes)
		Expect(limited).NotTo(BeNil(), "codes: %v", codes)
		expectSCIMError(limited, http.StatusTooManyRequests)
		Expect(strconv.Atoi(limited.Header.Get("Retry-After"))).To(BeNumerically(">=", 1))
		Expect(other.sendVia(tight, http.MethodGet, "/Users", "").StatusCode).To(Equal(http.StatusOK), "each tenant has a bucket of its own")
	})

	It("answers a request beyond a tenant's requests in flight with 429 once it has waited", func() {
		t := newTenant()
		// A request whose body is still arriving holds the tenant's one
		// slot.
		body, feed := io.Pipe()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url("/Users", tight), body)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Authorization", "Bearer "+t.token)
		req.Header.Set("Content-Type", "application/scim+json")
		slow := make(chan *response, 1)
		go func() {
			defer GinkgoRecover()
			slow <- send(req)
		}()
		_, _ = feed.Write([]byte(`{"userName":`))
		Eventually(func() int { return t.sendVia(tight, http.MethodGet, "/Users", "").StatusCode }).
			Should(Equal(http.StatusTooManyRequests))
		_, _ = feed.Write([]byte(`"slow"}`))
		Expect(feed.Close()).To(Succeed())
		Expect((<-slow).StatusCode).To(Equal(http.StatusCreated))
	})

	It("stops a list page before its byte bound, says how many it holds, and pages on from there", func() {
		t := newTenant()
		const n = 12
		for i := range n {
			t.created("/Users", fmt.Sprintf(`{"userName":"paged%02d","title":"a title long enough to fill a page"}`, i))
		}
		seen := map[string]int{}
		pages := 0
		for start := 1; start <= n; pages++ {
			var doc map[string]any
			// The tight replica's cache catches up with the users the
			// other replica created.
			Eventually(func(g Gomega) {
				r := t.sendVia(tight, http.MethodGet, fmt.Sprintf("/Users?startIndex=%d&count=%d", start, n), "")
				g.Expect(r.StatusCode).To(Equal(http.StatusOK))
				doc = r.json()
				g.Expect(doc["totalResults"]).To(BeNumerically("==", n))
			}).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(Succeed())
			resources := doc["Resources"].([]any)
			Expect(doc["itemsPerPage"]).To(BeNumerically("==", len(resources)))
			Expect(resources).NotTo(BeEmpty())
			for _, r := range resources {
				seen[r.(map[string]any)["userName"].(string)]++
			}
			start += len(resources)
		}
		Expect(seen).To(HaveLen(n))
		for name, times := range seen {
			Expect(times).To(Equal(1), "%s seen once", name)
		}
		Expect(pages).To(BeNumerically(">", 1), "1500 bytes cannot hold %d users", n)
	})
})
