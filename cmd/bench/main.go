// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Command bench measures the operator at scale against baselines taken in
// the same run on the same API server: raw client-go writes and reads of
// the same kind of objects. Machines differ and are noisy, so every figure
// is printed beside its baseline, with the ratio.
//
//	go run ./cmd/bench -users 100000
//
// Write-side phases go through SCIM; the bulk of a large tenant is preloaded
// with client-go as the server stores users (claims included), so that a
// run at 100,000 users stays within half an hour on two cores.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/testenv"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// options are the run's sizes.
type options struct {
	users, small, concurrency, preloadConcurrency, lookups, groupMembers, purge int
	// tenants, when set, runs the many-tenants measurement instead, with
	// tenantUsers users each.
	tenants, tenantUsers int
	// filteringUsers are added to the first tenant, whose long filters
	// read every one of them while the others' lookups are timed.
	filteringUsers int
	pprof          string
	// heapProfile, when set, names the file the heap profile is written
	// to once every user is loaded: what the heap per user is made of.
	heapProfile string
}

func main() {
	var o options
	flag.IntVar(&o.users, "users", 100000, "Users in the SCIM tenant at full scale.")
	flag.IntVar(&o.small, "small", 10000, "Users created over SCIM, and the small scale the large one is compared with.")
	flag.IntVar(&o.concurrency, "concurrency", 8, "SCIM requests in flight at once.")
	flag.IntVar(&o.preloadConcurrency, "preload-concurrency", 32, "client-go writes in flight while preloading.")
	flag.IntVar(&o.lookups, "lookups", 1000, "Lookups timed for each kind.")
	flag.IntVar(&o.groupMembers, "group-members", 0, "Members of the large group (default: every user).")
	flag.IntVar(&o.purge, "purge", 10000, "Users falling due for their purge together.")
	flag.IntVar(&o.tenants, "tenants", 0, "Measure this many tenants instead of one large one.")
	flag.IntVar(&o.tenantUsers, "tenant-users", 100, "Users of each tenant with -tenants.")
	flag.IntVar(&o.filteringUsers, "filtering-tenant-users", 20000, "Users added to the tenant that sends long filters with -tenants.")
	flag.StringVar(&o.pprof, "pprof", "", "Serve the operator's net/http/pprof here while the run lasts (e.g. 127.0.0.1:6060), its mutex and block profiles sampled.")
	flag.StringVar(&o.heapProfile, "heap-profile", "", "Write the heap profile to this file once every user is loaded.")
	flag.Parse()
	if o.heapProfile != "" {
		// The default samples one allocation in 512 KiB: too coarse to
		// tell apart what a few KiB per user is made of.
		runtime.MemProfileRate = 4096
	}
	o.small = min(o.small, o.users)
	if o.groupMembers == 0 {
		o.groupMembers = o.users
	}
	o.groupMembers = min(o.groupMembers, o.users)
	o.purge = min(o.purge, o.small)
	ctrl.SetLogger(zap.New(zap.Level(zapcore.ErrorLevel)))
	if err := run(ctrl.SetupSignalHandler(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

const ns = "bench"

// bench is one run: the control plane, the operator under test, a SCIM
// client for its tenant, and what was measured.
type bench struct {
	ctx   context.Context
	o     options
	env   *testenv.Env
	c     client.Client // client-go against the API server: the baselines
	cache client.Client // the operator's cache, to wait for its controllers
	mgr   manager.Manager
	h     *httpClient
	out   *report
	ids   []string // SCIM ids of the tenant's users, in creation order
	// heapLoaded is the manager's heap after GC once every user is loaded.
	heapLoaded uint64
}

func run(ctx context.Context, o options) error {
	b, srv, stop, err := start(ctx, o)
	if err != nil {
		return err
	}
	defer stop()
	if o.tenants > 0 {
		return b.runTenants(srv)
	}
	heap0 := b.heapBytes()
	base, token, err := tenant(ctx, b.c, srv)
	if err != nil {
		return err
	}
	b.h = &httpClient{ctx: ctx, base: base, token: token, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	etcd0, err := b.etcdBytes()
	if err != nil {
		return err
	}

	fmt.Printf("bench: %d users (%d over SCIM), %d SCIM requests in flight, GOMAXPROCS %d\n", o.users, o.small, o.concurrency, runtime.GOMAXPROCS(0))
	steps := []func() error{
		b.create,
		func() error { return b.lookups(o.small) },
		func() error { return b.fullImport(o.small) },
		func() error { return b.preload(heap0, etcd0) },
		func() error { return b.lookups(o.users) },
		func() error { return b.fullImport(o.users) },
		b.filters,
		b.group,
		b.purgeWave,
		b.idle,
		b.coldStart,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			b.out.print(os.Stdout)
			return err
		}
	}
	b.out.print(os.Stdout)
	return nil
}

// start starts the control plane and the operator under test, and creates
// the bench's namespace; stop stops both.
func start(ctx context.Context, o options) (b *bench, srv *scimwebhook.Server, stop func(), err error) {
	env, err := testenv.Start()
	if err != nil {
		return nil, nil, nil, err
	}
	b = &bench{ctx: ctx, o: o, env: env, c: env.Client, out: &report{lookupP99: map[string][]time.Duration{}}}
	mgrCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	stop = func() { cancel(); <-stopped; _ = env.Stop() }
	if o.pprof != "" {
		// Where requests wait on each other, not only where they run:
		// pprof's mutex and block profiles are empty unless sampled.
		runtime.SetMutexProfileFraction(10)
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
	}
	mgr, srv, err := operator.New(mgrCtx, env.Config, operator.Options{
		MetricsAddr: "0", ProbeAddr: "0", PprofAddr: o.pprof, Namespace: metav1.NamespaceDefault,
		SCIM: scimwebhook.Options{Addr: "127.0.0.1:0", BaseURL: "http://bench.example"},
	})
	if err != nil {
		cancel()
		_ = env.Stop()
		return nil, nil, nil, err
	}
	b.mgr, b.cache = mgr, mgr.GetClient()
	go func() {
		defer close(stopped)
		_ = mgr.Start(mgrCtx)
	}()
	if err := b.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		stop()
		return nil, nil, nil, fmt.Errorf("create namespace: %w", err)
	}
	return b, srv, stop, nil
}

// create times SCIM creates against client-go creates of the same users,
// and counts the API server writes one SCIM create causes, the user
// controller's included.
func (b *bench) create() error {
	n := b.o.small
	raw := timed(n, b.o.concurrency, func(i int) error {
		return b.c.Create(b.ctx, newUser("raw", fmt.Sprintf("raw-%d", i), fmt.Sprintf("raw%d@example.com", i)))
	})
	if raw.err != nil {
		return fmt.Errorf("raw creates: %w", raw.err)
	}
	if err := b.settled("raw", n); err != nil {
		return err
	}
	before := writes()
	ids := make([]string, n)
	scim := timed(n, b.o.concurrency, func(i int) error {
		id, err := b.h.create("/Users", userBody(i))
		ids[i] = id
		return err
	})
	if scim.err != nil {
		return fmt.Errorf("SCIM creates: %w", scim.err)
	}
	b.ids = ids
	if err := b.settled(ns, n); err != nil {
		return err
	}
	perCreate := float64(writes()-before) / float64(n)
	goal := 0.8 * raw.rate() / perCreate
	b.out.add("create", fmt.Sprintf("SCIM POST /Users, %d users", n), fmt.Sprintf("%.0f/s", scim.rate()),
		fmt.Sprintf("client-go create %.0f/s", raw.rate()), raw.rate()/scim.rate(),
		fmt.Sprintf("≥ %.0f/s (0.8 × raw ÷ writes per create): %s", goal, met(scim.rate() >= goal)))
	b.out.add("create", "POST latency p50 / p99", scim.percentiles(), "client-go create "+raw.percentiles(), ratio(scim.p(0.5), raw.p(0.5)), "")
	b.out.add("create", "API server writes per SCIM create", fmt.Sprintf("%.2f", perCreate), "1 (the user)", perCreate,
		"claims of userName and email of record, the user with its finalizer, its status, the UserCreated Event")
	return nil
}

// settled waits until the user controller has given every user of the
// tenant its status.
func (b *bench) settled(tenant string, n int) error {
	start := time.Now()
	// Listing a large tenant from the cache copies every user: poll
	// sparingly, so as not to be the load measured.
	err := wait.PollUntilContextTimeout(b.ctx, 2*time.Second, 60*time.Minute, true, func(ctx context.Context) (bool, error) {
		list := &v1alpha1.ScimUserList{}
		if err := b.cache.List(ctx, list, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
			return false, fmt.Errorf("list users: %w", err)
		}
		done := 0
		for i := range list.Items {
			u := &list.Items[i]
			if (tenant == "" || u.Spec.TenantRef.Name == tenant) && u.Status.Phase != "" && u.Status.ObservedGeneration == u.Generation {
				done++
			}
		}
		return done >= n, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the status of %d users of %q (%s): %w", n, tenant, time.Since(start).Round(time.Second), err)
	}
	return nil
}

// lookups times the lookups identity providers make before every write.
func (b *bench) lookups(at int) error {
	n, ids := b.o.lookups, b.ids
	scope := fmt.Sprintf("lookups at %d", at)
	api := timed(n, b.o.concurrency, func(i int) error {
		return b.c.Get(b.ctx, types.NamespacedName{Namespace: ns, Name: ids[i*7919%len(ids)]}, &v1alpha1.ScimUser{})
	})
	if api.err != nil {
		return api.err
	}
	for _, l := range []struct {
		name string
		path func(i int) string
	}{
		{"GET /Users/{id}", func(i int) string { return "/Users/" + ids[i*7919%len(ids)] }},
		{`userName eq`, func(i int) string { return filterPath(fmt.Sprintf(`userName eq "user%d@example.com"`, i*7919%at)) }},
		{`externalId eq`, func(i int) string { return filterPath(fmt.Sprintf(`externalId eq "ext-%d"`, i*7919%at)) }},
		{`emails[type eq "work"].value eq`, func(i int) string {
			return filterPath(fmt.Sprintf(`emails[type eq "work"].value eq "user%d@example.com"`, i*7919%at))
		}},
	} {
		r := timed(n, b.o.concurrency, func(i int) error { return b.h.ok(http.MethodGet, l.path(i), "") })
		if r.err != nil {
			return fmt.Errorf("%s: %w", l.name, r.err)
		}
		b.out.add(scope, l.name+" p50 / p99", r.percentiles(), "client-go GET "+api.percentiles(), ratio(r.p(0.99), api.p(0.99)), "")
		b.out.lookupP99[l.name] = append(b.out.lookupP99[l.name], r.p(0.99))
	}
	return nil
}

// fullImport pages through every user as an identity provider's import
// does, checking each is seen once.
func (b *bench) fullImport(at int) error {
	scope := fmt.Sprintf("full import at %d", at)
	start, cpu0 := time.Now(), cpuTime()
	seen := make(map[string]bool, at)
	var first, slowest time.Duration
	for index := 1; ; index += 100 {
		t0 := time.Now()
		var page struct {
			TotalResults int
			Resources    []struct{ ID string }
		}
		if err := b.h.getJSON(fmt.Sprintf("/Users?startIndex=%d&count=100", index), &page); err != nil {
			return err
		}
		took := time.Since(t0)
		if index == 1 {
			first = took
		}
		slowest = max(slowest, took)
		for _, r := range page.Resources {
			if seen[r.ID] {
				return fmt.Errorf("%s: user %s seen twice", scope, r.ID)
			}
			seen[r.ID] = true
		}
		if len(page.Resources) == 0 || index+100 > page.TotalResults {
			break
		}
	}
	total, cpu := time.Since(start), cpuTime()-cpu0
	if len(seen) != at {
		return fmt.Errorf("%s: saw %d users, want %d", scope, len(seen), at)
	}
	api, err := b.apiPages()
	if err != nil {
		return err
	}
	b.out.add(scope, "page through with count=100", total.Round(time.Millisecond).String(), "client-go list, limit 100: "+api.Round(time.Millisecond).String(),
		ratio(total, api), fmt.Sprintf("every user once: %s", met(true)))
	b.out.add(scope, "slowest page ÷ first page", fmt.Sprintf("%.1f", float64(slowest)/float64(first)), "", 0, "≤ 3: "+met(slowest <= 3*first))
	b.out.add(scope, "CPU of this process meanwhile (server and client)", cpu.Round(time.Millisecond).String(), "", 0, "")
	b.out.imports = append(b.out.imports, total)
	b.out.importCPU = append(b.out.importCPU, cpu)
	return nil
}

// apiPages pages through the namespace's users with client-go.
func (b *bench) apiPages() (time.Duration, error) {
	start := time.Now()
	cont := ""
	for {
		list := &v1alpha1.ScimUserList{}
		if err := b.c.List(b.ctx, list, client.InNamespace(ns), client.Limit(100), client.Continue(cont)); err != nil {
			return 0, fmt.Errorf("list users: %w", err)
		}
		if cont = list.Continue; cont == "" {
			return time.Since(start), nil
		}
	}
}

// preload brings the tenant to full scale with client-go, as the server
// stores users (the user with its finalizer, the claims of the unique
// values a tenant with the default policy holds: its userName), then measures how long the controllers take to catch
// up, and the memory and storage each user costs.
func (b *bench) preload(heap0 uint64, etcd0 float64) error {
	heapSmall := b.heapBytes()
	etcdSmall, err := b.etcdBytes()
	if err != nil {
		return err
	}
	from, n := b.o.small, b.o.users-b.o.small
	ids := make([]string, n)
	r := timed(n, b.o.preloadConcurrency, func(i int) error {
		k := from + i
		u := newUser(ns, fmt.Sprintf("preloaded-%d", k), fmt.Sprintf("user%d@example.com", k))
		u.Spec.ExternalID = fmt.Sprintf("ext-%d", k)
		ids[i] = u.Name
		return b.storeAsServer(u)
	})
	if r.err != nil {
		return fmt.Errorf("preload: %w", r.err)
	}
	b.ids = append(b.ids, ids...)
	lagStart := time.Now()
	if err := b.settled(ns, b.o.users); err != nil {
		return err
	}
	lag := time.Since(lagStart)
	b.out.add("preload", fmt.Sprintf("client-go writes of %d users and their claims", n), r.took.Round(time.Second).String(), "", 0, "")
	b.out.add("preload", "controller lag: bulk load done until every user has its status", lag.Round(time.Second).String(),
		fmt.Sprintf("the load itself %s", r.took.Round(time.Second)), ratio(lag, r.took), "")
	heapLarge := b.heapBytes()
	b.heapLoaded = heapLarge
	if err := b.writeHeapProfile(); err != nil {
		return err
	}
	perUser := float64(heapLarge-heapSmall) / float64(n)
	b.out.add("memory", fmt.Sprintf("manager heap after GC at %d users", b.o.users), mib(heapLarge),
		fmt.Sprintf("before any user %s", mib(heap0)), 0, "")
	b.out.add("memory", "heap per user (indexes and cache)", fmt.Sprintf("%.1f KiB", perUser/1024), "", 0, "≤ 4 KiB: "+met(perUser <= 4096))
	b.out.add("memory", "resident set", mib(rssBytes()), "", 0, "")
	etcdLarge, err := b.etcdBytes()
	if err != nil {
		return err
	}
	perUserEtcd := (etcdLarge - etcdSmall) / float64(n)
	b.out.add("storage", "etcd bytes per user, claims included, before compaction", fmt.Sprintf("%.1f KiB", perUserEtcd/1024),
		fmt.Sprintf("etcd at start %s", mib(uint64(etcd0))), 0,
		fmt.Sprintf("users within a 2 GiB quota ≈ %.0f, 8 GiB ≈ %.0f", 2*(1<<30)/perUserEtcd, 8*(1<<30)/perUserEtcd))
	return nil
}

// longFilterTerms are the terms of the filters of about 4,000
// characters no index answers that a hostile tenant sends, by how the
// server evaluates them: on columns of the values they compare, on the
// cached users where a path has no column, and on users rendered in part
// where a path is not held by the user.
var longFilterTerms = []struct{ name, term string }{
	{"on columns", `name.familyName co "Family%d"`},
	{"of value filters on columns", `emails[type eq "work" and value co "user%d@"]`},
	{"of value filters on users", `emails[primary eq true and value co "user%d@"]`},
	{"on rendered users", `groups.display co "Group%d"`},
}

// longFilters times each of longFilterTerms alone through h, over a
// tenant of users users whose first named are numbered from 0: each is
// answered, or refused with 400 once its evaluation passes the server's
// filter timeout.
func (b *bench) longFilters(h *httpClient, scope string, named, users int) error {
	for _, long := range longFilterTerms {
		f := longFilter(long.term, named)
		start := time.Now()
		code, err := h.status(http.MethodGet, filterPath(f)+"&count=10")
		took := time.Since(start)
		if err != nil {
			return fmt.Errorf("long filter %s: %w", long.name, err)
		}
		b.out.add(scope, fmt.Sprintf("%d-character filter of %d terms %s, over %d users: answered %d", len(f), strings.Count(f, " or ")+1, long.name, users, code),
			took.Round(time.Millisecond).String(), "", 0, "≤ 1s, the filter timeout, and 100 ms: "+met(took <= time.Second+100*time.Millisecond))
	}
	return nil
}

// longFilter is terms of format, each naming one of users numbered from
// 0, joined by "or" to about 4,000 characters, the most a filter may
// have.
func longFilter(format string, users int) string {
	var terms []string
	for i := 1; len(strings.Join(terms, " or ")) < 3900; i++ {
		terms = append(terms, fmt.Sprintf(format, i*7919%users))
	}
	return strings.Join(terms, " or ")
}

// filters times filters no index answers, at full scale.
func (b *bench) filters() error {
	api := timed(20, 1, func(int) error {
		return b.c.List(b.ctx, &v1alpha1.ScimUserList{}, client.InNamespace(ns), client.Limit(100))
	})
	for _, f := range []string{
		`name.familyName co "Family4242"`,
		`userName sw "user9999"`,
		`meta.lastModified gt "2099-01-01T00:00:00Z"`,
		`title pr`,
		`(title eq "Director" or displayName co "Given77") and active eq true`,
	} {
		r := timed(20, 1, func(int) error { return b.h.ok(http.MethodGet, filterPath(f)+"&count=10", "") })
		if r.err != nil {
			return fmt.Errorf("filter %s: %w", f, r.err)
		}
		// The first reads the users and packs the column the others read.
		b.out.add(fmt.Sprintf("filters at %d", b.o.users), f+" p50 (first)",
			fmt.Sprintf("%s (%s)", r.p(0.5).Round(time.Millisecond), r.times[0].Round(time.Millisecond)),
			"client-go list of 100 "+api.p(0.5).Round(time.Millisecond).String(), ratio(r.p(0.5), api.p(0.5)),
			"≤ 50ms: "+met(r.p(0.5) <= 50*time.Millisecond))
	}
	if err := b.longFilters(b.h, fmt.Sprintf("filters at %d", b.o.users), b.o.users, b.o.users); err != nil {
		return err
	}
	columns := b.heapBytes()
	b.out.add("memory", "heap after GC with the filters' columns kept", mib(columns),
		"after the load "+mib(b.heapLoaded), 0, fmt.Sprintf("%+.0f bytes a user: the list order and its columns", (float64(columns)-float64(b.heapLoaded))/float64(b.o.users)))
	// A user created, changed or deleted between two filters is spliced
	// into the order and its column by the next one.
	const f = `name.familyName co "Family4242"`
	var ids []string
	for _, c := range []struct {
		name   string
		change func(i int) error
	}{
		{"after a POST", func(i int) error {
			id, err := b.h.create("/Users", fmt.Sprintf(`{"userName":"between%d@example.com","name":{"familyName":"Between"}}`, i))
			ids = append(ids, id)
			return err
		}},
		{"after a PATCH", func(i int) error {
			return b.h.ok(http.MethodPatch, "/Users/"+ids[i], `{"Operations":[{"op":"replace","path":"title","value":"Moved"}]}`)
		}},
		{"after a DELETE", func(i int) error {
			_, err := b.h.do(http.MethodDelete, "/Users/"+ids[i], "", http.StatusNoContent)
			return err
		}},
	} {
		times := make([]time.Duration, 10)
		for i := range times {
			if err := c.change(i); err != nil {
				return fmt.Errorf("filters %s: %w", c.name, err)
			}
			t0 := time.Now()
			if err := b.h.ok(http.MethodGet, filterPath(f)+"&count=10", ""); err != nil {
				return fmt.Errorf("filter %s %s: %w", f, c.name, err)
			}
			times[i] = time.Since(t0)
		}
		b.out.add(fmt.Sprintf("filters at %d", b.o.users), f+" "+c.name+" p50", pct(times, 0.5).Round(time.Millisecond).String(), "", 0, "")
	}
	return nil
}

// group builds a group of every user in PATCH batches of 100, as Entra
// does, and reads it.
func (b *bench) group() error {
	id, err := b.h.create("/Groups", `{"displayName":"All employees"}`)
	if err != nil {
		return err
	}
	members := b.o.groupMembers
	batches := (members + 99) / 100
	var took []time.Duration
	for i := range batches {
		ops := make([]string, 0, 100)
		for j := i * 100; j < min((i+1)*100, members); j++ {
			ops = append(ops, `{"value":"`+b.ids[j]+`"}`)
		}
		t0 := time.Now()
		body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[` + join(ops) + `]}]}`
		if err := b.h.patchGroup(id, body); err != nil {
			return err
		}
		took = append(took, time.Since(t0))
	}
	scope := fmt.Sprintf("group of %d", members)
	firstTen, lastTen := pct(took[:min(10, len(took))], 0.5), pct(took[max(0, len(took)-10):], 0.5)
	b.out.add(scope, "PATCH add of 100 members p50 / p99", fmt.Sprintf("%s / %s", pct(took, 0.5).Round(time.Millisecond), pct(took, 0.99).Round(time.Millisecond)),
		"", 0, "≤ 250ms: "+met(pct(took, 0.99) <= 250*time.Millisecond))
	b.out.add(scope, "batch p50, first ten ÷ last ten", fmt.Sprintf("%s / %s", firstTen.Round(time.Millisecond), lastTen.Round(time.Millisecond)),
		"", ratio(lastTen, firstTen), "flat as the group fills")
	remove := timed(10, 1, func(i int) error {
		return b.h.patchGroup(id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"`+b.ids[i]+`\"]"}]}`)
	})
	if remove.err != nil {
		return remove.err
	}
	b.out.add(scope, "PATCH remove of one member p50", remove.p(0.5).Round(time.Millisecond).String(), "", 0, "")
	lean := timed(20, 1, func(int) error {
		return b.h.ok(http.MethodGet, "/Groups/"+id+"?excludedAttributes=members", "")
	})
	b.out.add(scope, "GET ?excludedAttributes=members p50", lean.p(0.5).Round(time.Microsecond).String(), "", 0, "")
	var size int
	whole := timed(5, 1, func(int) error {
		n, err := b.h.size("/Groups/" + id)
		size = n
		return err
	})
	if whole.err != nil {
		return whole.err
	}
	b.out.add(scope, "GET with members p50", fmt.Sprintf("%s for %.1f MB", whole.p(0.5).Round(time.Millisecond), float64(size)/1e6), "", 0, "")
	return nil
}

// purgeWave lets users fall due together and times their purge against
// client-go deletes of as many objects.
func (b *bench) purgeWave() error {
	n := b.o.purge
	for i := range n {
		claim := &v1alpha1.ScimClaim{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("baseline-%d", i)},
			Spec:       v1alpha1.ScimClaimSpec{TenantRef: v1alpha1.TenantReference{Name: "baseline"}, Kind: v1alpha1.ClaimUserName, Value: fmt.Sprint(i), Holder: "none"},
		}
		if err := b.c.Create(b.ctx, claim); err != nil {
			return fmt.Errorf("create baseline object: %w", err)
		}
	}
	raw := timed(n, b.o.concurrency, func(i int) error {
		return b.c.Delete(b.ctx, &v1alpha1.ScimClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("baseline-%d", i)}})
	})
	if raw.err != nil {
		return raw.err
	}
	due := b.ids[len(b.ids)-n:]
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if r := timed(n, b.o.preloadConcurrency, func(i int) error {
		u := &v1alpha1.ScimUser{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: due[i]}}
		patch := []byte(`{"metadata":{"annotations":{"` + v1alpha1.AnnotationDeletedAt + `":"` + past + `","` + v1alpha1.AnnotationPurgeNow + `":"true"}}}`)
		return b.c.Patch(b.ctx, u, client.RawPatch(types.MergePatchType, patch))
	}); r.err != nil {
		return r.err
	}
	start := time.Now()
	err := wait.PollUntilContextTimeout(b.ctx, 250*time.Millisecond, 30*time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, id := range slices.Backward(due) {
			if err := b.cache.Get(ctx, types.NamespacedName{Namespace: ns, Name: id}, &v1alpha1.ScimUser{}); err == nil {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the purge: %w", err)
	}
	took := time.Since(start)
	rate := float64(n) / took.Seconds()
	b.out.add("purge wave", fmt.Sprintf("%d users due at once", n), fmt.Sprintf("%.0f users/s", rate),
		fmt.Sprintf("client-go delete %.0f/s", raw.rate()), raw.rate()/rate, "")
	return nil
}

// idle measures the manager's CPU while nothing is due.
func (b *bench) idle() error {
	before := cpuTime()
	time.Sleep(10 * time.Second)
	used := cpuTime() - before
	b.out.add("idle", "process CPU while nothing is due", fmt.Sprintf("%.1f%% of a core", 100*used.Seconds()/10), "", 0, "≈ 0")
	return nil
}

// coldStart starts a second SCIM server on the same API server and times
// it until it answers.
func (b *bench) coldStart() error {
	ctx, stop := context.WithCancel(b.ctx)
	defer stop()
	start := time.Now()
	mgr, srv, err := operator.New(ctx, b.env.Config, operator.Options{
		Role: operator.RoleServer, MetricsAddr: "0", ProbeAddr: "0", Namespace: metav1.NamespaceDefault,
		SCIM: scimwebhook.Options{Addr: "127.0.0.1:0", BaseURL: "http://bench.example"},
	})
	if err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = mgr.Start(ctx)
	}()
	defer func() { stop(); <-done }()
	notReady := 0
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Minute, true, func(context.Context) (bool, error) {
		if ready := srv.ReadyCheck(nil) == nil; !ready {
			notReady++
			return false, nil
		}
		h := *b.h
		h.base = "http://" + srv.Addr() + b.h.path()
		return h.ok(http.MethodGet, "/Users?count=1", "") == nil, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the second server: %w", err)
	}
	b.out.add("cold start", fmt.Sprintf("a new replica, start to serving %d users", b.o.users), time.Since(start).Round(time.Millisecond).String(),
		"", 0, fmt.Sprintf("readiness failed %d polls until then", notReady))
	return nil
}

// report collects the figures and prints them as a table.
type report struct {
	rows      [][6]string
	lookupP99 map[string][]time.Duration
	imports   []time.Duration
	importCPU []time.Duration
}

func (r *report) add(scope, name, value, baseline string, vs float64, goal string) {
	ratioText := ""
	if vs > 0 {
		ratioText = fmt.Sprintf("%.2fx", vs)
	}
	r.rows = append(r.rows, [6]string{scope, name, value, baseline, ratioText, goal})
	fmt.Printf("  %s: %s = %s\n", scope, name, value)
}

func (r *report) print(w io.Writer) {
	for name, p99 := range r.lookupP99 {
		if len(p99) == 2 {
			r.rows = append(r.rows, [6]string{"lookups", name + " p99, large ÷ small", fmt.Sprintf("%.2f", float64(p99[1])/float64(p99[0])), "", "", "≤ 1.5: " + met(p99[1] <= p99[0]*3/2)})
		}
	}
	if len(r.imports) == 2 {
		x := float64(r.imports[1]) / float64(r.imports[0])
		r.rows = append(r.rows, [6]string{"full import", "time at large ÷ at small", fmt.Sprintf("%.1f", x), "", "", "≤ 12: " + met(x <= 12)})
	}
	if len(r.importCPU) == 2 {
		// Against the time ratio, what other processes (the API server,
		// etcd) took from the import.
		x := float64(r.importCPU[1]) / float64(r.importCPU[0])
		r.rows = append(r.rows, [6]string{"full import", "CPU at large ÷ at small", fmt.Sprintf("%.1f", x), "", "", ""})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "\nphase\tfigure\tvalue\tbaseline\tratio\tgoal\t")
	for _, row := range r.rows {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", row[0], row[1], row[2], row[3], row[4], row[5])
	}
	_ = tw.Flush()
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// result is a timed batch of operations.
type result struct {
	n     int
	took  time.Duration
	times []time.Duration
	err   error
}

func (r *result) rate() float64 { return float64(r.n) / r.took.Seconds() }

func (r *result) p(q float64) time.Duration { return pct(r.times, q) }

func (r *result) percentiles() string {
	return fmt.Sprintf("%s / %s", r.p(0.5).Round(10*time.Microsecond), r.p(0.99).Round(10*time.Microsecond))
}

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// timed runs op n times, concurrency at once, timing each and the whole.
func timed(n, concurrency int, op func(i int) error) *result {
	var next atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	times := make([]time.Duration, n)
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := op(i); err != nil {
					firstErr.CompareAndSwap(nil, &err)
				}
				times[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	out := &result{n: n, took: time.Since(start), times: times}
	if e := firstErr.Load(); e != nil {
		out.err = *e
	}
	return out
}
