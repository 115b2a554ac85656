// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"
	"k8s.io/utils/ptr"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// tenantLimits keeps one tenant's requests from taking the server from
// the others: a token bucket bounds its rate, and a semaphore the requests
// it has in flight. Requests over either get 429 with Retry-After, which
// identity providers honour. A tenant's spec.rateLimit overrides the
// server's defaults.
type tenantLimits struct {
	defaults v1alpha1.RateLimit
	// wait is how long a request waits for one of its tenant's slots
	// before it is refused.
	wait time.Duration

	mu      sync.Mutex
	tenants map[string]*tenantLimiter
}

type tenantLimiter struct {
	limits v1alpha1.EffectiveLimits
	bucket *rate.Limiter
	slots  chan struct{}
}

func newTenantLimits(o Options) *tenantLimits {
	return &tenantLimits{
		defaults: o.TenantRateLimit(),
		wait:     o.TenantQueueWait,
		tenants:  map[string]*tenantLimiter{},
	}
}

// TenantRateLimit is the server's request limits, what a tenant that sets
// none gets: the tenant controller reports them in status.
func (o Options) TenantRateLimit() v1alpha1.RateLimit {
	o.defaults()
	return v1alpha1.RateLimit{
		RequestsPerSecond: ptr.To(int32(max(1, math.Round(o.TenantRequestsPerSecond)))),
		Burst:             ptr.To(int32(o.TenantBurst)),
		MaxInFlight:       ptr.To(int32(o.TenantConcurrency)),
	}
}

// limiter is the tenant's limiter, made afresh when its limits change.
// Only authenticated tenants get one, so the map grows with the tenants
// that exist, not with what clients send.
func (l *tenantLimits) limiter(key string, limits v1alpha1.EffectiveLimits) *tenantLimiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	tl, ok := l.tenants[key]
	if !ok || tl.limits.RequestsPerSecond != limits.RequestsPerSecond || tl.limits.Burst != limits.Burst || tl.limits.MaxInFlight != limits.MaxInFlight {
		tl = &tenantLimiter{
			limits: limits,
			bucket: rate.NewLimiter(rate.Limit(limits.RequestsPerSecond), int(limits.Burst)),
			slots:  make(chan struct{}, limits.MaxInFlight),
		}
		l.tenants[key] = tl
	}
	return tl
}

// admit takes one of the tenant's tokens and slots, or fails with a 429;
// release gives the slot back.
func (l *tenantLimits) admit(ctx context.Context, tenant *v1alpha1.ScimTenant) (release func(), err error) {
	limits := tenant.EffectiveLimits(l.defaults)
	tl := l.limiter(tenant.Namespace+"/"+tenant.Name, limits)
	r := tl.bucket.Reserve()
	if delay := r.Delay(); delay > 0 {
		r.Cancel()
		return nil, tooManyRequests(delay, "this tenant sends more requests than the %d a second it is allowed (its spec.rateLimit, or the server's default)", limits.RequestsPerSecond)
	}
	release, err = takeSlot(ctx, tl.slots, l.wait)
	switch {
	case errors.Is(err, errNoSlot):
		return nil, tooManyRequests(time.Second, "this tenant has %d requests in flight, the most it may have (its spec.rateLimit.maxInFlight, or the server's default)", limits.MaxInFlight)
	case err != nil:
		return nil, tooManyRequests(time.Second, "the request ended while waiting behind this tenant's %d requests in flight", limits.MaxInFlight)
	}
	return release, nil
}

// errNoSlot is takeSlot's error when no slot came free in time.
var errNoSlot = errors.New("no slot came free in time")

// takeSlot takes one of slots, waiting up to wait for one to come free;
// release gives it back. It fails with errNoSlot, or with ctx's error
// when the request ends first.
func takeSlot(ctx context.Context, slots chan struct{}, wait time.Duration) (release func(), err error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-timer.C:
		return nil, errNoSlot
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a slot: %w", ctx.Err())
	}
}

func tooManyRequests(retryAfter time.Duration, format string, args ...any) *Error {
	e := errorf(http.StatusTooManyRequests, "", format+"; retry after the time Retry-After gives", args...)
	e.RetryAfter = int(math.Ceil(retryAfter.Seconds()))
	return e
}

// decodeWait is how long a request waits for room in the decode budget
// before it is refused with 429.
const decodeWait = 2 * time.Second

// decodeBudget bounds the memory all requests together may spend on
// decoding bodies, across tenants: the per-tenant limits bound how many
// requests a tenant has in flight, not what each of them costs. Requests
// past it wait briefly, then get 429, so that the process never reaches
// its memory limit however many tenants send large bodies at once.
type decodeBudget struct {
	sem  *semaphore.Weighted
	size int64
}

func newDecodeBudget(size int64) *decodeBudget {
	return &decodeBudget{sem: semaphore.NewWeighted(size), size: size}
}

// reserve takes n more bytes of the budget for a request that then holds
// total, or fails with 413 for a request that can never fit and 429 for
// one that does not fit now.
func (b *decodeBudget) reserve(ctx context.Context, n, total int64) error {
	if total > b.size {
		return errorf(http.StatusRequestEntityTooLarge, "", "decoding the request body would take about %d MiB, more than the %d MiB this server decodes at once; send smaller requests",
			total>>20, b.size>>20)
	}
	ctx, cancel := context.WithTimeout(ctx, decodeWait)
	defer cancel()
	if err := b.sem.Acquire(ctx, n); err != nil {
		return tooManyRequests(time.Second, "the server is decoding as many request bodies as its memory allows")
	}
	return nil
}

func (b *decodeBudget) release(n int64) {
	if n > 0 {
		b.sem.Release(n)
	}
}

// scanSlots bounds the requests that read every identity of a tenant to
// evaluate a filter, across tenants: at most half the processors, so that
// lookups, reads and writes keep the rest however many such filters
// tenants send. A request waits up to decodeWait for a slot, then gets
// 429. While other requests are in flight, scans give way to them (see
// store.GiveWay).
type scanSlots struct {
	slots chan struct{}
	// requests counts the admitted requests in flight, and scanning those
	// of them that hold or wait for a slot.
	requests, scanning atomic.Int64
}

func newScanSlots(n int) *scanSlots { return &scanSlots{slots: make(chan struct{}, max(1, n))} }

// admitted counts a request in flight until done is called.
func (s *scanSlots) admitted() (done func()) {
	s.requests.Add(1)
	return func() { s.requests.Add(-1) }
}

// othersInFlight reports whether requests other than scans are in flight.
func (s *scanSlots) othersInFlight() bool { return s.requests.Load() > s.scanning.Load() }

func (s *scanSlots) acquire(ctx context.Context) (release func(), err error) {
	s.scanning.Add(1)
	free, err := takeSlot(ctx, s.slots, decodeWait)
	if err != nil {
		s.scanning.Add(-1)
	}
	switch {
	case errors.Is(err, errNoSlot):
		return nil, tooManyRequests(time.Second, "the server is evaluating as many filters over whole tenants as it gives processors to; an eq on an indexed attribute is not held up")
	case err != nil:
		return nil, tooManyRequests(time.Second, "the request ended while waiting to evaluate its filter")
	}
	return func() { free(); s.scanning.Add(-1) }, nil
}
