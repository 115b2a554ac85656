// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/scim-operator/scim-operator/scimwebhook"
)

var _ = Describe("Two replicas behind one Service", func() {
	var t testTenant
	BeforeEach(func() { t = newTenant() })

	It("lets exactly one of 50 concurrent creates of a userName succeed", func() {
		const n = 50
		statuses := make([]int, n)
		inParallel(n, func(i int) {
			statuses[i] = t.sendVia(alternate(i), http.MethodPost, "/Users", fmt.Sprintf(`{"userName":"Race@Example.com","externalId":"%d"}`, i)).StatusCode
		})
		created, conflicts := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
				conflicts++
			}
		}
		Expect(created).To(Equal(1), "statuses: %v", statuses)
		Expect(conflicts).To(Equal(n-1), "statuses: %v", statuses)
		Eventually(func() any { return t.list("/Users")["totalResults"] }).Should(BeNumerically("==", 1))
	})

	It("shows a write on one replica to reads and member adds on the other at once", func() {
		group := t.created("/Groups", `{"displayName":"Readers"}`)["id"].(string)
		for i := range 10 {
			name := fmt.Sprintf("ryw%d@example.com", i)
			r := t.sendVia(server, http.MethodPost, "/Users", `{"userName":"`+name+`"}`)
			Expect(r.StatusCode).To(Equal(http.StatusCreated), "%s", r.body)
			id := r.json()["id"].(string)

			got := t.sendVia(replica, http.MethodGet, "/Users/"+id, "")
			Expect(got.StatusCode).To(Equal(http.StatusOK), "GET by id on the other replica: %s", got.body)

			found := t.sendVia(replica, http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), "")
			Expect(found.StatusCode).To(Equal(http.StatusOK))
			Expect(found.json()["totalResults"]).To(BeNumerically("==", 1), "filter on the other replica")

			dup := t.sendVia(replica, http.MethodPost, "/Users", `{"userName":"`+name+`"}`)
			Expect(dup.StatusCode).To(Equal(http.StatusConflict), "duplicate create on the other replica: %s", dup.body)

			added := t.sendVia(replica, http.MethodPatch, "/Groups/"+group,
				patchOps(`[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]`))
			Expect(added.StatusCode).To(Equal(http.StatusNoContent), "member add on the other replica: %s", added.body)
		}
		Eventually(func() []string { return memberIDs(t, group) }).Should(HaveLen(10))
	})

	It("answers every one of 50 concurrent PATCHes of one user with 200, and loses none", func() {
		id := t.created("/Users", `{"userName":"contended"}`)["id"].(string)
		const n = 50
		statuses := make([]int, n)
		inParallel(n, func(i int) {
			statuses[i] = t.sendVia(alternate(i), http.MethodPatch, "/Users/"+id,
				patchOps(fmt.Sprintf(`[{"op":"add","path":"entitlements","value":[{"value":"e%02d"}]}]`, i))).StatusCode
		})
		Expect(statuses).To(HaveEach(http.StatusOK))
		// The last write may have gone through the other replica, whose
		// cache this one's read can trail for a moment.
		Eventually(func() []any {
			entitlements, _ := t.get("/Users/" + id).json()["entitlements"].([]any)
			return entitlements
		}).Should(HaveLen(n), "every acknowledged PATCH is kept")
	})

	It("loses no member when both replicas patch one group at once", func() {
		group := t.created("/Groups", `{"displayName":"Busy"}`)["id"].(string)
		const n = 40
		ids := make([]string, n)
		for i := range n {
			ids[i] = t.created("/Users", fmt.Sprintf(`{"userName":"busy%d"}`, i))["id"].(string)
		}
		inParallel(n, func(i int) {
			r := t.sendVia(alternate(i), http.MethodPatch, "/Groups/"+group, patchOps(`[{"op":"Add","path":"members","value":[{"value":"`+ids[i]+`"}]}]`))
			Expect(r.StatusCode).To(Equal(http.StatusNoContent), "%s", r.body)
		})
		Eventually(func() []string { return memberIDs(t, group) }).Should(ConsistOf(ids))

		By("removing half of them concurrently")
		inParallel(n/2, func(i int) {
			r := t.sendVia(alternate(i+1), http.MethodPatch, "/Groups/"+group, patchOps(`[{"op":"remove","path":"members[value eq \"`+ids[i]+`\"]"}]`))
			Expect(r.StatusCode).To(Equal(http.StatusNoContent), "%s", r.body)
		})
		Eventually(func() []string { return memberIDs(t, group) }).Should(ConsistOf(ids[n/2:]))
	})
})

// alternate spreads requests over both replicas.
func alternate(i int) *scimwebhook.Server {
	if i%2 == 1 {
		return replica
	}
	return server
}

// inParallel runs f(0) … f(n-1) at once and waits for them all.
func inParallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			f(i)
		}()
	}
	wg.Wait()
}
