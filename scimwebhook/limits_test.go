// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
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

var _ = Describe("A replica with a small decode budget and no time for filters", Ordered, func() {
	const budget = 64 << 20
	var small *scimwebhook.Server
	BeforeAll(func() {
		op := env.StartOperator(operator.Options{
			Role: operator.RoleServer,
			SCIM: scimwebhook.Options{BaseURL: "http://scim.test.example", DecodeMemory: budget, FilterTimeout: time.Nanosecond},
		})
		DeferCleanup(op.Stop)
		small = op.Server
	})

	It("keeps 64 concurrent 1 MiB bodies of four tenants within it, answering each with 2xx, 4xx or 429", func() {
		members := make([]string, 21000)
		for i := range members {
			members[i] = fmt.Sprintf(`{"value":"00000000-0000-4000-8000-%012d"}`, i)
		}
		body := patchOps(`[{"op":"add","path":"members","value":[` + strings.Join(members, ",") + `]}]`)
		Expect(len(body)).To(BeNumerically("~", 1<<20, 40<<10))
		type target struct {
			t     testTenant
			group string
		}
		var targets []target
		for range 4 {
			t := newTenant()
			targets = append(targets, target{t, t.created("/Groups", `{"displayName":"Large"}`)["id"].(string)})
		}

		var peak atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		baseline := ms.HeapAlloc
		go func() {
			defer close(sampled)
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}()
		codes := make(chan int, 64)
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				defer GinkgoRecover()
				tg := targets[i%len(targets)]
				codes <- tg.t.sendVia(small, http.MethodPatch, "/Groups/"+tg.group, body).StatusCode
			})
		}
		wg.Wait()
		close(stop)
		<-sampled
		close(codes)
		byCode := map[int]int{}
		for c := range codes {
			byCode[c]++
			Expect(c).To(BeNumerically("<", 500), "no 5xx: %v", byCode)
		}
		Expect(byCode[http.StatusNoContent]).To(BeNumerically(">", 0), "%v", byCode)
		growth := int64(peak.Load()) - int64(baseline)
		AddReportEntry("decode budget", fmt.Sprintf("budget %d MiB: answers %v, heap growth at peak %d MiB", budget>>20, byCode, growth>>20))
		// Garbage counts until the collector runs, which lets the heap grow
		// by as much as it held before: the growth is held to a quarter of
		// the 1536 MiB the chart gives the server. Without the budget, 64
		// bodies decoded at once take some 1000 MiB.
		Expect(growth).To(BeNumerically("<", 1536<<20/4), "answers %v", byCode)
	})

	It("stops a filter no index answers once its time is up with 400 invalidFilter, and answers the indexed ones", func() {
		t := newTenant()
		for i := range 300 {
			t.created("/Users", fmt.Sprintf(`{"userName":"scanned%d","title":"Engineer"}`, i))
		}
		for _, f := range []string{`title co "gin"`, `emails[type eq "work"].value co "x"`} {
			doc := expectSCIMError(t.sendVia(small, http.MethodGet, "/Users?filter="+url.QueryEscape(f), ""), http.StatusBadRequest)
			Expect(doc["scimType"]).To(Equal("invalidFilter"))
			Expect(doc["detail"]).To(And(ContainSubstring("was stopped"), ContainSubstring("id, userName, externalId or emails.value")), f)
		}
		r := t.sendVia(small, http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "scanned7"`), "")
		Expect(r.StatusCode).To(Equal(http.StatusOK))
		Expect(r.json()["totalResults"]).To(BeEquivalentTo(1))
	})
})

var _ = Describe("A replica with a decode budget of 8 MiB", Ordered, func() {
	var small *scimwebhook.Server
	BeforeAll(func() {
		op := env.StartOperator(operator.Options{
			Role: operator.RoleServer,
			SCIM: scimwebhook.Options{BaseURL: "http://scim.test.example", DecodeMemory: 8 << 20},
		})
		DeferCleanup(op.Stop)
		small = op.Server
	})
	members := func(n int, extra string) string {
		list := make([]string, n)
		for i := range list {
			list[i] = fmt.Sprintf(`{"value":"00000000-0000-4000-8000-%012d"%s}`, i, extra)
		}
		return "[" + strings.Join(list, ",") + "]"
	}

	It("reserves a megabyte of members, as identity providers send them, at what reading them into ids costs", func() {
		t := newTenant()
		// Generic values would take some 12 MiB of the budget: more than
		// there is.
		created := t.sendVia(small, http.MethodPost, "/Groups", `{"displayName":"Everyone","members":`+members(20000, "")+`}`)
		Expect(created.StatusCode).To(Equal(http.StatusCreated), "%s", created.body)
		id := created.json()["id"].(string)
		body := patchOps(`[{"op":"add","path":"members","value":` + members(20000, "") + `}]`)
		Expect(len(body)).To(BeNumerically(">", 900<<10))
		r := t.sendVia(small, http.MethodPatch, "/Groups/"+id, body)
		Expect(r.StatusCode).To(BeElementOf(http.StatusOK, http.StatusNoContent), "%s", r.body)
	})

	It("reserves members of another form at the generic rate, and refuses them with 413 when that is more than the whole budget", func() {
		t := newTenant()
		id := t.created("/Groups", `{"displayName":"Referenced"}`)["id"].(string)
		body := patchOps(`[{"op":"add","path":"members","value":` + members(16000, `,"type":"User"`) + `}]`)
		r := t.sendVia(small, http.MethodPatch, "/Groups/"+id, body)
		// Held while read, then read into ids, then decoded: a retry
		// cannot succeed, so it is no 429.
		doc := expectSCIMError(r, http.StatusRequestEntityTooLarge)
		Expect(doc["detail"]).To(ContainSubstring("more than the 8 MiB this server decodes at once"))
	})
})

var _ = Describe("A tenant's own limits", func() {
	// createdOnceSeen sends a create until the server has the tenant's new
	// limits in its cache: a create it answers 201 before that is undone.
	createdOnceSeen := func(t testTenant, path, body string) *response {
		var r *response
		Eventually(func() int {
			r = t.send(http.MethodPost, path, body)
			if r.StatusCode == http.StatusCreated {
				Expect(t.send(http.MethodDelete, path+"/"+r.json()["id"].(string), "").StatusCode).To(Equal(http.StatusNoContent))
			}
			return r.StatusCode
		}).ShouldNot(Equal(http.StatusCreated))
		return r
	}

	It("refuses a user or group past spec.limits with 403 naming the field, writing nothing", func() {
		t := newTenant()
		t.created("/Users", `{"userName":"one"}`)
		t.created("/Users", `{"userName":"two"}`)
		t.created("/Groups", `{"displayName":"only"}`)
		t.editTenant(func(s *v1alpha1.ScimTenantSpec) {
			s.Limits = &v1alpha1.TenantLimits{MaxUsers: ptr.To[int32](2), MaxGroups: ptr.To[int32](1)}
		})
		doc := expectSCIMError(createdOnceSeen(t, "/Users", `{"userName":"three"}`), http.StatusForbidden)
		Expect(doc["detail"]).To(And(ContainSubstring("spec.limits.maxUsers"), ContainSubstring("holds 2 users")))
		doc = expectSCIMError(createdOnceSeen(t, "/Groups", `{"displayName":"second"}`), http.StatusForbidden)
		Expect(doc["detail"]).To(ContainSubstring("spec.limits.maxGroups"))
		Expect(t.list("/Users")["totalResults"]).To(BeEquivalentTo(2), "nothing was written")
		users := &v1alpha1.ScimUserList{}
		Expect(k8sClient.List(ctx, users, client.InNamespace(t.namespace))).To(Succeed())
		for _, u := range users.Items {
			// A create answered before the server saw the limits was
			// undone by a DELETE, which keeps the user until its purge.
			Expect(u.Spec.UserName != "three" || u.DeletedOverSCIM()).To(BeTrue(), "no live user was written for the refused create")
		}

		By("making room by deleting a user")
		first := t.list(`/Users?filter=` + url.QueryEscape(`userName eq "one"`))["Resources"].([]any)[0].(map[string]any)["id"].(string)
		Expect(t.send(http.MethodDelete, "/Users/"+first, "").StatusCode).To(Equal(http.StatusNoContent))
		t.created("/Users", `{"userName":"three"}`)
	})

	It("applies a tenant's spec.rateLimit instead of the server's", func() {
		t, other := newTenant(), newTenant()
		t.editTenant(func(s *v1alpha1.ScimTenantSpec) {
			s.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: ptr.To[int32](1), Burst: ptr.To[int32](2)}
		})
		var limited *response
		Eventually(func() *response {
			for range 5 {
				if r := t.get("/Users"); r.StatusCode == http.StatusTooManyRequests {
					limited = r
				}
			}
			return limited
		}).ShouldNot(BeNil())
		doc := expectSCIMError(limited, http.StatusTooManyRequests)
		Expect(doc["detail"]).To(ContainSubstring("spec.rateLimit"))
		for range 20 {
			Expect(other.get("/Users").StatusCode).To(Equal(http.StatusOK), "another tenant keeps the server's rate")
		}
	})
})
