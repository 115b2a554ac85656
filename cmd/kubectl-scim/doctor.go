// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// Outcomes of a doctor check.
const (
	checkOK   = "OK"
	checkWarn = "WARN"
	checkFail = "FAIL"
)

// maxClockSkew is how far this machine's clock may be from the API
// server's before doctor warns: purge times and token grace periods are
// the operator's, and a person reading them here should see the same time.
const maxClockSkew = 5 * time.Second

// purgeLag is how long past its purge time a user may wait before doctor
// counts it as backlog: the controller purges within moments.
const purgeLag = time.Minute

// check is one doctor finding.
type check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
}

type doctor struct {
	*options
	tenant  *v1alpha1.ScimTenant
	service string
	// http reaches the tenant's endpoint; api the API server, with the
	// caller's credentials.
	http   *http.Client
	api    *http.Client
	checks []check
}

func newDoctorCommand(o *options) *cobra.Command {
	var service string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a tenant end to end: conditions, token Secret, endpoint, purge backlog, clock, your RBAC",
		Long: "doctor runs the checks a platform team runs by hand when an identity provider reports errors,\n" +
			"and says what to fix for each that fails. It exits non-zero when any check fails.",
		Args: cobra.NoArgs,
		RunE: o.onTenant(func(ctx context.Context, tenant *v1alpha1.ScimTenant, _ []string) error {
			api, err := rest.HTTPClientFor(o.restConfig)
			if err != nil {
				return fmt.Errorf("build API client: %w", err)
			}
			api.Timeout = 10 * time.Second
			d := &doctor{options: o, tenant: tenant, service: service, http: &http.Client{Timeout: 5 * time.Second}, api: api}
			serverNow := d.checkClock(ctx)
			d.checkConditions()
			token, without := d.checkSecret(ctx)
			d.checkEndpoint(ctx, token, without)
			d.checkService(ctx)
			d.checkUsers(ctx, serverNow)
			d.checkAccess(ctx)

			t := &table{header: []string{"CHECK", "STATUS", "DETAIL"}}
			failed := 0
			for _, c := range d.checks {
				t.add(c.Name, c.Status, c.Detail)
				if c.Status == checkFail {
					failed++
				}
			}
			if err := o.print(t, d.checks); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d checks of tenant %s/%s failed", failed, len(d.checks), tenant.Namespace, tenant.Name)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&service, "service", "scim-operator-system/scim-operator-scim:80",
		"The SCIM server's Service, namespace/name:port, reached through the API server to check the endpoint from inside the cluster.")
	return cmd
}

func (d *doctor) report(name, status, format string, args ...any) {
	d.checks = append(d.checks, check{Name: name, Status: status, Detail: fmt.Sprintf(format, args...)})
}

// checkClock compares this machine's clock with the API server's, and
// returns the API server's time.
func (d *doctor) checkClock(ctx context.Context) time.Time {
	now := time.Now()
	resp, err := d.apiGet(ctx, "/version")
	if err != nil {
		d.report("clock", checkWarn, "could not read the API server's time: %v", err)
		return now
	}
	_ = resp.Body.Close()
	server, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		d.report("clock", checkWarn, "the API server sent no Date header")
		return now
	}
	// Date has whole seconds; halfway through the request is the best
	// guess of when it was stamped.
	local := now.Add(time.Since(now) / 2).Truncate(time.Second)
	skew := local.Sub(server)
	if skew.Abs() > maxClockSkew {
		d.report("clock", checkWarn, "this machine's clock is %s off the API server's: purge times and token expiries shown here are the cluster's", skew)
		return server
	}
	d.report("clock", checkOK, "within %s of the API server's", maxClockSkew)
	return server
}

func (d *doctor) checkConditions() {
	for _, typ := range []string{v1alpha1.ConditionTokenReady, v1alpha1.ConditionReady} {
		c := meta.FindStatusCondition(d.tenant.Status.Conditions, typ)
		switch {
		case c == nil:
			d.report("condition "+typ, checkFail, "not set: is the controller running? (kubectl -n scim-operator-system get deploy)")
		case c.ObservedGeneration != d.tenant.Generation:
			d.report("condition "+typ, checkWarn, "describes generation %d, the tenant is at %d: the controller has not caught up", c.ObservedGeneration, d.tenant.Generation)
		case c.Status != metav1.ConditionTrue:
			d.report("condition "+typ, checkFail, "%s: %s", c.Reason, c.Message)
		default:
			d.report("condition "+typ, checkOK, "%s", c.Reason)
		}
	}
}

// checkSecret checks the token Secret and returns the usable token, or
// why there is none to check the endpoint with.
func (d *doctor) checkSecret(ctx context.Context) (token []byte, without string) {
	ref := d.tenant.Spec.TokenSecretRef
	secret := &corev1.Secret{}
	err := d.client.Get(ctx, client.ObjectKey{Namespace: d.tenant.Namespace, Name: ref.Name}, secret)
	switch {
	case apierrors.IsForbidden(err):
		d.report("token secret", checkWarn, "you may not read Secret %s; the endpoint check runs without the token", ref.Name)
		return nil, "which you may not read"
	case apierrors.IsNotFound(err):
		d.report("token secret", checkFail, "Secret %s does not exist: create it with the token under key %q and the label %s=true", ref.Name, d.tenant.TokenKey(), v1alpha1.LabelTokenSecret)
		return nil, "for there is none"
	case err != nil:
		d.report("token secret", checkFail, "could not read Secret %s: %v", ref.Name, err)
		return nil, "which could not be read"
	}
	token = v1alpha1.BearerToken(secret.Data[d.tenant.TokenKey()])
	switch {
	case !metav1.IsControlledBy(secret, d.tenant) && secret.Labels[v1alpha1.LabelTokenSecret] != "true":
		d.report("token secret", checkFail, "Secret %s lacks the label %s=true, so the operator does not use it", ref.Name, v1alpha1.LabelTokenSecret)
	case len(token) == 0:
		d.report("token secret", checkFail, "Secret %s has no key %q", ref.Name, d.tenant.TokenKey())
	case len(token) < v1alpha1.MinTokenLength:
		d.report("token secret", checkFail, "the token in Secret %s is %d characters, fewer than the %d required", ref.Name, len(token), v1alpha1.MinTokenLength)
	default:
		d.report("token secret", checkOK, "Secret %s key %q holds a token of %d characters", ref.Name, d.tenant.TokenKey(), len(token))
		return token, ""
	}
	return nil, "which is not usable"
}

// checkEndpoint asks the tenant's public endpoint for its
// ServiceProviderConfig, as an identity provider's "Test Connection" does.
func (d *doctor) checkEndpoint(ctx context.Context, token []byte, without string) {
	endpoint := d.tenant.Status.Endpoint
	if !strings.HasPrefix(endpoint, "https://") && !strings.HasPrefix(endpoint, "http://") {
		d.report("endpoint", checkFail, "the tenant's endpoint %q has no host: set the operator's --scim-base-url (the chart's scim.baseURL) or the tenant's spec.publicBaseURL", endpoint)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/ServiceProviderConfig", nil)
	if err != nil {
		d.report("endpoint", checkFail, "the endpoint %s is not a URL: %v", endpoint, err)
		return
	}
	if token != nil {
		req.Header.Set("Authorization", "Bearer "+string(token))
	}
	resp, err := d.http.Do(req)
	if err != nil {
		d.report("endpoint", checkWarn, "%s is not reachable from here (%v): check DNS, the ingress and its TLS certificate", endpoint, err)
		return
	}
	_ = resp.Body.Close()
	switch {
	case token != nil && resp.StatusCode == http.StatusOK:
		d.report("endpoint", checkOK, "%s answers and accepts the token", endpoint)
	case token == nil && resp.StatusCode == http.StatusUnauthorized:
		d.report("endpoint", checkOK, "%s answers (not checked with the token, %s)", endpoint, without)
	case resp.StatusCode == http.StatusUnauthorized:
		d.report("endpoint", checkFail, "%s refuses the token in the Secret: the SCIM server has not taken it in yet, or the ingress routes to another operator", endpoint)
	default:
		d.report("endpoint", checkFail, "%s answered %s: the ingress may not route /scim/v2/ to the SCIM Service", endpoint, resp.Status)
	}
}

// checkService reaches the SCIM Service through the API server's service
// proxy: from inside the cluster, past any ingress. The proxy carries the
// caller's credentials, not the tenant's token, so a SCIM 401 is the
// answer that proves the server is there.
func (d *doctor) checkService(ctx context.Context) {
	ns, nameAndPort, ok := strings.Cut(d.service, "/")
	if !ok {
		d.report("service", checkWarn, "--service %q is not namespace/name:port", d.service)
		return
	}
	path := fmt.Sprintf("/api/v1/namespaces/%s/services/%s/proxy%s/%s/%s/ServiceProviderConfig", ns, nameAndPort, v1alpha1.SCIMPathPrefix, d.tenant.Namespace, d.tenant.Name)
	resp, err := d.apiGet(ctx, path)
	if err != nil {
		d.report("service", checkWarn, "could not reach Service %s through the API server: %v", d.service, err)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized && strings.Contains(string(body), "urn:ietf:params:scim:api:messages:2.0:Error"):
		d.report("service", checkOK, "the SCIM server answers at Service %s inside the cluster", d.service)
	case resp.StatusCode == http.StatusNotFound:
		d.report("service", checkWarn, "Service %s was not found: pass --service namespace/name:port of the SCIM Service", d.service)
	case resp.StatusCode == http.StatusForbidden:
		d.report("service", checkWarn, "you may not use the service proxy of %s (services/proxy get)", d.service)
	default:
		d.report("service", checkFail, "Service %s answered %s: are the SCIM server's pods ready? (kubectl -n %s get endpointslices)", d.service, resp.Status, ns)
	}
}

// checkUsers counts users past their purge time, users with values that
// could not be normalised and users sharing an email of record.
func (d *doctor) checkUsers(ctx context.Context, now time.Time) {
	due, invalid, shared, total := 0, 0, 0, 0
	var oldest time.Time
	err := d.eachUser(ctx, d.tenant, nil, func(u *v1alpha1.ScimUser) error {
		total++
		if u.Status.PurgeAt != nil && u.Status.PurgeAt.Add(purgeLag).Before(now) {
			due++
			if oldest.IsZero() || u.Status.PurgeAt.Before(&metav1.Time{Time: oldest}) {
				oldest = u.Status.PurgeAt.Time
			}
		}
		if len(u.Status.InvalidAttributes) > 0 && u.IsLive() {
			invalid++
		}
		if meta.IsStatusConditionTrue(u.Status.Conditions, v1alpha1.ConditionEmailShared) && u.IsLive() {
			shared++
		}
		return nil
	})
	if err != nil {
		d.report("purge backlog", checkWarn, "could not list users: %v", err)
		return
	}
	if due > 0 {
		d.report("purge backlog", checkFail, "%d users are past their purge time, the oldest since %s: the controller is not purging (kubectl -n scim-operator-system logs deploy/scim-operator-controller-manager)",
			due, oldest.UTC().Format(time.RFC3339))
	} else {
		d.report("purge backlog", checkOK, "no user of %d is past its purge time", total)
	}
	if invalid > 0 {
		d.report("attributes", checkWarn, "%d users hold values that could not be normalised: kubectl scim users --invalid", invalid)
	} else {
		d.report("attributes", checkOK, "every value could be normalised")
	}
	switch {
	case shared == 0:
		d.report("shared emails", checkOK, "no two live users share an email of record")
	case d.tenant.Claims(v1alpha1.ClaimEmail):
		d.report("shared emails", checkWarn, "%d live users share an email of record, although the tenant keeps it unique: they were stored before it chose EmailOfRecord, or made by hand; see their EmailShared condition", shared)
	default:
		d.report("shared emails", checkOK, "%d live users share an email of record with another (stored and reported, as spec.emailUniqueness None says); see their EmailShared condition", shared)
	}
}

// access is what one plugin command needs of the caller.
type access struct {
	commands string
	attrs    authorizationv1.ResourceAttributes
}

// checkAccess asks the API server what the caller may do, for each
// command of this plugin.
func (d *doctor) checkAccess(ctx context.Context) {
	ns := d.tenant.Namespace
	needs := []access{
		{"tenants, doctor", authorizationv1.ResourceAttributes{Namespace: ns, Verb: "list", Group: v1alpha1.GroupVersion.Group, Resource: "scimtenants"}},
		{"users, show", authorizationv1.ResourceAttributes{Namespace: ns, Verb: "list", Group: v1alpha1.GroupVersion.Group, Resource: "scimusers"}},
		{"restore, purge", authorizationv1.ResourceAttributes{Namespace: ns, Verb: "patch", Group: v1alpha1.GroupVersion.Group, Resource: "scimusers"}},
		{"token rotate", authorizationv1.ResourceAttributes{Namespace: ns, Verb: "patch", Resource: "secrets", Name: d.tenant.Spec.TokenSecretRef.Name}},
		{"events", authorizationv1.ResourceAttributes{Namespace: ns, Verb: "list", Group: "events.k8s.io", Resource: "events"}},
	}
	var denied []string
	for _, n := range needs {
		review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &n.attrs}}
		if err := d.client.Create(ctx, review); err != nil {
			d.report("your access", checkWarn, "could not ask the API server what you may do: %v", err)
			return
		}
		if !review.Status.Allowed {
			denied = append(denied, fmt.Sprintf("%s %s (%s)", n.attrs.Verb, n.attrs.Resource, n.commands))
		}
	}
	if len(denied) > 0 {
		d.report("your access", checkWarn, "you may not %s in %s", strings.Join(denied, ", "), ns)
		return
	}
	d.report("your access", checkOK, "every command of kubectl scim is open to you in %s", ns)
}

// apiGet sends a GET to the API server with the caller's credentials.
func (d *doctor) apiGet(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(d.restConfig.Host, "/")+path, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	resp, err := d.api.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	return resp, nil
}
