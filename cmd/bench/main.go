// Command bench measures the SCIM server against a baseline taken in the
// same run on the same API server: raw client-go writes and reads of the
// same objects. Machines differ and are noisy, so it reports ratios to the
// baseline rather than absolute times alone.
//
//	go run ./cmd/bench -users 2000 -concurrency 8
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
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
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/testenv"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

func main() {
	users := flag.Int("users", 2000, "Users to create in each of the baseline and the SCIM tenant.")
	lookups := flag.Int("lookups", 1000, "Lookups and page reads to time.")
	concurrency := flag.Int("concurrency", 8, "Requests in flight at once.")
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.Level(zapcore.WarnLevel)))
	if err := run(ctrl.SetupSignalHandler(), *users, *lookups, *concurrency); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// result is one timed operation, with the first error it met.
type result struct {
	name     string
	n        int
	took     time.Duration
	baseline *result
	err      error
}

func run(ctx context.Context, users, lookups, concurrency int) error {
	env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()
	mgrCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	defer func() { stop(); <-stopped }()
	mgr, srv, err := operator.New(mgrCtx, env.Config, operator.Options{
		MetricsAddr: "0", ProbeAddr: "0", Namespace: metav1.NamespaceDefault,
		// One tenant's requests are the whole load here: its rate and
		// in-flight limits would measure themselves.
		SCIM: scimwebhook.Options{
			Addr: "127.0.0.1:0", BaseURL: "http://bench.example",
			TenantRequestsPerSecond: 1e9, TenantBurst: 1e9, TenantConcurrency: 1024,
		},
	})
	if err != nil {
		return err
	}
	go func() {
		defer close(stopped)
		_ = mgr.Start(mgrCtx)
	}()
	c := env.Client

	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	base, token, err := tenant(ctx, c, srv)
	if err != nil {
		return err
	}
	h := &httpClient{ctx: ctx, base: base, token: token, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}}

	var results []*result
	createRaw := timed("create user: client-go", users, concurrency, func(i int) error {
		return c.Create(ctx, &v1alpha1.ScimUser{
			ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: fmt.Sprintf("raw-%d", i)},
			Spec: v1alpha1.ScimUserSpec{
				TenantRef: v1alpha1.TenantReference{Name: "raw"}, ManagedBy: v1alpha1.ManagedBySCIM,
				UserName: fmt.Sprintf("raw%d@example.com", i), Active: ptr.To(true),
				Emails: []v1alpha1.MultiValuedAttribute{{Value: fmt.Sprintf("raw%d@example.com", i), Type: "work", Primary: true}},
			},
		})
	})
	createSCIM := timed("create user: SCIM POST /Users", users, concurrency, func(i int) error {
		return h.expect(http.MethodPost, "/Users", fmt.Sprintf(
			`{"userName":"user%d@example.com","emails":[{"value":"user%d@example.com","type":"work","primary":true}]}`, i, i), http.StatusCreated)
	})
	createSCIM.baseline = createRaw
	results = append(results, createRaw, createSCIM)
	if createRaw.err != nil || createSCIM.err != nil {
		return fmt.Errorf("create users: %w", firstErr(createRaw.err, createSCIM.err))
	}

	getRaw := timed("get user by name: client-go (API server)", lookups, concurrency, func(i int) error {
		return c.Get(ctx, types.NamespacedName{Namespace: "bench", Name: fmt.Sprintf("raw-%d", i%users)}, &v1alpha1.ScimUser{})
	})
	filterSCIM := timed("find user: SCIM filter userName eq", lookups, concurrency, func(i int) error {
		return h.expect(http.MethodGet, "/Users?filter="+url.QueryEscape(fmt.Sprintf(`userName eq "user%d@example.com"`, i%users)), "", http.StatusOK)
	})
	filterSCIM.baseline = getRaw
	pageRaw := timed("list 100 users: client-go (API server)", lookups/10, concurrency, func(int) error {
		return c.List(ctx, &v1alpha1.ScimUserList{}, client.InNamespace("bench"), client.Limit(100))
	})
	pageSCIM := timed("list 100 users: SCIM GET /Users?count=100", lookups/10, concurrency, func(i int) error {
		return h.expect(http.MethodGet, fmt.Sprintf("/Users?startIndex=%d&count=100", 1+(i*100)%users), "", http.StatusOK)
	})
	pageSCIM.baseline = pageRaw
	results = append(results, getRaw, filterSCIM, pageRaw, pageSCIM)

	report(os.Stdout, users, concurrency, results)
	return firstErr(getRaw.err, filterSCIM.err, pageRaw.err, pageSCIM.err)
}

// tenant creates the bench tenant and returns its base URL and token.
func tenant(ctx context.Context, c client.Client, srv *scimwebhook.Server) (base, token string, err error) {
	t := &v1alpha1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "bench"},
		Spec:       v1alpha1.ScimTenantSpec{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "bench-token"}},
	}
	if err := c.Create(ctx, t); err != nil {
		return "", "", fmt.Errorf("create tenant: %w", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		secret := &corev1.Secret{}
		if err := c.Get(ctx, types.NamespacedName{Namespace: "bench", Name: "bench-token"}, secret); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("get token secret: %w", err)
		}
		if len(secret.Data["token"]) == 0 || srv.Addr() == "" {
			return false, nil
		}
		token = string(secret.Data["token"])
		base = "http://" + srv.Addr() + t.EndpointPath()
		h := &httpClient{ctx: ctx, base: base, token: token, c: http.DefaultClient}
		return h.expect(http.MethodGet, "/ServiceProviderConfig", "", http.StatusOK) == nil, nil
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

func (h *httpClient) expect(method, path, body string, status int) error {
	req, err := http.NewRequestWithContext(h.ctx, method, h.base+path, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := h.c.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		return fmt.Errorf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, status, b)
	}
	return nil
}

// timed runs op n times, concurrency at once, and times the whole.
func timed(name string, n, concurrency int, op func(i int) error) *result {
	var next atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
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
				if err := op(i); err != nil {
					firstErr.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	wg.Wait()
	out := &result{name: name, n: n, took: time.Since(start)}
	if e := firstErr.Load(); e != nil {
		out.err = *e
	}
	return out
}

func report(w io.Writer, users, concurrency int, results []*result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintf(tw, "%d users per tenant, %d requests in flight\n\n", users, concurrency)
	_, _ = fmt.Fprintln(tw, "operation\tn\ttotal\tper op\tops/s\tvs baseline\t")
	for _, r := range results {
		ratio := ""
		if r.baseline != nil {
			ratio = fmt.Sprintf("%.2fx", float64(r.took)/float64(r.n)/(float64(r.baseline.took)/float64(r.baseline.n)))
		}
		_, _ = fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.0f\t%s\t\n", r.name, r.n, r.took.Round(time.Millisecond),
			(r.took / time.Duration(r.n)).Round(time.Microsecond), float64(r.n)/r.took.Seconds(), ratio)
	}
	_ = tw.Flush()
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
