// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/hostile"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// stored is what the API server holds for a namespace's identities: one
// entry per object, keyed by kind and name, with what SCIM may change.
func stored(ns string) map[string]string {
	out := map[string]string{}
	put := func(kind, name, owner string, v any) {
		b, err := json.Marshal(v)
		Expect(err).NotTo(HaveOccurred())
		out[kind+"/"+name+"@"+owner] = string(b)
	}
	users := &v1alpha1.ScimUserList{}
	Expect(k8sClient.List(ctx, users, client.InNamespace(ns))).To(Succeed())
	for _, u := range users.Items {
		put("user", u.Name, u.Name, []any{u.Spec, u.Annotations[v1alpha1.AnnotationDeletedAt]})
	}
	groups := &v1alpha1.ScimGroupList{}
	Expect(k8sClient.List(ctx, groups, client.InNamespace(ns))).To(Succeed())
	for _, g := range groups.Items {
		put("group", g.Name, g.Name, g.Spec)
	}
	slices := &v1alpha1.ScimGroupMemberSliceList{}
	Expect(k8sClient.List(ctx, slices, client.InNamespace(ns))).To(Succeed())
	for _, sl := range slices.Items {
		put("slice", sl.Name, sl.Spec.GroupRef.Name, sl.Spec)
	}
	claims := &v1alpha1.ScimClaimList{}
	Expect(k8sClient.List(ctx, claims, client.InNamespace(ns))).To(Succeed())
	for _, c := range claims.Items {
		put("claim", c.Name, c.Spec.Holder, c.Spec)
	}
	return out
}

var _ = Describe("A hostile corpus", func() {
	It("gets no 5xx but 501s from 10,000 malformed requests over two tenants, and changes nothing it did not acknowledge", func() {
		op := env.StartOperator(operator.Options{
			Role: operator.RoleServer,
			// The corpus is one client's burst; the limits would answer
			// most of it with 429 before it reached a handler.
			SCIM: scimwebhook.Options{BaseURL: "http://scim.test.example", TenantRequestsPerSecond: 1e6, TenantBurst: 1e6, TenantConcurrency: 64},
		})
		DeferCleanup(op.Stop)

		testTenants := []testTenant{newTenant(), newTenant()}
		var targets []hostile.Tenant
		for i, t := range testTenants {
			target := hostile.Tenant{Base: t.path("")}
			for j := range 3 {
				target.Users = append(target.Users, t.created("/Users", fmt.Sprintf(`{"userName":"h%d-%d@example.com","emails":[{"value":"h%d-%d@example.com"}]}`, i, j, i, j))["id"].(string))
			}
			for j := range 2 {
				target.Groups = append(target.Groups, t.created("/Groups", fmt.Sprintf(`{"displayName":"hg%d","members":[{"value":%q}]}`, j, target.Users[j]))["id"].(string))
			}
			targets = append(targets, target)
		}
		before := []map[string]string{stored(testTenants[0].namespace), stored(testTenants[1].namespace)}

		corpus := hostile.Corpus(7, targets, 10000)
		Expect(len(corpus)).To(BeNumerically(">=", 10000))

		type outcome struct {
			status int
			id     string
		}
		outcomes := make([]outcome, len(corpus))
		work := make(chan int)
		var wg sync.WaitGroup
		httpClient := &http.Client{Timeout: 2 * time.Minute}
		for range 8 {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				for i := range work {
					r := corpus[i]
					req, err := http.NewRequestWithContext(ctx, r.Method, "http://"+op.Server.Addr()+r.Path, bytes.NewReader(r.Body))
					if err != nil {
						// Not even a request: nothing a server would see.
						outcomes[i] = outcome{status: -1}
						continue
					}
					if r.Tenant >= 0 {
						req.Header.Set("Authorization", "Bearer "+testTenants[r.Tenant].token)
					}
					if r.ContentType != "" {
						req.Header.Set("Content-Type", r.ContentType)
					}
					for k, v := range r.Header {
						req.Header.Set(k, v)
					}
					resp, err := httpClient.Do(req)
					Expect(err).NotTo(HaveOccurred(), "%s %s %.200s", r.Method, r.Path, r.Body)
					var doc struct {
						ID string `json:"id"`
					}
					_ = json.NewDecoder(resp.Body).Decode(&doc)
					_ = resp.Body.Close()
					outcomes[i] = outcome{status: resp.StatusCode, id: doc.ID}
				}
			}()
		}
		for i := range corpus {
			work <- i
		}
		close(work)
		wg.Wait()

		byClass, byKind := map[string]int{}, map[string]int{}
		var serverErrors []string
		// touched holds the identities a 2xx write acknowledged, per
		// tenant: what may differ afterwards.
		touched := []map[string]bool{{}, {}}
		for i, o := range outcomes {
			r := corpus[i]
			byKind[r.Kind]++
			byClass[fmt.Sprintf("%dxx", o.status/100)]++
			notImplemented := o.status == http.StatusNotImplemented && (strings.HasSuffix(r.Path, "/Me") || strings.HasSuffix(r.Path, "/Bulk"))
			if o.status >= 500 && !notImplemented {
				serverErrors = append(serverErrors, fmt.Sprintf("%d %s %s %.120q", o.status, r.Method, r.Path, r.Body))
			}
			if o.status < 200 || o.status > 299 || r.Method == http.MethodGet || strings.HasSuffix(r.Path, "/.search") {
				continue
			}
			// A member add naming another tenant's user is acknowledged
			// with that member skipped; that no foreign member got in is
			// checked below.
			Expect(r.Kind != "cross-tenant" || strings.HasPrefix(r.Path, targets[r.Tenant].Base+"/Groups/")).To(BeTrue(),
				"a write across tenants was acknowledged: %s %s", r.Method, r.Path)
			id := o.id
			if parts := strings.Split(strings.TrimPrefix(r.Path, targets[r.Tenant].Base), "/"); len(parts) > 2 {
				id = parts[2]
			}
			touched[r.Tenant][id] = true
		}
		sort.Strings(serverErrors)
		AddReportEntry("hostile corpus", fmt.Sprintf("requests %d, by class %v, by kind %v, 5xx other than 501 for /Me and /Bulk: %d", len(corpus), byClass, byKind, len(serverErrors)))
		GinkgoWriter.Printf("hostile corpus: requests %d, by class %v, 5xx other than 501 for /Me and /Bulk: %d\n", len(corpus), byClass, len(serverErrors))
		Expect(serverErrors).To(BeEmpty())

		for i, t := range testTenants {
			slices := &v1alpha1.ScimGroupMemberSliceList{}
			Expect(k8sClient.List(ctx, slices, client.InNamespace(t.namespace))).To(Succeed())
			for _, sl := range slices.Items {
				for _, m := range sl.Spec.Members {
					for _, foreign := range targets[1-i].Users {
						Expect(m.Value).NotTo(Equal(foreign), "tenant %d's group %s holds another tenant's user", i, sl.Spec.GroupRef.Name)
					}
				}
			}
			after := stored(t.namespace)
			for key, was := range before[i] {
				owner := key[strings.LastIndex(key, "@")+1:]
				if !touched[i][owner] {
					Expect(after).To(HaveKeyWithValue(key, was), "tenant %d: %s changed, but no acknowledged write touched it", i, key)
				}
			}
			for key := range after {
				owner := key[strings.LastIndex(key, "@")+1:]
				if _, existed := before[i][key]; !existed {
					Expect(touched[i]).To(HaveKey(owner), "tenant %d: %s appeared, but no acknowledged write made it", i, key)
				}
			}
		}
	})
})
