// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// runTenants measures many small tenants, as a platform team hosting SCIM
// for many organisations runs them: what each costs in memory, how soon
// each is Ready, what a rotation of every token takes, and whether
// lookups and lists of one tenant slow down with the others.
func (b *bench) runTenants(srv *scimwebhook.Server) error {
	n, m := b.o.tenants, b.o.tenantUsers
	b.o.users = n * m
	fmt.Printf("bench: %d tenants of %d users, GOMAXPROCS %d\n", n, m, runtime.GOMAXPROCS(0))
	heap0 := b.heapBytes()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("t%04d", i)
	}
	if err := b.createTenants(names); err != nil {
		b.out.print(os.Stdout)
		return err
	}
	heapTenants := b.heapBytes()
	b.out.add("tenants", "manager heap per tenant, before any user", kib((float64(heapTenants)-float64(heap0))/float64(n)), "", 0, "")

	preload := timed(n*m, b.o.preloadConcurrency, func(i int) error {
		t, u := names[i/m], i%m
		return b.storeAsServer(newUser(t, fmt.Sprintf("%s-u%d", t, u), fmt.Sprintf("user%d@example.com", u)))
	})
	if preload.err != nil {
		return fmt.Errorf("preload: %w", preload.err)
	}
	if err := b.settledAll(n * m); err != nil {
		return err
	}
	heapUsers := b.heapBytes()
	if err := b.writeHeapProfile(); err != nil {
		return err
	}
	perUser := (float64(heapUsers) - float64(heapTenants)) / float64(n*m)
	b.out.add("tenants", fmt.Sprintf("manager heap per user, %d users in all", n*m), kib(perUser), "", 0,
		"≤ 1.5× the single-tenant run's (3.3–3.6 KiB): "+met(perUser <= 1.5*3.6*1024))

	clients, err := b.tenantClients(srv, names)
	if err != nil {
		return err
	}
	// Each tenant's first request gives the server its state for the
	// tenant (a rate limiter, a slot of in-flight requests): measured
	// against the heap before any, once the clients' connections are
	// open, since the server keeps buffers for each connection, not for
	// each tenant.
	root := &httpClient{ctx: b.ctx, base: "http://" + srv.Addr(), c: clients[0].c}
	if connect := timed(4*b.o.concurrency, b.o.concurrency, func(int) error {
		_, err := root.status(http.MethodGet, "/")
		return err
	}); connect.err != nil {
		return connect.err
	}
	before := b.heapBytes()
	touch := timed(n, b.o.concurrency, func(i int) error { return clients[i].ok(http.MethodGet, "/ServiceProviderConfig", "") })
	if touch.err != nil {
		return touch.err
	}
	state := (float64(b.heapBytes()) - float64(before)) / float64(n)
	b.out.add("tenants", "server state per tenant that sent one request", kib(state), "", 0, "≤ 16 KiB: "+met(state <= 16*1024))

	if err := b.tenantLookups(clients, m); err != nil {
		return err
	}
	if err := b.rotateAll(names); err != nil {
		return err
	}
	b.h = clients[0]
	for _, step := range []func() error{b.idle, b.coldStart} {
		if err := step(); err != nil {
			b.out.print(os.Stdout)
			return err
		}
	}
	b.out.print(os.Stdout)
	return nil
}

// createTenants creates every tenant at once, as one git commit would,
// and times each until it is Ready.
func (b *bench) createTenants(names []string) error {
	start := time.Now()
	created := timed(len(names), b.o.preloadConcurrency, func(i int) error {
		return b.c.Create(b.ctx, &v1alpha1.ScimTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names[i]},
			Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: names[i] + "-token"}, RateLimit: unlimited()},
		})
	})
	if created.err != nil {
		return fmt.Errorf("create tenants: %w", created.err)
	}
	readyAt := map[string]time.Duration{}
	err := wait.PollUntilContextTimeout(b.ctx, 200*time.Millisecond, 30*time.Minute, true, func(ctx context.Context) (bool, error) {
		list := &v1alpha1.ScimTenantList{}
		if err := b.c.List(ctx, list, client.InNamespace(ns)); err != nil {
			return false, fmt.Errorf("list tenants: %w", err)
		}
		for _, t := range list.Items {
			if _, seen := readyAt[t.Name]; !seen && meta.IsStatusConditionTrue(t.Status.Conditions, v1alpha1.ConditionReady) {
				readyAt[t.Name] = time.Since(start)
			}
		}
		return len(readyAt) == len(names), nil
	})
	if err != nil {
		return fmt.Errorf("wait for %d tenants to be Ready (%d are): %w", len(names), len(readyAt), err)
	}
	times := make([]time.Duration, 0, len(readyAt))
	for _, d := range readyAt {
		times = append(times, d)
	}
	r := &result{n: len(times), times: times, took: slices.Max(times)}
	b.out.add("tenants", fmt.Sprintf("%d tenants applied at once: create to Ready p50 / p99 / last", len(names)),
		fmt.Sprintf("%s / %s / %s", r.p(0.5).Round(time.Millisecond), r.p(0.99).Round(time.Millisecond), r.took.Round(time.Millisecond)),
		"", 0, fmt.Sprintf("%.1f tenants a second", float64(len(names))/r.took.Seconds()))
	return nil
}

// settledAll waits until n users of every tenant have their status.
func (b *bench) settledAll(n int) error {
	start := time.Now()
	if err := b.settled("", n); err != nil {
		return err
	}
	b.out.add("tenants", fmt.Sprintf("controller lag: preload done until all %d users have their status", n), time.Since(start).Round(time.Second).String(), "", 0, "")
	return nil
}

// tenantClients reads each tenant's token and returns a SCIM client for
// each.
func (b *bench) tenantClients(srv *scimwebhook.Server, names []string) ([]*httpClient, error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	out := make([]*httpClient, len(names))
	for i, name := range names {
		secret := &corev1.Secret{}
		if err := b.c.Get(b.ctx, types.NamespacedName{Namespace: ns, Name: name + "-token"}, secret); err != nil {
			return nil, fmt.Errorf("get token of %s: %w", name, err)
		}
		out[i] = &httpClient{ctx: b.ctx, base: "http://" + srv.Addr() + v1alpha1.SCIMPathPrefix + "/" + ns + "/" + name, token: string(secret.Data["token"]), c: hc}
	}
	return out, nil
}

// tenantLookups times userName lookups and first pages across tenants,
// beside client-go GETs on the same API server.
func (b *bench) tenantLookups(clients []*httpClient, m int) error {
	n := len(clients)
	before := readRuntimeWork()
	api := timed(b.o.lookups, b.o.concurrency, func(i int) error {
		t := i * 7919 % n
		return b.c.Get(b.ctx, types.NamespacedName{Namespace: ns, Name: fmt.Sprintf("t%04d-u%d", t, i%m)}, &v1alpha1.ScimUser{})
	})
	if api.err != nil {
		return api.err
	}
	apiWork := readRuntimeWork().since(before)
	lookup := func(t func(i int) int) func(i int) error {
		return func(i int) error {
			return clients[t(i)].ok(http.MethodGet, filterPath(fmt.Sprintf(`userName eq "user%d@example.com"`, i%m)), "")
		}
	}
	// The same lookups in one tenant are the single-tenant figure of the
	// same run, in alternating rounds.
	across, inOne := &result{}, &result{}
	var acrossWork runtimeWork
	for range contentionRounds {
		for _, round := range []struct {
			times *result
			work  *runtimeWork
			op    func(int) error
		}{{across, &acrossWork, lookup(func(i int) int { return i * 7919 % n })}, {inOne, nil, lookup(func(int) int { return n - 1 })}} {
			before := readRuntimeWork()
			r := timed(b.o.lookups, b.o.concurrency, round.op)
			if round.work != nil {
				*round.work = round.work.add(readRuntimeWork().since(before))
			}
			if r.err != nil {
				return r.err
			}
			round.times.times = append(round.times.times, r.times...)
		}
	}
	b.out.add("tenants", "userName eq, a different tenant each time, p50 / p99", across.percentiles(), "client-go GET "+api.percentiles(), ratio(across.p(0.99), api.p(0.99)), "")
	// Allocation brings the collector on, and its mark assists are the
	// lookups' tail: the process's bytes per request, the bench's client
	// included, beside a client-go GET's.
	perLookup := float64(acrossWork.allocated) / float64(len(across.times))
	perGet := float64(apiWork.allocated) / float64(len(api.times))
	b.out.add("tenants", "allocated per lookup across tenants, server and client", kib(perLookup), "client-go GET "+kib(perGet), perLookup/perGet, "")
	b.out.add("tenants", "the same lookups, all in one tenant, p50 / p99", inOne.percentiles(), "", ratio(across.p(0.99), inOne.p(0.99)),
		"across tenants ≤ 1.5× one tenant's p99: "+met(2*across.p(0.99) <= 3*inOne.p(0.99)))
	if n > 1 {
		if err := b.contention(clients, m); err != nil {
			return err
		}
	}
	pages := timed(min(n, b.o.lookups), b.o.concurrency, func(i int) error { return clients[i].ok(http.MethodGet, "/Users?count=100", "") })
	if pages.err != nil {
		return pages.err
	}
	b.out.add("tenants", fmt.Sprintf("a tenant's first page of %d users p50 / p99", min(m, 100)), pages.percentiles(), "", 0, "")
	return nil
}

// contention times lookups of every tenant but the first while the first
// sends long filters no index answers.
func (b *bench) contention(clients []*httpClient, m int) error {
	n := len(clients)
	// The first tenant, given -filtering-tenant-users more users, sends
	// 4,000-character filters no index answers without pause, four at a
	// time, while the others look users up.
	extra := timed(b.o.filteringUsers, b.o.preloadConcurrency, func(i int) error {
		return b.c.Create(b.ctx, newUser("t0000", fmt.Sprintf("t0000-x%d", i), fmt.Sprintf("extra%d@example.com", i)))
	})
	if extra.err != nil {
		return fmt.Errorf("load the filtering tenant: %w", extra.err)
	}
	b.o.users = n*m + b.o.filteringUsers
	if err := b.settledAll(b.o.users); err != nil {
		return err
	}
	others := func(i int) error {
		return clients[1+i*7919%(n-1)].ok(http.MethodGet, filterPath(fmt.Sprintf(`userName eq "user%d@example.com"`, i%m)), "")
	}
	if err := b.longFilters(clients[0], "tenants", m, m+b.o.filteringUsers); err != nil {
		return err
	}
	// Beside the long filters of value filters, such as identity
	// providers send, and beside the worst case, which renders users.
	for _, kind := range []int{1, len(longFilterTerms) - 1} {
		if err := b.contended(clients[0], others, longFilterTerms[kind].name, longFilter(longFilterTerms[kind].term, m), m+b.o.filteringUsers); err != nil {
			return err
		}
	}
	return nil
}

// contended times others' lookups in rounds alternating with rounds while
// h sends the long filter without pause, over a tenant of users users.
func (b *bench) contended(h *httpClient, others func(int) error, kind, long string, users int) error {
	hostile := filterPath(long)
	// Rounds without and with the long filters alternate, so that what
	// drifts over the run (the API server's compactions, the machine's
	// other load) weighs on both alike.
	idle, contended := &result{}, &result{}
	var idleGC, contendedGC runtimeWork
	filters := &answers{statuses: map[int]int{}}
	for range contentionRounds {
		before := readRuntimeWork()
		quiet := timed(b.o.lookups, b.o.concurrency, others)
		idleGC = idleGC.add(readRuntimeWork().since(before))
		stop := sendWithoutPause(h, hostile, filters)
		before = readRuntimeWork()
		busy := timed(b.o.lookups, b.o.concurrency, others)
		contendedGC = contendedGC.add(readRuntimeWork().since(before))
		stop()
		for _, r := range []*result{quiet, busy} {
			if r.err != nil {
				return r.err
			}
		}
		idle.times = append(idle.times, quiet.times...)
		contended.times = append(contended.times, busy.times...)
	}
	b.out.add("tenants", fmt.Sprintf("the same lookups, in %d rounds alternating with rounds while a tenant of %d users sends long filters %s without pause, p50 / p99", contentionRounds, users, kind), contended.percentiles(),
		"in the rounds without them "+idle.percentiles(), ratio(contended.p(0.99), idle.p(0.99)), "≤ 2×: "+met(contended.p(0.99) <= 2*idle.p(0.99)))
	b.out.add("tenants", fmt.Sprintf("the long filters' answers (%d characters %s)", len(long), kind), filters.String(), "", 0, "")
	b.out.add("tenants", "the runtime during the rounds with them: allocated, collections, mark assists, p99 of a runnable goroutine's wait for a processor", contendedGC.String(), "in the rounds without them "+idleGC.String(), 0, "")
	return nil
}

// rotateAll replaces every tenant's token at once and times until every
// tenant's status shows the rotation.
func (b *bench) rotateAll(names []string) error {
	start := time.Now()
	rotated := timed(len(names), b.o.preloadConcurrency, func(i int) error {
		secret := &corev1.Secret{}
		key := types.NamespacedName{Namespace: ns, Name: names[i] + "-token"}
		if err := b.c.Get(b.ctx, key, secret); err != nil {
			return fmt.Errorf("get token of %s: %w", names[i], err)
		}
		patch := client.MergeFrom(secret.DeepCopy())
		secret.Data["token"] = v1alpha1.GenerateToken()
		return b.c.Patch(b.ctx, secret, patch)
	})
	if rotated.err != nil {
		return fmt.Errorf("rotate tokens: %w", rotated.err)
	}
	err := wait.PollUntilContextTimeout(b.ctx, 200*time.Millisecond, 30*time.Minute, true, func(ctx context.Context) (bool, error) {
		list := &v1alpha1.ScimTenantList{}
		if err := b.c.List(ctx, list, client.InNamespace(ns)); err != nil {
			return false, fmt.Errorf("list tenants: %w", err)
		}
		done := 0
		for _, t := range list.Items {
			if t.Status.PreviousTokenExpiresAt != nil {
				done++
			}
		}
		return done == len(names), nil
	})
	if err != nil {
		return fmt.Errorf("wait for every rotation: %w", err)
	}
	b.out.add("tenants", fmt.Sprintf("every one of %d tokens rotated at once, until each tenant shows it", len(names)), time.Since(start).Round(time.Millisecond).String(),
		"the Secret writes "+rotated.took.Round(time.Millisecond).String(), ratio(time.Since(start), rotated.took), "")
	return nil
}

// runtimeWork is what the Go runtime did that delays requests: the
// bytes allocated, which bring collections on, the garbage collector's
// collections, the processor time requests spent helping it mark
// (assists), and how long runnable goroutines waited for a processor (the
// scheduler's latencies, counted by bucket).
type runtimeWork struct {
	allocated   uint64
	collections uint64
	assist      float64
	waits       []uint64
	buckets     []float64
}

var runtimeSamples = []metrics.Sample{
	{Name: "/gc/cycles/total:gc-cycles"},
	{Name: "/cpu/classes/gc/mark/assist:cpu-seconds"},
	{Name: "/sched/latencies:seconds"},
	{Name: "/gc/heap/allocs:bytes"},
}

func readRuntimeWork() runtimeWork {
	s := slices.Clone(runtimeSamples)
	metrics.Read(s)
	h := s[2].Value.Float64Histogram()
	return runtimeWork{allocated: s[3].Value.Uint64(), collections: s[0].Value.Uint64(), assist: s[1].Value.Float64(), waits: slices.Clone(h.Counts), buckets: h.Buckets}
}

// since is the work done from o to w; add is the work of w and o
// together.
func (w runtimeWork) since(o runtimeWork) runtimeWork { return w.combine(o, true) }
func (w runtimeWork) add(o runtimeWork) runtimeWork   { return w.combine(o, false) }

func (w runtimeWork) combine(o runtimeWork, subtract bool) runtimeWork {
	if w.waits == nil {
		w.waits, w.buckets = make([]uint64, len(o.waits)), o.buckets
	}
	op := func(a, b uint64) uint64 { return a + b }
	assist := w.assist + o.assist
	if subtract {
		op = func(a, b uint64) uint64 { return a - b }
		assist = w.assist - o.assist
	}
	out := runtimeWork{allocated: op(w.allocated, o.allocated), collections: op(w.collections, o.collections), assist: assist, waits: make([]uint64, len(w.waits)), buckets: w.buckets}
	for i := range w.waits {
		out.waits[i] = op(w.waits[i], o.waits[i])
	}
	return out
}

// waitP99 is the upper bound of the scheduler latency bucket that holds
// the 99th percentile.
func (w runtimeWork) waitP99() time.Duration {
	var total, seen uint64
	for _, c := range w.waits {
		total += c
	}
	for i, c := range w.waits {
		seen += c
		if total > 0 && seen*100 >= total*99 {
			return time.Duration(w.buckets[i+1] * float64(time.Second))
		}
	}
	return 0
}

func (w runtimeWork) String() string {
	return fmt.Sprintf("%s, %d, %s, %s", mib(w.allocated), w.collections, time.Duration(w.assist*float64(time.Second)).Round(time.Millisecond), w.waitP99())
}

// answers are the statuses and times of requests sent without pause.
type answers struct {
	mu       sync.Mutex
	statuses map[int]int
	times    []time.Duration
}

func (a *answers) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	codes := slices.Sorted(maps.Keys(a.statuses))
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d × %d", a.statuses[c], c)
	}
	return fmt.Sprintf("%s, p50 / p99 %s / %s", strings.Join(parts, ", "), pct(a.times, 0.5).Round(time.Millisecond), pct(a.times, 0.99).Round(time.Millisecond))
}

// sendWithoutPause sends GET path from four clients at once, each as soon
// as its last answer came, until stop is called, and records the answers
// in a.
func sendWithoutPause(c *httpClient, path string, a *answers) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				start := time.Now()
				code, _ := c.status(http.MethodGet, path)
				a.mu.Lock()
				a.statuses[code]++
				a.times = append(a.times, time.Since(start))
				a.mu.Unlock()
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

// contentionRounds is how many rounds of lookups are timed with and
// without another tenant's long filters. A round of 1,000 lookups lasts
// a fraction of a second, less than one collection; with three, one
// collection or one burst of the API server's work in a round of one
// kind decided the ratio of p99s.
const contentionRounds = 10

func kib(bytes float64) string { return fmt.Sprintf("%.1f KiB", bytes/1024) }
