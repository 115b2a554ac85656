// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/operator"
)

// tenantNamespace holds the tenants the specs create, apart from the
// operator's own namespace, as the README asks.
const tenantNamespace = "identities"

var _ = Describe("the operator as the chart deploys it", Ordered, func() {
	var servers, controllers []*pod

	It("accepts every object the chart renders", func(ctx SpecContext) {
		kinds := map[string]int{}
		for _, o := range rendered {
			kinds[o.GetKind()]++
			u := o.DeepCopy()
			if u.GetNamespace() == "" && isNamespaced(u.GetKind()) {
				u.SetNamespace(releaseNamespace)
			}
			Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(u), u)).To(Succeed(), "%s %s", o.GetKind(), o.GetName())
		}
		for _, kind := range []string{"CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
			"Service", "Deployment", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor", "PrometheusRule", "ConfigMap"} {
			Expect(kinds).To(HaveKey(kind), "a production install renders a %s", kind)
		}
		AddReportEntry("objects applied", len(rendered))
	})

	It("runs two SCIM servers and two reconcilers from the image, each healthy and ready", func(ctx SpecContext) {
		server, manager := deployment("scim-server"), deployment("controller")
		Expect(server.Spec.Replicas).To(HaveValue(BeEquivalentTo(2)))
		Expect(manager.Spec.Replicas).To(HaveValue(BeEquivalentTo(2)))
		for i := range 2 {
			servers = append(servers, startPod(ctx, server, i))
			controllers = append(controllers, startPod(ctx, manager, i))
		}
		for _, p := range append(append([]*pod{}, servers...), controllers...) {
			Eventually(func(g Gomega) {
				code, err := p.probe(ctx, p.spec.LivenessProbe)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(code).To(Equal(http.StatusOK), "%s /healthz", p.name)
				g.Expect(p.ready(ctx)).To(BeTrue(), "%s /readyz", p.name)
			}).WithTimeout(90*time.Second).WithPolling(time.Second).Should(Succeed(), "pod %s", p.name)
		}

		By("running as the image's non-root user, on a read-only root, without capabilities")
		var inspected []struct {
			Config struct {
				User string
			}
			HostConfig struct {
				ReadonlyRootfs bool
				CapDrop        []string
				Memory         int64
			}
		}
		Expect(json.Unmarshal(run(ctx, podman[0], append(podman[1:], "inspect", servers[0].name)...), &inspected)).To(Succeed())
		Expect(inspected).To(HaveLen(1))
		Expect(inspected[0].Config.User).To(Equal("65532"))
		Expect(inspected[0].HostConfig.ReadonlyRootfs).To(BeTrue())
		Expect(inspected[0].HostConfig.Memory).To(Equal(servers[0].spec.Resources.Limits.Memory().Value()))
	})

	var tenant scimTenant

	It("makes a tenant declared with kubectl Ready and serves it", func(ctx SpecContext) {
		tenant = createTenant(ctx, "acme", "10s")
		for _, p := range servers {
			Eventually(func(g Gomega) {
				code, _ := tenant.send(ctx, p, http.MethodGet, "/ServiceProviderConfig", "")
				g.Expect(code).To(Equal(http.StatusOK))
			}).WithTimeout(30*time.Second).Should(Succeed(), "pod %s serves the tenant", p.name)
		}
	})

	It("passes every identity provider's script, with every write delivered twice, through a SCIM container", func(ctx SpecContext) {
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, "scim-check"), "--url", tenant.url(servers[0]), "--duplicates", "--timeout", "8m")
		cmd.Env = append(os.Environ(), "SCIM_TOKEN="+tenant.token)
		out, err := cmd.CombinedOutput()
		Expect(os.WriteFile(filepath.Join(artifacts, "scim-check.txt"), out, 0o644)).To(Succeed())
		Expect(err).NotTo(HaveOccurred(), "scim-check:\n%s", out)
		_, _ = GinkgoWriter.Write(out)
	}, SpecTimeout(10*time.Minute))

	It("serves metrics over HTTPS to the identity the chart's ServiceMonitor scrapes with, and to no other", func(ctx SpecContext) {
		// The ServiceMonitor reads this account's token from its Secret,
		// which only a cluster's token controller fills in.
		reader := requestToken(ctx, "scim-operator-metrics-scraper")
		stranger := serviceAccountToken(ctx, "stranger")
		for _, p := range append(append([]*pod{}, servers...), controllers...) {
			url := "https://" + p.addr("metrics") + "/metrics"
			Expect(metricsGet(ctx, url, "")).To(HaveField("Code", http.StatusUnauthorized), "%s without a token", p.name)
			Expect(metricsGet(ctx, url, stranger)).To(HaveField("Code", http.StatusForbidden), "%s with a token not bound to metrics-reader", p.name)
			got := metricsGet(ctx, url, reader)
			Expect(got.Code).To(Equal(http.StatusOK), "%s with a metrics-reader token", p.name)
			Expect(got.Body).To(MatchRegexp(`scim_operator_build_info\{goversion="go[^"]+",revision="[^"]+",version="v[^"]+"\} 1`))
		}
	})

	It("purges a deactivated user in the reconcilers' container when the retention ends, and names her in the audit trail on its standard output", func(ctx SpecContext) {
		id := tenant.createUser(ctx, servers[1], "leaver@example.com")
		tenant.deactivate(ctx, servers[0], id)
		expectPurged(ctx, id)
		Eventually(func() []string {
			var found []string
			for _, p := range controllers {
				stdout, _ := exec.CommandContext(ctx, podman[0], append(podman[1:], "logs", p.name)...).Output()
				for _, line := range strings.Split(string(stdout), "\n") {
					if strings.Contains(line, `"audit":"scim.provisioning.io/audit/v1"`) && strings.Contains(line, `"id":"`+id+`"`) {
						found = append(found, line)
					}
				}
			}
			return found
		}).WithTimeout(30*time.Second).Should(ContainElement(And(ContainSubstring(`"action":"purged"`), ContainSubstring(`"userName":"leaver@example.com"`))),
			"a purged user is named in the trail the reconcilers write")
	})

	It("hands the lease to the other reconciler within the lease's duration when the leader is killed, and purges go on", func(ctx SpecContext) {
		lease := &coordinationv1.Lease{}
		key := client.ObjectKey{Namespace: releaseNamespace, Name: operator.LeaderElectionID}
		var leader, follower *pod
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, lease)).To(Succeed())
			holder := ptr.Deref(lease.Spec.HolderIdentity, "")
			for i, p := range controllers {
				if strings.HasPrefix(holder, p.name+"_") {
					leader, follower = p, controllers[1-i]
				}
			}
			g.Expect(leader).NotTo(BeNil(), "the lease is held by a reconciler container: %q", holder)
		}).WithTimeout(30 * time.Second).Should(Succeed())
		duration := time.Duration(ptr.Deref(lease.Spec.LeaseDurationSeconds, 0)) * time.Second
		Expect(duration).To(BeNumerically(">", 0))

		By("killing " + leader.name)
		leader.kill(ctx)
		killed := time.Now()
		Expect(env.Client.Get(ctx, key, lease)).To(Succeed())
		lastRenewal := lease.Spec.RenewTime.Time
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, lease)).To(Succeed())
			g.Expect(ptr.Deref(lease.Spec.HolderIdentity, "")).To(HavePrefix(follower.name + "_"))
		}).WithTimeout(2 * duration).WithPolling(200 * time.Millisecond).Should(Succeed())
		handover := time.Since(killed)
		unrenewed := lease.Spec.AcquireTime.Sub(lastRenewal)
		AddReportEntry("lease handover", fmt.Sprintf("%s after the kill, %s after the leader's last renewal (lease duration %s)",
			handover.Round(100*time.Millisecond), unrenewed.Round(100*time.Millisecond), duration))
		// The follower may take the lease only once it has seen it go
		// unrenewed for its duration, and it looks every retry period (2s,
		// with up to 20% jitter): it notices the last renewal up to one
		// look late and takes the lease up to one look after it expired,
		// and each look is an API request on a loaded machine.
		look := 2400 * time.Millisecond
		Expect(unrenewed).To(BeNumerically(">=", duration))
		Expect(handover).To(BeNumerically("<", duration+2*look+4*time.Second))

		id := tenant.createUser(ctx, servers[0], "second-leaver@example.com")
		tenant.deactivate(ctx, servers[1], id)
		expectPurged(ctx, id)
	})

	It("fails no request while a SCIM container stops under a steady identity provider's load", func(ctx SpecContext) {
		server := deployment("scim-server")
		// The proxy learns readiness about as fast as endpoints reach an
		// ingress; the server's drain delay covers what it does not.
		service := newEndpoints(servers, "scim", 500*time.Millisecond)
		defer service.Close()
		load := startLoad(ctx, tenant, service.URL+tenant.path(), 4)
		time.Sleep(3 * time.Second)
		By("stopping " + servers[1].name + " as the kubelet stops a deleted pod")
		stopped := time.Now()
		servers[1].stop(ctx, ptr.Deref(server.Spec.Template.Spec.TerminationGracePeriodSeconds, 30))
		stopTook := time.Since(stopped)
		time.Sleep(3 * time.Second)
		total, failures := load.finish()
		AddReportEntry("drain", fmt.Sprintf("%d requests, %d failed; the container stopped after %s", total, len(failures), stopTook.Round(100*time.Millisecond)))
		Expect(failures).To(BeEmpty())
		Expect(total).To(BeNumerically(">", 100), "the load was steady")
	}, SpecTimeout(3*time.Minute))

	It("was granted everything it did: no container logged a forbidden request", func(ctx SpecContext) {
		saveLogs(ctx)
		matches, err := filepath.Glob(filepath.Join(artifacts, runLabel+"-*.log"))
		Expect(err).NotTo(HaveOccurred())
		Expect(matches).To(HaveLen(4))
		for _, path := range matches {
			b, err := os.ReadFile(path)
			Expect(err).NotTo(HaveOccurred())
			Expect(strings.ToLower(string(b))).NotTo(ContainSubstring("forbidden"), path)
		}
	})
})

// isNamespaced is whether a kind the chart renders lives in a namespace.
func isNamespaced(kind string) bool {
	switch kind {
	case "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Namespace":
		return false
	}
	return true
}

// scimTenant is a tenant and its token.
type scimTenant struct {
	name, token string
}

func createTenant(ctx context.Context, name, retention string) scimTenant {
	kubectl(ctx, "create", "namespace", tenantNamespace)
	kubectlIn(ctx, []byte(fmt.Sprintf(`apiVersion: scim.provisioning.io/v1alpha1
kind: ScimTenant
metadata:
  name: %s
  namespace: %s
spec:
  tokenSecretRef:
    name: %s-scim-token
  softDeleteRetention: %s
`, name, tenantNamespace, name, retention)), "apply", "-f", "-")
	kubectl(ctx, "-n", tenantNamespace, "wait", "--for=condition=Ready", "--timeout=60s", "scimtenant/"+name)
	secret := &corev1.Secret{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: tenantNamespace, Name: name + "-scim-token"}, secret)).To(Succeed())
	return scimTenant{name: name, token: string(secret.Data[v1alpha1.DefaultTokenSecretKey])}
}

func (t scimTenant) path() string {
	return v1alpha1.SCIMPathPrefix + "/" + tenantNamespace + "/" + t.name
}

// url is the tenant's endpoint on one pod.
func (t scimTenant) url(p *pod) string { return "http://" + p.addr("scim") + t.path() }

func (t scimTenant) send(ctx context.Context, p *pod, method, path, body string) (int, []byte) {
	code, b, err := t.sendTo(ctx, t.url(p), method, path, body)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return code, b
}

func (t scimTenant) sendTo(ctx context.Context, base, method, path, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+t.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (t scimTenant) createUser(ctx context.Context, p *pod, userName string) string {
	code, body := t.send(ctx, p, http.MethodPost, "/Users", fmt.Sprintf(`{"userName":%q,"externalId":%q}`, userName, "ext-"+userName))
	ExpectWithOffset(1, code).To(Equal(http.StatusCreated), string(body))
	var user struct{ ID string }
	ExpectWithOffset(1, json.Unmarshal(body, &user)).To(Succeed())
	return user.ID
}

func (t scimTenant) deactivate(ctx context.Context, p *pod, id string) {
	code, body := t.send(ctx, p, http.MethodPatch, "/Users/"+id,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
	ExpectWithOffset(1, code).To(Equal(http.StatusOK), string(body))
}

// expectPurged waits for the reconcilers to purge the user: the tenant's
// retention is seconds long.
func expectPurged(ctx context.Context, id string) {
	EventuallyWithOffset(1, func() bool {
		err := env.Client.Get(ctx, client.ObjectKey{Namespace: tenantNamespace, Name: id}, &v1alpha1.ScimUser{})
		return apierrors.IsNotFound(err)
	}).WithTimeout(60*time.Second).WithPolling(500*time.Millisecond).Should(BeTrue(), "user %s is purged", id)
}

// serviceAccountToken returns a token of a new ServiceAccount bound to no
// role.
func serviceAccountToken(ctx context.Context, name string) string {
	sa, err := clientset.CoreV1().ServiceAccounts(releaseNamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return requestToken(ctx, sa.Name)
}

type httpResult struct {
	Code int
	Body string
}

func metricsGet(ctx context.Context, url, token string) httpResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := metricsClient.Do(req)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return httpResult{Code: resp.StatusCode, Body: string(b)}
}

// load is an identity provider's steady work through a Service: each
// worker creates a user, reads it, changes it and deletes it, over and
// over, and every answer that is not the one that step expects is a
// failure.
type load struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	total    atomic.Int64
	mu       sync.Mutex
	failures []string
}

func startLoad(ctx context.Context, t scimTenant, base string, workers int) *load {
	ctx, cancel := context.WithCancel(ctx)
	l := &load{cancel: cancel}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer l.wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				l.cycle(ctx, t, base, fmt.Sprintf("load-%d-%d@example.com", w, i))
			}
		}()
	}
	return l
}

func (l *load) cycle(ctx context.Context, t scimTenant, base, userName string) {
	var id string
	steps := []struct {
		method, path, body string
		want               int
	}{
		{http.MethodPost, "/Users", fmt.Sprintf(`{"userName":%q}`, userName), http.StatusCreated},
		{http.MethodGet, "/Users/{id}", "", http.StatusOK},
		{http.MethodPatch, "/Users/{id}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Changed"}]}`, http.StatusOK},
		{http.MethodDelete, "/Users/{id}", "", http.StatusNoContent},
	}
	for _, s := range steps {
		code, body, err := t.sendTo(ctx, base, s.method, strings.ReplaceAll(s.path, "{id}", id), s.body)
		if ctx.Err() != nil {
			// The load was stopped in the middle of this request.
			return
		}
		l.total.Add(1)
		if err != nil || code != s.want {
			l.mu.Lock()
			l.failures = append(l.failures, fmt.Sprintf("%s %s: %d %v %s", s.method, s.path, code, err, bytes.TrimSpace(body)))
			l.mu.Unlock()
			return
		}
		if s.method == http.MethodPost {
			var user struct{ ID string }
			if err := json.Unmarshal(body, &user); err != nil {
				l.mu.Lock()
				l.failures = append(l.failures, "POST /Users answered no id: "+string(body))
				l.mu.Unlock()
				return
			}
			id = user.ID
		}
	}
}

func (l *load) finish() (int64, []string) {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total.Load(), l.failures
}
