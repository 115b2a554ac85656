// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// newUser is a user as the server stores one, with the attributes
// directories commonly send.
func newUser(tenant, name, userName string) *v1alpha1.ScimUser {
	i := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(userName, "user"), "raw"), "@example.com")
	return &v1alpha1.ScimUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ScimUserSpec{
			TenantRef: v1alpha1.TenantReference{Name: tenant}, ManagedBy: v1alpha1.ManagedBySCIM,
			UserName: userName, Active: ptr.To(true), DisplayName: "Given" + i + " Family" + i, Title: "Engineer",
			Name:   &v1alpha1.Name{GivenName: "Given" + i, FamilyName: "Family" + i},
			Emails: []v1alpha1.MultiValuedAttribute{{Value: userName, Type: "work", Primary: true}},
		},
	}
}

// storeAsServer writes u with client-go as the server stores a user: with
// its retention finalizer, after the claims of the unique values a tenant
// with the default policy holds.
func (b *bench) storeAsServer(u *v1alpha1.ScimUser) error {
	u.Finalizers = []string{v1alpha1.FinalizerRetention}
	tenant := u.Spec.TenantRef.Name
	for _, v := range u.Spec.UniqueValues(&v1alpha1.ScimTenant{}) {
		claim := &v1alpha1.ScimClaim{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.ClaimName(tenant, v.Kind, v.Value)},
			Spec:       v1alpha1.ScimClaimSpec{TenantRef: v1alpha1.TenantReference{Name: tenant}, Kind: v.Kind, Value: v.Value, Holder: u.Name},
		}
		if err := b.c.Create(b.ctx, claim); err != nil {
			return fmt.Errorf("create claim: %w", err)
		}
	}
	if err := b.c.Create(b.ctx, u); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// userBody is the SCIM form of user i, as an identity provider creates it.
func userBody(i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user%d@example.com","externalId":"ext-%d",
		"active":true,"displayName":"Given%d Family%d","title":"Engineer","name":{"givenName":"Given%d","familyName":"Family%d"},
		"emails":[{"value":"user%d@example.com","type":"work","primary":true}]}`, i, i, i, i, i, i, i)
}

func filterPath(f string) string { return "/Users?filter=" + url.QueryEscape(f) }

func join(parts []string) string { return strings.Join(parts, ",") }

// unlimited is the highest rate and in-flight limits a tenant may have:
// a bench tenant's requests are the load measured, and its limits must
// not measure themselves.
func unlimited() *v1alpha1.RateLimit {
	return &v1alpha1.RateLimit{RequestsPerSecond: ptr.To[int32](100000), Burst: ptr.To[int32](100000), MaxInFlight: ptr.To[int32](1024)}
}

// tenant creates the bench tenant and returns its base URL and token.
func tenant(ctx context.Context, c client.Client, srv *scimwebhook.Server) (base, token string, err error) {
	t := &v1alpha1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ns},
		Spec: v1alpha1.ScimTenantSpec{
			TokenSecretRef: v1alpha1.SecretKeyReference{Name: "bench-token"},
			RateLimit:      unlimited(),
		},
	}
	if err := c.Create(ctx, t); err != nil {
		return "", "", fmt.Errorf("create tenant: %w", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		secret := &corev1.Secret{}
		if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: "bench-token"}, secret); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("get token secret: %w", err)
		}
		if len(secret.Data["token"]) == 0 || srv.Addr() == "" {
			return false, nil
		}
		token = string(secret.Data["token"])
		base = "http://" + srv.Addr() + t.EndpointPath()
		h := &httpClient{ctx: ctx, base: base, token: token, c: http.DefaultClient}
		return h.ok(http.MethodGet, "/ServiceProviderConfig", "") == nil, nil
	})
	if err != nil {
		return "", "", fmt.Errorf("wait for the tenant to serve: %w", err)
	}
	return base, token, nil
}

type httpClient struct {
	ctx         context.Context
	base, token string
	c           *http.Client
}

// path is the tenant's endpoint path, without the server's address.
func (h *httpClient) path() string {
	u, err := url.Parse(h.base)
	if err != nil {
		return ""
	}
	return u.Path
}

func (h *httpClient) do(method, path, body string, status int) ([]byte, error) {
	req, err := http.NewRequestWithContext(h.ctx, method, h.base+path, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := h.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode != status {
		return nil, fmt.Errorf("%s %s: %d, want %d: %.500s", method, path, resp.StatusCode, status, b)
	}
	return b, nil
}

// status sends a request and returns the status it answered with.
func (h *httpClient) status(method, path string) (int, error) {
	req, err := http.NewRequestWithContext(h.ctx, method, h.base+path, nil)
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// ok sends a request that must answer 200.
func (h *httpClient) ok(method, path, body string) error {
	_, err := h.do(method, path, body, http.StatusOK)
	return err
}

// patchGroup sends a PATCH to a group, which answers 204.
func (h *httpClient) patchGroup(id, body string) error {
	_, err := h.do(http.MethodPatch, "/Groups/"+id, body, http.StatusNoContent)
	return err
}

func (h *httpClient) getJSON(path string, into any) error {
	b, err := h.do(http.MethodGet, path, "", http.StatusOK)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

func (h *httpClient) size(path string) (int, error) {
	b, err := h.do(http.MethodGet, path, "", http.StatusOK)
	return len(b), err
}

// create POSTs a resource and returns its id.
func (h *httpClient) create(path, body string) (string, error) {
	b, err := h.do(http.MethodPost, path, body, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var created struct{ ID string }
	if err := json.Unmarshal(b, &created); err != nil {
		return "", fmt.Errorf("POST %s: %w", path, err)
	}
	return created.ID, nil
}

// writes is how many writes this process has sent the API server, as
// client-go's own metric counts them.
func writes() float64 {
	return metricSum("rest_client_requests_total", func(m *dto.Metric) bool {
		return slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool {
			return l.GetName() == "method" && l.GetValue() != http.MethodGet
		})
	})
}

// metricSum adds up the counters or gauges of this process's metric name
// that keep selects.
func metricSum(name string, keep func(*dto.Metric) bool) float64 {
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return 0
	}
	var n float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if keep(m) {
				n += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return n
}

// quiet waits until the controllers have had no work queued or in hand
// for a second: what they hold while they reconcile is not what the
// identities cost.
func (b *bench) quiet() {
	all := func(*dto.Metric) bool { return true }
	idleSince := time.Time{}
	err := wait.PollUntilContextTimeout(b.ctx, 250*time.Millisecond, 10*time.Minute, true, func(context.Context) (bool, error) {
		if metricSum("workqueue_depth", all)+metricSum("controller_runtime_active_workers", all) > 0 {
			idleSince = time.Time{}
			return false, nil
		}
		if idleSince.IsZero() {
			idleSince = time.Now()
		}
		return time.Since(idleSince) >= time.Second, nil
	})
	if err != nil {
		fmt.Println("bench: the controllers were still busy after 10 minutes; the heap is measured as it is")
	}
}

// etcdBytes is the size of etcd's database.
func (b *bench) etcdBytes() (float64, error) {
	u := *b.env.ControlPlane.Etcd.URL
	u.Path = "/metrics"
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("build etcd metrics request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read etcd metrics: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "etcd_mvcc_db_total_size_in_bytes "); ok {
			size, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("read etcd's database size: %w", err)
			}
			return size, nil
		}
	}
	return 0, fmt.Errorf("etcd metrics have no database size: %w", sc.Err())
}

// heapBytes is the live heap after a collection, once the controllers
// are quiet.
func (b *bench) heapBytes() uint64 {
	b.quiet()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// writeHeapProfile writes the heap profile to -heap-profile, if set.
func (b *bench) writeHeapProfile() error {
	if b.o.heapProfile == "" {
		return nil
	}
	f, err := os.Create(b.o.heapProfile)
	if err != nil {
		return fmt.Errorf("create heap profile: %w", err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("write heap profile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close heap profile: %w", err)
	}
	return nil
}

// rssBytes is the process's resident set.
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(fields[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// cpuTime is the CPU the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mib(n uint64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
