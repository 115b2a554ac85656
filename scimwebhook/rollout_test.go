// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"

	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// rolloutDrain is the replicas' drain delay here: several times the
// balancer's view lag, as a real one is several times the time endpoints
// take to leave a Service.
const (
	rolloutDrain = time.Second
	balancerLag  = 100 * time.Millisecond
)

func startServerReplica() *suite.Operator {
	return env.StartOperator(operator.Options{
		Role: operator.RoleServer,
		SCIM: scimwebhook.Options{BaseURL: "http://scim.test.example", DrainDelay: rolloutDrain},
	})
}

// balancer sends each request to a replica it last saw ready, as a Service
// or an ingress does: its view of readiness lags by up to balancerLag.
type balancer struct {
	mu       sync.Mutex
	replicas []*suite.Operator
	ready    []*scimwebhook.Server
	clients  map[*scimwebhook.Server]*http.Client
	next     atomic.Uint64
}

func newBalancer() *balancer { return &balancer{clients: map[*scimwebhook.Server]*http.Client{}} }

func (b *balancer) add(op *suite.Operator) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.replicas = append(b.replicas, op)
	b.clients[op.Server] = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 20 * time.Second}
}

func (b *balancer) remove(op *suite.Operator) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, r := range b.replicas {
		if r == op {
			b.replicas = append(b.replicas[:i], b.replicas[i+1:]...)
			return
		}
	}
}

// watch refreshes the view of ready replicas until stop is closed.
func (b *balancer) watch(stop <-chan struct{}) {
	defer GinkgoRecover()
	for {
		b.mu.Lock()
		b.ready = b.ready[:0]
		for _, r := range b.replicas {
			if r.Server.ReadyCheck(nil) == nil {
				b.ready = append(b.ready, r.Server)
			}
		}
		b.mu.Unlock()
		select {
		case <-stop:
			return
		case <-time.After(balancerLag):
		}
	}
}

func (b *balancer) do(t testTenant, method, p, body string) (int, error) {
	b.mu.Lock()
	if len(b.ready) == 0 {
		b.mu.Unlock()
		return 0, fmt.Errorf("no replica ready")
	}
	srv := b.ready[int(b.next.Add(1))%len(b.ready)]
	hc := b.clients[srv]
	b.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, method, t.url(p, srv), strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+t.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

var _ = Describe("Stopping a replica", func() {
	It("turns it unready at once and keeps serving for the drain delay, then stops accepting", func() {
		t := newTenant()
		op := startServerReplica()
		Eventually(func() int { return t.sendVia(op.Server, http.MethodGet, "/ServiceProviderConfig", "").StatusCode }).Should(Equal(http.StatusOK))
		Expect(op.Server.ReadyCheck(nil)).To(Succeed())

		stopped := make(chan struct{})
		go func() { defer close(stopped); op.Stop() }()
		Eventually(func() error { return op.Server.ReadyCheck(nil) }).Should(MatchError(ContainSubstring("draining")))
		Expect(t.sendVia(op.Server, http.MethodGet, "/ServiceProviderConfig", "").StatusCode).
			To(Equal(http.StatusOK), "a draining replica still answers what reaches it")
		Eventually(stopped).WithTimeout(rolloutDrain + 10*time.Second).Should(BeClosed())
		_, err := http.Get(t.url("/ServiceProviderConfig", op.Server))
		Expect(err).To(MatchError(ContainSubstring("connection refused")))
	})

	It("lets a rolling restart of both replicas under steady identity provider load fail no request", func() {
		t := newTenant()
		a, b := startServerReplica(), startServerReplica()
		lb := newBalancer()
		lb.add(a)
		lb.add(b)
		stopWatch := make(chan struct{})
		go lb.watch(stopWatch)
		defer close(stopWatch)
		Eventually(func() int { lb.mu.Lock(); defer lb.mu.Unlock(); return len(lb.ready) }).Should(Equal(2))

		var sent, failed atomic.Int64
		var failures sync.Map
		stopLoad := make(chan struct{})
		var load sync.WaitGroup
		// As Entra ID provisions: look the user up, create it, update it.
		for w := range 4 {
			load.Add(1)
			go func() {
				defer GinkgoRecover()
				defer load.Done()
				for i := 0; ; i++ {
					select {
					case <-stopLoad:
						return
					default:
					}
					name := fmt.Sprintf("rollout-%d-%d@example.com", w, i)
					for _, step := range []struct {
						method, path, body string
						want               int
					}{
						{http.MethodGet, "/Users?filter=userName+eq+%22" + name + "%22", "", http.StatusOK},
						{http.MethodPost, "/Users", `{"userName":"` + name + `"}`, http.StatusCreated},
						{http.MethodGet, "/ServiceProviderConfig", "", http.StatusOK},
					} {
						sent.Add(1)
						code, err := lb.do(t, step.method, step.path, step.body)
						if err != nil || code != step.want {
							failed.Add(1)
							failures.Store(fmt.Sprintf("%s %s: %d %v", step.method, step.path, code, err), true)
						}
					}
				}
			}()
		}

		replace := func(old *suite.Operator) {
			fresh := startServerReplica()
			Eventually(func() error { return fresh.Server.ReadyCheck(nil) }).Should(Succeed())
			lb.add(fresh)
			time.Sleep(2 * balancerLag) // the balancer sees the new replica before the old one goes
			old.Stop()
			lb.remove(old)
		}
		time.Sleep(time.Second)
		By("replacing the first replica, then the second")
		replace(a)
		replace(b)
		time.Sleep(time.Second)
		close(stopLoad)
		load.Wait()

		var seen []string
		failures.Range(func(k, _ any) bool { seen = append(seen, k.(string)); return len(seen) < 5 })
		GinkgoWriter.Printf("rolling restart: %d requests, %d failed\n", sent.Load(), failed.Load())
		Expect(sent.Load()).To(BeNumerically(">", 100), "the load ran throughout")
		Expect(failed.Load()).To(BeZero(), "failed requests: %v", seen)
	})
})

var _ = Describe("A starting replica", func() {
	It("stays unready until it holds the verifier of every tenant reported Ready, as when it is upgraded before the controllers", func() {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "scim-"}}
		Expect(k8sClient.Create(ctx, ns)).To(Succeed())
		tenant := &v1alpha1.ScimTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "early"},
			Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "early-token", Generate: ptr.To(false)}},
		}
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		key := client.ObjectKeyFromObject(tenant)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key, tenant)).To(Succeed())
			g.Expect(meta.IsStatusConditionFalse(tenant.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
		}).Should(Succeed())
		By("the tenant reported Ready, as the controllers of the release before reported it, before its verifier is published")
		patch := client.MergeFrom(tenant.DeepCopy())
		meta.SetStatusCondition(&tenant.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonTenantReady, ObservedGeneration: tenant.Generation})
		Expect(k8sClient.Status().Patch(ctx, tenant, patch)).To(Succeed())

		replica := startServerReplica()
		DeferCleanup(replica.Stop)
		ready := func() error {
			return replica.Server.ReadyCheck(httptest.NewRequestWithContext(ctx, http.MethodGet, "/readyz", nil))
		}
		Eventually(ready).Should(MatchError(ContainSubstring(ns.Name + "/early")))
		Consistently(ready, "1s").Should(HaveOccurred())

		By("the controllers publishing its verifier")
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "early-token", Labels: map[string]string{v1alpha1.LabelTokenSecret: "true"}},
			Data:       map[string][]byte{"token": []byte(strings.Repeat("e", 40))},
		})).To(Succeed())
		Eventually(ready).Should(Succeed())
	})
})
