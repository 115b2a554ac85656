// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"
)

// tenantLimits keeps one tenant's requests from taking the server from
// the others: a token bucket bounds its rate, and a semaphore the requests
// it has in flight. Requests over either get 429 with Retry-After, which
// identity providers honour.
type tenantLimits struct {
	rate        rate.Limit
	burst       int
	concurrency int
	// wait is how long a request waits for one of its tenant's slots
	// before it is refused.
	wait time.Duration

	mu      sync.Mutex
	tenants map[string]*tenantLimiter
}

type tenantLimiter struct {
	bucket *rate.Limiter
	slots  chan struct{}
}

func newTenantLimits(o Options) *tenantLimits {
	return &tenantLimits{
		rate:        rate.Limit(o.TenantRequestsPerSecond),
		burst:       o.TenantBurst,
		concurrency: o.TenantConcurrency,
		wait:        o.TenantQueueWait,
		tenants:     map[string]*tenantLimiter{},
	}
}

// limiter is the tenant's limiter. Only authenticated tenants get one, so
// the map grows with the tenants that exist, not with what clients send.
func (l *tenantLimits) limiter(tenant string) *tenantLimiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	tl, ok := l.tenants[tenant]
	if !ok {
		tl = &tenantLimiter{bucket: rate.NewLimiter(l.rate, l.burst), slots: make(chan struct{}, l.concurrency)}
		l.tenants[tenant] = tl
	}
	return tl
}

// admit takes one of the tenant's tokens and slots, or fails with a 429;
// release gives the slot back.
func (l *tenantLimits) admit(ctx context.Context, tenant string) (release func(), err error) {
	tl := l.limiter(tenant)
	r := tl.bucket.Reserve()
	if delay := r.Delay(); delay > 0 {
		r.Cancel()
		return nil, tooManyRequests(delay, "this tenant sends more requests than the %g a second it is allowed", float64(l.rate))
	}
	timer := time.NewTimer(l.wait)
	defer timer.Stop()
	select {
	case tl.slots <- struct{}{}:
		return func() { <-tl.slots }, nil
	case <-timer.C:
		return nil, tooManyRequests(time.Second, "this tenant has %d requests in flight, the most it may have", l.concurrency)
	case <-ctx.Done():
		return nil, tooManyRequests(time.Second, "the request ended while waiting behind this tenant's %d requests in flight", l.concurrency)
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

// reserve takes n bytes of the budget, or fails with 413 for a request
// that can never fit and 429 for one that does not fit now.
func (b *decodeBudget) reserve(ctx context.Context, n int64) error {
	if n > b.size {
		return errorf(http.StatusRequestEntityTooLarge, "", "decoding the request body would take about %d MiB, more than the %d MiB this server decodes at once; send smaller requests",
			n>>20, b.size>>20)
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
