// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

//go:build faults

package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/suite"
	"github.com/scim-operator/scim-operator/internal/testenv"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

func TestFaults(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Fault Suite")
}

var env *suite.Suite

var _ = BeforeSuite(func() {
	dir, err := os.MkdirTemp("", "scim-faults-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, dir)
	env = suite.Start(testenv.WithRestartableState(dir))
})

// requestTimeout bounds a SCIM request in this suite; a client waiting
// longer than it, and a little more, saw a hang.
const requestTimeout = 10 * time.Second

// replica is one operator replica (reconcilers on the leader, SCIM on
// all), restarted whenever it stops on its own, as a kubelet restarts a
// pod, until it is killed.
type replica struct {
	name string
	cfg  *rest.Config
	addr string

	mu      sync.Mutex
	mgr     manager.Manager
	stop    context.CancelFunc
	stopped chan struct{}
}

func (r *replica) start() {
	ctx, cancel := context.WithCancel(env.Ctx)
	stopped := make(chan struct{})
	r.mu.Lock()
	r.stop, r.stopped = cancel, stopped
	r.mu.Unlock()
	go func() {
		defer GinkgoRecover()
		defer close(stopped)
		for ctx.Err() == nil {
			mgr, _, err := operator.New(ctx, r.cfg, operator.Options{
				MetricsAddr: "0", ProbeAddr: "0",
				Namespace:               suite.OperatorNamespace,
				LeaderElection:          true,
				LeaderElectionNamespace: "default",
				Controller:              config.Controller{SkipNameValidation: ptr.To(true)},
				Clock:                   clock.RealClock{},
				SCIM: scimwebhook.Options{
					// A kill stops at once, without draining first.
					Addr: r.addr, BaseURL: "http://scim.test.example", RequestTimeout: requestTimeout, DrainDelay: time.Nanosecond,
				},
			})
			if err != nil {
				// As a pod that cannot reach the API server at start
				// crashes and is started again.
				GinkgoWriter.Printf("%s cannot start (%v); retrying\n", r.name, err)
				time.Sleep(time.Second)
				continue
			}
			r.mu.Lock()
			r.mgr = mgr
			r.mu.Unlock()
			if err := mgr.Start(ctx); err != nil && ctx.Err() == nil {
				GinkgoWriter.Printf("%s stopped (%v); restarting it\n", r.name, err)
				time.Sleep(time.Second)
			}
		}
	}()
}

// kill stops the replica and waits until it has.
func (r *replica) kill() {
	r.mu.Lock()
	stop, stopped := r.stop, r.stopped
	r.mu.Unlock()
	stop()
	<-stopped
}

func (r *replica) leads() bool {
	r.mu.Lock()
	mgr := r.mgr
	r.mu.Unlock()
	if mgr == nil {
		return false
	}
	select {
	case <-mgr.Elected():
		return true
	default:
		return false
	}
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// ledger keeps every answer the load got.
type ledger struct {
	mu                                   sync.Mutex
	requests, acked, unavailable, errors int
	withoutRetryAfter, otherServer       []string
	hangs                                int
	statuses                             map[int]int
}

func (l *ledger) note(method, path string, resp *http.Response, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	if err != nil {
		if strings.Contains(err.Error(), "Client.Timeout") {
			l.hangs++
		}
		l.errors++
		return
	}
	l.statuses[resp.StatusCode]++
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		l.acked++
	case resp.StatusCode == http.StatusServiceUnavailable:
		l.unavailable++
		if resp.Header.Get("Retry-After") == "" {
			l.withoutRetryAfter = append(l.withoutRetryAfter, method+" "+path)
		}
	case resp.StatusCode >= 500:
		l.otherServer = append(l.otherServer, fmt.Sprintf("%d %s %s", resp.StatusCode, method, path))
	}
}

// user is one user a load worker owns: what was acknowledged of it, and
// what was sent without an answer that says whether it was applied.
type user struct {
	id               string
	ackedTitle       string
	titlesAfterAck   []string
	memberAcked      bool
	memberUnanswered bool
}

var _ = Describe("Under faults", func() {
	It("loses nothing it acknowledged, answers 503 with Retry-After while the API server is away, and purges on time", func() {
		// The users deactivated below fall due while the faults last.
		apiServer, err := url.Parse(env.Config.Host)
		Expect(err).NotTo(HaveOccurred())
		px, err := newProxy(apiServer.Host)
		Expect(err).NotTo(HaveOccurred())
		throughProxy := rest.CopyConfig(env.Config)
		throughProxy.Host = "https://" + px.addr
		replicas := []*replica{{name: "replica-0", cfg: throughProxy, addr: freeAddr()}, {name: "replica-1", cfg: throughProxy, addr: freeAddr()}}
		for _, r := range replicas {
			r.start()
		}
		DeferCleanup(func() {
			for _, r := range replicas {
				r.kill()
			}
		})

		By("a tenant, a group, and users whose purge falls due during the faults")
		c := env.Client
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "faults-"}}
		Expect(c.Create(env.Ctx, ns)).To(Succeed())
		retention := 45 * time.Second
		Expect(c.Create(env.Ctx, &v1alpha1.ScimTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "acme"},
			Spec: v1alpha1.ScimTenantSpec{
				TokenSecretRef:      v1alpha1.SecretKeyReference{Name: "acme-token"},
				SoftDeleteRetention: &metav1.Duration{Duration: retention},
				// The steady load must not meet the tenant's own limits.
				RateLimit: &v1alpha1.RateLimit{RequestsPerSecond: ptr.To[int32](100000), Burst: ptr.To[int32](100000), MaxInFlight: ptr.To[int32](64)},
			},
		})).To(Succeed())
		httpClient := &http.Client{Timeout: requestTimeout + 5*time.Second}
		var token string
		send := func(i int, method, path, body string) (*http.Response, string, error) {
			base := fmt.Sprintf("http://%s/scim/v2/%s/acme", replicas[i%len(replicas)].addr, ns.Name)
			req, err := http.NewRequestWithContext(env.Ctx, method, base+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/scim+json")
			resp, err := httpClient.Do(req)
			if err != nil {
				return nil, "", err
			}
			defer func() { _ = resp.Body.Close() }()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b), nil
		}
		Eventually(func(g Gomega) {
			secret := &corev1.Secret{}
			g.Expect(c.Get(env.Ctx, types.NamespacedName{Namespace: ns.Name, Name: "acme-token"}, secret)).To(Succeed())
			token = string(secret.Data["token"])
			resp, _, err := send(0, http.MethodGet, "/ServiceProviderConfig", "")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
		}).WithTimeout(60 * time.Second).Should(Succeed())
		groupID := ""
		Eventually(func(g Gomega) {
			resp, body, err := send(0, http.MethodPost, "/Groups", `{"displayName":"Everyone"}`)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(resp.StatusCode).To(Equal(http.StatusCreated), body)
			groupID = idOf(body)
		}).Should(Succeed())
		var doomed []string
		for i := range 5 {
			resp, body, err := send(i, http.MethodPost, "/Users", fmt.Sprintf(`{"userName":"doomed%d","active":false}`, i))
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(http.StatusCreated), body)
			doomed = append(doomed, idOf(body))
		}

		By("steady load from six workers, each owning its users")
		book := &ledger{statuses: map[int]int{}}
		owned := make([][]*user, 6)
		stopLoad := make(chan struct{})
		var load sync.WaitGroup
		for w := range owned {
			load.Add(1)
			go func() {
				defer GinkgoRecover()
				defer load.Done()
				for n := 0; ; n++ {
					select {
					case <-stopLoad:
						return
					case <-time.After(25 * time.Millisecond):
					}
					switch {
					case n%4 == 0 || len(owned[w]) == 0:
						path := "/Users"
						resp, body, err := send(n, http.MethodPost, path, fmt.Sprintf(`{"userName":"w%d-u%d"}`, w, n))
						book.note(http.MethodPost, path, resp, err)
						if err == nil && resp.StatusCode == http.StatusCreated {
							owned[w] = append(owned[w], &user{id: idOf(body)})
						}
					case n%4 == 1:
						u := owned[w][n%len(owned[w])]
						if u.memberAcked {
							continue
						}
						path := "/Groups/" + groupID
						resp, _, err := send(n, http.MethodPatch, path, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+u.id+`"}]}]}`)
						book.note(http.MethodPatch, path, resp, err)
						if err == nil && resp.StatusCode == http.StatusNoContent {
							u.memberAcked = true
						} else {
							u.memberUnanswered = true
						}
					default:
						u := owned[w][n%len(owned[w])]
						title := fmt.Sprintf("t%d", n)
						path := "/Users/" + u.id
						resp, _, err := send(n, http.MethodPatch, path, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"`+title+`"}]}`)
						book.note(http.MethodPatch, path, resp, err)
						if err == nil && resp.StatusCode == http.StatusOK {
							u.ackedTitle, u.titlesAfterAck = title, nil
						} else {
							u.titlesAfterAck = append(u.titlesAfterAck, title)
						}
					}
				}
			}()
		}
		time.Sleep(5 * time.Second)

		By("cutting the operator off the API server for 20 seconds")
		px.cut()
		time.Sleep(20 * time.Second)
		Expect(px.restore()).To(Succeed())
		time.Sleep(8 * time.Second)

		By("stopping the API server and etcd for 20 seconds, and starting them again")
		stopping := time.Now()
		Expect(env.StopControlPlane()).To(Succeed())
		GinkgoWriter.Printf("the control plane took %s to stop\n", time.Since(stopping).Round(time.Second))
		// Down for 20 seconds from the moment it began to go.
		time.Sleep(time.Until(stopping.Add(20 * time.Second)))
		Expect(env.StartControlPlane()).To(Succeed())
		time.Sleep(10 * time.Second)

		By("killing a replica and starting it again")
		replicas[1].kill()
		time.Sleep(2 * time.Second)
		replicas[1].start()
		time.Sleep(5 * time.Second)

		By("killing the leader")
		var leader *replica
		Eventually(func() *replica {
			for _, r := range replicas {
				if r.leads() {
					leader = r
				}
			}
			return leader
		}).WithTimeout(30 * time.Second).ShouldNot(BeNil())
		leader.kill()
		time.Sleep(10 * time.Second)
		leader.start()
		time.Sleep(3 * time.Second)
		close(stopLoad)
		load.Wait()

		By("checking every acknowledged write against what is stored")
		lost := 0
		var lostWhat []string
		members := map[string]bool{}
		slices := &v1alpha1.ScimGroupMemberSliceList{}
		Expect(c.List(env.Ctx, slices, client.InNamespace(ns.Name))).To(Succeed())
		for _, sl := range slices.Items {
			for _, m := range sl.Spec.Members {
				members[m.Value] = true
			}
		}
		for _, us := range owned {
			for _, u := range us {
				stored := &v1alpha1.ScimUser{}
				if err := c.Get(env.Ctx, types.NamespacedName{Namespace: ns.Name, Name: u.id}, stored); err != nil {
					lost++
					lostWhat = append(lostWhat, "user "+u.id+": "+err.Error())
					continue
				}
				if u.ackedTitle != "" && stored.Spec.Title != u.ackedTitle && !contains(u.titlesAfterAck, stored.Spec.Title) {
					lost++
					lostWhat = append(lostWhat, fmt.Sprintf("user %s: title %q, acknowledged %q", u.id, stored.Spec.Title, u.ackedTitle))
				}
				if u.memberAcked && !members[u.id] {
					lost++
					lostWhat = append(lostWhat, "membership of "+u.id)
				}
			}
		}
		summary := fmt.Sprintf("requests %d, 2xx %d, 503 %d, connection errors %d, hangs %d, lost %d, 5xx other than 503 %d, statuses %v",
			book.requests, book.acked, book.unavailable, book.errors, book.hangs, lost, len(book.otherServer), book.statuses)
		AddReportEntry("fault suite", summary)
		GinkgoWriter.Println("fault suite:", summary)
		Expect(lostWhat).To(BeEmpty())
		Expect(book.otherServer).To(BeEmpty())
		Expect(book.withoutRetryAfter).To(BeEmpty())
		Expect(book.hangs).To(BeZero())
		Expect(book.unavailable).To(BeNumerically(">", 0), "the API server was away: some writes must have been refused")
		Expect(book.acked).To(BeNumerically(">", 100))

		By("purging the users deactivated before the faults on time")
		for _, id := range doomed {
			u := &v1alpha1.ScimUser{}
			err := c.Get(env.Ctx, types.NamespacedName{Namespace: ns.Name, Name: id}, u)
			if apierrors.IsNotFound(err) {
				continue
			}
			Expect(err).NotTo(HaveOccurred())
			Expect(u.Status.PurgeAt).NotTo(BeNil())
			Eventually(func() bool {
				return apierrors.IsNotFound(c.Get(env.Ctx, types.NamespacedName{Namespace: ns.Name, Name: id}, &v1alpha1.ScimUser{}))
			}).WithTimeout(time.Until(u.Status.PurgeAt.Add(30*time.Second))).WithPolling(time.Second).
				Should(BeTrue(), "user %s, due at %s, is purged within 30s of it", id, u.Status.PurgeAt)
		}
	})
})

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// idOf is the id of the resource a SCIM response body holds.
func idOf(body string) string {
	var doc struct {
		ID string `json:"id"`
	}
	Expect(json.Unmarshal([]byte(body), &doc)).To(Succeed(), "body: %s", body)
	return doc.ID
}
